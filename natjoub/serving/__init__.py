"""Running the app server: process lifecycle (docs/architecture.md, "Process lifecycle").

* ``port``: a port that is already in use is an error, never a second server on it;
* ``supervisor``: ``manage.py serve`` runs granian in its own process group and stops it within a
  deadline, whatever state its workers are in;
* ``stop_signals``, ``granian_main``: in granian's processes, stop signals reach the thread that acts on them;
* ``procfs``: the processes /proc lists (process groups and trees to stop);
* ``request_body``: every request body is read before its response, so keep-alive connections survive
  early rejections (401, 405, 413, 415).
"""
