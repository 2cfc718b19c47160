"""The WSGI entry point freezes what it loaded (natjoub/wsgi.py, docs/architecture.md §3.8): a full
collection in a worker then walks only what requests created since, not the whole app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc
assert gc.get_freeze_count() == 0
import natjoub.wsgi
print(gc.get_freeze_count(), len(gc.get_objects()))
"""


def test_loading_the_wsgi_app_freezes_its_objects():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "natjoub.test_settings"}
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    frozen, tracked = map(int, done.stdout.split()[-2:])
    assert frozen > 10_000  # Django, the apps, the URL conf: all of it
    assert tracked < frozen / 10  # what a full collection still walks
