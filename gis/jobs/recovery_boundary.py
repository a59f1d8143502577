"""A project boundary ready for a recovery: checked, repaired, one project picked, reprojected, dissolved.

:func:`prepare_boundary` checks a boundary layer (empty, no CRS, lines or points instead of polygons,
self-intersections repaired and reported), picks one project of a multi-project file
(:func:`select_project`, :func:`project_choices`), reprojects it to the parcels' CRS (and says so) and
dissolves it into one polygonal shape, a :class:`Boundary`; :func:`boundary_from_geometry` makes one from a
shape drawn on the map. It works on frames: the user's files are read by :mod:`gis.jobs.recovery_files`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gis.core.crs import describe, require_crs, require_projected
from gis.core.errors import DataSourceError, GeometryError
from gis.core.text import Text

_POLYGONAL = {"Polygon", "MultiPolygon"}
_LINEAR = {"LineString", "MultiLineString", "LinearRing"}
_POINTS = {"Point", "MultiPoint"}

#: Something the user should know about the input (a repair, a reprojection): a :class:`gis.core.text.Text`.
Note = Text

@dataclass(frozen=True)
class Boundary:
    """A project boundary ready for :func:`~gis.jobs.recovery_measure.measure`: one valid polygonal shape in the parcels' CRS."""

    geometry: shapely.Geometry
    crs: CRS
    name: str
    source: str
    notes: tuple[Note, ...] = ()
    features: int = 1

    @property
    def area_m2(self) -> float:
        return float(self.geometry.area)


#: Columns searched for a project's name, in order (TENDUAN is the built-in layer's).
NAME_FIELDS = ("TENDUAN", "TenDuAn", "ten_du_an", "name", "Name", "NAME", "TEN", "ten")
DECISION_FIELDS = ("SOQD", "SoQD", "so_qd")


def _name_column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in frame.columns}
    for name in names:
        if name.lower() in lower:
            return lower[name.lower()]
    return None


def _feature_label(frame: pd.DataFrame, pos: int, name_col: str | None) -> str:
    label = f"#{pos + 1}"
    if name_col is not None:
        value = frame[name_col].iloc[pos]
        if isinstance(value, str) and value.strip():
            label += f" «{value.strip()}»"
    return label


def select_project(frame: gpd.GeoDataFrame, project: str, *, source: str = "boundary") -> gpd.GeoDataFrame:
    """The feature(s) of a multi-project boundary layer whose name or decision number matches ``project``.

    An exact match (ignoring case) wins; then a number ``N`` alone picks the N-th feature; otherwise a
    unique partial match. Raises :class:`DataSourceError` listing the projects when nothing, or more than one
    project, matches.
    """
    columns = [c for c in (_name_column(frame, NAME_FIELDS), _name_column(frame, DECISION_FIELDS)) if c]
    wanted = project.strip().casefold()
    text = {c: frame[c].astype("string").fillna("").str.strip().str.casefold() for c in columns}
    exact = np.zeros(len(frame), dtype=bool)
    partial = np.zeros(len(frame), dtype=bool)
    for values in text.values():
        exact |= (values == wanted).to_numpy(dtype=bool)
        partial |= values.str.contains(wanted, regex=False).to_numpy(dtype=bool)
    chosen = exact if exact.any() else partial
    if not exact.any() and wanted.isdigit() and 1 <= int(wanted) <= len(frame):
        chosen = np.zeros(len(frame), dtype=bool)
        chosen[int(wanted) - 1] = True
    name_col = columns[0] if columns else None
    listing = "; ".join(_feature_label(frame, i, name_col) for i in range(len(frame)))
    if not chosen.any():
        raise DataSourceError(
            f"Không có dự án «{project}» trong «{source}». Các dự án có trong tệp: {listing}.",
            f"No project '{project}' in '{source}'. The file holds: {listing}.",
        )
    if chosen.sum() > 1 and not exact.any():
        hits = "; ".join(_feature_label(frame, int(i), name_col) for i in np.flatnonzero(chosen))
        raise DataSourceError(
            f"«{project}» khớp với nhiều dự án trong «{source}»: {hits}. Hãy ghi tên đầy đủ hơn.",
            f"'{project}' matches several projects in '{source}': {hits}. Give a fuller name.",
        )
    return frame.iloc[np.flatnonzero(chosen)]


def _polygon_parts(geom: shapely.Geometry) -> shapely.Geometry | None:
    """The polygons of a geometry collection, dissolved; ``None`` when it holds none."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in _POLYGONAL and not p.is_empty]
    if not parts:
        return None
    return shapely.union_all(parts)


def prepare_boundary(
    frame: gpd.GeoDataFrame,
    *,
    crs: CRS | str | int,
    source: str = "boundary",
    project: str | None = None,
) -> Boundary:
    """Check a boundary layer and make it one valid polygonal shape in ``crs`` (the parcels' CRS).

    Parameters
    ----------
    frame
        The boundary layer as read (one or several features).
    crs
        The parcels' CRS, which areas are measured in; the boundary is reprojected to it and a note says so.
    source
        The file or layer name, for messages.
    project
        Pick one project of a multi-project layer by name or decision number (see :func:`select_project`);
        ``None`` takes every feature, dissolved.

    Raises :class:`DataSourceError` for a layer with no features, :class:`gis.core.errors.CrsError` for one with
    no CRS, and :class:`GeometryError` listing every feature that is a line or a point rather than a polygon.
    Self-intersecting polygons are repaired (``make_valid``) and reported in :attr:`Boundary.notes`.
    """
    target = CRS.from_user_input(crs)
    require_projected(target, source="parcels")
    require_crs(frame.crs, source=source)
    notes: list[Note] = []
    present = ~(frame.geometry.isna().to_numpy() | frame.geometry.is_empty.to_numpy())
    if not present.any():
        raise DataSourceError(
            f"Tệp ranh giới «{source}» rỗng: không có vùng nào. Hãy kiểm tra đã lưu ranh giới dự án vào tệp "
            "và chọn đúng lớp.",
            f"Boundary file '{source}' is empty: it holds no shape. Check that the project boundary was saved "
            "to the file and that the right layer was chosen.",
        )
    if project is not None:
        frame = select_project(frame, project, source=source)
    name_col = _name_column(frame, NAME_FIELDS)
    if len(frame) > 1 and project is None:
        notes.append(Note(
            f"Tệp «{source}» có {len(frame)} đối tượng: đã gộp tất cả thành một ranh giới. Để chỉ lấy một dự án, "
            "hãy chọn dự án đó (dòng lệnh: --project).",
            f"'{source}' holds {len(frame)} features: all were dissolved into one boundary. To take one project, "
            "choose it (command line: --project).",
        ))

    geoms = shapely.force_2d(frame.geometry.to_numpy())
    if not CRS.from_user_input(frame.crs).equals(target, ignore_axis_order=True):
        geoms = gpd.GeoSeries(geoms, crs=frame.crs).to_crs(target).to_numpy()
        notes.append(Note(
            f"Ranh giới «{source}» ở hệ tọa độ {describe(frame.crs)}; đã chuyển sang hệ của lớp thửa đất "
            f"{describe(target)}.",
            f"Boundary '{source}' is in {describe(frame.crs)}; it was reprojected to the parcels' CRS "
            f"{describe(target)}.",
        ))

    problems: list[tuple[str, str]] = []
    polygons: list[shapely.Geometry] = []
    for pos, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            continue
        label = _feature_label(frame, pos, name_col)
        kind = geom.geom_type
        if kind in _LINEAR:
            problems.append((f"đối tượng {label} là đường ({kind}), không phải vùng",
                             f"feature {label} is a line ({kind}), not a polygon"))
            continue
        if kind in _POINTS:
            problems.append((f"đối tượng {label} là điểm ({kind}), không phải vùng",
                             f"feature {label} is a point ({kind}), not a polygon"))
            continue
        if kind not in _POLYGONAL:
            parts = _polygon_parts(geom)
            if parts is None:
                problems.append((f"đối tượng {label} ({kind}) không chứa vùng nào",
                                 f"feature {label} ({kind}) holds no polygon"))
                continue
            geom = parts
        if not shapely.is_valid(geom):
            reason = shapely.is_valid_reason(geom)
            repaired = _polygon_parts(shapely.make_valid(geom, method="structure"))
            if repaired is None:
                problems.append((f"đối tượng {label} không hợp lệ ({reason}) và không sửa được",
                                 f"feature {label} is invalid ({reason}) and cannot be repaired"))
                continue
            notes.append(Note(
                f"Ranh giới {label} tự cắt hoặc không hợp lệ ({reason}); đã tự động sửa. Diện tích sau khi "
                f"sửa: {repaired.area:,.1f} m². Hãy kiểm tra lại ranh giới trong QGIS.".replace(",", "."),
                f"Boundary {label} is self-intersecting or invalid ({reason}); it was repaired automatically. "
                f"Area after repair: {repaired.area:,.1f} m². Check the boundary in QGIS.",
            ))
            geom = repaired
        polygons.append(geom)
    if problems:
        raise GeometryError(
            f"Ranh giới «{source}» phải là vùng khép kín (Polygon): " + "; ".join(p[0] for p in problems)
            + ". Trong QGIS, dùng Vector › Geometry Tools › Lines to Polygons để chuyển đường thành vùng.",
            f"Boundary '{source}' must be closed polygons: " + "; ".join(p[1] for p in problems)
            + ". In QGIS, Vector › Geometry Tools › Lines to Polygons turns lines into polygons.",
        )
    shape = polygons[0] if len(polygons) == 1 else shapely.union_all(polygons)
    if shape.geom_type not in _POLYGONAL:
        shape = _polygon_parts(shape) or shapely.Polygon()
    if shape.is_empty or shape.area == 0:
        raise GeometryError(
            f"Ranh giới «{source}» có diện tích bằng 0. Hãy kiểm tra các đỉnh của vùng.",
            f"Boundary '{source}' has zero area. Check the polygon's vertices.",
        )
    if project is not None and name_col is not None and len(frame) == 1:
        name = str(frame[name_col].iloc[0])
    elif name_col is not None and len(frame) == 1:
        name = str(frame[name_col].iloc[0])
    elif name_col is not None:
        name = "; ".join(str(v) for v in frame[name_col])
    else:
        name = Path(source).stem
    shapely.prepare(shape)
    return Boundary(geometry=shape, crs=target, name=name, source=source, notes=tuple(notes),
                    features=int(len(frame)))


def project_choices(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """The projects of a boundary layer as ``(value, label)`` pairs for a picker.

    ``value`` is what :func:`select_project` (``project=``) picks exactly that feature with: its position
    ``"1"``, ``"2"`` ... (names can repeat or be missing); ``label`` its name and decision number when
    the layer has them (``"Cụm công nghiệp ... (2315/QĐ-UBND)"``), else ``"#1"``.
    """
    name_col = _name_column(frame, NAME_FIELDS)
    decision_col = _name_column(frame, DECISION_FIELDS)
    out = []
    for pos in range(len(frame)):
        name = frame[name_col].iloc[pos] if name_col else None
        decision = frame[decision_col].iloc[pos] if decision_col else None
        label = str(name).strip() if isinstance(name, str) and name.strip() else f"#{pos + 1}"
        if isinstance(decision, str) and decision.strip():
            label += f" ({decision.strip()})"
        out.append((str(pos + 1), label))
    return out


def boundary_from_geometry(geometry: shapely.Geometry, *, crs: CRS | str | int, name: str = "",
                           source: str = "boundary") -> Boundary:
    """Wrap a shape already in ``crs`` (a polygon drawn on the map, say) with the same checks."""
    frame = gpd.GeoDataFrame({"geometry": [geometry]}, crs=crs)
    prepared = prepare_boundary(frame, crs=crs, source=source)
    return Boundary(geometry=prepared.geometry, crs=prepared.crs, name=name or prepared.name, source=source,
                    notes=prepared.notes)
