"""Inert exports (OWASP's CSV-injection rule): the rule itself, then every workbook and CSV the tool writes,
made from data whose names begin with ``=``, ``+``, ``-`` or ``@`` and read back with openpyxl and ``csv``."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from openpyxl import Workbook
from vn_files import squares

from gis.core.spreadsheet import csv_bytes, formula_like, make_inert, safe_cell, write_csv
from gis.files.io import ROOT
from gis.jobs.targets.plan import PLANS_DIR

# Written by hand from OWASP's rule: a string starting with = + - @ tab or CR (also after leading spaces,
# also in full-width form) gets a leading apostrophe in a CSV; anything else is written unchanged.
CSV_CASES = [
    ("=1+1", "'=1+1"),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(1+1)", "'@SUM(1+1)"),
    ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("   =1+1", "'   =1+1"),
    ("\u3000@x", "'\u3000@x"),
    ("＝1+1", "'＝1+1"),
    ("＋1", "'＋1"),
    ("－1", "'－1"),
    ("＠SUM(1)", "'＠SUM(1)"),
    ("Nguyễn Văn Ước", "Nguyễn Văn Ước"),
    ("a=1+1", "a=1+1"),
    ("'=1+1", "'=1+1"),
    ("−5", "−5"),  # U+2212, not a formula in any spreadsheet
    ("", ""),
    ("   ", "   "),
    (-2.5, -2.5),
    (-3, -3),
    (0, 0),
    (None, None),
    (True, True),
]


@pytest.mark.parametrize(("value", "expected"), CSV_CASES)
def test_safe_cell_follows_owasp(value, expected):
    got = safe_cell(value)
    assert got == expected and type(got) is type(expected)
    assert formula_like(value) == (got != value)


def test_make_inert_keeps_numbers_and_makes_formula_like_strings_quoted_text(tmp_path):
    wb = Workbook()
    ws = wb.active
    values = ["=1+1", "+1+1", "-2+3", "@SUM(1+1)", "＝1", "Nguyễn", -2.5, 7]
    for row, value in enumerate(values, start=1):
        ws.cell(row=row, column=1, value=value)
    assert ws["A1"].data_type == "f"  # what openpyxl does on its own
    make_inert(wb)
    wb.save(tmp_path / "t.xlsx")
    back = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    for row, value in enumerate(values, start=1):
        cell = back.cell(row=row, column=1)
        assert cell.value == value
        text = isinstance(value, str)
        assert cell.data_type == ("s" if text else "n")
        assert cell.quotePrefix == (text and value != "Nguyễn")


def test_csv_bytes_has_a_bom_and_quotes_only_the_formula_like_text():
    frame = pd.DataFrame({"=ten": ["=1+1", "An"], "dt": [-2.5, 3.0], "n": [-1, 2]})
    data = csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == ["'=ten,dt,n", "'=1+1,-2.5,-1", "An,3.0,2"]


# -- every export, from hostile names -----------------------------------------------------------------------

OWNERS = ['=HYPERLINK("http://evil.example","x")', "=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "-2+3", "＝1+1"]
VILLAGES = ["=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "-2+3", "=1+1", "＠x"]
PROJECT = '=HYPERLINK("http://evil.example","du an")'
DECISION = "@SUM(1+1)"


def hostile_parcels(folder: Path) -> Path:
    """Six 1 ha parcels at Lương Phong (EPSG:9214) whose owners, villages and a code are formula-like."""
    frame = gpd.GeoDataFrame({
        "SHBANDO": [12] * 6, "SHTHUA": list(range(1, 7)), "MALOAIDAT": ["LUC", "-2+3", "LUC", "NTS", "LUC", "CLN"],
        "DIENTICH": [10_000.0] * 6, "TENCHU": OWNERS, "DIACHI": [f"Thôn {v}, xã Lương Phong" for v in VILLAGES],
    }, geometry=squares(), crs=9214)
    path = folder / "thua_dat.gpkg"
    frame.to_file(path, driver="GPKG")
    return path


def hostile_boundary(folder: Path) -> Path:
    x0, y0, x1, y1 = shapely.GeometryCollection(squares()).bounds
    path = folder / "ranh_gioi.gpkg"
    gpd.GeoDataFrame({"TENDUAN": [PROJECT], "SOQD": [DECISION]},
                     geometry=[shapely.box(x0 - 10, y0 - 10, x0 + 150, y1 + 10)], crs=9214).to_file(path, driver="GPKG")
    return path


def run_gis(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "gis", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    return done


def cells(path: Path) -> list:
    wb = openpyxl.load_workbook(path)
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]


def assert_inert(path: Path, names: list[str]) -> None:
    """No formula anywhere (the tool writes values only); every name is a quoted text cell, as written."""
    every = cells(path)
    assert not [c.coordinate for c in every if c.data_type == "f"]
    for name in names:
        found = [c for c in every if c.value == name]
        assert found, name
        assert all(c.data_type == "s" and c.quotePrefix for c in found), name


def test_the_recovery_workbook_and_csv_from_the_command_are_inert(tmp_path):
    parcels, boundary = hostile_parcels(tmp_path), hostile_boundary(tmp_path)
    xlsx, table = tmp_path / "thu_hoi.xlsx", tmp_path / "thu_hoi.csv"
    run_gis("recovery", parcels, boundary, "--out", xlsx, "--out", table)
    taken = OWNERS[:2] + OWNERS[3:5]  # the boundary takes the first column and half of the second
    assert_inert(xlsx, taken + VILLAGES[:2] + VILLAGES[3:5] + ["-2+3"])
    assert table.read_bytes().startswith(b"\xef\xbb\xbf")
    with table.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["owner"] for r in rows) == sorted("'" + o for o in taken)
    assert sorted(r["village"] for r in rows) == sorted("'" + v for v in VILLAGES[:2] + VILLAGES[3:5])
    assert {r["land_use"] for r in rows} == {"LUC", "NTS", "'-2+3"}
    assert all(float(r["recovered_m2"]) > 0 for r in rows)  # numbers stay numbers


def test_the_targets_workbook_from_the_command_is_inert(tmp_path):
    plan = (PLANS_DIR / "2024.toml").read_text(encoding="utf-8")
    label = '=HYPERLINK("http://evil.example","chỉ tiêu")'
    first = plan.index('label_vi = "Diện tích đất trồng lúa năm 2023')
    end = plan.index("\n", first)
    plan = plan[:first] + "label_vi = '" + label + "'" + plan[end:]
    plan = plan.replace('title_vi = "Kế hoạch', 'title_vi = "@Kế hoạch', 1)
    path = tmp_path / "=ke_hoach.toml"
    path.write_text(plan, encoding="utf-8")
    out = tmp_path / "chi_tieu.xlsx"
    env = {"LUONGPHONG_WORKSPACE": str(tmp_path / "ws.gpkg"), "PATH": "/usr/bin:/bin"}
    run_gis("targets", "--plan", path, "--out", out, env=env)
    assert_inert(out, [label])


def test_the_problem_table_of_an_import_is_inert(tmp_path):
    from gis.files.sources import read_source
    from gis.store.imports import prepare, write_dataset

    frame = gpd.GeoDataFrame({
        "SHBANDO": ["=1+1", "=1+1", "@7", "@7"], "SHTHUA": ["-5", "-5", "+8", "+8"],
        "MALOAIDAT": ["LUC"] * 4, "DIENTICH": [10_000.0] * 4, "TENCHU": OWNERS[:4],
    }, geometry=squares()[:4], crs=9214)
    path = tmp_path / "trung.gpkg"
    frame.to_file(path, driver="GPKG")
    prepared = prepare(read_source(path))
    folder = write_dataset(prepared, root=tmp_path / "ws")
    problems = folder / "problems.csv"
    assert problems.read_bytes().startswith(b"\xef\xbb\xbf")
    with problems.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["Tờ bản đồ số"], r["Thửa số"]) for r in rows} >= {("'=1+1", "'-5"), ("'@7", "'+8")}
    # the Data page offers the same table through csv_bytes
    page_csv = csv_bytes(prepared.report.table("vi")).decode("utf-8-sig")
    assert "'=1+1" in page_csv and "\n=1+1" not in page_csv and ",=1+1" not in page_csv


def test_write_csv_writes_what_csv_bytes_gives(tmp_path):
    frame = pd.DataFrame({"owner": OWNERS, "area": [1.5] * len(OWNERS)})
    assert write_csv(frame, tmp_path / "x.csv").read_bytes() == csv_bytes(frame)
