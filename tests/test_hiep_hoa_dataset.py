"""The merged commune xã Hiệp Hòa (mới) as the second built-in dataset (``hiep-hoa``): listed, never removable,
chosen like any dataset (the commands, the sidebar), labelled as invented demonstration data, its figures for
the whole commune and per former unit, and generated on first use (said so) rather than ever committed.

The generated data is read from the cache folder (``$LUONGPHONG_CACHE/hiep-hoa``, else ``.cache/hiep-hoa``):
generated there once per test run by the command (``conftest.merged_commune``; tests/test_merged_demo.py checks
what it generates), never in a test's own folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest
from conftest import MergedCommune
from streamlit.testing.v1 import AppTest

from gis.__main__ import main
from gis.core.text import DEMO_NOTE
from gis.files.io import ROOT, load_dataset
from gis.jobs.ledger.opening import ledger_name
from gis.store import datasets
from gis.store.rows import dataset_id
from gis.store.workspace import Workspace

MERGED_TITLE = "Dữ liệu minh họa — xã Hiệp Hòa (mới): Thắng, Lương Phong, Đông Lỗ, Đoan Bái, Danh Thắng"
UNITS = {"Thắng", "Lương Phong", "Đông Lỗ", "Đoan Bái", "Danh Thắng"}


@pytest.fixture(scope="module")
def cached(merged_commune: MergedCommune) -> Path:
    """The merged commune in the cache folder (generated there once per test run)."""
    return merged_commune.cached


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))
    return tmp_path / "ws"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_listed_second_built_in_with_its_count_and_unit(cached: Path, root: Path) -> None:
    names = [info.name for info in datasets.list_datasets()]
    assert names[:2] == ["builtin", "hiep-hoa"]
    info = datasets.find("hiep-hoa")
    assert info.builtin and info.generated and info.folder == cached and not datasets.needs_generating(info)
    assert info.title("vi") == MERGED_TITLE and info.title("en").startswith("Demonstration data — ")
    assert info.parcel_count == pyogrio.read_info(cached / "parcels.gpkg")["features"] > 60_000
    assert info.admin_unit == {"current": {"level": "xã", "name": "Hiệp Hòa", "province": "Bắc Ninh",
                                           "commune_code": "07840", "province_code": "24"}, "former": None}
    assert datasets.describe(cached) == info
    with pytest.raises(datasets.DatasetError, match="hiep-hoa"):
        datasets.removable("hiep-hoa")


def test_not_generated_yet_is_listed_and_said_so_and_nothing_is_written(
        tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LUONGPHONG_CACHE", str(tmp_path / "cache"))
    info = datasets.find("hiep-hoa")
    assert info.folder == tmp_path / "cache" / "hiep-hoa" and info.parcel_count is None
    assert datasets.needs_generating(info)
    code, out, _ = _run(capsys, "--lang", "en", "datasets", "list")
    assert code == 0 and "  hiep-hoa\n" in out and "— parcels, not generated yet: generated on first use" in out
    code, out, _ = _run(capsys, "datasets", "list", "--json")
    (merged,) = [i for i in json.loads(out) if i["name"] == "hiep-hoa"]
    assert (merged["builtin"], merged["parcel_count"], merged["active"]) == (True, None, False)
    code, _, err = _run(capsys, "datasets", "remove", "hiep-hoa", "--yes")
    assert code == 2 and "Không xóa được dữ liệu minh họa xã Hiệp Hòa (mới)" in err and "Traceback" not in err
    assert not (tmp_path / "cache").exists()  # listing never generates


def test_an_outdated_copy_needs_generating_again(cached: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 root: Path) -> None:
    copy = tmp_path / "cache" / "hiep-hoa"
    copy.mkdir(parents=True)
    meta = json.loads((cached / "dataset.json").read_text(encoding="utf-8"))
    (copy / "parcels.gpkg").symlink_to(cached / "parcels.gpkg")
    monkeypatch.setenv("LUONGPHONG_CACHE", str(tmp_path / "cache"))
    (copy / "dataset.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    assert not datasets.needs_generating(datasets.find("hiep-hoa"))
    (copy / "dataset.json").write_text(json.dumps(dict(meta, generator_version=0)), encoding="utf-8")
    assert datasets.needs_generating(datasets.find("hiep-hoa"))


def test_chosen_by_the_command_labelled_and_summarised_per_former_unit(
        cached: Path, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "datasets", "use", "hiep-hoa")
    assert code == 0 and "(hiep-hoa)" in out and err == ""  # already generated: nothing said
    assert datasets.active().info.name == "hiep-hoa"
    assert [(a, o) for _, _, a, o in Workspace.open(root / "workspace.gpkg").audit()][-1] == ("use_dataset",
                                                                                               "hiep-hoa")
    code, out, _ = _run(capsys, "--lang", "en", "summary", "--by", "former_unit")
    assert code == 0 and out.startswith("Demonstration data, not real survey data.")
    assert "By former_unit:" in out
    code, out, _ = _run(capsys, "summary", "--json", "--by", "former_unit")
    figures = json.loads(out)
    parts = figures["by"]["former_unit"]
    assert set(parts) == UNITS
    assert sum(p["parcel_count"] for p in parts.values()) == figures["parcel_count"] > 60_000
    assert parts["Lương Phong"]["parcel_count"] == 14_877  # the built-in data, parcel for parcel
    dataset = load_dataset(cached)
    assert dataset.builtin  # labelled as demonstration data by the pages and the printed maps
    assert dataset_id(dataset) == "hiep-hoa" and ledger_name(cached) == "hiep-hoa"  # its own, not the built-in's


def test_a_command_generates_it_on_first_use_and_says_so(tmp_path: Path) -> None:
    """An empty cache folder: ``datasets use`` says it generates, in the user's language (the
    generation itself is checked in tests/test_merged_demo.py; here the command is cut short before it
    ends, which also shows that nothing half-made is left as the dataset)."""
    cache = tmp_path / "cache"
    env = dict(os.environ, PYTHONPATH=str(ROOT), LUONGPHONG_CACHE=str(cache),
               LUONGPHONG_WORKSPACE=str(tmp_path / "ws" / "workspace.gpkg"))
    proc = subprocess.Popen([sys.executable, "-m", "gis", "--lang", "en", "datasets", "use", "hiep-hoa"], cwd=ROOT,
                            env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
    finally:
        proc.kill()
        proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
    assert first.startswith("Generating the demonstration data of Hiệp Hòa commune (new) on first use")
    assert DEMO_NOTE.en in first  # the one demonstration sentence (gis.core.text)
    assert not (cache / "hiep-hoa").exists()  # written beside it and renamed only when complete


def test_the_sidebar_offers_it_and_labels_it(cached: Path, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.switch_page("app_pages/data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    choice = at.sidebar.selectbox(key="dataset_choice")
    assert choice.options[1] == MERGED_TITLE
    choice.set_value("hiep-hoa").run()
    at.sidebar.button(key="use_dataset").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (source,) = [c.value for c in at.sidebar.caption if c.value.startswith("Nguồn dữ liệu")]
    assert "xã Hiệp Hòa \\(mới\\)" in source  # escaped: the title is shown as text, never markup
    assert any(w.value.startswith("Đây là dữ liệu minh họa") for w in at.sidebar.warning)
    assert datasets.active().info.name == "hiep-hoa"
    table = at.dataframe[0].value
    row = table[table.iloc[:, 1] == "hiep-hoa"].iloc[0]
    assert row.iloc[2] == MERGED_TITLE and row.iloc[6] > 60_000
