"""The data the tool ships: the built-in demonstration data (``shapefiles/``), the reference outlines
(``reference/``) and the commune's plans (``plans/``).

No code lives here. In a checkout the tool reads these folders where they are (:func:`gis.core.paths.data_path`);
the wheel carries them as the package ``gis_data`` (see ``setup.py``), found with :mod:`importlib.resources`.
"""
