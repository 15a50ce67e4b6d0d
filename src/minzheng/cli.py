"""The `minzheng` console command: Django's manage.py with the settings preset.

Hyphenated command names are accepted (`minzheng import-households` runs `import_households`).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    command_at = 2 if len(args) > 2 and args[1] == "help" else 1  # `minzheng help import-households` too
    if len(args) > command_at and not args[command_at].startswith("-"):
        args[command_at] = args[command_at].replace("-", "_")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
