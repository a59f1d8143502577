"""The demonstration data: the deterministic generator of the built-in Lương Phong layers.

Modules: :mod:`~gis.demo.builtin` (the invented places, :func:`~gis.demo.builtin.generate` and
:func:`~gis.demo.builtin.write`), :mod:`~gis.demo.shapes` (geometry tools), :mod:`~gis.demo.cadastre`
(codes, villages, numbering, owners), :mod:`~gis.demo.derived` (fields, networks, rice fields, ponds).
The merged commune built on top of it is :mod:`gis.demo.merged`.
"""
