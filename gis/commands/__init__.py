"""Subcommands of ``python -m gis``: each module defines ``NAME``, ``HELP``, ``add_arguments`` and ``run``."""

from __future__ import annotations

import sys
from pathlib import Path


def active_folder(folder: Path | None, root: Path | None = None, *, lang: str = "vi") -> Path:
    """``folder`` when the user gave one, else the folder of the workspace's active dataset (see
    :mod:`gis.datasets`; ``root`` is the workspace folder). When the chosen dataset is gone or half-made,
    the built-in one is used and the reason printed on stderr."""
    from gis.datasets import resolve_folder

    found, notice = resolve_folder(folder, root)
    if notice is not None:
        print(notice.text(lang), file=sys.stderr)
    return found
