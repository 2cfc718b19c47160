#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "natjoub.settings")
    if sys.argv[1:2] == ["restore"]:
        # a restore after a disk loss must not start a new, empty embedded server in its place
        os.environ["NATJOUB_EMBEDDED_NO_START"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
