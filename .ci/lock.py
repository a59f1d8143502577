"""Write ``requirements.lock``: the versions installed here of every package the tool and its tests need.

Run it after testing a new set of versions (``python3 .ci/lock.py``); CI installs exactly this set
(``pip install -r requirements.lock``), and the wheel check installs the wheel constrained by it. The set is
the closure of ``pyproject.toml``'s dependencies and its ``test`` extra, read from the installed packages'
metadata: unlike ``pip freeze`` it leaves out whatever else this environment holds.
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(requirements: list[str]) -> dict[str, str]:
    """``{name: version}`` of ``requirements`` and everything they need, as installed here."""
    found: dict[str, str] = {}
    todo = [(Requirement(r), "") for r in requirements]
    while todo:
        req, extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            continue
        dist = metadata.distribution(req.name)
        key = _key(dist.metadata["Name"])
        if not req.specifier.contains(dist.version, prereleases=True):
            sys.exit(f"{dist.metadata['Name']} {dist.version} is installed but {req} is required")
        first = key not in found
        found[key] = dist.version
        for wanted in ([""] if first else []) + sorted(req.extras):
            todo.extend((Requirement(r), wanted) for r in dist.requires or [])
    return found


def main() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = closure([*project["dependencies"], *project["optional-dependencies"]["test"]])
    lines = [f"{name}=={version}" for name, version in sorted(pins.items())]
    LOCK.write_text("# The set of versions tested together; written by .ci/lock.py from pyproject.toml.\n"
                    + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{LOCK.name}: {len(lines)} packages")


if __name__ == "__main__":
    main()
