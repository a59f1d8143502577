"""A parcel coverage with overlaps, gaps and slivers planted at known places (counts known by construction).

The parcels are the cells of an irregular grid (columns 25-55 m wide, rows 25-55 m deep) whose edges carry
two wiggled vertices each, computed once per edge so that neighbours share their vertices bit for bit (a
valid coverage), turned 14° as the delta's field grids are and placed in EPSG:9214 near Lương Phong. Then, at
sites at least four cells apart and away from the border:

- ``overlap``: a parcel's right edge pushed 3 m into its neighbour (one overlap of some 60 m²);
- ``sliver_overlap``: pushed 0.05 m (one overlap of about 1 m², above :data:`gis.files.overlaps.MIN_AREA_M2`);
- ``noise_overlap``: pushed 0.0001 m (about 0.003 m²: digitising noise, not a problem);
- ``gap``, ``sliver_gap``, ``noise_gap``: the same edges pulled back (one gap, one gap, none);
- ``duplicate``: a parcel drawn twice (one overlap of the whole parcel);
- ``missing``: a parcel left out (one gap of the whole parcel).

:func:`planted` gives the frame and the number of overlaps and gaps the check must find.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely

EPSG = 9214
ORIGIN = (392_000.0, 2_355_000.0)
ANGLE_DEG = 14.0
#: Planted kind -> (push of the right edge in m (None for a duplicate or a missing parcel), counts as
#: (overlaps, gaps)).
PLANTS: dict[str, tuple[float | None, tuple[int, int]]] = {
    "overlap": (3.0, (1, 0)),
    "sliver_overlap": (0.05, (1, 0)),
    "noise_overlap": (0.0001, (0, 0)),
    "gap": (-3.0, (0, 1)),
    "sliver_gap": (-0.05, (0, 1)),
    "noise_gap": (-0.0001, (0, 0)),
    "duplicate": (None, (1, 0)),
    "missing": (None, (0, 1)),
}
CODES = np.array(["LUC", "LUC", "LUC", "LUK", "HNK", "CLN", "NTS", "ONT", "ONT", "DGT", "DTL"])


def _grid(n: int, rng: np.random.Generator) -> tuple[int, int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    nx = int(math.ceil(math.sqrt(n)))
    ny = int(math.ceil(n / nx))
    xs = np.concatenate([[0.0], np.cumsum(rng.uniform(25, 55, nx))])
    ys = np.concatenate([[0.0], np.cumsum(rng.uniform(25, 55, ny))])
    # wiggles: vertical edge (line i, row j) and horizontal edge (line j, column i), two vertices each
    wig_v = rng.uniform(-1.5, 1.5, (nx + 1, ny, 2))
    wig_h = rng.uniform(-1.5, 1.5, (nx, ny + 1, 2))
    return nx, ny, xs, ys, wig_v, wig_h


def _rings(nx: int, ny: int, xs: np.ndarray, ys: np.ndarray, wig_v: np.ndarray, wig_h: np.ndarray,
           push: np.ndarray) -> np.ndarray:
    """The 13-point ring of every cell (row-major), its right edge's inner vertices moved by ``push`` (m)."""
    i, j = np.meshgrid(np.arange(nx), np.arange(ny))
    i, j = i.ravel(), j.ravel()
    x0, x1, y0, y1 = xs[i], xs[i + 1], ys[j], ys[j + 1]
    w, h = x1 - x0, y1 - y0
    pts = [
        (x0, y0),
        (x0 + w / 3, y0 + wig_h[i, j, 0]), (x0 + 2 * w / 3, y0 + wig_h[i, j, 1]),
        (x1, y0),
        (x1 + wig_v[i + 1, j, 0] + push, y0 + h / 3), (x1 + wig_v[i + 1, j, 1] + push, y0 + 2 * h / 3),
        (x1, y1),
        (x0 + 2 * w / 3, y1 + wig_h[i, j + 1, 1]), (x0 + w / 3, y1 + wig_h[i, j + 1, 0]),
        (x0, y1),
        (x0 + wig_v[i, j, 1], y0 + 2 * h / 3), (x0 + wig_v[i, j, 0], y0 + h / 3),
        (x0, y0),
    ]
    x = np.column_stack([np.broadcast_to(p[0], i.shape) for p in pts])  # (cells, 13), counter-clockwise
    y = np.column_stack([np.broadcast_to(p[1], i.shape) for p in pts])
    # turned and placed element by element (no BLAS), so a vertex two cells share stays bit for bit the same
    c, s = math.cos(math.radians(ANGLE_DEG)), math.sin(math.radians(ANGLE_DEG))
    return np.stack([x * c - y * s + ORIGIN[0], x * s + y * c + ORIGIN[1]], axis=-1)


def planted(n: int, *, seed: int = 14, per_kind: int = 25) -> tuple[gpd.GeoDataFrame, dict[str, int]]:
    """About ``n`` parcels with ``per_kind`` sites of every kind of :data:`PLANTS`.

    Returns the parcel frame (fields ``SHBANDO``, ``SHTHUA``, ``MALOAIDAT``, ``DIENTICH``; legal areas
    equal to the drawn ones to 0.1 m²) and ``{"overlap": n, "gap": n}``, the counts the check must report.
    """
    rng = np.random.default_rng(seed)
    nx, ny, xs, ys, wig_v, wig_h = _grid(n, rng)
    cells = nx * ny
    # sites on a lattice four cells apart, two cells in from the border, shuffled among the kinds
    si, sj = np.meshgrid(np.arange(2, nx - 3, 4), np.arange(2, ny - 3, 4))
    sites = (sj.ravel() * nx + si.ravel())
    wanted = per_kind * len(PLANTS)
    if len(sites) < wanted:
        raise ValueError(f"{n} parcels leave room for {len(sites)} sites, not {wanted}")
    sites = rng.permutation(sites)[:wanted]
    push = np.zeros(cells)
    counts = {"overlap": 0, "gap": 0}
    duplicate, missing = [], []
    for k, (kind, (shift, (n_over, n_gap))) in enumerate(PLANTS.items()):
        mine = sites[k * per_kind:(k + 1) * per_kind]
        if kind == "duplicate":
            duplicate.extend(mine.tolist())
        elif kind == "missing":
            missing.extend(mine.tolist())
        else:
            push[mine] = shift
        counts["overlap"] += n_over * per_kind
        counts["gap"] += n_gap * per_kind
    rings = _rings(nx, ny, xs, ys, wig_v, wig_h, push)
    polys = shapely.polygons(rings)
    keep = np.ones(cells, dtype=bool)
    keep[missing] = False
    order = np.concatenate([np.flatnonzero(keep), np.array(duplicate, dtype=int)])
    geoms = polys[order]
    m = len(geoms)
    areas = shapely.area(geoms)
    frame = gpd.GeoDataFrame({
        "SHBANDO": (np.arange(m) // 500 + 1).astype(np.int32),
        "SHTHUA": (np.arange(m) % 500 + 1).astype(np.int32),
        "MALOAIDAT": CODES[rng.integers(0, len(CODES), m)],
        "DIENTICH": np.round(areas, 1),
    }, geometry=geoms, crs=EPSG)
    return frame, counts
