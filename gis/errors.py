"""The errors the tool raises for bad input, each with a message in Vietnamese and in English.

Every message says what is wrong, where (file or layer), and what to do. The app and the command line
catch only :class:`GisError` and show :meth:`GisError.text` in the user's language; anything else is a bug.
"""

from __future__ import annotations


class GisError(Exception):
    """Base of the tool's errors: a problem with the user's data or request, not a bug.

    Parameters
    ----------
    vi
        The message in Vietnamese (what the user reads by default).
    en
        The same message in English.
    """

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en

    def text(self, lang: str = "vi") -> str:
        """The message in ``lang`` (``"vi"`` or ``"en"``)."""
        return self.vi if lang == "vi" else self.en


class DataSourceError(GisError):
    """A file or folder that cannot be read: missing, empty, of an unknown format."""


class CrsError(GisError):
    """A layer with no coordinate system, or one that cannot serve (degrees where areas are asked)."""


class SchemaError(GisError):
    """A layer that lacks a field the tool needs, or whose fields cannot be mapped."""


class GeometryError(GisError):
    """Geometry that cannot serve: empty, of the wrong kind, or broken beyond repair."""
