"""Any date's state: a dataset "as of" a date, for every figure, page, map and export.

Only the parcels are dated: the land ledger (:mod:`gis.jobs.ledger.store`) keeps every version of every parcel
with the dates it was in force. The other layers (villages, concentrated fields, aquaculture ponds, recovered
land, roads, canals, the commune outline) have no history in the tool: asked as of a date they are the layers
as they stand, and the pages say so (:data:`DATED_LAYERS`, :func:`undated_layers`).

:func:`dated` gives the dataset of a date:

- with no ledger for the dataset, or a ledger holding only its initial state (no change entered), the
  dataset itself, its figures exactly those of the data (only :attr:`gis.files.io.Dataset.as_of` set);
- otherwise the dataset with its parcels those in force on the date (:func:`gis.jobs.ledger.reports.dataset_as_of`)
  and, when recoveries (``recovery`` entries not reversed by that date) were entered up to the date, the
  parcels in force the day before the first recovery entered (a reversed one too: a wrong entry undone must
  not leave its parcel out of the land before recovery) as :attr:`gis.files.io.Dataset.parcels_before_recovery`: the
  plan's "before recovery" figures are measured on those, its "after recovery" ones on the parcels of the
  date (recoveries not entered in the ledger are still taken from the recovered-land boundaries).

The parcels of a date are labelled by their order in the ledger, so that a parcel has the label it has in the
dataset as read at every date (a parcel made by a change has a label of its own).

A date before the ledger's first state (or, without a ledger, before the data's date) is refused: the tool
knows nothing of the land then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from gis.core.text import Text, texts
from gis.files.io import Dataset
from gis.jobs.ledger.model import KINDS, Entry, LandStore, LedgerError

#: The layers that have a history (asked as of a date, they are that date's); every other layer is undated.
DATED_LAYERS = ("parcels",)

#: "Figures as of": the line every page, export and printed sheet asked as of a date shows.
AS_OF_TEXT = Text("Số liệu tính đến ngày {d}", "Figures as of {d}")
#: The note on the layers without a history.
UNDATED_TEXT = Text("Chỉ lớp thửa đất có lịch sử biến động; các lớp {layers} là hiện trạng đang có, không theo ngày.",
                "Only the parcel layer has a history of changes; the layers {layers} are as they stand now, "
                "not as of the date.")
#: The note when the ledger has no change: the figures are the data's.
NO_CHANGES_TEXT = Text("Sổ biến động chưa ghi biến động nào: số liệu là số liệu của bộ dữ liệu.",
                   "The land ledger holds no change yet: the figures are those of the dataset.")

#: Layer name -> (Vietnamese, English) for the note on undated layers.
LAYER_WORDS: dict[str, Text] = texts({
    "villages": ("thôn", "villages"), "rice_fields": ("cánh đồng lúa", "rice fields"),
    "aquaculture_ponds": ("ao nuôi trồng thủy sản", "aquaculture ponds"),
    "concentrated_fields": ("cánh đồng tập trung", "concentrated fields"),
    "recovered_land": ("đất thu hồi", "recovered land"), "roads": ("đường giao thông", "roads"),
    "canals": ("kênh mương", "canals"), "commune": ("ranh giới xã", "commune boundary"),
    "district": ("các xã lân cận", "neighbouring communes"),  # the map's name of that layer (layers/district.py)
})


def as_of_text(day: dt.date, lang: str = "vi") -> str:
    """``"Số liệu tính đến ngày dd/mm/yyyy"`` (or the English) for ``day``."""
    return AS_OF_TEXT.get(lang).format(d=f"{day:%d/%m/%Y}")


def undated_layers(dataset: Dataset) -> list[str]:
    """The dataset's layers that have no history (every layer but :data:`DATED_LAYERS`), in load order."""
    return [name for name in dataset.layers if name not in DATED_LAYERS]


def undated_text(dataset: Dataset, lang: str = "vi") -> str:
    """The note on the dataset's undated layers, naming them; empty when it has none."""
    names = undated_layers(dataset)
    if not names:
        return ""
    words = ", ".join(LAYER_WORDS[n].get(lang) if n in LAYER_WORDS else n for n in names)
    return UNDATED_TEXT.get(lang).format(layers=words)


def change_entries(store: LandStore, date: dt.date | None = None) -> list[Entry]:
    """The change entries of the ledger (every kind but the initial state), up to ``date`` when given."""
    return store.entries(date_to=date, kinds=[k for k in KINDS if k != "initial"])


def recoveries(store: LandStore, date: dt.date | None = None) -> list[Entry]:
    """The ``recovery`` entries in force on ``date`` (all dated up to it, less those reversed by then), oldest
    first; every one not reversed when ``date`` is None."""
    found = store.entries(date_to=date, kinds=["recovery", "reversal"])
    undone = {e.reverses for e in found if e.kind == "reversal" and e.reverses is not None}
    return [e for e in found if e.kind == "recovery" and e.entry_id not in undone]


def start_date(folder: Path, *, root: Path | None = None) -> dt.date:
    """The first date the tool knows the dataset in ``folder``: its ledger's first state when it has one, else
    the data's date (:func:`gis.jobs.ledger.opening.data_date`)."""
    from gis.jobs.ledger.opening import data_date

    store = _open(folder, root)
    return (_first_day(store) if store is not None else None) or data_date(folder)


def _open(folder: Path, root: Path | None):
    """The ledger of the dataset in ``folder`` when one was seeded (never seeds one)."""
    from gis.core.paths import workspace_file as workspace_gpkg
    from gis.jobs.ledger.opening import LEDGER_DIR

    ledgers = Path(root if root is not None else workspace_gpkg().parent) / LEDGER_DIR
    if not ledgers.is_dir() or not any(ledgers.glob("*.gpkg")):  # no ledger at all: no need to name this one's
        return None
    from gis.jobs.ledger.opening import ledger_name, ledger_path
    from gis.jobs.ledger.store import SqliteLandStore

    path = ledger_path(ledger_name(folder, root), root)
    if not path.is_file():
        return None
    from gis.jobs.ledger.opening import workspace_file

    store = SqliteLandStore.open(path, dataset=ledger_name(folder, root), audit=workspace_file(root))
    return store if store.is_seeded() else None


def as_read(folder: Path, date: dt.date | None = None, *, root: Path | None = None) -> bool:
    """Whether the dataset in ``folder`` as of ``date`` (today when None) is the data as read: it has no ledger
    in the workspace at ``root``, or one with no change entered (then :func:`dated` gives the dataset itself).
    Never seeds a ledger. Raises :class:`LedgerError` for a date before the first state the tool knows, as
    :func:`dated` does."""
    day = date or dt.date.today()
    found = _open(Path(folder), root)
    if found is not None and change_entries(found):
        return False
    from gis.jobs.ledger.opening import data_date

    _check_start(day, (_first_day(found) if found is not None else None) or data_date(Path(folder)))
    return True


def dated(dataset: Dataset, date: dt.date | None = None, *, root: Path | None = None,
          store: LandStore | None = None) -> Dataset:
    """``dataset`` as of ``date`` (today when None), from its ledger in the workspace at ``root`` (or
    ``store``); see the module for what is dated. Never seeds a ledger. Raises :class:`LedgerError` for a date
    before the first state the tool knows."""
    day = date or dt.date.today()
    found = store if store is not None else _open(dataset.folder, root)
    if found is None or not change_entries(found):
        from gis.jobs.ledger.opening import data_date

        _check_start(day, (_first_day(found) if found is not None else None) or data_date(dataset.folder))
        return replace(dataset, as_of=day, parcels_before_recovery=None)
    first_day = _first_day(found)
    if first_day is not None:
        _check_start(day, first_day)
    from gis.jobs.ledger.reports import dataset_as_of

    out = replace(dataset_as_of(dataset, found, day), as_of=day)
    out.layers["parcels"] = _stable_labels(out.parcels)
    if recoveries(found, day):
        # the day before the first recovery entered, reversed or not: a wrong entry undone later must not
        # leave its parcel out of the land "before recovery"
        first = min(e.date for e in found.entries(date_to=day, kinds=["recovery"]))
        out = replace(out, parcels_before_recovery=found.as_of(first - dt.timedelta(days=1)))
    return out


def _stable_labels(parcels):
    """The parcels labelled by their order in the ledger (``seq - 1``): a parcel keeps the label it has in the
    dataset as read (seeded in that order) at every date and through changes of its use or user; a parcel made
    by a change has a label of its own. A selection made on one date points at the same parcel on another."""
    import pandas as pd

    seq = pd.to_numeric(parcels["seq"], errors="coerce") if "seq" in parcels.columns else None
    if seq is None or seq.isna().any() or not seq.is_unique:
        return parcels
    out = parcels.copy()
    out.index = pd.Index(seq.astype("int64").to_numpy() - 1)
    return out


def _first_day(store: LandStore) -> dt.date | None:
    """The date of the ledger's initial state (from the store's record of its seed when it keeps one)."""
    meta = getattr(store, "meta", None)
    if callable(meta):
        day = meta().get("data_date")
        if day:
            return dt.date.fromisoformat(day)
    initial = store.entries(kinds=["initial"])
    return initial[0].date if initial else None


def _check_start(day: dt.date, first: dt.date) -> None:
    if day < first:
        raise LedgerError(
            f"Dữ liệu bắt đầu từ ngày {first:%d/%m/%Y}: không có số liệu của ngày {day:%d/%m/%Y}. Hãy chọn một "
            "ngày từ ngày đó trở đi.",
            f"The data start on {first:%d/%m/%Y}: there are no figures for {day:%d/%m/%Y}. Choose a date from "
            "then on.")
