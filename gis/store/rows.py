"""The workspace file and what its rows hold: where it is, its tables, who changed a row and when, and the
values of a planned field's row (its state, the decision that adopts it, the dataset and CRS it was drawn in).

Nothing here reads or writes the file; :mod:`gis.store.workspace` does (see its docstring for the tables).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from gis.core.errors import GisError
from gis.core.paths import default_workspace_dir, workspace_file
from gis.core.text import Text, texts

if TYPE_CHECKING:
    from gis.files.io import Dataset

DEFAULT_WORKSPACE = default_workspace_dir() / "workspace.gpkg"
FIELDS_TABLE = "planned_fields"
VALUES_TABLE = "manual_values"
AUDIT_TABLE = "audit"
#: Seconds a connection waits for another process's write to finish.
TIMEOUT_S = 30.0
#: The audit action of the migration that made the fields of an older file drafts.
MIGRATION_ACTION = "migrate_fields_to_drafts"
#: A planned field's state: drawn and saved (dự thảo), or adopted by a decision (đã phê duyệt).
DRAFT, ADOPTED = "draft", "adopted"
STATE_LABELS: dict[str, Text] = texts({DRAFT: ("Dự thảo", "Draft"), ADOPTED: ("Đã phê duyệt", "Adopted")})
#: The data the workspace's first fields were drawn on (before each field named its dataset).
BUILTIN_DATASET = "builtin"
#: The longest decision text kept (a decision number and its issuer fit in far less).
DECISION_MAX_CHARS = 200


def workspace_path() -> Path:
    """The workspace file: ``$LUONGPHONG_WORKSPACE`` when set, else ``workspace.gpkg`` in :func:`gis.core.paths.default_workspace_dir`."""
    return workspace_file()


def acting_user(by: str | None) -> str:
    """``by``, or the user of this machine when the caller is local (the command line, a script)."""
    if by:
        return by
    from gis.store.accounts import local_user

    return local_user().name


def now_iso() -> str:
    """Now, in UTC to the second, as ISO 8601 text (the time stamps of the rows)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()



def dataset_id(dataset: Dataset) -> str:
    """The id that ties saved geometry to its dataset: ``"builtin"``, or the data folder's name (``hiep-hoa``
    for the merged commune, an import's ``imports/<name>-<stamp>`` folder, whose ``source.json`` says where it
    came from)."""
    from gis.files.io import BUILTIN_DATA_DIR

    return BUILTIN_DATASET if dataset.folder.resolve() == BUILTIN_DATA_DIR.resolve() else dataset.folder.name


def srs_text(crs: object) -> str:
    """A CRS as stored in the workspace: ``EPSG:<code>`` when it is exactly an EPSG CRS, else its WKT.

    The WKT is GDAL's WKT 1, which keeps a custom VN-2000 zone's datum shift exactly as given (pyproj's WKT 2
    reads back as a different CRS); WKT 2 only when WKT 1 cannot express the CRS.
    """
    from pyproj import CRS  # here only: most users of this module need no pyproj

    parsed = CRS.from_user_input(crs)
    authority = parsed.to_authority(min_confidence=100)
    if authority is not None and authority[0] == "EPSG":
        return f"EPSG:{authority[1]}"
    return parsed.to_wkt("WKT1_GDAL") or parsed.to_wkt()


def parse_decision(decision: str, decision_date: str | date) -> tuple[str, str]:
    """The decision's number and its date (ISO ``YYYY-MM-DD``), checked.

    Raises :class:`GisError` for an empty or over-long decision, or a date that is not a real
    ``YYYY-MM-DD`` day or lies in the future.
    """
    text = " ".join(str(decision or "").split())
    if not text:
        raise GisError("Chưa nhập số quyết định phê duyệt (ví dụ «Quyết định số 123/QĐ-UBND»): chưa phê duyệt.",
                       "The number of the adopting decision is empty (e.g. 'Quyết định số 123/QĐ-UBND'): "
                       "not adopted.")
    if len(text) > DECISION_MAX_CHARS:
        raise GisError(f"Số quyết định dài quá {DECISION_MAX_CHARS} ký tự: chỉ ghi số và cơ quan ban hành.",
                       f"The decision is longer than {DECISION_MAX_CHARS} characters: give its number and issuer.")
    if isinstance(decision_date, date):
        day = decision_date
    else:
        raw = str(decision_date or "").strip()
        try:
            day = date.fromisoformat(raw) if len(raw) == 10 else date.min
        except ValueError:
            day = date.min
        if day == date.min:
            raise GisError(f"Ngày quyết định «{decision_date}» không hợp lệ: ghi theo dạng NNNN-TT-NN, ví dụ "
                           "2024-05-10.",
                           f"The decision date '{decision_date}' is not valid: write it as YYYY-MM-DD, e.g. "
                           "2024-05-10.")
    if day > datetime.now(UTC).date() + timedelta(days=1):  # a day of slack: Vietnam is ahead of UTC
        raise GisError(f"Ngày quyết định {day.isoformat()} ở tương lai: ghi ngày quyết định đã ký.",
                       f"The decision date {day.isoformat()} is in the future: give the date it was signed.")
    return text, day.isoformat()
