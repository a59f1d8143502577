"""The packages of the wheel; everything else about the package is in ``pyproject.toml``.

``gis``, ``layers`` and ``app_pages`` (with every sub-package) are found as usual. The app's entry scripts,
``app.py`` and ``serve.py``, stay at the repository root with ``.streamlit/config.toml`` (``streamlit run
serve.py`` from a checkout) and go into the wheel as the package ``gis_app``: ``python -m gis serve`` runs
``gis_app/serve.py`` from an installed package. The shipped data (``data/``: the built-in data, reference
outlines, plans) goes in as the package ``gis_data``. ``pyproject.toml`` cannot map folders to packages and
find the other packages at once, hence this file.
"""

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

#: The modules of the repository root that make the package ``gis_app`` (not this file).
APP_MODULES = ("app", "serve")


class BuildPy(build_py):
    """``build_py`` taking only :data:`APP_MODULES` from the repository root into ``gis_app``."""

    def find_package_modules(self, package, package_dir):
        modules = super().find_package_modules(package, package_dir)
        return [m for m in modules if package != "gis_app" or m[1] in APP_MODULES]


setup(
    packages=[*find_packages(include=["gis", "gis.*", "layers", "layers.*", "app_pages", "app_pages.*"]), "gis_app",
              "gis_data"],
    package_dir={"gis_app": ".", "gis_data": "data"},
    cmdclass={"build_py": BuildPy},
)
