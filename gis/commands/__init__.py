"""Subcommands of ``python -m gis``: each module defines ``NAME``, ``HELP``, ``add_arguments`` and ``run``."""
