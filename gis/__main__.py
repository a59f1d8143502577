"""The command line: ``python -m gis COMMAND``. Each command lives in ``gis/commands/``.

Every file given to a command is checked against the size limit (``file_mb`` in ``gis/limits.toml``)
before the command runs. A problem with the user's data (:class:`gis.core.errors.GisError`) prints its message
and exits with 2; anything else is a bug: a short message in the user's language, the traceback kept in the
workspace's log (``logs/gis.log``, see :mod:`gis.core.logs`), exit 3. ``--debug`` (or ``LUONGPHONG_DEBUG=1``) prints
the traceback instead. Every command's outcome is logged there too, with the files it read and wrote.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import logging
import os
import pkgutil
import sys
import threading
from pathlib import Path
from typing import NoReturn

from gis import commands
from gis.core import logs
from gis.core.errors import GisError

#: Exit codes: 2 for the user's data or request, 3 for a bug (or the machine out of memory), 130 for Ctrl+C.
EXIT_USER, EXIT_BUG, EXIT_INTERRUPTED = 2, 3, 130


def _command_modules():
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        yield importlib.import_module(f"gis.commands.{info.name}")


def _input_files(args: argparse.Namespace) -> list[Path]:
    """The existing files among the command's arguments (outputs not yet written are not there)."""
    found: list[Path] = []
    for value in vars(args).values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, Path) and item.is_file():
                found.append(item)
    return found


def _path_args(args: argparse.Namespace) -> list[Path]:
    """Every path among the command's arguments (files read and files to write)."""
    return [item for value in vars(args).values() for item in (value if isinstance(value, list) else [value])
            if isinstance(item, Path)]


def _stamps(paths: list[Path]) -> dict[Path, int | None]:
    """Each path's modification time in ns (None when it is not a file): what a command wrote shows as a change."""
    return {p: p.stat().st_mtime_ns if p.is_file() else None for p in paths}


def _user() -> str | None:
    """The user of this machine, as the workspace records a command's changes; None when unknown."""
    try:
        from gis.store.accounts import local_user

        return local_user().name
    except (OSError, GisError):
        return None


def _bug_message(exc: BaseException, command: str, log: Path | None, lang: str) -> str:
    memory = isinstance(exc, MemoryError)
    if lang == "vi":
        what = ("Máy không đủ bộ nhớ" if memory else f"Lỗi chương trình ({type(exc).__name__})")
        text = (f"{what} khi chạy lệnh «{command}». Đây là lỗi của công cụ, không phải của dữ liệu: hãy báo cho "
                "người quản trị, kèm tệp dữ liệu và lệnh đã chạy.")
        if memory:
            text += " Có thể thử lại với tệp nhỏ hơn (chia theo tờ bản đồ)."
        text += f" Chi tiết lỗi đã ghi vào «{log}»." if log else " Chạy lại với --debug để xem chi tiết."
        return text
    what = "The machine ran out of memory" if memory else f"A bug ({type(exc).__name__})"
    text = (f"{what} while running '{command}'. This is a fault of the tool, not of the data: report it to the "
            "administrator with the data file and the command.")
    if memory:
        text += " Try again with a smaller file (split by map sheet)."
    text += f" The details are in '{log}'." if log else " Run again with --debug to see the details."
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gis", description="Lương Phong land tool")
    parser.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of messages")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of a bug (also LUONGPHONG_DEBUG=1)")
    sub = parser.add_subparsers(dest="command", required=True)
    handlers = {}
    for module in _command_modules():
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        handlers[module.NAME] = module.run
    args = parser.parse_args(argv)
    debug = args.debug or os.environ.get("LUONGPHONG_DEBUG", "") not in ("", "0")
    logs.setup()
    inputs = _input_files(args)
    before = _stamps(_path_args(args))
    try:
        from gis.core.limits import check_file_size

        for path in inputs:
            check_file_size(path)
        code = handlers[args.command](args)
        written = [p for p, stamp in _stamps(list(before)).items() if stamp is not None and stamp != before[p]]
        logs.event("command", "ok" if code == 0 else f"exit {code}", user=_user(), detail=args.command,
                   file=", ".join(map(str, inputs)) or None)
        for path in written:
            logs.event("export", "ok", user=_user(), detail=args.command, file=path)
        return code
    except GisError as exc:
        logs.event("command", "refused", user=_user(), file=", ".join(map(str, inputs)) or None,
                   detail=f"{args.command}: {exc.en}", level=logging.WARNING)
        print(exc.text(args.lang), file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        print("Đã dừng." if args.lang == "vi" else "Stopped.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`... | head`): not a bug; stop quietly
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - so that the interpreter's final flush is silent
        return 0
    except Exception as exc:  # noqa: BLE001 - MemoryError included: a bug gets a message, never a traceback
        if debug:
            raise
        log = logs.bug(args.command, user=_user())
        print(_bug_message(exc, args.command, log, args.lang), file=sys.stderr)
        return EXIT_BUG


def exit_now(code: int) -> NoReturn:
    """End the process with ``code`` once the command is done, without the interpreter's teardown.

    The interpreter's own exit frees every object one by one and tears down every module: a quarter of a second
    after a command that held a million parcels, for nothing the user sees. For the command line only
    (``python -m gis``), never for :func:`main` called in a process that goes on. What an exit must still do is
    done first: the messages flushed, the log's handlers flushed and closed (:func:`logging.shutdown`: the audit
    log's last lines). The outputs are closed and the temporary folders removed by the commands themselves, before
    :func:`main` returns. A thread of ours still at work (none is, after a command) gets the ordinary exit,
    which waits for it, and so does a process run under a profiler or a tracer (``python -m cProfile -m gis``,
    coverage), which write what they found at the interpreter's exit.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader gone away (`| head`), a stream closed: nothing
            # more can be said to it (the user saw what it took)
            stream.flush()
    if sys.getprofile() is not None or sys.gettrace() is not None or any(
            t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)
    os._exit(code)


#: The cyclic collector's thresholds for the command line (Python's are 700, 10, 10): a command that reads a
#: million parcels allocates millions of objects, and at 700 the collector ran 430 times and took 0.16 s of CPU
#: in ``gis recovery`` of a million parcels, 0.09 s of a hundred thousand, 0.05 s and 0.04 s at these, with the
#: same peak memory (measured with ``gc.callbacks``). For the command line only, as :func:`exit_now`.
GC_THRESHOLDS = (50_000, 20, 10)


if __name__ == "__main__":
    gc.set_threshold(*GC_THRESHOLDS)
    exit_now(main())
