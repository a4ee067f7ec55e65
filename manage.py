#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csol.settings")
    # A checkout with no SECRET_KEY is a developer's: run commands with the development defaults
    # instead of failing deep inside Django's start-up. Servers start through csol/wsgi.py, which
    # stays strict (production refuses to start without SECRET_KEY).
    if "SECRET_KEY" not in os.environ:
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
