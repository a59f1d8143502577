"""The checks every change of the ledger passes before it is written (each refusal a
:class:`~gis.jobs.ledger.model.LedgerError` in Vietnamese and English; nothing is written):

- the result overlaps a neighbour, or two new parcels overlap, by more than :data:`TOLERANCE_M2`, or it
  leaves a gap (:func:`check_coverage`);
- a new piece is under the minimum parcel size of its land-use group (:func:`check_minimum`: the
  ``[minimum_parcel_m2]`` of ``gis/recovery_settings.toml``, else the sliver tolerance);
- the change has no deciding document (:func:`checked_decision`).
"""

from __future__ import annotations

import geopandas as gpd
import shapely
import shapely.ops

from gis.core import landuse
from gis.core.area import repaired
from gis.core.recovery_settings import RecoverySettings, load_settings
from gis.jobs.ledger.model import Decision, LandStore, LedgerError
from gis.jobs.ledger.parcels import ref_of

#: Overlap or gap smaller than this (m²) is floating-point noise along shared edges, not a fault.
TOLERANCE_M2 = 0.01



def checked_decision(decision: Decision | str) -> Decision:
    """``decision`` (a number alone, or a :class:`~gis.jobs.ledger.model.Decision`), refused when it has no number."""
    found = Decision(decision) if isinstance(decision, str) else decision
    if not found.number.strip():
        raise LedgerError(
            "Hãy ghi số văn bản quyết định biến động (ví dụ «125/QĐ-UBND»): không ghi biến động khi không có "
            "căn cứ.", "Give the number of the document that decides the change (e.g. '125/QĐ-UBND'): no change "
            "is entered without one.")
    return found


def settings_or_default(settings: RecoverySettings | None) -> RecoverySettings:
    """``settings``, or those of ``gis/recovery_settings.toml`` when None."""
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
    or leaves a gap, by more than :data:`TOLERANCE_M2`. Overlaps a neighbour already had are not counted.
    Invalid shapes (a ledger seeded from raw data) are :func:`~gis.core.area.repaired` before they are cut."""
    added_geoms = repaired(added.geometry.to_numpy())
    old = shapely.union_all(repaired(removed.geometry.to_numpy()))
    new = shapely.union_all(added_geoms)
    inner = float(shapely.area(added_geoms).sum() - new.area)
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
    geoms = repaired(near.geometry.to_numpy())
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
