"""Area summaries of a commune: by land-use code, group and village; rice and ponds before and after recovery."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.core import landuse
from gis.core.area import M2_PER_HA, area_m2, clip_area_m2, repaired
from gis.files.io import Dataset

#: Concentrated-field statuses that mean the field is gone to a project.
RECOVERED_STATUSES = frozenset({"thu hồi", "đã thu hồi", "recovered"})


def assign_villages(parcels: gpd.GeoDataFrame, villages: gpd.GeoDataFrame | None) -> pd.Series:
    """The village of each parcel: the village polygon holding a point on its surface, else its address."""
    fallback = parcels["village"] if "village" in parcels.columns else pd.Series(None, index=parcels.index)
    if villages is None or villages.empty or "TEN" not in villages.columns:
        return fallback.rename("village")
    if villages.crs != parcels.crs:
        villages = villages.to_crs(parcels.crs)
    points = shapely.point_on_surface(parcels.geometry.to_numpy())
    tree = shapely.STRtree(villages.geometry.to_numpy())
    pidx, vidx = tree.query(points, predicate="within")
    out = fallback.copy().astype(object)
    out.iloc[pidx] = villages["TEN"].to_numpy()[vidx]
    return out.rename("village")


def by_land_use(parcels: gpd.GeoDataFrame) -> pd.Series:
    """Hectares by land-use value, largest first.

    A mixed value (``"ONT+CLN"``) is its own row, keyed by the whole value, never counted as its first
    code: the data carries no area per purpose (see :mod:`gis.core.landuse`). Parcels with no code are ``"?"``.
    """
    ha = parcels["map_area_m2"].groupby(parcels["land_use"].fillna("?")).sum() / M2_PER_HA
    return ha.sort_values(ascending=False)


def by_group(parcels: gpd.GeoDataFrame) -> pd.Series:
    """Hectares by land-use group."""
    ha = parcels["map_area_m2"].groupby(parcels["group"].fillna("unknown")).sum() / M2_PER_HA
    return ha.sort_values(ascending=False)


def recovered_union(recovered: gpd.GeoDataFrame | None, crs) -> shapely.Geometry:
    """All recovery boundaries dissolved into one shape in ``crs`` (empty when there are none); invalid ones
    :func:`~gis.core.area.repaired` first."""
    if recovered is None or recovered.empty:
        return shapely.Polygon()
    if recovered.crs != crs:
        recovered = recovered.to_crs(crs)
    return shapely.union_all(repaired(recovered.geometry.to_numpy()))


def kept_fields(fields: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """Concentrated fields that are not marked as recovered."""
    if fields is None:
        return None
    if "TRANGTHAI" in fields.columns:
        status = fields["TRANGTHAI"].fillna("").str.strip().str.lower()
        return fields[~status.isin(RECOVERED_STATUSES)]
    return fields


@dataclass
class CommuneSummary:
    """The figures the plan can be checked against, all in hectares."""

    rice_ha_before_recovery: float
    rice_ha_after_recovery: float
    aquaculture_ha_before_recovery: float
    aquaculture_ha_after_recovery: float
    recovered_ha: float
    concentrated_fields_ha: float
    concentrated_fields_count: int
    parcel_count: int
    commune_ha: float
    by_land_use: dict[str, float] = field(default_factory=dict)
    by_group: dict[str, float] = field(default_factory=dict)
    by_village: dict[str, float] = field(default_factory=dict)

    def as_dict(self, *, digits: int = 4) -> dict:
        out: dict = {}
        for key, value in self.__dict__.items():
            if isinstance(value, float):
                out[key] = round(value, digits)
            elif isinstance(value, dict):
                out[key] = {k: round(v, digits) for k, v in value.items()}
            else:
                out[key] = value
        return out


def _taken_m2(parcels: gpd.GeoDataFrame, mask: gpd.GeoSeries) -> np.ndarray:
    """The area of each of ``parcels`` inside ``mask`` (one shape in their CRS): :func:`gis.core.area.clip_area_m2`
    of only the parcels whose box meets the mask's box, so that no index of a million parcels is built (the
    others 0)."""
    x0, y0, x1, y1 = mask.total_bounds
    boxes = shapely.bounds(parcels.geometry.to_numpy())
    with np.errstate(invalid="ignore"):  # an empty geometry has NaN bounds: never near
        near = np.flatnonzero((boxes[:, 0] <= x1) & (boxes[:, 2] >= x0) & (boxes[:, 1] <= y1) & (boxes[:, 3] >= y0))
    inside = np.zeros(len(parcels))
    inside[near] = clip_area_m2(parcels.iloc[near], mask, source="parcels").to_numpy()
    return inside


#: The parcel fields the figures use (internal names; the required ones come with them): the summary reads only
#: these (and the geometry) of a parcel layer.
FIGURE_FIELDS = ("land_use", "village")
#: The columns of :func:`parcel_figures`.
FIGURE_COLUMNS = ("land_use", "land_use_main", "group", "map_area_m2", "village", "taken_m2")


def parcel_figures(parcels: gpd.GeoDataFrame, recovered: shapely.Geometry, villages: gpd.GeoDataFrame | None,
                   *, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """What the figures need of each parcel, without its shape: its land use (``land_use``, ``land_use_main``,
    ``group``), drawn area (``map_area_m2``), village (:func:`assign_villages`) and, for rice land and ponds, the
    area of it inside ``recovered`` (one shape in the parcels' CRS; ``taken_m2``, 0 for the other parcels), with
    the columns ``keep`` as they are; aligned to ``parcels``.

    Each row depends on its parcel alone: the rows of parts of a layer, put together, are those of the whole
    layer (:func:`summarise_folder` reads a large layer so).
    """
    out = pd.DataFrame({"land_use": parcels["land_use"], "land_use_main": parcels["land_use_main"],
                        "group": parcels["group"], "map_area_m2": parcels["map_area_m2"]}, index=parcels.index)
    out["village"] = assign_villages(parcels, villages)
    taken = np.zeros(len(parcels))
    if not recovered.is_empty:
        mine = parcels["land_use_main"].isin(landuse.RICE_CODES | landuse.AQUACULTURE_CODES).to_numpy()
        if mine.any():
            taken[mine] = _taken_m2(parcels[mine], gpd.GeoSeries([recovered], crs=parcels.crs))
    out["taken_m2"] = taken
    for name in keep:
        out[name] = parcels[name]
    return out


def summarise(dataset: Dataset) -> CommuneSummary:
    """Compute the commune's figures from its layers.

    Rice land and ponds "after recovery" are those of the parcels less the recovered-land boundaries; "before
    recovery" those of the parcels, or, when recoveries were entered in the land ledger
    (:attr:`gis.files.io.Dataset.parcels_before_recovery`, see :func:`gis.jobs.ledger.asof.dated`), of the parcels in
    force before the first of them.
    """
    parcels = dataset.parcels
    recovered = recovered_union(dataset.get("recovered_land"), parcels.crs)
    table = parcel_figures(parcels, recovered, dataset.get("villages"))
    return figures_of(table, recovered, crs=parcels.crs, fields=dataset.get("concentrated_fields"),
                      commune=dataset.get("commune"), earlier=dataset.parcels_before_recovery)


def summarise_folder(folder: Path | None = None, *, by: str | None = None,
                     batch_rows: int = 50_000) -> tuple[CommuneSummary, dict[str, CommuneSummary]]:
    """:func:`summarise` of the dataset in ``folder`` (the built-in data when ``None``) as read, and, with ``by``,
    :func:`summarise_by` of that parcel field (else no parts), without holding the parcels' shapes: the parcels
    are read in parts of ``batch_rows`` (:func:`gis.files.io.parcel_parts`, the fields :data:`FIGURE_FIELDS` and
    ``by`` only), each reduced to its :func:`parcel_figures` rows (and the parcels holding the concentrated
    fields' points). The same figures, to the last digit, as :func:`summarise` and :func:`summarise_by` of
    :func:`gis.files.io.load_dataset` of the folder; for a dataset with no change in its land ledger
    (:func:`gis.jobs.ledger.asof.as_read`). A million parcels take about 0.5 GB instead of 1.4 GB.

    Raises :class:`gis.core.errors.SchemaError` when the parcels have no field ``by``.
    """
    from gis.files.io import parcel_parts, read_layers

    layers = read_layers(folder, ("villages", "recovered_land", "concentrated_fields", "commune"))
    fields = layers.get("concentrated_fields")
    rows: list[pd.DataFrame] = []
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # the fields' points in parcels: by's parts
    crs, recovered, points = None, shapely.Polygon(), None
    for part in parcel_parts(folder, parcel_fields=(*FIGURE_FIELDS, *((by,) if by else ())), batch_rows=batch_rows):
        if not rows:
            crs = part.crs
            recovered = recovered_union(layers.get("recovered_land"), crs)
            if by is not None and fields is not None and not fields.empty:
                fields = fields.to_crs(crs) if fields.crs != crs else fields
                points = shapely.point_on_surface(fields.geometry.to_numpy())
        keep: tuple[str, ...] = ()
        if by is not None:
            part[_KEY] = part_keys(part, by)
            keep = (_KEY,)
            if points is not None:
                fidx, pidx = shapely.STRtree(part.geometry.to_numpy()).query(points, predicate="within")
                found.append((fidx, pidx + int(part.index[0]) if len(part) else pidx, part[_KEY].to_numpy()[pidx]))
        rows.append(parcel_figures(part, recovered, layers.get("villages"), keep=keep))
        del part
    table = pd.concat(rows) if len(rows) > 1 else rows[0]
    whole = figures_of(table, recovered, crs=crs, fields=layers.get("concentrated_fields"),
                       commune=layers.get("commune"))
    if by is None:
        return whole, {}
    field_keys = None
    if points is not None and fields is not None:
        fidx, pidx, values = (np.concatenate(a) for a in zip(*found, strict=True)) if found else (
            np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0, dtype=object))
        field_keys = fields_keys(len(fields), fidx, pidx, values)
    parts: dict[str, CommuneSummary] = {}
    for key, rows_of in table.groupby(table[_KEY].to_numpy(), sort=True):
        mine = fields[(field_keys == key).to_numpy()] if fields is not None and field_keys is not None else None
        parts[str(key)] = figures_of(rows_of.drop(columns=[_KEY]), recovered, crs=crs, fields=mine)
    return whole, parts


#: The column of :func:`summarise_folder`'s rows holding each parcel's part.
_KEY = "_part_key"


def part_keys(parcels: gpd.GeoDataFrame, field: str) -> pd.Series:
    """The part of each parcel in the figures by ``field`` (:func:`summarise_by`): its value as text, ``"?"`` for
    none. Raises :class:`gis.core.errors.SchemaError` when the parcels have no such field."""
    from gis.core.errors import SchemaError

    if field not in parcels.columns:
        raise SchemaError(
            f"Lớp thửa đất không có trường «{field}»: không chia được số liệu theo trường này.",
            f"The parcel layer has no field '{field}': the figures cannot be split by it.")
    return parcels[field].astype(object).where(parcels[field].notna(), "?").astype(str)


def fields_keys(count: int, fidx: np.ndarray, pidx: np.ndarray, keys: np.ndarray) -> pd.Series:
    """The part of each of ``count`` concentrated fields: ``keys[i]``, the part of parcel ``pidx[i]`` holding the
    point of field ``fidx[i]``; ``"?"`` for a field in no parcel. A point in two overlapping parcels counts in the
    part of the later parcel (in the layer's order), whatever order the pairs come in."""
    out = pd.Series("?", index=range(count), dtype=object)
    if len(fidx):
        order = np.lexsort((pidx, fidx))
        fidx, keys = fidx[order], keys[order]
        last = np.append(fidx[1:] != fidx[:-1], True)  # the last pair of each field
        out.iloc[fidx[last]] = keys[last]
    return out


def figures_of(table: pd.DataFrame, recovered: shapely.Geometry, *, crs, fields: gpd.GeoDataFrame | None = None,
               commune: gpd.GeoDataFrame | None = None, earlier: gpd.GeoDataFrame | None = None) -> CommuneSummary:
    """The figures of a commune from its parcels' :func:`parcel_figures` rows, its recovered land (``recovered``,
    one shape), concentrated fields and outline (in any CRS; ``crs`` is the parcels'), and ``earlier``, the
    parcels before the first recovery entered in the land ledger (see :func:`summarise`)."""
    rice = table[table["land_use_main"].isin(landuse.RICE_CODES)]
    ponds = table[table["land_use_main"].isin(landuse.AQUACULTURE_CODES)]
    rice_now = float(rice["map_area_m2"].sum())
    rice_taken = float(rice["taken_m2"].sum()) if not recovered.is_empty else 0.0
    ponds_now = float(ponds["map_area_m2"].sum())
    ponds_taken = float(ponds["taken_m2"].sum()) if not recovered.is_empty else 0.0
    rice_before, ponds_before = rice_now, ponds_now
    if earlier is not None:  # recoveries entered in the land ledger: "before" is the land before the first
        rice_before = float(earlier.loc[earlier["land_use_main"].isin(landuse.RICE_CODES), "map_area_m2"].sum())
        ponds_before = float(earlier.loc[earlier["land_use_main"].isin(landuse.AQUACULTURE_CODES),
                                         "map_area_m2"].sum())

    fields = kept_fields(fields)
    fields_ha, fields_n = 0.0, 0
    if fields is not None and not fields.empty:
        fields = fields.to_crs(crs) if fields.crs != crs else fields
        shapes = repaired(fields.geometry)  # an invalid field counts as its repair, cut or not
        kept = shapes.difference(recovered) if not recovered.is_empty else shapes
        fields_ha = float(area_m2(gpd.GeoSeries(kept, crs=crs), source="concentrated_fields").sum()) / M2_PER_HA
        fields_n = int(len(fields))

    by_village = (table["map_area_m2"].groupby(table["village"].fillna("?")).sum() / M2_PER_HA).sort_index()
    commune_ha = float(area_m2(commune, source="commune").sum()) / M2_PER_HA if commune is not None else float(
        table["map_area_m2"].sum()) / M2_PER_HA

    return CommuneSummary(
        rice_ha_before_recovery=rice_before / M2_PER_HA,
        rice_ha_after_recovery=(rice_now - rice_taken) / M2_PER_HA,
        aquaculture_ha_before_recovery=ponds_before / M2_PER_HA,
        aquaculture_ha_after_recovery=(ponds_now - ponds_taken) / M2_PER_HA,
        recovered_ha=recovered.area / M2_PER_HA,
        concentrated_fields_ha=fields_ha,
        concentrated_fields_count=fields_n,
        parcel_count=int(len(table)),
        commune_ha=commune_ha,
        by_land_use={str(k): float(v) for k, v in by_land_use(table).items()},
        by_group={str(k): float(v) for k, v in by_group(table).items()},
        by_village={str(k): float(v) for k, v in by_village.items()},
    )


def summarise_by(dataset: Dataset, field: str = "former_unit") -> dict[str, CommuneSummary]:
    """The figures of each value of a parcel field (a former unit of a merged commune), which sum to the whole.

    Each part is summarised as a commune of its own parcels: its area is the drawn area of its parcels (the
    commune outline belongs to the whole), and a concentrated field counts in the part holding a point on
    its surface (of two overlapping parcels holding it, the later's: :func:`fields_keys`). Parcels with no value are the part ``"?"``. Raises :class:`gis.core.errors.SchemaError` when the
    parcels have no such field.
    """
    parcels = dataset.parcels
    keys = part_keys(parcels, field)
    fields = dataset.get("concentrated_fields")
    field_keys = None
    if fields is not None and not fields.empty:
        fields = fields.to_crs(parcels.crs) if fields.crs != parcels.crs else fields
        tree = shapely.STRtree(parcels.geometry.to_numpy())
        fidx, pidx = tree.query(shapely.point_on_surface(fields.geometry.to_numpy()), predicate="within")
        field_keys = fields_keys(len(fields), fidx, pidx, keys.to_numpy()[pidx])
    earlier = dataset.parcels_before_recovery
    earlier_keys = None
    if earlier is not None:
        earlier_keys = (earlier[field].astype(object).where(earlier[field].notna(), "?").astype(str)
                        if field in earlier.columns else pd.Series("?", index=earlier.index))
    out: dict[str, CommuneSummary] = {}
    for key, part in parcels.groupby(keys.to_numpy(), sort=True):
        layers = {k: v for k, v in dataset.layers.items() if k not in ("commune", "concentrated_fields")}
        layers["parcels"] = part
        if fields is not None and field_keys is not None:
            layers["concentrated_fields"] = fields[(field_keys == key).to_numpy()]
        before = None if earlier is None or earlier_keys is None else earlier[(earlier_keys == key).to_numpy()]
        out[str(key)] = summarise(Dataset(folder=dataset.folder, layers=layers, builtin=dataset.builtin,
                                          as_of=dataset.as_of, parcels_before_recovery=before))
    return out
