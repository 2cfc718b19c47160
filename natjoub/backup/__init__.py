"""Backups and point-in-time recovery with Barman (docs/api.md §38, docs/operations.md "Backups").

``config`` writes Barman's configuration from the settings, ``barman`` runs its commands,
``streaming`` is the WAL receiver that ``manage.py serve`` supervises, ``restore`` recovers a data
directory to a moment, ``status`` reads the catalogue cheaply for ``/metrics``.
"""
