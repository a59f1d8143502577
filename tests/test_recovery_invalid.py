"""The recovery's note on invalid parcels (checked beside the tables, gis.jobs.recovery.recover): it counts the
invalid parcels the boundary takes, and only those, on real shapes with known answers."""

from __future__ import annotations

import shapely
from shapely.geometry import Polygon
from test_recovery import SETTINGS, X0, Y0, grid, rel_box

from gis.jobs.recovery import recover


def _spiked(i: int, j: int) -> Polygon:
    """The 100 m square (i, j) of :func:`grid` with a spike out of its top edge: invalid (the ring touches
    itself), 10 000 m² all the same."""
    x, y = X0 + i * 100, Y0 + j * 100
    return Polygon([(x, y), (x + 100, y), (x + 100, y + 100), (x + 50, y + 100), (x + 50, y + 130), (x + 50, y + 100),
                    (x, y + 100)])


def _note(result) -> list[str]:
    return [n.en for n in result.notes if "invalid geometry" in n.en]


def test_invalid_parcels_taken_are_counted_in_a_note_and_the_others_are_not():
    parcels = grid()
    parcels.loc[parcels.index[0], "geometry"] = _spiked(0, 0)  # taken by the boundary below
    parcels.loc[parcels.index[8], "geometry"] = _spiked(2, 2)  # outside it
    assert (~shapely.is_valid(parcels.geometry.to_numpy())).sum() == 2
    result = recover(parcels, rel_box(0, 0, 150, 150), settings=SETTINGS)
    assert _note(result) == ["1 parcels inside the boundary have invalid geometry; they were repaired for this "
                             "computation only. Fix them in the source data."]
    assert any(n.vi.startswith("1 thửa đất trong ranh giới có hình học không hợp lệ") for n in result.notes)
    assert result.totals.parcels == 4

    assert _note(recover(parcels, rel_box(200, 0, 250, 50), settings=SETTINGS)) == []  # takes a valid one only


def _recovered(result) -> dict[int, float]:
    return dict(zip(result.table["parcel_no"].tolist(), result.table["recovered_m2"].tolist(), strict=True))


def test_a_spiked_parcel_touched_at_its_corner_loses_nothing():
    # GEOS's overlay of the invalid ring and this box answers 2 500 m² without raising; nothing is inside it
    parcels = grid()
    parcels.loc[parcels.index[0], "geometry"] = _spiked(0, 0)
    result = recover(parcels, rel_box(100, 100, 150, 150), settings=SETTINGS)
    assert _recovered(result) == {5: 2_500.0}  # only the corner of parcel 5, the square (1, 1)


def test_a_spiked_parcel_cut_in_half_loses_half_its_square():
    parcels = grid()
    parcels.loc[parcels.index[0], "geometry"] = _spiked(0, 0)
    left = recover(parcels, rel_box(0, 0, 50, 100), settings=SETTINGS)
    assert _recovered(left) == {1: 5_000.0}
    # a box over the square's upper right part (and the neighbours' corners): GEOS alone answers 18 000 m²
    # for the spiked parcel, more than its whole area
    upper = recover(parcels, rel_box(60, 60, 140, 140), settings=SETTINGS)
    assert _recovered(upper)[1] == 1_600.0  # 40 m x 40 m of the square; the spike is a line, no area
    assert _recovered(upper)[1] <= shapely.area(_spiked(0, 0))


def test_the_parts_of_a_spiked_parcel_are_cut_as_it_was_measured():
    from gis.jobs.recovery_parts import recovered_parts

    parcels = grid()
    parcels.loc[parcels.index[0], "geometry"] = _spiked(0, 0)
    result = recover(parcels, rel_box(60, 60, 140, 140), settings=SETTINGS)
    parts = recovered_parts(parcels, result)
    mine = parts[parts["parcel"] == 1].set_index("part")["area_m2"]
    assert mine["recovered"] == 1_600.0
    assert mine["remaining"] == 10_000.0 - 1_600.0  # the parts add up to the square


def _grid_with_a_bowtie(legal: float = 5_000.0):
    """The 3 x 3 grid of :func:`grid` read as from a raw file whose parcel 1 (the square (0, 0)) is drawn as the
    ring (0, 0) (100, 100) (100, 0) (0, 100), crossing itself at the middle: GEOS's area of it is nil (the lobes
    cancel), its repair two triangles of 100 m x 50 m / 2 = 2 500 m², 5 000 m² together."""
    import geopandas as gpd
    import numpy as np

    from gis.files.schema import normalise_parcels

    geoms = [Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])]
    geoms += [shapely.box(X0 + i * 100, Y0 + j * 100, X0 + (i + 1) * 100, Y0 + (j + 1) * 100)
              for j in range(3) for i in range(3)][1:]
    raw = gpd.GeoDataFrame({"SHBANDO": 1, "SHTHUA": np.arange(1, 10), "MALOAIDAT": ["LUC"] * 9,
                            "TENCHU": [f"Hộ {k % 4}" for k in range(9)], "DIACHI": ["Thôn Đông"] * 9,
                            "DIENTICH": [legal] + [10_000.0] * 8}, geometry=geoms, crs=9214)
    parcels = normalise_parcels(raw, source="grid")
    # as read: its repair's area, the two triangles (GEOS's area of the ring as it is: nil, the lobes cancel)
    assert shapely.area(geoms[0]) == 0.0 and parcels["map_area_m2"].iloc[0] == 5_000.0
    return parcels


def test_a_bowtie_parcel_inside_the_boundary_is_taken_whole_with_its_two_triangles():
    from gis.jobs.recovery_parts import recovered_parts

    parcels = _grid_with_a_bowtie()
    result = recover(parcels, rel_box(-10, -10, 110, 110), settings=SETTINGS)
    row = result.table[result.table["parcel_no"] == 1].iloc[0]  # before: not listed at all (nil area)
    assert (row["map_area_m2"], row["recovered_m2"], row["remaining_m2"]) == (5_000.0, 5_000.0, 0.0)
    assert row["status"] == "whole" and row["flags"] == ("invalid_geometry",)
    # the box's 10 m margin takes 10 m x 100 m of the squares (1, 0) and (0, 1), 10 m x 10 m of (1, 1)
    assert result.totals.recovered_m2 == 5_000.0 + 1_000.0 + 1_000.0 + 100.0
    parts = recovered_parts(parcels, result)
    assert parts.loc[parts["parcel"] == 1, "area_m2"].round(6).tolist() == [5_000.0]


def test_a_bowtie_parcel_cut_in_half_adds_up_to_its_repaired_area():
    from gis.jobs.recovery_export import csv_frame
    from gis.jobs.recovery_parts import recovered_parts

    parcels = _grid_with_a_bowtie()
    result = recover(parcels, rel_box(0, 0, 50, 100), settings=SETTINGS)  # the left triangle, 2 500 m²
    row = result.table[result.table["parcel_no"] == 1].iloc[0]
    # before: drawn 0 m², remaining -2 500 m²
    assert (row["map_area_m2"], row["recovered_m2"], row["remaining_m2"]) == (5_000.0, 2_500.0, 2_500.0)
    assert row["recovered_pct"] == 50.0 and row["status"] == "partial"
    assert row["flags"] == ("invalid_geometry",)
    parts = recovered_parts(parcels, result)
    mine = parts[parts["parcel"] == 1].set_index("part")["area_m2"].round(6)
    assert (mine["recovered"], mine["remaining"]) == (2_500.0, 2_500.0)  # they add up to the drawn area
    csv = csv_frame(result)
    [mine_csv] = csv[csv["parcel"].astype(int) == 1].to_dict("records")
    assert mine_csv["flags"] == "invalid_geometry" and float(mine_csv["map_area_m2"]) == 5_000.0
