"""The jobs of the land ledger: changes to parcels, checked before they are written, and what the ledger tells.

Every job takes a :class:`~gis.jobs.ledger.model.LandStore`, the parcel(s) by reference (``"SHEET/PARCEL"``, e.g.
``"12/345"``), the date the change takes effect, the :class:`~gis.jobs.ledger.model.Decision` that decides it and
who enters it (``by``: an account name, ``None`` for the user of this machine), and returns the ledger
:class:`~gis.jobs.ledger.model.Entry` it wrote. A change that cannot be made raises
:class:`~gis.jobs.ledger.model.LedgerError` (Vietnamese and English) and writes nothing:

- the result would overlap a neighbour, or two new parcels would overlap, by more than
  :data:`~gis.jobs.ledger.checks.TOLERANCE_M2`;
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

The checks are in :mod:`gis.jobs.ledger.checks`, references and new parcels in :mod:`gis.jobs.ledger.parcels`,
opening a dataset's ledger in :mod:`gis.jobs.ledger.opening`, and what the ledger tells (the parcels of a date,
a parcel's history, the changes between two dates) in :mod:`gis.jobs.ledger.reports`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import shapely.ops

from gis.core import landuse
from gis.core.area import repaired
from gis.core.recovery_settings import RecoverySettings
from gis.jobs.ledger.checks import check_coverage, check_minimum, checked_decision, settings_or_default
from gis.jobs.ledger.model import Decision, Entry, LandStore, LedgerError, NewEntry, StageRecord, key_text
from gis.jobs.ledger.parcels import current, new_parcels, new_version, next_numbers, polygons, ref_of


def split_pieces(store: LandStore, ref: str, line: shapely.Geometry, *, numbers: Sequence[object] | None = None,
                 settings: RecoverySettings | None = None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """What :func:`split` would write, without writing: ``(parent, pieces)``, the pieces largest first with
    their proposed numbers, legal areas and drawn areas (``map_area_m2``). Raises the same refusals."""
    from gis.jobs.ledger.schema import derive

    parent = current(store, ref)
    geom = repaired(parent.geometry.iloc[0])  # an invalid stored shape (a ledger seeded from raw data) is split as its repair
    pieces = sorted(polygons(shapely.ops.split(geom, line)), key=lambda g: -g.area)
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
    children = derive(new_parcels(parent, pieces, numbers))
    settings = settings_or_default(settings)
    check_minimum(children, settings)
    check_coverage(store, parent, children)
    return parent, children


def split(store: LandStore, ref: str, line: shapely.Geometry, *, date: dt.date, decision: Decision | str,
          by: str | None = None, numbers: Sequence[object] | None = None, settings: RecoverySettings | None = None,
          note: str = "") -> Entry:
    """Split parcel ``ref`` by ``line`` (in the dataset's CRS) into new parcels with the next free numbers of
    its sheet (or ``numbers``); see the module for the refusals."""
    parent, children = split_pieces(store, ref, line, numbers=numbers, settings=settings)
    detail = {"parcel": ref, "line": line.wkt, "new": [ref_of(r) for _, r in children.iterrows()]}
    return store.commit(NewEntry("split", date, checked_decision(decision), note=note, detail=detail),
                        ends=list(parent["version_id"]), adds=children, by=by)


def merge(store: LandStore, refs: Sequence[str], *, date: dt.date, decision: Decision | str, by: str | None = None,
          number: object | None = None, note: str = "") -> Entry:
    """Merge neighbouring parcels ``refs`` (same sheet, land use and land user) into one new parcel numbered
    ``number`` (default: the next free number of the sheet)."""
    parts, child = merge_preview(store, refs, number=number)
    detail = {"parcels": list(refs), "new": [ref_of(child.iloc[0])]}
    return store.commit(NewEntry("merge", date, checked_decision(decision), note=note, detail=detail),
                        ends=list(parts["version_id"]), adds=child, by=by)


def merge_preview(store: LandStore, refs: Sequence[str], *, number: object | None = None
                  ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """What :func:`merge` would write, without writing: ``(parts, merged)``, the merged parcel with its
    proposed number and areas. Raises the same refusals."""
    from gis.jobs.ledger.schema import derive

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
    merged = shapely.union_all(repaired(parts.geometry.to_numpy()))
    if merged.geom_type != "Polygon":
        raise LedgerError(
            f"Các thửa {', '.join(refs)} không liền kề nhau (không chung cạnh): chỉ hợp được các thửa liền kề.",
            f"Parcels {', '.join(refs)} are not neighbours (they share no side): only neighbouring parcels can be "
            "merged.")
    sheet = key_text(parts["sheet"].iloc[0])
    new_number = number if number is not None else next_numbers(store, sheet, 1)[0]
    child = derive(new_parcels(parts, [merged], [new_number]))
    check_coverage(store, parts, child)
    return parts, child


def change_land_use(store: LandStore, ref: str, land_use: str, *, date: dt.date, decision: Decision | str,
                    by: str | None = None, note: str = "") -> Entry:
    """A new version of parcel ``ref`` with land use ``land_use`` (a code of gis/data/land_use_codes.csv, or
    several joined by ``+``)."""
    from gis.jobs.ledger.schema import derive

    code = landuse.normalise(land_use)
    unknown = landuse.unknown_codes(code) if code else [land_use]
    if not code or unknown:
        raise LedgerError(
            f"Mã loại đất «{land_use}» không có trong danh mục (gis/data/land_use_codes.csv), ví dụ LUC, ONT, SKN.",
            f"Land-use code '{land_use}' is not in the code list (gis/data/land_use_codes.csv), e.g. LUC, ONT, SKN.")
    row = current(store, ref)
    before = row["land_use"].iloc[0]
    new = derive(new_version(row, land_use=code))
    detail = {"parcel": ref, "land_use_before": before, "land_use": code}
    return store.commit(NewEntry("change_land_use", date, checked_decision(decision), note=note, detail=detail),
                        ends=list(row["version_id"]), adds=new, by=by)


def change_land_user(store: LandStore, ref: str, owner: str, *, date: dt.date, decision: Decision | str,
                     owner_id: str | None = None, by: str | None = None, note: str = "") -> Entry:
    """A new version of parcel ``ref`` whose land user is ``owner``. ``owner_id`` (the new user's citizen ID or
    land-user code) goes into the identity field the data has (``citizen_id``, else ``user_code``; the old
    user's is cleared), else into ``owner_id``, which does not change how land users are told apart."""
    from gis.jobs.ledger.schema import derive

    owner = " ".join(str(owner).split())
    if not owner:
        raise LedgerError("Hãy ghi tên chủ sử dụng mới.", "Give the new land user's name.")
    row = current(store, ref)
    changes: dict[str, object] = {"owner": owner}
    # the identity goes where the data keeps identities (gis.jobs.recovery_users.IDENTITY_FIELDS), so that a single
    # entered ID does not change how the whole dataset's land users are told apart
    held = [f for f in ("citizen_id", "user_code") if f in row.columns]
    for name in held:
        changes[name] = None
    changes[held[0] if held else "owner_id"] = owner_id or None
    new = derive(new_version(row, **changes))
    detail = {"parcel": ref, "owner_before": row["owner"].iloc[0] if "owner" in row.columns else None,
              "owner": owner, "owner_id": owner_id}
    return store.commit(NewEntry("change_land_user", date, checked_decision(decision), note=note, detail=detail),
                        ends=list(row["version_id"]), adds=new, by=by)


def correct_area(store: LandStore, ref: str, legal_area_m2: float, *, date: dt.date, decision: Decision | str,
                 by: str | None = None, note: str = "") -> Entry:
    """A new version of parcel ``ref`` with the legal (certificate) area ``legal_area_m2``."""
    from gis.jobs.ledger.schema import derive

    if not legal_area_m2 > 0:
        raise LedgerError("Diện tích pháp lý phải lớn hơn 0 m².", "The legal area must be above 0 m².")
    row = current(store, ref)
    new = derive(new_version(row, legal_area_m2=round(float(legal_area_m2), 1)))
    detail = {"parcel": ref, "legal_area_m2": round(float(legal_area_m2), 1)}
    return store.commit(NewEntry("correct_area", date, checked_decision(decision), note=note, detail=detail),
                        ends=list(row["version_id"]), adds=new, by=by)


def correct_geometry(store: LandStore, shapes: Mapping[str, shapely.Geometry], *, date: dt.date,
                     decision: Decision | str, by: str | None = None, settings: RecoverySettings | None = None,
                     note: str = "") -> Entry:
    """New versions of the parcels in ``shapes`` (reference -> new polygon): to move a shared boundary, give
    both parcels. Refused on overlap, gap or a piece under the minimum size."""
    from gis.jobs.ledger.schema import derive

    if not shapes:
        raise LedgerError("Không có thửa nào để chỉnh lý.", "No parcel to correct.")
    rows, news = [], []
    for ref, geom in shapes.items():
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.is_valid:
            raise LedgerError(f"Hình thể mới của thửa {ref} không phải vùng hợp lệ.",
                              f"The new shape of parcel {ref} is not a valid polygon.")
        row = current(store, ref)
        rows.append(row)
        news.append(new_version(row, geometry=geom))
    old = gpd.GeoDataFrame(pd.concat(rows, ignore_index=True), crs=store.crs)
    new = derive(gpd.GeoDataFrame(pd.concat(news, ignore_index=True), crs=store.crs))
    check_minimum(new, settings_or_default(settings))
    check_coverage(store, old, new)
    detail = {"parcels": list(shapes), "shapes": {r: g.wkt for r, g in shapes.items()}}
    return store.commit(NewEntry("correct_geometry", date, checked_decision(decision), note=note, detail=detail),
                        ends=list(old["version_id"]), adds=new, by=by)


def recover(store: LandStore, ref: str, *, date: dt.date, decision: Decision | str, land_use: str,
            owner: str, part: shapely.Geometry | None = None, project: str = "", by: str | None = None,
            settings: RecoverySettings | None = None, note: str = "", stages: Sequence[StageRecord] = ()) -> Entry:
    """Parcel ``ref`` recovered by the State for ``project``: wholly (a new version with ``land_use`` and
    ``owner``, e.g. ``"SKN"`` and the body the land is handed to) or, with ``part``, the part inside it as a
    new parcel of that use and user and the remainder as another, both with new numbers. A remainder under
    the sliver tolerance counts as none (the whole parcel is recovered). ``stages``: the site-clearance steps
    this recovery completes (handing over), written in the same transaction."""
    from gis.jobs.ledger.schema import derive

    code = landuse.normalise(land_use)
    if not code or landuse.unknown_codes(code):
        raise LedgerError(f"Mã loại đất «{land_use}» không có trong danh mục.",
                          f"Land-use code '{land_use}' is not in the code list.")
    row = current(store, ref)
    # an invalid stored shape (a ledger seeded from raw data) or part (a raw file) is cut as its repair
    geom = repaired(row.geometry.iloc[0])
    part = repaired(part) if part is not None else None
    settings = settings_or_default(settings)
    detail: dict[str, Any] = {"parcel": ref, "project": project, "land_use": code, "owner": owner}
    if part is None or geom.difference(part).area < settings.sliver_m2:
        new = derive(new_version(row, land_use=code, owner=owner, recovered_for=project or None))
        ends = list(row["version_id"])
    else:
        taken = shapely.intersection(geom, part)
        rest = shapely.difference(geom, part)
        if taken.area < settings.sliver_m2:
            raise LedgerError(f"Ranh giới thu hồi không lấy phần nào đáng kể của thửa {ref}.",
                              f"The recovery boundary takes nothing significant of parcel {ref}.")
        taken_parts = polygons(taken)
        rest_parts = polygons(rest)
        sheet = key_text(row["sheet"].iloc[0])
        numbers = next_numbers(store, sheet, 2)
        taken_geom = taken_parts[0] if len(taken_parts) == 1 else shapely.MultiPolygon(taken_parts)
        rest_geom = rest_parts[0] if len(rest_parts) == 1 else shapely.MultiPolygon(rest_parts)
        new = new_parcels(row, [taken_geom, rest_geom], numbers)
        new.loc[0, "land_use"] = code
        new.loc[0, "owner"] = owner
        new["recovered_for"] = [project or None, None]
        new = derive(new)
        check_coverage(store, row, new)
        ends = list(row["version_id"])
        detail["part"] = part.wkt
        detail["new"] = [ref_of(r) for _, r in new.iterrows()]
    return store.commit(NewEntry("recovery", date, checked_decision(decision), note=note, detail=detail),
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
    return store.commit(NewEntry("reversal", date, checked_decision(decision), note=note, reverses=entry_id,
                                 detail=detail), ends=list(target.after), adds=restored, by=by)
