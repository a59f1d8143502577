"""Which column of the user's layer is which parcel attribute: :func:`map_fields` finds the known name
variants and takes the user's choices, :func:`apply_mapping` renames the columns to the parcel schema
(:data:`gis.files.schema.PARCEL_FIELDS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd

from gis.core.errors import SchemaError
from gis.files.schema import PARCEL_FIELDS, REQUIRED, match_fields


@dataclass(frozen=True)
class FieldMapping:
    """Which source column is which parcel attribute.

    ``auto`` holds the known name variants found, ``user`` the user's choices (which win); both map
    ``source column -> internal name`` (see :data:`gis.files.schema.PARCEL_FIELDS`).
    """

    auto: Mapping[str, str]
    user: Mapping[str, str]
    unmapped: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def mapping(self) -> dict[str, str]:
        chosen = dict(self.user)
        taken = set(chosen.values())
        chosen.update({s: i for s, i in self.auto.items() if s not in chosen and i not in taken})
        return chosen


def map_fields(columns: list[str], user: Mapping[str, str] | None = None) -> FieldMapping:
    """Map a layer's columns to the parcel schema: known variants automatically, the rest as the user says.

    Parameters
    ----------
    columns
        The layer's attribute columns.
    user
        The user's mapping, ``{source column: internal name}`` (``{"So_To": "sheet"}``); the reverse,
        ``{internal name: source column}``, is accepted too. An empty value leaves a column unmapped.

    Raises :class:`SchemaError` for a column or an internal name that does not exist.
    """
    user_map: dict[str, str] = {}
    for key, value in (user or {}).items():
        if not value:
            continue
        if key in columns and value in PARCEL_FIELDS:
            source, internal = key, value
        elif value in columns and key in PARCEL_FIELDS:
            source, internal = value, key
        else:
            bad = key if key not in columns and key not in PARCEL_FIELDS else value
            raise SchemaError(
                f"Không ghép được «{key}» → «{value}»: «{bad}» không phải cột của lớp ({', '.join(columns)}) hay tên "
                f"trường của công cụ ({', '.join(PARCEL_FIELDS)}). Hãy ghép một cột có trong lớp với một tên trường "
                "trong danh sách đó.",
                f"Cannot map '{key}' -> '{value}': '{bad}' is neither a column of the layer ({', '.join(columns)}) "
                f"nor a field of the tool ({', '.join(PARCEL_FIELDS)}). Map a column of the layer to a field of "
                "that list.",
            )
        user_map[source] = internal
    auto = match_fields(list(columns))
    merged = FieldMapping(auto=auto, user=user_map, unmapped=(), missing=())
    chosen = merged.mapping
    found = set(chosen.values())
    missing = [f for f in REQUIRED if f not in found]
    return FieldMapping(auto=auto, user=user_map, unmapped=tuple(c for c in columns if c not in chosen),
                        missing=tuple(missing))


#: Internal name -> the column name an imported dataset is written with (the first known variant).
EXPORT_NAMES = {internal: names[0] for internal, names in PARCEL_FIELDS.items()}


def apply_mapping(frame: gpd.GeoDataFrame, mapping: FieldMapping, *,
                  defaults: Mapping[str, object] | None = None) -> gpd.GeoDataFrame:
    """The layer with its mapped columns renamed to the names :mod:`gis.files.schema` reads (``SHBANDO`` ...).

    Columns left out of the mapping whose names would be taken for a parcel field are renamed with a
    ``_src`` suffix, so that the user's choice holds when the dataset is read again. ``defaults`` gives a
    value to an internal field no column holds (``{"sheet": 12}`` for a CAD drawing of one map sheet).
    """
    chosen = mapping.mapping
    renames = {source: EXPORT_NAMES[internal] for source, internal in chosen.items()}
    exported = set(renames.values())
    reserved = {n.lower() for names in PARCEL_FIELDS.values() for n in names}
    for column in frame.columns:
        if column not in chosen and column != frame.geometry.name and (column.lower() in reserved or column in exported):
            renames[column] = f"{column}_src"
    out = frame.rename(columns=renames)
    for internal, value in (defaults or {}).items():
        if internal not in PARCEL_FIELDS:
            raise SchemaError(
                f"Không có trường «{internal}». Các trường: {', '.join(PARCEL_FIELDS)}.",
                f"There is no field '{internal}'. Fields: {', '.join(PARCEL_FIELDS)}.",
            )
        name = EXPORT_NAMES[internal]
        if name not in out.columns or out[name].isna().all():
            out[name] = value
    return out
