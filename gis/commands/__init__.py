"""Subcommands of ``python -m gis``: each module defines ``NAME``, ``HELP``, ``add_arguments`` and ``run``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gis.store.datasets import DatasetInfo


def active_folder(folder: Path | None, root: Path | None = None, *, lang: str = "vi") -> Path:
    """``folder`` when the user gave one, else the folder of the workspace's active dataset (see
    :mod:`gis.store.datasets`; ``root`` is the workspace folder). When the chosen dataset is gone or half-made,
    the built-in one is used and the reason printed on stderr. The merged commune is generated first when it
    is the active dataset and not there yet, said on stderr."""
    from gis.store import datasets
    if folder is not None:
        return Path(folder)
    current = datasets.active(root)
    if current.notice is not None:
        print(current.notice.text(lang), file=sys.stderr)
    return generate_if_needed(current.info, lang=lang)


def generate_if_needed(info: DatasetInfo, *, lang: str = "vi") -> Path:
    """The folder of ``info``, the merged commune generated there first when it is not yet (said on stderr)."""
    from gis.store import datasets
    if datasets.needs_generating(info):
        print(datasets.GENERATING.get(lang), file=sys.stderr, flush=True)
        datasets.generate(info)
    return info.folder


def add_as_of(parser) -> None:
    """The ``--as-of YYYY-MM-DD`` option of the commands that measure the land (see :mod:`gis.jobs.ledger.asof`)."""
    import datetime as dt

    parser.add_argument("--as-of", dest="as_of", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                        help="the figures of the parcels in force on this date, from the land ledger (default: "
                        "today); the other layers have no history and are as they stand")


def as_of_line(dataset, lang: str) -> str:
    """The line a command prints before figures asked as of a date: the date, and the undated layers."""
    from gis.jobs.ledger.asof import as_of_text, undated_text

    if dataset.as_of is None:
        return ""
    note = undated_text(dataset, lang)
    return as_of_text(dataset.as_of, lang) + "." + (f" {note}" if note else "")
