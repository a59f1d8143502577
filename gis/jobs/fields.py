"""Concentrated rice fields (cánh đồng tập trung): checking a planned field and suggesting new ones.

A field counts only rice land (LUA/LUC/LUK/LUN parcels), either the parcels it holds whole or the part of
each parcel inside its outline. It must be one connected block, where field roads and canals may cross it
(gaps up to ``bridge_m`` between rice parcels are bridged), and it may not overlap recovered land or another
field.

A field saved in the workspace is a draft until a decision adopts it (:mod:`gis.store.workspace`); only adopted fields
of the dataset at hand count toward the plan's figures (:func:`counted_fields`).
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.core import landuse
from gis.core.area import M2_PER_HA, repaired
from gis.core.crs import WGS84_EPSG
from gis.core.errors import GeometryError
from gis.core.text import Text, texts
from gis.files.io import Dataset
from gis.jobs.summary import RECOVERED_STATUSES, kept_fields, recovered_union
from gis.store.rows import ADOPTED, DRAFT, STATE_LABELS, dataset_id

#: Field roads and in-field canals are up to this wide: rice parcels this close count as touching.
BRIDGE_M = 6.0
#: An overlap smaller than this (m²) is digitising noise, not an overlap.
OVERLAP_TOLERANCE_M2 = 1.0
#: A field's status in :func:`field_table`: kept (duy trì), recovered (thu hồi), newly planned (quy hoạch mới).
KEPT, RECOVERED, PLANNED = "kept", "recovered", "planned"
STATUS_LABELS: dict[str, Text] = texts({KEPT: ("Duy trì", "Kept"), RECOVERED: ("Thu hồi", "Recovered"),
                 PLANNED: ("Quy hoạch mới", "Planned (new)")})


@dataclass
class FieldCheck:
    """What a planned field holds, and whether it can be saved."""

    outline_ha: float
    rice_ha: float
    parcels: int
    owners: int
    villages: list[str]
    blocks: int
    refusals: list[tuple[str, str]] = field(default_factory=list)  # (vi, en)
    parcel_index: list = field(default_factory=list)

    @property
    def connected(self) -> bool:
        return self.blocks == 1

    @property
    def ok(self) -> bool:
        return not self.refusals and self.parcels > 0


def of_dataset(planned: gpd.GeoDataFrame | None, dataset: Dataset) -> gpd.GeoDataFrame | None:
    """The saved fields drawn on ``dataset`` (all of them when the frame does not say: no ``dataset`` column)."""
    if planned is None or "dataset" not in planned.columns:
        return planned
    return planned[planned["dataset"] == dataset_id(dataset)]


def counted_fields(planned: gpd.GeoDataFrame | None, dataset: Dataset) -> gpd.GeoDataFrame | None:
    """The saved fields that count toward the plan's figures: adopted, and drawn on ``dataset``.

    Drafts never count. A frame with no ``state`` column (fields built by a caller, not read from the
    workspace) is taken as it is.
    """
    mine = of_dataset(planned, dataset)
    if mine is None or "state" not in mine.columns:
        return mine
    return mine[mine["state"] == ADOPTED]


def state_label(state: str, *, lang: str = "vi") -> str:
    """``Dự thảo`` / ``Đã phê duyệt`` (``Draft`` / ``Adopted``); empty for a field of the data."""
    return STATE_LABELS[state](lang) if state in STATE_LABELS else ""


def rice_parcels(parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The rice parcels of a normalised parcel layer."""
    return parcels[parcels["land_use_main"].isin(landuse.RICE_CODES)]


def blocks_of(geoms, *, bridge_m: float = BRIDGE_M) -> np.ndarray:
    """Label each geometry with its connected block: geometries within ``bridge_m`` of each other join."""
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if n:
        left, right = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=bridge_m)
        for a, b in zip(left.tolist(), right.tolist(), strict=True):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([find(i) for i in range(n)])
    _, labels = np.unique(roots, return_inverse=True)
    return labels


def outline_of(geoms, *, bridge_m: float = BRIDGE_M) -> shapely.Geometry:
    """One outline around parcels, closing the field roads and canals between them (an invalid parcel grown as
    its :func:`~gis.core.area.repaired` shape)."""
    half = bridge_m / 2 + 0.5
    shape = shapely.union_all([shapely.buffer(g, half, join_style="mitre")
                               for g in repaired(np.asarray(geoms, dtype=object))])
    return shapely.make_valid(shapely.buffer(shape, -half, join_style="mitre"))


def existing_fields(dataset: Dataset, planned: gpd.GeoDataFrame | None = None, *,
                    exclude_planned_id: int | None = None) -> gpd.GeoDataFrame:
    """The kept concentrated fields of the data and the saved planned ones, with a ``name`` and ``kind``."""
    crs = dataset.parcels.crs
    frames = []
    kept = kept_fields(dataset.get("concentrated_fields"))
    if kept is not None and len(kept):
        kept = kept.to_crs(crs)
        frames.append(gpd.GeoDataFrame({"name": kept.get("TEN", pd.Series("", index=kept.index)),
                                        "kind": "existing", "field_id": -1}, geometry=kept.geometry, crs=crs))
    planned = of_dataset(planned, dataset)
    if planned is not None and len(planned):
        p = planned.to_crs(crs)
        if exclude_planned_id is not None:
            p = p[p["field_id"] != exclude_planned_id]
        frames.append(gpd.GeoDataFrame({"name": p["name"], "kind": "planned", "field_id": p["field_id"]},
                                       geometry=p.geometry, crs=crs))
    if not frames:
        return gpd.GeoDataFrame({"name": [], "kind": [], "field_id": []}, geometry=[], crs=crs)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=crs)


def check_field(outline: shapely.Geometry, dataset: Dataset, *, others: gpd.GeoDataFrame | None = None,
                clipped: bool = False, bridge_m: float = BRIDGE_M) -> FieldCheck:
    """Check a planned field's outline (in the parcels' CRS).

    ``clipped`` counts the part of each rice parcel inside the outline; otherwise a parcel counts whole when
    most of it lies inside. ``others`` are the fields it may not overlap (see :func:`existing_fields`). Invalid
    shapes (the outline, parcels, other fields) are :func:`~gis.core.area.repaired` before they are cut.
    """
    if outline is None or outline.is_empty or outline.geom_type not in ("Polygon", "MultiPolygon"):
        raise GeometryError("Cánh đồng phải là một vùng (đa giác).", "A field must be an area (a polygon).")
    outline = repaired(outline)
    parcels = dataset.parcels
    rice = rice_parcels(parcels)
    hits = rice.sindex.query(outline, predicate="intersects")
    sub = rice.iloc[hits]
    shapes = repaired(sub.geometry)
    inside = shapes.intersection(outline).area
    if clipped:
        keep = inside > 0.01
        area_m2 = float(inside[keep].sum())
    else:
        keep = inside > 0.5 * sub["map_area_m2"]
        area_m2 = float(sub.loc[keep, "map_area_m2"].sum())
    chosen = sub[keep]
    owners = chosen[["owner", "village"]].drop_duplicates() if "owner" in chosen.columns else pd.DataFrame()
    villages = sorted(chosen["village"].dropna().unique().tolist()) if "village" in chosen.columns else []
    geoms = shapes[keep].intersection(outline).to_numpy() if clipped else chosen.geometry.to_numpy()
    blocks = int(blocks_of(geoms, bridge_m=bridge_m).max() + 1) if len(chosen) else 0
    refusals: list[tuple[str, str]] = []
    recovered = recovered_union(dataset.get("recovered_land"), parcels.crs)
    taken = outline.intersection(recovered).area if not recovered.is_empty else 0.0
    if taken > OVERLAP_TOLERANCE_M2:
        refusals.append((f"Chồng lấn đất đã thu hồi {taken / M2_PER_HA:.2f} ha: cánh đồng không được nằm trên đất "
                         "thu hồi cho dự án.",
                         f"Overlaps recovered land by {taken / M2_PER_HA:.2f} ha: a field may not lie on land "
                         "recovered for a project."))
    if others is not None and len(others):
        for row in others.itertuples():
            shared = outline.intersection(repaired(row.geometry)).area
            if shared > OVERLAP_TOLERANCE_M2:
                refusals.append((f"Chồng lấn cánh đồng «{row.name}» {shared / M2_PER_HA:.2f} ha.",
                                 f"Overlaps the field '{row.name}' by {shared / M2_PER_HA:.2f} ha."))
    if len(chosen) and blocks > 1:
        refusals.append((f"Cánh đồng gồm {blocks} khối rời nhau: phải là một khối liền (chỉ đường, kênh nội đồng "
                         "được cắt ngang).",
                         f"The field is {blocks} separate blocks: it must be one connected block (only field "
                         "roads and canals may cross it)."))
    if not len(chosen):
        refusals.append(("Trong vùng này không có đất trồng lúa.", "There is no rice land in this area."))
    return FieldCheck(outline_ha=outline.area / M2_PER_HA, rice_ha=area_m2 / M2_PER_HA, parcels=int(len(chosen)),
                      owners=int(len(owners)), villages=villages, blocks=blocks, refusals=refusals,
                      parcel_index=chosen.index.tolist())


def field_from_parcels(parcels: gpd.GeoDataFrame, index, *, bridge_m: float = BRIDGE_M) -> shapely.Geometry:
    """The outline of a field made of the chosen parcels (by index label)."""
    geoms = parcels.loc[list(index)].geometry.to_numpy()
    if not len(geoms):
        raise GeometryError("Chưa chọn thửa nào.", "No parcel is chosen.")
    return outline_of(geoms, bridge_m=bridge_m)


def suggest(dataset: Dataset, *, planned: gpd.GeoDataFrame | None = None, top: int = 5, min_ha: float = 5.0,
            max_ha: float = 40.0, bridge_m: float = BRIDGE_M) -> gpd.GeoDataFrame:
    """The largest connected blocks of rice land in no field and not recovered, best first.

    Blocks larger than ``max_ha`` are trimmed to a compact field of that size grown from their middle.
    Ranked by rice area, then by fewest land users (fewer owners, easier to consolidate).
    """
    parcels = dataset.parcels
    rice = rice_parcels(parcels)
    recovered = recovered_union(dataset.get("recovered_land"), parcels.crs)
    others = existing_fields(dataset, planned)
    blocked = shapely.union(recovered, shapely.union_all(repaired(others.geometry.to_numpy()))) if len(others) \
        else recovered
    free = rice[~rice.geometry.intersects(blocked)] if not blocked.is_empty else rice
    if free.empty:
        return gpd.GeoDataFrame({"rank": []}, geometry=[], crs=parcels.crs)
    labels = blocks_of(free.geometry.to_numpy(), bridge_m=bridge_m)
    rows = []
    for label in np.unique(labels):
        block = free[labels == label]
        if block["map_area_m2"].sum() < min_ha * M2_PER_HA:
            continue
        if block["map_area_m2"].sum() > max_ha * M2_PER_HA:
            block = _trim(block, max_ha * M2_PER_HA, bridge_m=bridge_m)
        owners = block[["owner", "village"]].drop_duplicates()
        village = block["village"].mode().iloc[0] if block["village"].notna().any() else ""
        rows.append({
            "rice_ha": float(block["map_area_m2"].sum()) / M2_PER_HA,
            "parcels": int(len(block)),
            "owners": int(len(owners)),
            "village": village,
            "villages": ", ".join(sorted(block["village"].dropna().unique())),
            "geometry": outline_of(block.geometry.to_numpy(), bridge_m=bridge_m),
        })
    if not rows:
        return gpd.GeoDataFrame({"rank": []}, geometry=[], crs=parcels.crs)
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=parcels.crs)
    out["owners_per_10ha"] = out["owners"] / out["rice_ha"] * 10
    out = out.sort_values(["rice_ha", "owners"], ascending=[False, True], kind="stable").head(top)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out.reset_index(drop=True)


def _trim(block: gpd.GeoDataFrame, target_m2: float, *, bridge_m: float) -> gpd.GeoDataFrame:
    """A compact part of ``block`` of about ``target_m2``: parcels nearest its middle, kept connected."""
    centre = shapely.union_all(repaired(block.geometry.to_numpy())).centroid
    order = block.geometry.centroid.distance(centre).sort_values(kind="stable").index
    chosen = [order[0]]
    total = float(block.loc[order[0], "map_area_m2"])
    tree_geoms = block.geometry
    for idx in order[1:]:
        if total >= target_m2:
            break
        near = tree_geoms.loc[chosen].distance(tree_geoms.loc[idx]).min()
        if near <= bridge_m:
            chosen.append(idx)
            total += float(block.loc[idx, "map_area_m2"])
    return block.loc[chosen]


def export_field(frame: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write fields as GeoPackage (``.gpkg``), KML (``.kml``, in WGS 84) or zipped shapefile (``.zip``)."""
    import pyogrio

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        pyogrio.write_dataframe(frame, path, layer="canh_dong", driver="GPKG")
    elif suffix == ".kml":
        pyogrio.write_dataframe(frame.to_crs(4326), path, driver="KML")
    elif suffix == ".zip":
        with tempfile.TemporaryDirectory() as tmp:
            shp = Path(tmp) / "canh_dong.shp"
            pyogrio.write_dataframe(frame, shp, driver="ESRI Shapefile", encoding="UTF-8")
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
                for part in sorted(Path(tmp).iterdir()):
                    zf.write(part, part.name)
    else:
        raise GeometryError(f"Không hỗ trợ định dạng «{suffix}»: dùng .gpkg, .kml hoặc .zip.",
                            f"Format '{suffix}' is not supported: use .gpkg, .kml or .zip.")
    return path


def outline_from_geojson(geometry: dict, crs) -> shapely.Geometry:
    """A polygon drawn on the web map (GeoJSON geometry in WGS 84) as an outline in ``crs`` (the parcels').

    Raises :class:`GeometryError` for anything but a polygon with at least three corners.
    """
    kind = (geometry or {}).get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise GeometryError("Hình vẽ không phải là một vùng: hãy vẽ ranh giới cánh đồng bằng công cụ đa giác.",
                            "The drawing is not an area: draw the field's outline with the polygon tool.")
    try:
        shape = shapely.geometry.shape(geometry)
    except (ValueError, TypeError, IndexError, AttributeError) as exc:
        raise GeometryError(f"Hình vẽ không đọc được ({exc}): hãy vẽ lại.",
                            f"The drawing cannot be read ({exc}): draw it again.") from exc
    if shape.is_empty or shape.area == 0:
        raise GeometryError("Hình vẽ không có diện tích: hãy vẽ ít nhất ba điểm.",
                            "The drawing has no area: draw at least three points.")
    out = gpd.GeoSeries([shape], crs=WGS84_EPSG).to_crs(crs).iloc[0]
    return out if out.is_valid else shapely.make_valid(out)


def field_table(dataset: Dataset, planned: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Every concentrated field, existing (kept or recovered) and planned, with what it holds.

    Columns: ``name``, ``status`` (:data:`KEPT`, :data:`RECOVERED`, :data:`PLANNED`), ``field_id`` (the
    workspace id of a planned field, -1 otherwise), ``rice_ha`` (rice land inside the outline, clipped),
    ``parcels`` and ``owners`` (rice parcels mostly inside), ``villages``, ``area_ha`` (the outline),
    ``created_at``, ``updated_at``, and for a planned field its ``state`` (:data:`DRAFT` or :data:`ADOPTED`,
    empty for the data's fields), ``decision`` and ``decision_date``; in the parcels' CRS. Only the planned
    fields drawn on ``dataset`` are listed.
    """
    crs = dataset.parcels.crs
    rows: list[dict] = []
    layer = dataset.get("concentrated_fields")
    if layer is not None and len(layer):
        layer = layer.to_crs(crs)
        status = (layer["TRANGTHAI"].fillna("").astype(str).str.strip().str.lower()
                  if "TRANGTHAI" in layer.columns else pd.Series("", index=layer.index))
        names = layer["TEN"] if "TEN" in layer.columns else pd.Series("", index=layer.index)
        for idx, geom in layer.geometry.items():
            rows.append({"name": str(names[idx] or ""), "field_id": -1, "geometry": geom,
                         "status": RECOVERED if status[idx] in RECOVERED_STATUSES else KEPT,
                         "created_at": "", "updated_at": "", "state": "", "decision": "", "decision_date": ""})
    planned = of_dataset(planned, dataset)
    if planned is not None and len(planned):
        p = planned.to_crs(crs)
        for row in p.itertuples():
            rows.append({"name": str(row.name), "field_id": int(row.field_id), "geometry": row.geometry,
                         "status": PLANNED, "created_at": str(getattr(row, "created_at", "") or ""),
                         "updated_at": str(getattr(row, "updated_at", "") or ""),
                         "state": str(getattr(row, "state", DRAFT) or DRAFT),
                         "decision": str(getattr(row, "decision", "") or ""),
                         "decision_date": str(getattr(row, "decision_date", "") or "")})
    rice = rice_parcels(dataset.parcels)
    for row in rows:
        geom = row["geometry"]
        if geom is None or geom.is_empty:
            row |= {"rice_ha": 0.0, "parcels": 0, "owners": 0, "villages": "", "area_ha": 0.0}
            continue
        geom = repaired(geom)  # an invalid field of the data, cut and measured as its repair
        sub = rice.iloc[rice.sindex.query(geom, predicate="intersects")]
        inside = repaired(sub.geometry).intersection(geom).area
        whole = sub[inside > 0.5 * sub["map_area_m2"]]
        owners = whole[["owner", "village"]].drop_duplicates() if "owner" in whole.columns else whole.iloc[:0]
        row |= {"rice_ha": float(inside.sum()) / M2_PER_HA, "parcels": int(len(whole)), "owners": int(len(owners)),
                "villages": ", ".join(sorted(whole["village"].dropna().unique())) if "village" in whole else "",
                "area_ha": float(geom.area) / M2_PER_HA}
    columns = ["name", "status", "field_id", "rice_ha", "parcels", "owners", "villages", "area_ha", "created_at",
               "updated_at", "state", "decision", "decision_date"]
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=crs)
    frame = pd.DataFrame(rows)
    return gpd.GeoDataFrame(frame[columns], geometry=frame["geometry"].tolist(), crs=crs)
