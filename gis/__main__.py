"""The command line: ``python -m gis COMMAND``. Each command lives in ``gis/commands/``."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from gis import commands
from gis.errors import GisError


def _command_modules():
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        yield importlib.import_module(f"gis.commands.{info.name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gis", description="Lương Phong land tool")
    parser.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of messages")
    sub = parser.add_subparsers(dest="command", required=True)
    handlers = {}
    for module in _command_modules():
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        handlers[module.NAME] = module.run
    args = parser.parse_args(argv)
    try:
        return handlers[args.command](args)
    except GisError as exc:
        print(exc.text(args.lang), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
