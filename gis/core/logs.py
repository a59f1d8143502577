"""One log for the app and the commands: imports, saves, exports and errors, kept in the workspace.

:func:`setup` (called by the command line and by ``app.py``, and by :func:`event` itself) attaches a
:class:`logging.handlers.RotatingFileHandler` to the ``gis`` logger, writing ``<workspace>/logs/gis.log``:
at most :data:`MAX_BYTES` a file and :data:`BACKUPS` older files (``gis.log.1`` …), so the log never grows
past about 6 MB. When the workspace cannot be written there is no log, and nothing else changes.

:func:`event` writes one line per thing done, naming what was done, its outcome, the user (when known), the
dataset and the file::

    2026-12-01 16:50:01 INFO import ok user=an dataset=imports/parcels-20261201-165001 file=parcels.shp

Values are written as given, on one line, with ``key=value`` pairs; a value is never a password or a token
(the callers pass names and paths only), and :class:`Redact` blanks anything that looks like one anyway.
A bug's traceback goes to the same file (:func:`bug`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from logging.handlers import RotatingFileHandler
from pathlib import Path

from gis.core.errors import GisError
from gis.core.paths import workspace_file

LOGGER_NAME = "gis"
LOG_FILE = "gis.log"
#: Size of one log file before it is rotated, and how many rotated files are kept.
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(message)s"

logger = logging.getLogger(LOGGER_NAME)

_SECRET = re.compile(r"(?i)\b(password|passwd|mật khẩu|mat_khau|token|secret|hash)(\s*[=:]\s*)\S+")


class Redact(logging.Filter):
    """Blank the value after ``password=``, ``token=``, ``secret=`` (and the like) in every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _SECRET.sub(r"\1\2***", message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class WorkspaceLogHandler(RotatingFileHandler):
    """The rotating file of :func:`setup`. A log that cannot be written (a full or read-only drive) is lost
    silently: the work goes on, and no traceback reaches the user from the log itself."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        pass

    def close(self) -> None:
        try:
            super().close()
        except OSError:  # the last lines are lost with the drive that refused them
            pass


def log_path(root: Path | None = None) -> Path:
    """The log file of the workspace folder ``root`` (default: the workspace in use)."""
    return (Path(root) if root is not None else workspace_file().parent) / "logs" / LOG_FILE


def _ours() -> list[WorkspaceLogHandler]:
    return [h for h in logger.handlers if isinstance(h, WorkspaceLogHandler)]


def setup(root: Path | None = None) -> Path | None:
    """Send the ``gis`` logger to the workspace's ``logs/gis.log`` (rotating); return that file.

    Safe to call often: nothing changes when the log already goes there; a different workspace (another
    ``$LUONGPHONG_WORKSPACE``) moves it. Returns None, and logs nowhere, when the folder cannot be written.

    Parameters
    ----------
    root
        The workspace folder; default the workspace in use.
    """
    path = log_path(root)
    current = _ours()
    if any(Path(h.baseFilename) == path for h in current):
        return path
    for handler in current:
        logger.removeHandler(handler)
        handler.close()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = WorkspaceLogHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(FORMAT, datefmt="%Y-%m-%d %H:%M:%S"))
    handler.addFilter(Redact())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return path


def _value(value: object) -> str:
    text = " ".join(str(value).split())  # one line: no newline from a file name ends up starting a fake record
    return text if text and " " not in text and "=" not in text else repr(text)


def event(action: str, outcome: str, *, user: str | None = None, dataset: str | None = None,
          file: object | None = None, detail: str | None = None, level: int = logging.INFO,
          root: Path | None = None, exc_info: bool = False) -> None:
    """Write one line: ``action outcome user=… dataset=… file=… detail=…`` (the pairs given).

    Parameters
    ----------
    action
        What was done: ``import``, ``save``, ``export``, ``command``, ``page`` …
    outcome
        ``ok``, ``refused`` (the user's data or request; a :class:`~gis.core.errors.GisError`) or ``failed`` (a bug).
    user, dataset, file, detail
        Who, on which dataset, with which file (a name or a path), and what else helps; never a password.
    level
        ``logging.INFO`` for what went well, ``WARNING`` for a refusal, ``ERROR`` for a failure.
    root
        The workspace folder to log into; default the workspace in use.
    exc_info
        Add the traceback of the exception being handled (for a bug).
    """
    setup(root)
    pairs = [f"{key}={_value(value)}" for key, value in
             (("user", user), ("dataset", dataset), ("file", file), ("detail", detail)) if value not in (None, "")]
    logger.log(level, " ".join([action, outcome, *pairs]), exc_info=exc_info)


@contextmanager
def logged(action: str, *, root: Path | None = None, user: str | None = None, dataset: str | None = None,
           file: object | None = None) -> Iterator[dict[str, object]]:
    """Log ``action`` once it ends: ``ok``, ``refused`` (a GisError, with its English text) or ``failed``.

    The block may set ``user``, ``dataset``, ``file`` or ``detail`` in the yielded dict (e.g. the dataset it
    made) before the line is written. The exception, if any, is raised again unchanged.
    """
    line: dict[str, object] = {"user": user, "dataset": dataset, "file": file, "detail": None}

    def write(outcome: str, level: int, detail: object = None, exc_info: bool = False) -> None:
        event(action, outcome, user=_text(line["user"]), dataset=_text(line["dataset"]), file=line["file"],
              detail=_text(detail if detail is not None else line["detail"]), level=level, root=root,
              exc_info=exc_info)

    try:
        yield line
    except GisError as exc:
        write("refused", logging.WARNING, exc.en)
        raise
    except Exception:  # noqa: BLE001 - any other failure (a bug) is logged with its traceback and raised on: the
        write("failed", logging.ERROR, exc_info=True)  # caller (the CLI's last handler, serve.py) tells the user
        raise
    write("ok", logging.INFO)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def bug(where: str, *, user: str | None = None, exc: BaseException | None = None) -> Path | None:
    """Log a bug with its traceback: ``exc``, else the exception being handled; return the log file.

    Parameters
    ----------
    where
        The command (``summary``) or ``app``.
    user
        Who ran it, when known.
    exc
        The exception; default the one being handled (inside ``except``).

    Returns
    -------
    Path or None
        The log file, or None when the workspace cannot be written (then nothing is kept).
    """
    path = setup()
    if path is None:
        return None
    logger.error("%s failed%s detail=%s", "app" if where == "app" else "command",
                 f" user={_value(user)}" if user else "", _value(where),
                 exc_info=(type(exc), exc, exc.__traceback__) if exc is not None else True)
    for handler in _ours():
        handler.flush()
    return path
