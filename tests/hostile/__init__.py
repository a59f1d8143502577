"""A corpus of broken and hostile files, generated in code, with the outcome each must have.

Each module of this package defines ``CASES: list[Case]``; :func:`all_cases` gathers them. A case writes its
file(s) into an empty folder and returns the path to hand to the tool. ``tests/test_hostile_corpus.py`` runs
every case through ``gis inspect``, ``gis import`` and the Data page's upload path and checks the outcome:

``"refused"``
    exit code 2 and a Vietnamese message that contains ``message``; no dataset left behind.
``"problems"``
    the import succeeds and the data check counts at least one problem of kind ``problem``.
``"ok"``
    the import succeeds (a file that already passed, kept so that it stays passing).

``args`` are options given to ``gis inspect`` and ``gis import`` after the file (``--province``, ``--fix-crs``
...); on the Data page, ``--province NAME`` is the province chosen and ``--fix-crs`` the consent box ticked. A
placement is only checked against a province when one is chosen, as an officer would choose it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

OUTCOMES = ("refused", "problems", "ok")


@dataclass(frozen=True)
class Case:
    """One file of the corpus and what the tool must do with it."""

    name: str
    make: Callable[[Path], Path]
    expect: str
    message: str | None = None
    problem: str | None = None
    heavy: bool = False
    args: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.expect not in OUTCOMES:
            raise ValueError(f"{self.name}: expect must be one of {OUTCOMES}")
        if self.expect == "refused" and not self.message:
            raise ValueError(f"{self.name}: a refused case names a fragment of its Vietnamese message")
        if self.expect == "problems" and not self.problem:
            raise ValueError(f"{self.name}: a problems case names the problem kind it expects")


def all_cases() -> list[Case]:
    """Every case of every module in this package, names unique."""
    cases: list[Case] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        cases.extend(module.CASES)
    names = [c.name for c in cases]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"duplicate case names: {duplicates}")
    return cases
