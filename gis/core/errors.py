"""The errors the tool raises for bad input, each with a message in Vietnamese and in English.

Every message says what is wrong, where (file or layer), and what to do. The app and the command line
catch only :class:`GisError` and show :meth:`GisError.text` in the user's language; anything else is a bug.
The message is a :class:`gis.core.text.Text` (``exc.message``), given as one or as its two strings.
"""

from __future__ import annotations

from gis.core.text import Text


class GisError(Exception):
    """Base of the tool's errors: a problem with the user's data or request, not a bug.

    Parameters
    ----------
    vi
        The message in Vietnamese (what the user reads by default), or the whole message as a :class:`Text`.
    en
        The same message in English (left out when ``vi`` is a :class:`Text`).
    """

    def __init__(self, vi: str | Text, en: str | None = None) -> None:
        message = vi if isinstance(vi, Text) else Text(vi, en if en is not None else vi)
        super().__init__(message.en)
        self.message = message

    @property
    def vi(self) -> str:
        """The message in Vietnamese."""
        return self.message.vi

    @property
    def en(self) -> str:
        """The message in English."""
        return self.message.en

    def text(self, lang: str = "vi") -> str:
        """The message in ``lang`` (``"vi"`` or ``"en"``)."""
        return self.message.get(lang)


class DataSourceError(GisError):
    """A file or folder that cannot be read: missing, empty, of an unknown format."""


class CrsError(GisError):
    """A layer with no coordinate system, or one that cannot serve (degrees where areas are asked)."""


class SchemaError(GisError):
    """A layer that lacks a field the tool needs, or whose fields cannot be mapped."""


class GeometryError(GisError):
    """Geometry that cannot serve: empty, of the wrong kind, or broken beyond repair."""


class PlacementError(GisError):
    """Coordinates that cannot be where the data is: outside the CRS's zone or the chosen province, or degrees
    under a projected CRS. Refused (never imported quietly in the wrong place); the message says what fits.

    ``fix`` is the CRS the coordinates fit, when one was found (assigned with the user's consent: ``fix_crs``).
    """

    def __init__(self, vi: str | Text, en: str | None = None, *, fix: object = None) -> None:
        super().__init__(vi, en)
        self.fix = fix
