"""The back office (the Django admin site for staff): the site, its app config, read-only pages.

Apps register their ModelAdmins and dashboard panels (natjoub.registry); this package names no app.
"""
