"""natjoub/wsgi.py freezes what loading the app left out of the garbage collector's reach
(docs/architecture.md §3.8): a full collection in a worker then walks only what requests create."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import gc, natjoub.wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))"


def test_loading_the_wsgi_app_freezes_what_it_loaded():
    env = {k: v for k, v in os.environ.items() if k not in ("NATJOUB_EMBEDDED_DB_URI", "DJANGO_SETTINGS_MODULE")}
    # a server nobody listens on: loading the app opens no connection
    env.update(DATABASE_URL="postgresql://nobody@127.0.0.1:9/none", DJANGO_SETTINGS_MODULE="natjoub.settings")
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    frozen, tracked = map(int, done.stdout.split()[-2:])
    assert frozen > 50_000
    assert tracked < frozen // 10
