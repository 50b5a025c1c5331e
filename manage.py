#!/usr/bin/env python
"""Django's command-line utility for administrative tasks (archive/cli.py reports a database
that cannot be reached in one line, exit status 2)."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    from archive.cli import main as run

    run(sys.argv)


if __name__ == "__main__":
    main()
