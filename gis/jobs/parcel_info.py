"""Everything the parcel card says about one parcel: attributes, drawn against legal area (with the
tolerance of :func:`gis.core.area_tolerance.area_tolerance_m2`, the rule of the Data page and the recovery table), the part
in recovered land, and the land user's other parcels (the same identity as the recovery tables,
:func:`gis.jobs.recovery_users.land_user_keys`). Areas in the data's own metric CRS, never in degrees."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gis.core.area import area_m2, repaired
from gis.core.area_tolerance import area_tolerance_m2
from gis.core.crs import require_projected
from gis.core.recovery_settings import RecoverySettings, load_settings
from gis.files.checks import parcel_scales
from gis.files.io import Dataset
from gis.jobs.recovery_users import LandUsers, land_users

#: Columns of the owner's other parcels, in the order shown.
OTHER_COLUMNS = ("sheet", "parcel_no", "land_use", "legal_area_m2", "village")


#: The land ledger's bookkeeping columns of a parcel asked as of a date (:data:`gis.jobs.ledger.model.VERSION_COLUMNS`
#: and its order): not shown among the parcel's attributes.
LEDGER_COLUMNS = frozenset({"version_id", "parcel_id", "valid_from", "valid_to", "entry_from", "entry_to", "seq"})

@dataclass
class RecoveredPart:
    """The part of a parcel inside one recovery boundary."""

    project: str
    decision: str
    area_m2: float


@dataclass
class ParcelFacts:
    """One parcel as the card shows it."""

    label: Hashable
    attributes: dict[str, object]
    legal_area_m2: float | None
    map_area_m2: float
    recovered: list[RecoveredPart] = field(default_factory=list)
    other_parcels: pd.DataFrame = field(default_factory=pd.DataFrame)
    scale: int = 2000
    tolerance_m2: float | None = None
    owner_identity: str = "name_address"

    @property
    def area_mismatch(self) -> bool:
        """Legal and drawn area differ by more than the tolerance (a hint to check, not an error)."""
        return (self.difference_m2 is not None and self.tolerance_m2 is not None
                and abs(self.difference_m2) > self.tolerance_m2)

    @property
    def difference_m2(self) -> float | None:
        """Drawn area minus legal area (positive when the drawing is larger)."""
        return None if self.legal_area_m2 is None else self.map_area_m2 - self.legal_area_m2

    @property
    def difference_pct(self) -> float | None:
        if self.legal_area_m2 in (None, 0):
            return None
        return 100.0 * self.map_area_m2 / self.legal_area_m2 - 100.0  # type: ignore[operator]

    @property
    def recovered_m2(self) -> float:
        return sum(part.area_m2 for part in self.recovered)

    @property
    def remaining_m2(self) -> float:
        """The drawn remainder: drawn area minus the recovered parts (as in the recovery tables)."""
        return max(self.map_area_m2 - self.recovered_m2, 0.0)


def _clean(value: object) -> object:
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    return value.item() if hasattr(value, "item") else value


def parcel_facts(dataset: Dataset, label: Hashable, *, min_part_m2: float = 0.05,
                 settings: RecoverySettings | None = None, users: LandUsers | None = None) -> ParcelFacts:
    """The card's facts for parcel ``label`` (an index label of ``dataset.parcels``).

    The attributes are the dataset's fields (for a parcel made by a change in the land ledger, those it took
    from the parcel it came from, with its own number and area), without the ledger's bookkeeping columns
    (:data:`LEDGER_COLUMNS`). Recovered parts smaller than ``min_part_m2`` are digitising slivers and left out. An invalid
    parcel's drawn area and recovered parts are those of its :func:`~gis.core.area.repaired` shape. ``settings`` give the
    map scales of the tolerance (the shipped recovery settings when ``None``). ``users`` are
    :func:`gis.jobs.recovery_users.land_users` of ``dataset.parcels`` when the caller keeps them (a page showing one card
    after another), computed here when ``None``.
    """
    settings = settings if settings is not None else load_settings()
    parcels = dataset.parcels
    require_projected(parcels.crs, source="parcels")
    row = parcels.loc[label]
    # a parcel of the land ledger (asked as of a date) carries the ledger's bookkeeping too: identity, version
    # and the entries that opened and closed it. They are the history's (the card's expander), not attributes.
    attributes = {k: _clean(v) for k, v in row.items() if k != "geometry" and k not in LEDGER_COLUMNS}
    legal = attributes.get("legal_area_m2")
    geom = row.geometry
    # an invalid parcel is measured and cut as its repair (GEOS's area of a bow-tie: its lobes cancel), as the
    # recovery and the parcel layer's map_area_m2 measure it
    shape = repaired(geom)
    map_area = float(area_m2(parcels.loc[[label]], source="parcels").iloc[0])

    recovered: list[RecoveredPart] = []
    boundaries = dataset.get("recovered_land")
    if boundaries is not None and not boundaries.empty:
        if boundaries.crs != parcels.crs:
            boundaries = boundaries.to_crs(parcels.crs)
        for _, b in boundaries[boundaries.intersects(geom)].iterrows():
            inside = float(shape.intersection(repaired(b.geometry)).area)
            if inside >= min_part_m2:
                recovered.append(RecoveredPart(str(_clean(b.get("TENDUAN")) or "—"),
                                               str(_clean(b.get("SOQD")) or "—"), inside))

    users = land_users(parcels) if users is None else users
    identity = users.basis
    mine = users.codes[parcels.index.get_loc(label)]  # equal codes, same land user; -1 none known ("?")
    others = pd.DataFrame(columns=list(OTHER_COLUMNS))
    if mine >= 0:
        same = parcels[(users.codes == mine) & np.asarray(parcels.index != label)]
        cols = [c for c in OTHER_COLUMNS if c in same.columns]
        others = pd.DataFrame(same[cols]).sort_values([c for c in ("sheet", "parcel_no") if c in cols])
    row_frame = parcels.loc[[label]]
    scale = int(parcel_scales(row_frame["scale"] if "scale" in row_frame.columns else None,
                              row_frame["sheet"] if "sheet" in row_frame.columns else None, n=1,
                              sheet_scales=settings.sheet_scales, default_scale=settings.default_scale)[0])
    legal_m2 = None if legal is None else float(legal)  # type: ignore[arg-type]
    tolerance = None if legal_m2 is None or legal_m2 <= 0 else float(area_tolerance_m2(legal_m2, scale=scale))
    return ParcelFacts(label=label, attributes=attributes, legal_area_m2=legal_m2, map_area_m2=map_area,
                       recovered=recovered, other_parcels=others, scale=scale, tolerance_m2=tolerance,
                       owner_identity=identity)
