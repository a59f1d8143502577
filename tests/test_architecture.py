"""Imports point one way: the domain never pulls in the web stack."""

from __future__ import annotations

import subprocess
import sys


def test_gis_never_imports_streamlit_or_folium():
    code = (
        "import sys, importlib, pkgutil, gis\n"
        "for m in pkgutil.walk_packages(gis.__path__, 'gis.'):\n"
        "    if m.name != 'gis.__main__': importlib.import_module(m.name)\n"
        "bad = sorted(k for k in sys.modules if k.split('.')[0] in ('streamlit', 'folium', 'streamlit_folium'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
