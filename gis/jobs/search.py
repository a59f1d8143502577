"""Finding parcels the way an officer asks: "12/345" (sheet/parcel) or an owner's name, accents optional.

Pure functions on the parcel frame (internal schema); no streamlit here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable
from dataclasses import dataclass, field

import pandas as pd

from gis.core.text import strip_accents

_SHEET_PARCEL = re.compile(r"^\s*(?:to(?:\s+ban\s+do)?\s*(?:so)?\s*)?(\d+)\s*(?:[/\-,.;:]|\s)\s*(?:thua\s*(?:so)?\s*)?(\d+)\s*$")


def fold(text: object) -> str:
    """Text without accents, in lower case, with single spaces: ``"Nguyễn  Văn Ấn"`` gives ``"nguyen van an"``.

    ``đ`` becomes ``d`` (it is a letter of its own, not a d with an accent, so Unicode does not strip it).
    """
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    return " ".join(strip_accents(str(text)).casefold().split())


def _exact(text: object) -> str:
    """Text in lower case with single spaces, accents kept (NFC)."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


def has_accents(text: str) -> bool:
    """Whether ``text`` carries Vietnamese accents (or đ)."""
    return fold(text) != _exact(text)


def parse_sheet_parcel(query: str) -> tuple[int, int] | None:
    """``(sheet, parcel)`` from ``"12/345"``, ``"12 345"``, ``"12-345"`` or ``"tờ 12 thửa 345"``; else ``None``."""
    match = _SHEET_PARCEL.match(fold(query))
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))


@dataclass
class SearchResult:
    """What a search found: ``kind`` is ``"parcel"``, ``"owner"`` or ``"none"``; ``labels`` index the parcels."""

    query: str
    kind: str
    labels: list[Hashable] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.labels)


def find_parcels(parcels: pd.DataFrame, query: str) -> SearchResult:
    """The parcels a query names.

    A sheet/parcel query gives that parcel. Otherwise the query is an owner's name, matched as whole
    words in order: ``"nguyen van an"`` finds "Nguyễn Văn An" (and "Nguyễn Văn Ân": without accents the
    two are one name), not "Nguyễn Văn Anh". A query typed with accents matches them exactly. Results
    are ordered by sheet and parcel number.
    """
    text = query.strip()
    if not text:
        return SearchResult(query, "none")
    pair = parse_sheet_parcel(text)
    if pair is not None and {"sheet", "parcel_no"} <= set(parcels.columns):
        sheet = pd.to_numeric(parcels["sheet"], errors="coerce")
        number = pd.to_numeric(parcels["parcel_no"], errors="coerce")
        hits = parcels.index[(sheet == pair[0]) & (number == pair[1])]
        return SearchResult(query, "parcel" if len(hits) else "none", list(hits))
    if "owner" not in parcels.columns:
        return SearchResult(query, "none")
    norm = _exact if has_accents(text) else fold
    wanted = f" {norm(text)} "
    owners = parcels["owner"]
    names = pd.Series(owners.dropna().unique())
    keep = {name for name in names if wanted in f" {norm(name)} "}
    hits = parcels[owners.isin(keep)]
    if {"sheet", "parcel_no"} <= set(hits.columns):
        hits = hits.sort_values(["sheet", "parcel_no"])
    return SearchResult(query, "owner" if len(hits) else "none", list(hits.index))
