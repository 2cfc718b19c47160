#!/bin/sh
# Prints the path of a Python >= 3.12 interpreter, or fails with a hint.
# Tries PYTHON, then python3.x names on PATH (pyenv shims that are not active fail the probe),
# then pyenv's and the system's install folders.
probe() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
installed=$(ls -d "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9] \
            2>/dev/null | sort -r -V)
for c in ${PYTHON:-} python3.14 python3.13 python3.12 python3 python $installed; do
  [ -n "$c" ] || continue
  if probe "$c"; then
    command -v "$c" 2>/dev/null || echo "$c"
    exit 0
  fi
done
echo "error: no Python >= 3.12 found; install one or set PYTHON=/path/to/python3.12" >&2
exit 1
