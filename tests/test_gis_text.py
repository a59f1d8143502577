"""gis.core.text: the one text type, the formatters, and a guard that word tables hold Text, not bare pairs."""

from __future__ import annotations

import ast
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from gis.core import i18n
from gis.core.errors import CrsError, GisError, PlacementError
from gis.core.text import DEMO_NOTE, Text, area_ha, area_m2, day, demo_note, number, percent, short_number, texts
from gis.jobs.recovery_boundary import Note

ROOT = Path(__file__).resolve().parent.parent


def test_text_picks_the_language_and_defaults_to_vietnamese():
    hello = Text("Xin chào", "Hello")
    assert (hello("vi"), hello("en"), hello(), hello.get("en"), hello.text("vi")) == \
        ("Xin chào", "Hello", "Xin chào", "Hello", "Xin chào")
    assert hello.format() == hello
    assert Text("{n} thửa", "{n} parcels").format(n=3) == Text("3 thửa", "3 parcels")
    assert (hello + "!") == Text("Xin chào!", "Hello!")
    assert (hello + Text(" bạn", " friend"))("en") == "Hello friend"


def test_text_refuses_anything_but_two_strings():
    with pytest.raises(TypeError):
        Text(("Xin chào", "Hello"), "Hello")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Text("Xin chào", None)  # type: ignore[arg-type]


def test_gis_error_keeps_its_public_behaviour_with_pairs_and_with_text():
    pair = CrsError("Lớp không có hệ tọa độ.", "The layer has no CRS.")
    one = CrsError(Text("Lớp không có hệ tọa độ.", "The layer has no CRS."))
    for exc in (pair, one):
        assert exc.text("vi") == exc.vi == "Lớp không có hệ tọa độ."
        assert exc.text("en") == exc.en == str(exc) == "The layer has no CRS."
        assert exc.message == Text("Lớp không có hệ tọa độ.", "The layer has no CRS.")
        assert isinstance(exc, GisError)
    placed = PlacementError("Sai vùng.", "Wrong zone.", fix="EPSG:9211")
    assert (placed.text("en"), placed.fix) == ("Wrong zone.", "EPSG:9211")


def test_a_note_is_a_text():
    assert Note is Text
    assert Note("Đã sửa.", "Repaired.").text("en") == "Repaired."


def test_the_demonstration_sentence_is_defined_once_and_used_by_the_commands_and_sheets():
    assert demo_note("vi") == "Dữ liệu minh họa, không phải dữ liệu đo đạc thực tế."
    assert demo_note("en", stop=False) == "Demonstration data, not real survey data"
    from gis.printing.model import DEMO_NOTE as SHEET_NOTE

    assert SHEET_NOTE == demo_note("vi", stop=False)
    sources = [p for p in (ROOT / "gis").rglob("*.py") if p.name != "text.py"] + \
        list((ROOT / "app_pages").rglob("*.py")) + list((ROOT / "layers").rglob("*.py"))
    written = [p.relative_to(ROOT) for p in sources if "không phải dữ liệu đo đạc thực tế" in p.read_text("utf-8")
               and "Số đo trên trang này" not in p.read_text("utf-8")]
    assert written == [], f"the demonstration sentence written again (use gis.core.text.DEMO_NOTE): {written}"


def test_summary_prints_the_demonstration_sentence_in_each_language():
    for lang in ("vi", "en"):
        done = subprocess.run([sys.executable, "-m", "gis", "--lang", lang, "summary"], capture_output=True,
                              text=True, cwd=ROOT, check=True)
        assert done.stdout.splitlines()[0] == DEMO_NOTE(lang)


@pytest.mark.parametrize(("value", "digits", "vi", "en"), [
    (1234.5, 2, "1.234,50", "1,234.50"),
    (1322.371, 2, "1.322,37", "1,322.37"),
    (-0.25, 1, "-0,2", "-0.2"),  # round half to even, as format() does
    (14877, 0, "14.877", "14,877"),
    (1234567.891, 3, "1.234.567,891", "1,234,567.891"),
])
def test_number_uses_each_languages_separators(value, digits, vi, en):
    assert number(value, digits, lang="vi") == vi
    assert number(value, digits, lang="en") == en
    assert i18n.number(value, digits, lang="vi") == vi


def test_short_number_area_percent_and_day():
    assert (short_number(30.0), short_number(0.5), short_number(0.5, lang="en")) == ("30", "0,5", "0.5")
    assert short_number(540.0, max_digits=2) == "540"
    assert area_ha(1322.371) == "1.322,37 ha" and area_ha(1322.371, lang="en") == "1,322.37 ha"
    assert area_m2(730.12) == "730,1 m²"
    assert percent(11.84) == "11,8 %" and percent(11.84, lang="en") == "11.8 %"
    assert (day(dt.date(2024, 1, 2)), day("2024-05-03T10:00:00"), day(None), day("")) == \
        ("02/01/2024", "03/05/2024", "", "")


def test_i18n_t_reads_text_tables_and_falls_back_to_the_key():
    table = texts({"x": ("Thửa", "Parcel")})
    assert isinstance(table["x"], Text)
    assert (i18n.t("x", "vi", table), i18n.t("x", "en", table)) == ("Thửa", "Parcel")
    assert i18n.t("demo_note", "en").startswith("This is demonstration data")
    assert i18n.t("no-such-key", "vi") == "no-such-key"


# --------------------------------------------------------------------------------------------- the guard

#: Every module whose user-visible words are checked: the domain, the layers, the pages and the front door.
GUARDED = [*sorted((ROOT / "gis").rglob("*.py")), *sorted((ROOT / "layers").rglob("*.py")),
           *sorted((ROOT / "app_pages").glob("*.py")), ROOT / "app.py"]
#: Modules whose word tables are still (vi, en) pairs, to be moved to Text one by one. The list only shrinks:
#: a module that is clean must leave it (the test says so), and no module may join it.
NOT_YET = {"gis/store/accounts.py", "gis/files/checks.py", "gis/commands/clearance.py", "gis/core/landuse.py",
           "gis/jobs/ledger/clearance.py", "gis/files/schema.py", "gis/files/formats.py"}


def _is_pair(node: ast.AST) -> bool:
    """A literal ``("vietnamese", "english")``: two strings, the first with a letter outside ASCII."""
    if not (isinstance(node, ast.Tuple) and len(node.elts) == 2):
        return False
    if not all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
        return False
    vi, en = (e.value for e in node.elts)  # type: ignore[attr-defined]
    return vi != en and any(ord(c) > 127 for c in vi) and all(ord(c) < 0x250 or c in "–—²«»…" for c in en)


def bare_pairs(path: Path, root: Path = ROOT) -> list[str]:
    """Each dict of words in ``path`` whose values are bare ``(vi, en)`` pairs and that is not given to
    :func:`gis.core.text.texts` (which makes each a :class:`Text`)."""
    tree = ast.parse(path.read_text("utf-8"))
    wrapped = {id(arg) for node in ast.walk(tree)
               if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "texts" for arg in node.args}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict) and id(node) not in wrapped and any(_is_pair(v) for v in node.values):
            found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_the_guard_finds_a_bare_pair_table(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('A = {"k": ("Thửa đất", "Parcel")}\nB = texts({"k": ("Thửa đất", "Parcel")})\n'
                      'C = {"k": ("#ff0000", "#00ff00")}\nD = {"k": Text("Thửa", "Parcel")}\n', encoding="utf-8")
    assert bare_pairs(sample, tmp_path) == ["sample.py:1"]


def test_no_word_table_is_a_bare_vi_en_pair_where_a_text_is_expected():
    found = {str(path.relative_to(ROOT)): bare_pairs(path) for path in GUARDED}
    new = [hit for name, hits in found.items() if name not in NOT_YET for hit in hits]
    assert new == [], ("word tables of bare (vi, en) tuples: wrap them in gis.core.text.texts({...}) or write "
                       f"Text(vi, en): {new}")
    moved = sorted(name for name in NOT_YET if not found.get(name))
    assert moved == [], f"these modules hold no bare pairs any more: take them out of NOT_YET: {moved}"
