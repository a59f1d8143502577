"""Everything the parcel card says about one parcel: attributes, drawn against legal area, the part in
recovered land, and the owner's other parcels. Areas in the data's own metric CRS, never in degrees."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

import pandas as pd

from gis.area import area_m2
from gis.crs import require_projected
from gis.io import Dataset

#: Columns of the owner's other parcels, in the order shown.
OTHER_COLUMNS = ("sheet", "parcel_no", "land_use", "legal_area_m2", "village")


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
    def remaining_m2(self) -> float | None:
        """Legal area minus the recovered part (the drawn area when there is no legal area)."""
        base = self.legal_area_m2 if self.legal_area_m2 is not None else self.map_area_m2
        return base - self.recovered_m2


def _clean(value: object) -> object:
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    return value.item() if hasattr(value, "item") else value


def parcel_facts(dataset: Dataset, label: Hashable, *, min_part_m2: float = 0.05) -> ParcelFacts:
    """The card's facts for parcel ``label`` (an index label of ``dataset.parcels``).

    Recovered parts smaller than ``min_part_m2`` are digitising slivers and left out.
    """
    parcels = dataset.parcels
    require_projected(parcels.crs, source="parcels")
    row = parcels.loc[label]
    attributes = {k: _clean(v) for k, v in row.items() if k != "geometry"}
    legal = attributes.get("legal_area_m2")
    geom = row.geometry
    map_area = float(area_m2(parcels.loc[[label]], source="parcels").iloc[0])

    recovered: list[RecoveredPart] = []
    boundaries = dataset.get("recovered_land")
    if boundaries is not None and not boundaries.empty:
        if boundaries.crs != parcels.crs:
            boundaries = boundaries.to_crs(parcels.crs)
        for _, b in boundaries[boundaries.intersects(geom)].iterrows():
            inside = float(geom.intersection(b.geometry).area)
            if inside >= min_part_m2:
                recovered.append(RecoveredPart(str(_clean(b.get("TENDUAN")) or "—"),
                                               str(_clean(b.get("SOQD")) or "—"), inside))

    owner = attributes.get("owner")
    others = pd.DataFrame(columns=list(OTHER_COLUMNS))
    if owner is not None and "owner" in parcels.columns:
        same = parcels[(parcels["owner"] == owner) & (parcels.index != label)]
        cols = [c for c in OTHER_COLUMNS if c in same.columns]
        others = pd.DataFrame(same[cols]).sort_values([c for c in ("sheet", "parcel_no") if c in cols])
    return ParcelFacts(label=label, attributes=attributes,
                       legal_area_m2=None if legal is None else float(legal),  # type: ignore[arg-type]
                       map_area_m2=map_area, recovered=recovered, other_parcels=others)
