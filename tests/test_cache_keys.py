"""The app's cache keys cannot go stale: a dataset is keyed by its content (gis.files.io.Dataset.key), its folder by
what its files are now (gis.files.io.folder_key), and a page shows fresh figures after the data changed in place,
in the same folder, with its files' modification times set back."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import vn_files as vf
from streamlit.testing.v1 import AppTest

from gis.files.io import ROOT, file_key, folder_key, load_dataset
from gis.store import datasets
from gis.store.imports import import_source


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An imported dataset (six parcels), in use in a workspace inside ``tmp_path``."""
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))
    monkeypatch.chdir(ROOT)
    found = import_source(vf.shapefile(tmp_path / "src"), name="xa_that", by="lan").folder
    datasets.use(found.name, by="lan")
    return found


def rename_owner_in_place(folder: Path, old: str, new: str) -> None:
    """Change one land user's name inside the GeoPackage to one of as many bytes (same file, same size), then set every file's
    modification time back to what it was: the edit a date-based key would miss."""
    times = {p: p.stat().st_mtime_ns for p in folder.iterdir()}
    gpkg = folder / "parcels.gpkg"
    written = gpkg.stat().st_ctime_ns
    while time.time_ns() < written + 20_000_000:  # wait for the clock to pass the file's last change
        time.sleep(0.005)
    size = gpkg.stat().st_size
    content = gpkg.read_bytes()
    assert content.count(old.encode()) == 1 and len(new.encode()) == len(old.encode())
    with gpkg.open("r+b") as file:  # rewritten in place: same file, same size
        file.seek(content.index(old.encode()))
        file.write(new.encode())
    for path, ns in times.items():
        os.utime(path, ns=(ns, ns))
    assert gpkg.stat().st_size == size and gpkg.stat().st_mtime_ns == times[gpkg]


def test_the_dataset_key_is_its_content(folder: Path) -> None:
    first, again = load_dataset(folder), load_dataset(folder)
    assert first is not again and first.key == again.key and len(first.key) == 32
    before_files = folder_key(folder)
    rename_owner_in_place(folder, vf.OWNERS[0], "Nguyễn Văn Ương")
    changed = load_dataset(folder)
    assert folder_key(folder) != before_files  # same names, sizes and modification times: the change time moved
    assert changed.parcels["owner"].iloc[0] == "Nguyễn Văn Ương"
    assert changed.key != first.key
    shifted = changed.parcels.copy()
    shifted.geometry = shifted.translate(xoff=0.001)  # a millimetre: another dataset
    assert type(changed)(folder=changed.folder, layers={"parcels": shifted}).key != changed.key


def test_file_key_of_a_missing_file_and_of_a_rewritten_one(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    assert file_key(path) == (str(path), -1, -1, -1)
    path.write_text("a = 1\n", encoding="utf-8")
    first = file_key(path)
    assert first[1] == 6
    while time.time_ns() < first[3] + 20_000_000:
        time.sleep(0.005)
    path.write_text("a = 2\n", encoding="utf-8")
    os.utime(path, ns=(first[2], first[2]))
    assert file_key(path) != first


def test_every_cached_page_function_given_a_dataset_hashes_it_by_its_content() -> None:
    """No cached function takes the dataset unhashed (``_data``) beside a folder and a date any more."""
    import ast

    offenders = []
    for path in sorted((ROOT / "app_pages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            cached = [d for d in node.decorator_list if isinstance(d, ast.Call)
                      and getattr(d.func, "attr", "") in ("cache_data", "cache_resource")]
            if not cached:
                continue
            names = [a.arg for a in node.args.args]
            hashed = any(k.arg == "hash_funcs" for d in cached for k in d.keywords)
            if "_data" in names or ({"folder", "stamp"} <= set(names)) or \
                    (any(a.annotation is not None and ast.unparse(a.annotation) == "Dataset" for a in node.args.args)
                     and not hashed):
                offenders.append(f"{path.name}:{node.name}")
    assert offenders == []


def _owners_script() -> None:
    """A page as the app's pages are written: the dataset in use, and a result cached on it."""
    import streamlit as st

    from app_pages import context

    @st.cache_data(show_spinner=False, hash_funcs=context.DATASET_HASH)
    def owners(data) -> str:  # noqa: ANN001 - a Dataset
        return "|".join(data.parcels["owner"])

    data = context.dataset()
    st.text(owners(data))
    st.text(data.key)


def test_a_page_shows_fresh_results_after_the_data_changed_in_the_same_folder(folder: Path) -> None:
    at = AppTest.from_function(_owners_script, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown, key = (t.value for t in at.text)
    assert shown.split("|")[0] == vf.OWNERS[0] and key == load_dataset(folder).key
    at.run()
    assert [t.value for t in at.text] == [shown, key]  # nothing changed: the same

    rename_owner_in_place(folder, vf.OWNERS[0], "Nguyễn Văn Ương")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    fresh, fresh_key = (t.value for t in at.text)
    assert fresh.split("|") == ["Nguyễn Văn Ương", *vf.OWNERS[1:]]
    assert fresh_key != key and fresh_key == load_dataset(folder).key
