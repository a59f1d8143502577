"""Where the tool finds the files it ships and where it writes by default.

Everything the tool reads of its own is package data found with :mod:`importlib.resources`, so an installed
wheel works as a source checkout does: settings and code tables inside ``gis/`` (:func:`package_path`); the
built-in data, reference outlines and plans in ``data/``, packaged as ``gis_data`` (:func:`data_path`). What the tool writes goes to the workspace (``$LUONGPHONG_WORKSPACE``) and the cache
(``$LUONGPHONG_CACHE``); without them, a source checkout keeps writing beside its packages
(``workspace/``, ``.cache/``, git-ignored) and an installed package writes to the user's folders
(``~/luongphong-gis/workspace``, ``$XDG_CACHE_HOME/luongphong-gis`` or ``~/.cache/luongphong-gis``), never
into the installation.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

#: The folder holding the ``gis`` package: the repository root in a checkout, ``site-packages`` when installed.
PACKAGES_DIR = Path(__file__).resolve().parents[2]
#: True when running from a source checkout (``pyproject.toml`` beside the packages), False when installed.
CHECKOUT = (PACKAGES_DIR / "pyproject.toml").is_file()
#: The name of the user's folders of an installed package.
APP_DIR_NAME = "luongphong-gis"


def package_path(*parts: str) -> Path:
    """A file or folder shipped in the ``gis`` package, e.g. ``package_path("limits.toml")``.

    Parameters
    ----------
    *parts
        The path's parts under ``gis/``.

    Returns
    -------
    Path
        A real path on disk (wheels are installed as files), ready for pyogrio and ``open``.
    """
    resource = resources.files("gis").joinpath(*parts)
    if not isinstance(resource, Path):  # a zipped install: the readers need real files
        raise RuntimeError(f"gis is installed inside an archive; install it as files (pip install): {resource}")
    return resource


def data_path(*parts: str) -> Path:
    """A file or folder of the shipped data (``data/`` in a checkout, the package ``gis_data`` when installed),
    e.g. ``data_path("shapefiles")``.

    Parameters
    ----------
    *parts
        The path's parts under ``data/``.

    Returns
    -------
    Path
        A real path on disk.
    """
    if CHECKOUT:
        return PACKAGES_DIR.joinpath("data", *parts)
    resource = resources.files("gis_data").joinpath(*parts)
    if not isinstance(resource, Path):
        raise RuntimeError(f"gis_data is installed inside an archive; install it as files (pip install): {resource}")
    return resource


def default_workspace_dir() -> Path:
    """The workspace folder when ``$LUONGPHONG_WORKSPACE`` is not set (see the module's docstring)."""
    return PACKAGES_DIR / "workspace" if CHECKOUT else Path.home() / APP_DIR_NAME / "workspace"


def workspace_file() -> Path:
    """The workspace GeoPackage: ``$LUONGPHONG_WORKSPACE`` when set, else ``workspace.gpkg`` in
    :func:`default_workspace_dir`. Everything the tool writes goes into its folder."""
    env = os.environ.get("LUONGPHONG_WORKSPACE")
    return Path(env) if env else default_workspace_dir() / "workspace.gpkg"


def default_cache_dir() -> Path:
    """The cache folder when ``$LUONGPHONG_CACHE`` is not set (see the module's docstring)."""
    if CHECKOUT:
        return PACKAGES_DIR / ".cache"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache") / APP_DIR_NAME
