"""The check runs once per file and choices: the Data page's rerun after its import button gets the layer it
checked, not a second check; a change of file content or of a choice checks again."""

from __future__ import annotations

from pathlib import Path

import shapely
import vn_files as vf

from gis.files.sources import read_source
from gis.store.imports import prepare


def test_the_same_file_and_choices_are_checked_once(tmp_path: Path) -> None:
    path = vf.shapefile(tmp_path / "in")
    first = prepare(read_source(path), province="Bắc Giang")
    again = prepare(read_source(path), province="Bắc Giang")  # read again, as a rerun does: an equal copy
    assert again is first
    assert prepare(read_source(path), province="Bắc Giang", mapping={}, defaults={}) is first


def test_a_change_of_content_or_choice_checks_again(tmp_path: Path) -> None:
    path = vf.shapefile(tmp_path / "in")
    first = prepare(read_source(path), province="Bắc Giang")
    other = prepare(read_source(path), province="Bắc Giang", defaults={"sheet": 3})
    assert other is not first
    moved = read_source(path)
    geoms = list(moved.frame.geometry)
    geoms[0] = shapely.box(vf.E0, vf.N0, vf.E0 + 110, vf.N0 + 100)  # now overlaps its neighbour
    moved.frame = moved.frame.set_geometry(geoms, crs=moved.frame.crs)
    changed = prepare(moved, province="Bắc Giang")
    assert changed is not first
    assert changed.report.counts["overlap"] == 1 and first.report.counts["overlap"] == 0


def test_a_command_checks_without_remembering(tmp_path: Path) -> None:
    """``remember=False`` (a command: one layer a process) checks the same, keeps nothing and finds nothing kept."""
    from gis.store import imports

    path = vf.shapefile(tmp_path / "in")
    kept = dict(imports._RECENT)
    alone = prepare(read_source(path), province="Bắc Giang", defaults={"sheet": 7}, remember=False)
    assert dict(imports._RECENT) == kept
    remembered = prepare(read_source(path), province="Bắc Giang", defaults={"sheet": 7})
    assert remembered is not alone
    assert prepare(read_source(path), province="Bắc Giang", defaults={"sheet": 7}, remember=False) is not remembered
    assert alone.report.counts == remembered.report.counts
    assert alone.report.problems.drop(columns="geometry").equals(remembered.report.problems.drop(columns="geometry"))
