"""The jobs of the land ledger: changes to parcels, checked before they are written, and what the ledger tells.

Every job takes a :class:`~gis.ledger.model.LandStore`, the parcel(s) by reference (``"SHEET/PARCEL"``, e.g.
``"12/345"``), the date the change takes effect, the :class:`~gis.ledger.model.Decision` that decides it and
who enters it (``by``: an account name, ``None`` for the user of this machine), and returns the ledger
:class:`~gis.ledger.model.Entry` it wrote. A change that cannot be made raises
:class:`~gis.ledger.model.LedgerError` (Vietnamese and English) and writes nothing:

- the result would overlap a neighbour, or two new parcels would overlap, by more than
  :data:`TOLERANCE_M2`;
- the result would leave a gap (land the old parcels covered that no new parcel covers);
- a new piece would be under the minimum parcel size of its land-use group (``[minimum_parcel_m2]`` of
  ``gis/recovery_settings.toml``, the rule of the recovery table; groups not listed there: the sliver
  tolerance ``[tolerances] sliver_m2``);
- merging parcels that are not neighbours (their union is not one polygon), on different sheets, of different
  land uses or land users.

Areas are the drawn areas in the dataset's CRS (VN-2000 TM-3, metres). New parcels (split, merge, the two
pieces of a partial recovery) get a new identity and the next free numbers on their sheet (one above the
highest number ever used there, so a retired number is never given again); their legal area is their drawn
area to 0.1 m² and their certificate number is cleared (a new certificate is issued). A change of land use,
land user, area or geometry makes a new version of the same parcel (same identity, same number).

Reading: :func:`state_as_of` (the parcels of a date), :func:`dataset_as_of` (a dataset whose parcels are
those of a date, for :func:`gis.summary.summarise` and the pages), :func:`history` (a parcel's changes,
parents and children), :func:`changes_between` (what changed between two dates, by kind, land-use group and
village, with rice land and pond area lost and gained).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import shapely.ops

from gis import landuse
from gis.errors import GeometryError
from gis.io import Dataset
from gis.ledger.model import Decision, Entry, LandStore, LedgerError, NewEntry, StageRecord, key_text, new_id
from gis.ledger.store import SqliteLandStore
from gis.recovery import RecoverySettings, load_settings

#: Overlap or gap smaller than this (m²) is floating-point noise along shared edges, not a fault.
TOLERANCE_M2 = 0.01
#: The date of the built-in data's first state when its ``dataset.json`` gives none (``data_date``): the
#: demonstration parcels are the land before the 2023 recoveries.
BUILTIN_DATA_DATE = dt.date(2023, 1, 1)
#: The folder of the workspace holding one ledger file per dataset.
LEDGER_DIR = "ledger"


# ------------------------------------------------------------------------------------------------ opening


def ledger_path(name: str, root: Path | None = None) -> Path:
    """The ledger file of dataset ``name`` in the workspace folder ``root`` (the workspace's by default)."""
    if root is None:
        from gis.uploads import workspace_root

        root = workspace_root()
    return Path(root) / LEDGER_DIR / f"{name}.gpkg"


def ledger_name(folder: Path, root: Path | None = None) -> str:
    """The name of the ledger of the dataset in ``folder``: the dataset's name (``builtin``, an import's folder
    name); for any other folder of layers, its name and a hash of its full path, so that two folders of the
    same name never share a ledger."""
    import hashlib

    from gis.datasets import describe
    from gis.uploads import workspace_root

    info = describe(folder)
    resolved = Path(folder).resolve()
    if info.builtin or resolved.parent == (Path(root or workspace_root()) / "imports").resolve():
        return info.name
    return f"{resolved.name}-{hashlib.sha1(str(resolved).encode('utf-8')).hexdigest()[:8]}"


def data_date(folder: Path) -> dt.date:
    """The date of a dataset's data: ``data_date`` of its ``dataset.json`` or ``source.json``, else the day
    it was imported, else :data:`BUILTIN_DATA_DATE`."""
    for name in ("dataset.json", "source.json"):
        try:
            meta = json.loads((Path(folder) / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(meta, dict):
            continue
        for key in ("data_date", "imported_at"):
            value = meta.get(key)
            if isinstance(value, str) and len(value) >= 10:
                try:
                    return dt.date.fromisoformat(value[:10])
                except ValueError:
                    pass
    return BUILTIN_DATA_DATE


def workspace_file(root: Path | None = None) -> Path:
    """The workspace file (:mod:`gis.store.workspace`) of the workspace folder ``root`` (the workspace's by default),
    whose audit table records every change of the ledger."""
    from gis.store.rows import workspace_path

    return workspace_path() if root is None else Path(root) / workspace_path().name


def open_store(dataset: Dataset, *, root: Path | None = None, by: str | None = None,
               date: dt.date | None = None) -> SqliteLandStore:
    """The ledger of ``dataset`` in the workspace at ``root``; the first time, seeded from its parcels with an
    ``initial`` entry dated ``date`` (default :func:`data_date`)."""
    name = ledger_name(dataset.folder, root)
    store = SqliteLandStore.open(ledger_path(name, root), dataset=name, audit=workspace_file(root))
    if not store.is_seeded():
        store.seed(dataset.parcels, date=date or data_date(dataset.folder), by=by, source=str(dataset.folder),
                   note="Hiện trạng ban đầu, từ lớp thửa đất của bộ dữ liệu")
    return store


def open_folder_store(folder: Path, *, root: Path | None = None, by: str | None = None) -> SqliteLandStore:
    """The ledger of the dataset in ``folder``, read from the workspace at ``root``; the dataset's layers are
    read only the first time, to seed it (see :func:`open_store`)."""
    from gis.io import load_dataset

    name = ledger_name(folder, root)
    store = SqliteLandStore.open(ledger_path(name, root), dataset=name, audit=workspace_file(root))
    return store if store.is_seeded() else open_store(load_dataset(folder), root=root, by=by)


# ------------------------------------------------------------------------------------------------ references


def parse_ref(ref: str) -> tuple[str, str]:
    """``"12/345"`` -> ``("12", "345")``; :class:`LedgerError` for anything else."""
    parts = str(ref).strip().split("/")
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        raise LedgerError(
            f"«{ref}» không phải số hiệu thửa: hãy viết TỜ/THỬA, ví dụ 12/345 (tờ bản đồ số 12, thửa số 345).",
            f"'{ref}' is not a parcel reference: write SHEET/PARCEL, e.g. 12/345 (map sheet 12, parcel 345).")
    return key_text(parts[0]), key_text(parts[1])


def ref_of(row: Mapping[str, Any]) -> str:
    """``"SHEET/PARCEL"`` of a version row."""
    return f"{key_text(row.get('sheet'))}/{key_text(row.get('parcel_no'))}"


def current(store: LandStore, ref: str) -> gpd.GeoDataFrame:
    """The current version of parcel ``ref`` (one row); :class:`LedgerError` when there is none, saying what
    became of a retired number."""
    sheet, number = parse_ref(ref)
    found = store.find(sheet, number)
    if len(found) == 1:
        return found
    if len(found) > 1:
        raise LedgerError(
            f"Có {len(found)} thửa cùng số hiệu {sheet}/{number} trong hiện trạng: hãy sửa số hiệu trong dữ liệu "
            "trước khi ghi biến động.",
            f"{len(found)} current parcels share the number {sheet}/{number}: correct the numbers in the data "
            "before entering a change.")
    if store.ever_numbered(sheet, number):
        raise LedgerError(
            f"Thửa {sheet}/{number} không còn trong hiện trạng (đã tách, hợp hoặc đổi số): xem «python -m gis "
            f"history {sheet}/{number}».",
            f"Parcel {sheet}/{number} is no longer current (split, merged or renumbered): see 'python -m gis "
            f"history {sheet}/{number}'.")
    raise LedgerError(f"Không có thửa {sheet}/{number} (tờ {sheet}, thửa {number}) trong sổ biến động.",
                      f"There is no parcel {sheet}/{number} (sheet {sheet}, parcel {number}) in the ledger.")


def next_numbers(store: LandStore, sheet: str, count: int) -> list[int]:
    """The next ``count`` free parcel numbers of ``sheet``: above the highest number ever used there."""
    used = [int(n) for n in store.sheet_numbers(sheet) if str(n).isdigit()]
    start = max(used, default=0) + 1
    return list(range(start, start + count))


def _decision(decision: Decision | str) -> Decision:
    found = Decision(decision) if isinstance(decision, str) else decision
    if not found.number.strip():
        raise LedgerError(
            "Hãy ghi số văn bản quyết định biến động (ví dụ «125/QĐ-UBND»): không ghi biến động khi không có "
            "căn cứ.", "Give the number of the document that decides the change (e.g. '125/QĐ-UBND'): no change "
            "is entered without one.")
    return found


# ------------------------------------------------------------------------------------------------ checks


def _settings(settings: RecoverySettings | None) -> RecoverySettings:
    return settings if settings is not None else load_settings()


def minimum_m2(group: str | None, settings: RecoverySettings) -> float:
    """The minimum size of a parcel of land-use ``group``: its ``[minimum_parcel_m2]`` entry, else the sliver
    tolerance."""
    return float(settings.minimum_parcel_m2.get(group or "", settings.sliver_m2))


def check_minimum(pieces: gpd.GeoDataFrame, settings: RecoverySettings) -> None:
    """Refuse when a piece is under the minimum size of its land-use group."""
    for _, row in pieces.iterrows():
        area = float(row.geometry.area)
        least = minimum_m2(row.get("group"), settings)
        if area < least:
            group = landuse.group_name(row.get("group"), lang="vi")
            group_en = landuse.group_name(row.get("group"), lang="en")
            raise LedgerError(
                f"Phần {ref_of(row)} chỉ có {area:.1f} m², nhỏ hơn diện tích tối thiểu {least:g} m² của nhóm "
                f"«{group}» ({settings.source}): không ghi. Hãy vẽ lại đường chia hoặc hợp phần nhỏ với thửa bên cạnh.",
                f"Piece {ref_of(row)} would be {area:.1f} m², under the minimum {least:g} m² of group '{group_en}' "
                f"({settings.source}): not written. Draw the line again, or merge the small piece with a neighbour.")


def check_coverage(store: LandStore, removed: gpd.GeoDataFrame, added: gpd.GeoDataFrame) -> None:
    """Refuse when ``added`` (replacing ``removed`` among the current parcels) overlaps itself or a neighbour,
    or leaves a gap, by more than :data:`TOLERANCE_M2`. Overlaps a neighbour already had are not counted."""
    old = shapely.union_all(removed.geometry.to_numpy())
    new = shapely.union_all(added.geometry.to_numpy())
    inner = float(shapely.area(added.geometry.to_numpy()).sum() - new.area)
    if inner > TOLERANCE_M2:
        raise LedgerError(
            f"Các thửa mới chồng lên nhau {inner:.2f} m²: không ghi. Hãy vẽ lại.",
            f"The new parcels overlap each other by {inner:.2f} m²: not written. Draw again.")
    gap = float(old.difference(new).area)
    if gap > TOLERANCE_M2:
        raise LedgerError(
            f"Kết quả để hở {gap:.2f} m² đất không thuộc thửa nào (khoảng trống): không ghi. Hình thể mới phải phủ "
            "hết hình thể cũ; muốn thu hẹp thửa thì chỉnh cả thửa bên cạnh trong cùng một biến động.",
            f"The result leaves {gap:.2f} m² of land in no parcel (a gap): not written. The new shapes must cover the "
            "old ones; to shrink a parcel, correct its neighbour in the same change.")
    box = shapely.union(old, new).bounds
    near = store.as_of(None, bbox=(box[0], box[1], box[2], box[3]))
    near = near[~near["version_id"].isin(set(removed["version_id"]))]
    if near.empty:
        return
    geoms = near.geometry.to_numpy()
    after = shapely.area(shapely.intersection(geoms, new))
    before = shapely.area(shapely.intersection(geoms, old))
    worse = after - before
    if float(worse.sum()) > TOLERANCE_M2:
        hit = near.iloc[int(worse.argmax())]
        raise LedgerError(
            f"Kết quả chồng lên thửa bên cạnh {ref_of(hit)} ({float(worse.sum()):.2f} m²): không ghi. Hãy vẽ lại "
            "trong ranh giới thửa.",
            f"The result overlaps the neighbouring parcel {ref_of(hit)} ({float(worse.sum()):.2f} m²): not "
            "written. Draw again inside the parcel's boundary.")


# ------------------------------------------------------------------------------------------------ building


def _polygons(geom: shapely.Geometry) -> list[shapely.Geometry]:
    if geom.geom_type == "Polygon":
        return [geom]
    if geom.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [g for part in shapely.get_parts(geom) for g in _polygons(part)]
    return []


def _new_parcels(template: gpd.GeoDataFrame, geoms: Sequence[shapely.Geometry], numbers: Sequence[object]
                 ) -> gpd.GeoDataFrame:
    """New parcels from ``template``'s first row: new identity, given numbers, legal area = drawn area."""
    base = template.iloc[[0] * len(geoms)].copy()
    base = base.set_geometry(gpd.GeoSeries(list(geoms), crs=template.crs, index=base.index))
    base["parcel_id"] = [new_id() for _ in geoms]
    base["version_id"] = None
    base["seq"] = None
    base["parcel_no"] = list(numbers)
    base["legal_area_m2"] = [round(float(g.area), 1) for g in geoms]
    if "certificate" in base.columns:
        base["certificate"] = None
    return base.reset_index(drop=True)


def _new_version(row: gpd.GeoDataFrame, **changes: object) -> gpd.GeoDataFrame:
    """A new version of the parcel in ``row`` (same identity and order), with ``changes`` applied."""
    out = row.copy()
    out["version_id"] = None
    for key, value in changes.items():
        if key == "geometry":
            out = out.set_geometry(gpd.GeoSeries([value], crs=row.crs, index=out.index))
        else:
            out[key] = [value] * len(out)
    return out.reset_index(drop=True)


def parse_line(text: str, *, crs: object = None) -> shapely.LineString:
    """A line given as ``"x1 y1, x2 y2, ..."`` (the dataset's CRS), or as WKT (``LINESTRING (...)``)."""
    text = text.strip()
    try:
        if text[:10].upper().startswith(("LINESTRING", "MULTILINE")):
            geom = shapely.from_wkt(text)
        else:
            coords = [tuple(float(v) for v in pair.split()) for pair in text.split(",")]
            if any(len(c) != 2 for c in coords):
                raise ValueError("two numbers per point")
            geom = shapely.LineString(coords)
    except (ValueError, shapely.errors.GEOSException) as exc:
        raise LedgerError(
            f"Đường chia «{text[:80]}» không đọc được ({exc}): hãy viết các điểm «x1 y1, x2 y2» theo hệ tọa độ của "
            "bộ dữ liệu (VN-2000, mét).",
            f"The dividing line '{text[:80]}' cannot be read ({exc}): write its points as 'x1 y1, x2 y2' in the "
            "dataset's CRS (VN-2000, metres).") from exc
    if geom.is_empty or geom.geom_type not in ("LineString", "MultiLineString") or geom.length <= 0:
        raise LedgerError("Đường chia phải có ít nhất hai điểm khác nhau.",
                          "The dividing line needs at least two distinct points.")
    return geom


def read_line_file(path: Path) -> shapely.Geometry:
    """The dividing line in a file: WKT or ``x y, x y`` text (``.txt``, ``.wkt``), else any vector layer."""
    path = Path(path)
    if path.suffix.lower() in (".txt", ".wkt", ""):
        return parse_line(path.read_text(encoding="utf-8"))
    from gis.io import read_layer

    frame = read_layer(path)
    lines = [g for g in frame.geometry if g is not None and g.geom_type in ("LineString", "MultiLineString")]
    if not lines:
        raise GeometryError(f"Tệp «{path.name}» không có đường (LineString) nào để chia thửa.",
                            f"File '{path.name}' holds no line (LineString) to split a parcel with.")
    return shapely.union_all(lines)


def split_pieces(store: LandStore, ref: str, line: shapely.Geometry, *, numbers: Sequence[object] | None = None,
                 settings: RecoverySettings | None = None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """What :func:`split` would write, without writing: ``(parent, pieces)``, the pieces largest first with
    their proposed numbers, legal areas and drawn areas (``map_area_m2``). Raises the same refusals."""
    from gis.ledger.schema import derive

    parent = current(store, ref)
    geom = parent.geometry.iloc[0]
    pieces = sorted(_polygons(shapely.ops.split(geom, line)), key=lambda g: -g.area)
    if len(pieces) < 2:
        raise LedgerError(
            f"Đường chia không cắt qua thửa {ref}: hãy vẽ đường đi từ cạnh này sang cạnh kia của thửa.",
            f"The line does not cross parcel {ref}: draw it from one side of the parcel to the other.")
    sheet = key_text(parent["sheet"].iloc[0])
    if numbers is None:
        numbers = next_numbers(store, sheet, len(pieces))
    elif len(numbers) != len(pieces):
        raise LedgerError(f"Đường chia tạo {len(pieces)} thửa nhưng có {len(numbers)} số thửa mới.",
                          f"The line makes {len(pieces)} parcels but {len(numbers)} new numbers were given.")
    children = derive(_new_parcels(parent, pieces, numbers))
    settings = _settings(settings)
    check_minimum(children, settings)
    check_coverage(store, parent, children)
    return parent, children


# ------------------------------------------------------------------------------------------------ the jobs


def split(store: LandStore, ref: str, line: shapely.Geometry, *, date: dt.date, decision: Decision | str,
          by: str | None = None, numbers: Sequence[object] | None = None, settings: RecoverySettings | None = None,
          note: str = "") -> Entry:
    """Split parcel ``ref`` by ``line`` (in the dataset's CRS) into new parcels with the next free numbers of
    its sheet (or ``numbers``); see the module for the refusals."""
    parent, children = split_pieces(store, ref, line, numbers=numbers, settings=settings)
    detail = {"parcel": ref, "line": line.wkt, "new": [ref_of(r) for _, r in children.iterrows()]}
    return store.commit(NewEntry("split", date, _decision(decision), note=note, detail=detail),
                        ends=list(parent["version_id"]), adds=children, by=by)


def merge(store: LandStore, refs: Sequence[str], *, date: dt.date, decision: Decision | str, by: str | None = None,
          number: object | None = None, note: str = "") -> Entry:
    """Merge neighbouring parcels ``refs`` (same sheet, land use and land user) into one new parcel numbered
    ``number`` (default: the next free number of the sheet)."""
    parts, child = merge_preview(store, refs, number=number)
    detail = {"parcels": list(refs), "new": [ref_of(child.iloc[0])]}
    return store.commit(NewEntry("merge", date, _decision(decision), note=note, detail=detail),
                        ends=list(parts["version_id"]), adds=child, by=by)


def merge_preview(store: LandStore, refs: Sequence[str], *, number: object | None = None
                  ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """What :func:`merge` would write, without writing: ``(parts, merged)``, the merged parcel with its
    proposed number and areas. Raises the same refusals."""
    from gis.ledger.schema import derive

    if len(set(refs)) < 2:
        raise LedgerError("Hãy chọn ít nhất hai thửa khác nhau để hợp thửa.",
                          "Choose at least two different parcels to merge.")
    parts = pd.concat([current(store, r) for r in dict.fromkeys(refs)], ignore_index=True)
    parts = gpd.GeoDataFrame(parts, geometry=parts.geometry.name, crs=store.crs)
    for column, vi, en in (("sheet", "tờ bản đồ", "map sheet"), ("land_use", "loại đất", "land use"),
                           ("owner", "chủ sử dụng", "land user")):
        if column in parts.columns and parts[column].map(lambda v: key_text(v)).nunique() > 1:
            values = ", ".join(f"{ref_of(r)}: {r[column]}" for _, r in parts.iterrows())
            raise LedgerError(
                f"Không hợp được các thửa khác {vi} ({values}). Hãy ghi biến động chuyển {vi} trước.",
                f"Parcels of different {en} cannot be merged ({values}). Enter the change of {en} first.")
    merged = shapely.union_all(parts.geometry.to_numpy())
    if merged.geom_type != "Polygon":
        raise LedgerError(
            f"Các thửa {', '.join(refs)} không liền kề nhau (không chung cạnh): chỉ hợp được các thửa liền kề.",
            f"Parcels {', '.join(refs)} are not neighbours (they share no side): only neighbouring parcels can be "
            "merged.")
    sheet = key_text(parts["sheet"].iloc[0])
    new_number = number if number is not None else next_numbers(store, sheet, 1)[0]
    child = derive(_new_parcels(parts, [merged], [new_number]))
    check_coverage(store, parts, child)
    return parts, child


def change_land_use(store: LandStore, ref: str, land_use: str, *, date: dt.date, decision: Decision | str,
                    by: str | None = None, note: str = "") -> Entry:
    """A new version of parcel ``ref`` with land use ``land_use`` (a code of gis/data/land_use_codes.csv, or
    several joined by ``+``)."""
    from gis.ledger.schema import derive

    code = landuse.normalise(land_use)
    unknown = landuse.unknown_codes(code) if code else [land_use]
    if not code or unknown:
        raise LedgerError(
            f"Mã loại đất «{land_use}» không có trong danh mục (gis/data/land_use_codes.csv), ví dụ LUC, ONT, SKN.",
            f"Land-use code '{land_use}' is not in the code list (gis/data/land_use_codes.csv), e.g. LUC, ONT, SKN.")
    row = current(store, ref)
    before = row["land_use"].iloc[0]
    new = derive(_new_version(row, land_use=code))
    detail = {"parcel": ref, "land_use_before": before, "land_use": code}
    return store.commit(NewEntry("change_land_use", date, _decision(decision), note=note, detail=detail),
                        ends=list(row["version_id"]), adds=new, by=by)


def change_land_user(store: LandStore, ref: str, owner: str, *, date: dt.date, decision: Decision | str,
                     owner_id: str | None = None, by: str | None = None, note: str = "") -> Entry:
    """A new version of parcel ``ref`` whose land user is ``owner``. ``owner_id`` (the new user's citizen ID or
    land-user code) goes into the identity field the data has (``citizen_id``, else ``user_code``; the old
    user's is cleared), else into ``owner_id``, which does not change how land users are told apart."""
    from gis.ledger.schema import derive

    owner = " ".join(str(owner).split())
    if not owner:
        raise LedgerError("Hãy ghi tên chủ sử dụng mới.", "Give the new land user's name.")
    row = current(store, ref)
    changes: dict[str, object] = {"owner": owner}
    # the identity goes where the data keeps identities (gis.recovery.IDENTITY_FIELDS), so that a single
    # entered ID does not change how the whole dataset's land users are told apart
    held = [f for f in ("citizen_id", "user_code") if f in row.columns]
    for name in held:
        changes[name] = None
    changes[held[0] if held else "owner_id"] = owner_id or None
    new = derive(_new_version(row, **changes))
    detail = {"parcel": ref, "owner_before": row["owner"].iloc[0] if "owner" in row.columns else None,
              "owner": owner, "owner_id": owner_id}
    return store.commit(NewEntry("change_land_user", date, _decision(decision), note=note, detail=detail),
                        ends=list(row["version_id"]), adds=new, by=by)


def correct_area(store: LandStore, ref: str, legal_area_m2: float, *, date: dt.date, decision: Decision | str,
                 by: str | None = None, note: str = "") -> Entry:
    """A new version of parcel ``ref`` with the legal (certificate) area ``legal_area_m2``."""
    from gis.ledger.schema import derive

    if not legal_area_m2 > 0:
        raise LedgerError("Diện tích pháp lý phải lớn hơn 0 m².", "The legal area must be above 0 m².")
    row = current(store, ref)
    new = derive(_new_version(row, legal_area_m2=round(float(legal_area_m2), 1)))
    detail = {"parcel": ref, "legal_area_m2": round(float(legal_area_m2), 1)}
    return store.commit(NewEntry("correct_area", date, _decision(decision), note=note, detail=detail),
                        ends=list(row["version_id"]), adds=new, by=by)


def correct_geometry(store: LandStore, shapes: Mapping[str, shapely.Geometry], *, date: dt.date,
                     decision: Decision | str, by: str | None = None, settings: RecoverySettings | None = None,
                     note: str = "") -> Entry:
    """New versions of the parcels in ``shapes`` (reference -> new polygon): to move a shared boundary, give
    both parcels. Refused on overlap, gap or a piece under the minimum size."""
    from gis.ledger.schema import derive

    if not shapes:
        raise LedgerError("Không có thửa nào để chỉnh lý.", "No parcel to correct.")
    rows, news = [], []
    for ref, geom in shapes.items():
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.is_valid:
            raise LedgerError(f"Hình thể mới của thửa {ref} không phải vùng hợp lệ.",
                              f"The new shape of parcel {ref} is not a valid polygon.")
        row = current(store, ref)
        rows.append(row)
        news.append(_new_version(row, geometry=geom))
    old = gpd.GeoDataFrame(pd.concat(rows, ignore_index=True), crs=store.crs)
    new = derive(gpd.GeoDataFrame(pd.concat(news, ignore_index=True), crs=store.crs))
    check_minimum(new, _settings(settings))
    check_coverage(store, old, new)
    detail = {"parcels": list(shapes), "shapes": {r: g.wkt for r, g in shapes.items()}}
    return store.commit(NewEntry("correct_geometry", date, _decision(decision), note=note, detail=detail),
                        ends=list(old["version_id"]), adds=new, by=by)


def recover(store: LandStore, ref: str, *, date: dt.date, decision: Decision | str, land_use: str,
            owner: str, part: shapely.Geometry | None = None, project: str = "", by: str | None = None,
            settings: RecoverySettings | None = None, note: str = "", stages: Sequence[StageRecord] = ()) -> Entry:
    """Parcel ``ref`` recovered by the State for ``project``: wholly (a new version with ``land_use`` and
    ``owner``, e.g. ``"SKN"`` and the body the land is handed to) or, with ``part``, the part inside it as a
    new parcel of that use and user and the remainder as another, both with new numbers. A remainder under
    the sliver tolerance counts as none (the whole parcel is recovered). ``stages``: the site-clearance steps
    this recovery completes (handing over), written in the same transaction."""
    from gis.ledger.schema import derive

    code = landuse.normalise(land_use)
    if not code or landuse.unknown_codes(code):
        raise LedgerError(f"Mã loại đất «{land_use}» không có trong danh mục.",
                          f"Land-use code '{land_use}' is not in the code list.")
    row = current(store, ref)
    geom = row.geometry.iloc[0]
    settings = _settings(settings)
    detail: dict[str, Any] = {"parcel": ref, "project": project, "land_use": code, "owner": owner}
    if part is None or geom.difference(part).area < settings.sliver_m2:
        new = derive(_new_version(row, land_use=code, owner=owner, recovered_for=project or None))
        ends = list(row["version_id"])
    else:
        taken = shapely.intersection(geom, part)
        rest = shapely.difference(geom, part)
        if taken.area < settings.sliver_m2:
            raise LedgerError(f"Ranh giới thu hồi không lấy phần nào đáng kể của thửa {ref}.",
                              f"The recovery boundary takes nothing significant of parcel {ref}.")
        taken_parts = _polygons(taken)
        rest_parts = _polygons(rest)
        sheet = key_text(row["sheet"].iloc[0])
        numbers = next_numbers(store, sheet, 2)
        taken_geom = taken_parts[0] if len(taken_parts) == 1 else shapely.MultiPolygon(taken_parts)
        rest_geom = rest_parts[0] if len(rest_parts) == 1 else shapely.MultiPolygon(rest_parts)
        new = _new_parcels(row, [taken_geom, rest_geom], numbers)
        new.loc[0, "land_use"] = code
        new.loc[0, "owner"] = owner
        new["recovered_for"] = [project or None, None]
        new = derive(new)
        check_coverage(store, row, new)
        ends = list(row["version_id"])
        detail["part"] = part.wkt
        detail["new"] = [ref_of(r) for _, r in new.iterrows()]
    return store.commit(NewEntry("recovery", date, _decision(decision), note=note, detail=detail),
                        ends=ends, adds=new, by=by, stages=stages)


def reverse(store: LandStore, entry_id: int, *, date: dt.date, decision: Decision | str, by: str | None = None,
            note: str = "") -> Entry:
    """Undo entry ``entry_id`` by a reversing entry dated ``date``: the parcels it closed come back as they
    were (same identity, numbers, attributes and geometry), the ones it opened are closed. Refused for the
    initial state, an entry already reversed, or one whose parcels were changed since (reverse that first)."""
    target = store.entry(entry_id)
    if target.kind == "initial":
        raise LedgerError("Không hủy được hiện trạng ban đầu.", "The initial state cannot be reversed.")
    done = {e.reverses: e.entry_id for e in store.entries() if e.reverses is not None}
    if entry_id in done:
        raise LedgerError(f"Mục {entry_id} đã được hủy bởi mục {done[entry_id]}.",
                          f"Entry {entry_id} was already reversed by entry {done[entry_id]}.")
    opened = store.versions(target.after)
    later = opened[opened["valid_to"].notna()]
    if not later.empty:
        by_entry = ", ".join(str(int(e)) for e in sorted(set(later["entry_to"].dropna())))
        raise LedgerError(
            f"Các thửa do mục {entry_id} tạo ra đã có biến động sau (mục {by_entry}): hãy hủy các mục đó trước.",
            f"The parcels entry {entry_id} made were changed since (entry {by_entry}): reverse those first.")
    if date < target.date:
        raise LedgerError(f"Ngày hủy {date} trước ngày của mục {entry_id} ({target.date}).",
                          f"The reversal's date {date} is before entry {entry_id}'s date ({target.date}).")
    restored = store.versions(target.before)
    restored["version_id"] = None  # a new version, same identity, order and content
    detail = {"reverses": entry_id, "kind": target.kind}
    return store.commit(NewEntry("reversal", date, _decision(decision), note=note, reverses=entry_id,
                                 detail=detail), ends=list(target.after), adds=restored, by=by)


# ------------------------------------------------------------------------------------------------ reading


def state_as_of(store: LandStore, date: dt.date | None = None) -> gpd.GeoDataFrame:
    """The parcels in force on ``date`` (the current ones when None), in the dataset's schema plus
    ``parcel_id``, ``version_id``, ``valid_from``, ``valid_to``, ``entry_from``, ``entry_to``."""
    return store.as_of(date)


def dataset_as_of(dataset: Dataset, store: LandStore, date: dt.date | None = None) -> Dataset:
    """``dataset`` with its parcels replaced by those in force on ``date`` (the other layers unchanged)."""
    parcels = store.as_of(date)
    return Dataset(folder=dataset.folder, layers={**dataset.layers, "parcels": parcels}, builtin=dataset.builtin)


@dataclass
class HistoryItem:
    """One change in a parcel's history, with the parcels before and after it as ``SHEET/PARCEL``."""

    entry: Entry
    before: list[str]
    after: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {**self.entry.as_dict(), "before_refs": self.before, "after_refs": self.after}


@dataclass
class ParcelHistory:
    """A parcel's history: its identity, whether it is current, its changes (oldest first), the parcels it
    came from (``parents``) and those it became (``children``), as ``SHEET/PARCEL``."""

    ref: str
    parcel_id: str
    current: bool
    items: list[HistoryItem] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"parcel": self.ref, "parcel_id": self.parcel_id, "current": self.current,
                "parents": self.parents, "children": self.children, "changes": [i.as_dict() for i in self.items]}


def _own_initial(entry: Entry, parcel_id: str) -> Entry:
    """The initial entry cut down to the versions of ``parcel_id`` (it opened every parcel of the dataset)."""
    if entry.kind != "initial":
        return entry
    keep = [(v, p) for v, p in zip(entry.after, entry.after_parcels, strict=True) if p == parcel_id]
    return replace(entry, after=tuple(v for v, _ in keep), after_parcels=tuple(p for _, p in keep))


def history(store: LandStore, ref: str | None = None, *, parcel_id: str | None = None) -> ParcelHistory:
    """The history of parcel ``ref`` (``"SHEET/PARCEL"``; the current parcel of that number, else the last that
    had it) or of the parcel with identity ``parcel_id``."""
    if parcel_id is None:
        sheet, number = parse_ref(ref or "")
        ids = store.ever_numbered(sheet, number)
        if not ids:
            raise LedgerError(f"Không có thửa {sheet}/{number} trong sổ biến động.",
                              f"There is no parcel {sheet}/{number} in the ledger.")
        live = store.find(sheet, number)
        parcel_id = str(live["parcel_id"].iloc[0]) if len(live) else ids[-1]
    entries = [_own_initial(e, parcel_id) for e in store.entries(parcel_ids=[parcel_id])]
    version_ids = {v for e in entries for v in (*e.before, *e.after)}
    versions = store.versions(sorted(version_ids))
    refs = {r["version_id"]: ref_of(r) for _, r in versions.iterrows()}
    own = versions[versions["parcel_id"] == parcel_id]
    if own.empty:
        raise LedgerError(f"Không có thửa mang mã {parcel_id}.", f"There is no parcel with identity {parcel_id}.")
    latest = own.iloc[-1]
    out = ParcelHistory(ref=ref_of(latest), parcel_id=parcel_id, current=bool(own["valid_to"].isna().any()))
    for entry in entries:
        out.items.append(HistoryItem(entry, [refs.get(v, v) for v in entry.before],
                                     [refs.get(v, v) for v in entry.after]))
        if parcel_id in entry.after_parcels and parcel_id not in entry.before_parcels:
            out.parents += [refs[v] for v, p in zip(entry.before, entry.before_parcels, strict=True)
                            if p != parcel_id and refs.get(v) not in out.parents]
        if parcel_id in entry.before_parcels and parcel_id not in entry.after_parcels:
            out.children += [refs[v] for v, p in zip(entry.after, entry.after_parcels, strict=True)
                             if p != parcel_id and refs.get(v) not in out.children]
    return out


@dataclass
class AreaChange:
    """Area gained and lost (m²) by one land-use group or village over a period."""

    gained_m2: float = 0.0
    lost_m2: float = 0.0

    @property
    def net_m2(self) -> float:
        return self.gained_m2 - self.lost_m2

    def as_dict(self) -> dict[str, float]:
        return {"gained_m2": round(self.gained_m2, 2), "lost_m2": round(self.lost_m2, 2),
                "net_m2": round(self.net_m2, 2)}


@dataclass
class ChangeSummary:
    """What changed from ``date_from`` to ``date_to`` (both included): the entries, counted by kind; the area
    gained and lost by land-use group and by village (per entry: what its new parcels have more or less than
    the parcels it closed); rice land (``rice``) and aquaculture ponds (``ponds``) gained and lost.

    The net change of a group is the difference of its area between the state of the day before
    ``date_from`` and the state of ``date_to``."""

    date_from: dt.date | None
    date_to: dt.date | None
    entries: list[Entry]
    by_kind: dict[str, int]
    by_group: dict[str, AreaChange]
    by_village: dict[str, AreaChange]
    rice: AreaChange
    ponds: AreaChange

    def as_dict(self) -> dict[str, Any]:
        return {"date_from": self.date_from.isoformat() if self.date_from else None,
                "date_to": self.date_to.isoformat() if self.date_to else None,
                "entries": len(self.entries), "by_kind": self.by_kind,
                "by_group": {k: v.as_dict() for k, v in self.by_group.items()},
                "by_village": {k: v.as_dict() for k, v in self.by_village.items()},
                "rice": self.rice.as_dict(), "ponds": self.ponds.as_dict()}


def _add(target: dict[str, AreaChange], key: str, delta: float) -> None:
    item = target.setdefault(key, AreaChange())
    if delta > 0:
        item.gained_m2 += delta
    elif delta < 0:
        item.lost_m2 -= delta


def _sums(frame: gpd.GeoDataFrame, key: pd.Series) -> dict[str, float]:
    return {str(k): float(v) for k, v in frame["map_area_m2"].groupby(key.fillna("?")).sum().items()}


def changes_between(store: LandStore, date_from: dt.date | None = None, date_to: dt.date | None = None
                    ) -> ChangeSummary:
    """The changes dated from ``date_from`` to ``date_to`` (both included; open ends when None), summarised
    (see :class:`ChangeSummary`). The initial state is not a change."""
    entries = [e for e in store.entries(date_from=date_from, date_to=date_to) if e.kind != "initial"]
    ids = sorted({v for e in entries for v in (*e.before, *e.after)})
    versions = store.versions(ids).set_index("version_id", drop=False) if ids else None
    by_kind: dict[str, int] = {}
    by_group: dict[str, AreaChange] = {}
    by_village: dict[str, AreaChange] = {}
    rice, ponds = AreaChange(), AreaChange()
    for entry in entries:
        by_kind[entry.kind] = by_kind.get(entry.kind, 0) + 1
        if versions is None:
            continue
        before = versions.loc[list(entry.before)] if entry.before else versions.iloc[0:0]
        after = versions.loc[list(entry.after)] if entry.after else versions.iloc[0:0]
        for attr, target in (("group", by_group), ("village", by_village)):
            if attr not in versions.columns:
                continue
            was, now = _sums(before, before[attr]), _sums(after, after[attr])
            for key in sorted({*was, *now}):
                _add(target, key, now.get(key, 0.0) - was.get(key, 0.0))
        for codes, item in ((landuse.RICE_CODES, rice), (landuse.AQUACULTURE_CODES, ponds)):
            delta = float(after.loc[after["land_use_main"].isin(codes), "map_area_m2"].sum()
                          - before.loc[before["land_use_main"].isin(codes), "map_area_m2"].sum())
            if delta > 0:
                item.gained_m2 += delta
            else:
                item.lost_m2 -= delta
    return ChangeSummary(date_from, date_to, entries, dict(sorted(by_kind.items())), by_group, by_village,
                         rice, ponds)


def entries_refs(store: LandStore, entries: Iterable[Entry]) -> dict[str, str]:
    """Version id -> ``SHEET/PARCEL`` for every version the ``entries`` closed or opened (for listings)."""
    ids = sorted({v for e in entries for v in (*e.before, *e.after)})
    if not ids:
        return {}
    return {r["version_id"]: ref_of(r) for _, r in store.versions(ids).iterrows()}
