"""The text encodings of Vietnamese shapefiles: UTF-8, cp1258 and the legacy font encodings TCVN3 and VNI.

Cadastral shapefiles reach a commune from MicroStation, Famis, ViLIS and older ArcView projects. Their
attribute text is in one of four encodings, and the ``.cpg`` file or the DBF language byte that should say
which is often missing or wrong (:mod:`gis.files.detect` tells them apart):

``"utf-8"``
    What QGIS and recent GDAL write.
``"cp1258"``
    Windows' Vietnamese code page. Tone marks are often separate combining characters, so decoded text is
    normalised to NFC (one code point per letter).
``"tcvn3"``
    TCVN 5712:1993, table VN3: the "ABC" fonts (``.VnTime``). Single-byte; ASCII, then the seven base
    capitals Ă Â Ê Ô Ơ Ư Đ and every lower-case letter with its tone as one byte. VN3 has no room for the
    capitals with a tone: ABC users typed them in the separate caps font (``.VnTimeH``), which draws the
    lower-case codes as capitals, so such bytes can only be read as lower case (see
    :func:`restore_caps_font`). To write them without loss this codec uses their slots in table VN1 of the
    same standard (bytes 0x01-0x17 and 0x80-0xFF that VN3 leaves empty), as glibc's ``TCVN5712-1`` does;
    ``encode(..., caps_font=True)`` writes them as an ABC user would have, in the lower-case codes.
``"vni"``
    VNI-Windows (``VNI-Times``): an ASCII base letter followed by one modifier byte (the vowel mark, the
    tone, or both in one byte); ơ, ư, đ, ỵ and the i's with a tone are single bytes.

Python has no codec for TCVN3 or VNI; the tables here are written from the published character charts. This
module holds the names of the encodings (:func:`canonical_encoding`), the letters
(:data:`VIETNAMESE_LETTERS`) and :func:`decode` / :func:`encode`; it reads no files and guesses nothing.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

from gis.core.errors import GisError

__all__ = [
    "ENCODINGS",
    "LABELS",
    "TONE_MARKS",
    "UNICODE",
    "EncodingError",
    "VIETNAMESE_LETTERS",
    "canonical_encoding",
    "decode",
    "encode",
    "restore_caps_font",
]


Errors = Literal["strict", "replace"]

#: The encodings this module reads and writes, by their canonical names.
ENCODINGS: tuple[str, ...] = ("utf-8", "cp1258", "tcvn3", "vni")

#: What :func:`gis.files.detect.detect_text` reports for text that is already correct Unicode (nothing to repair).
UNICODE = "unicode"

#: The display name of each encoding, for the user.
LABELS = {
    "utf-8": "UTF-8",
    "cp1258": "cp1258 (Windows-1258)",
    "tcvn3": "TCVN3 (ABC)",
    "vni": "VNI-Windows",
    UNICODE: "Unicode",
}

_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "unicode": "utf-8",
    "cp1258": "cp1258",
    "windows-1258": "cp1258",
    "windows1258": "cp1258",
    "1258": "cp1258",
    "ansi-1258": "cp1258",
    "tcvn3": "tcvn3",
    "tcvn": "tcvn3",
    "abc": "tcvn3",
    "tcvn5712": "tcvn3",
    "tcvn-5712": "tcvn3",
    "tcvn5712-1": "tcvn3",
    "tcvn5712-1:1993": "tcvn3",
    "vn3": "tcvn3",
    "vni": "vni",
    "vni-windows": "vni",
    "vniwindows": "vni",
    "vni-win": "vni",
}


class EncodingError(GisError):
    """Text that cannot be read or written in the encoding asked, or an encoding this tool does not know."""


def canonical_encoding(name: str) -> str:
    """The canonical name (one of :data:`ENCODINGS`) of an encoding given by the user or a ``.cpg`` file.

    Accepts the usual spellings: ``"UTF8"``, ``"Windows-1258"``, ``"TCVN3"``, ``"ABC"``, ``"VNI-Windows"``.
    Raises :class:`EncodingError` for any other name.
    """
    key = name.strip().lower().replace("_", "-").replace(" ", "")
    if key in _ALIASES:
        return _ALIASES[key]
    raise EncodingError(
        f"Không biết bảng mã «{name}». Hãy chọn một trong: UTF-8, cp1258, TCVN3 (ABC), VNI.",
        f"Unknown text encoding '{name}'. Choose one of: UTF-8, cp1258, TCVN3 (ABC), VNI.",
    )


# --------------------------------------------------------------------------------------------------
# The letters
# --------------------------------------------------------------------------------------------------

#: Combining tone marks in the order the charts list them: huyền, hỏi, ngã, sắc, nặng.
TONE_MARKS = ("\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
#: The twelve vowels (with their vowel marks) that take a tone, lower case.
_VOWELS = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")


def _toned(vowel: str, tone_index: int) -> str:
    return unicodedata.normalize("NFC", vowel + TONE_MARKS[tone_index])


#: Every Vietnamese letter outside ASCII, lower and upper case (67 + 67), in NFC.
VIETNAMESE_LETTERS: tuple[str, ...] = tuple(
    letter
    for case in (str.lower, str.upper)
    for letter in [case(v) for v in ("ă", "â", "ê", "ô", "ơ", "ư", "đ")]
    + [case(_toned(v, t)) for v in _VOWELS for t in range(5)]
)

# --------------------------------------------------------------------------------------------------
# TCVN3 (TCVN 5712:1993, VN3; capitals with a tone from VN1)
# --------------------------------------------------------------------------------------------------

#: VN3: the seven base letters, capitals then lower case, at 0xA1-0xAE.
_TCVN3_BASE = {0xA1 + i: c for i, c in enumerate("ĂÂÊÔƠƯĐăâêôơưđ")}
#: VN3: each lower-case vowel with huyền, hỏi, ngã, sắc, nặng.
_TCVN3_LOWER = {
    "a": (0xB5, 0xB6, 0xB7, 0xB8, 0xB9),
    "ă": (0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xC7, 0xC8, 0xC9, 0xCA, 0xCB),
    "e": (0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xD2, 0xD3, 0xD4, 0xD5, 0xD6),
    "i": (0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (0xDF, 0xE1, 0xE2, 0xE3, 0xE4),
    "ô": (0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xEA, 0xEB, 0xEC, 0xED, 0xEE),
    "u": (0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xF5, 0xF6, 0xF7, 0xF8, 0xF9),
    "y": (0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
#: VN1: the capitals with a tone, in the slots VN3 leaves empty (none of them exists in VN3).
_TCVN3_UPPER_VN1 = {
    "A": (0x80, 0x81, 0x82, 0x83, 0x84),
    "Ă": (0xAF, 0xBA, 0xBF, 0xC0, 0x85),
    "Â": (0xC1, 0xC2, 0xC3, 0xC4, 0x86),
    "E": (0x87, 0x88, 0x89, 0x8A, 0x8B),
    "Ê": (0xC5, 0xCD, 0xD9, 0xDA, 0x8C),
    "I": (0x8D, 0x8E, 0x8F, 0x90, 0x91),
    "O": (0x92, 0x93, 0x94, 0x95, 0x96),
    "Ô": (0xDB, 0xE0, 0xF0, 0xFF, 0x97),
    "Ơ": (0x98, 0x99, 0x9A, 0x9B, 0x9C),
    "U": (0x9D, 0x9E, 0x9F, 0x01, 0x02),
    "Ư": (0x04, 0x05, 0x06, 0x11, 0x12),
    "Y": (0x13, 0x14, 0x15, 0x16, 0x17),
}
#: VN1/VN2: the five tone marks as separate (combining) characters; read, never written.
_TCVN3_COMBINING = {0xB0 + i: tone for i, tone in enumerate(TONE_MARKS)}


def _build_tcvn3() -> tuple[dict[int, str], dict[str, int], dict[str, int]]:
    dec: dict[int, str] = {b: chr(b) for b in range(0x80) if b not in (1, 2, 4, 5, 6) and not 0x11 <= b <= 0x17}
    dec[0xA0] = "\u00a0"
    dec.update(_TCVN3_BASE)
    for table in (_TCVN3_LOWER, _TCVN3_UPPER_VN1):
        for vowel, codes in table.items():
            for tone, code in enumerate(codes):
                dec[code] = _toned(vowel, tone)
    dec.update(_TCVN3_COMBINING)
    enc = {c: b for b, c in dec.items() if b not in _TCVN3_COMBINING}
    # The caps font (.VnTimeH) draws the lower-case codes as capitals.
    caps = {_toned(v.upper(), t): code for v, codes in _TCVN3_LOWER.items() for t, code in enumerate(codes)}
    return dec, enc, caps


_TCVN3_DECODE, _TCVN3_ENCODE, _TCVN3_CAPS_FONT = _build_tcvn3()

# --------------------------------------------------------------------------------------------------
# VNI-Windows
# --------------------------------------------------------------------------------------------------

#: Tone modifier bytes (huyền, hỏi, ngã, sắc, nặng) after a plain vowel or after ơ/ư: ø û õ ù ï.
_VNI_TONE = (0xF8, 0xFB, 0xF5, 0xF9, 0xEF)
#: After a, e, o: the circumflex alone (â), then circumflex with each tone: à å ã á ä.
_VNI_CIRCUMFLEX = (0xE2, (0xE0, 0xE5, 0xE3, 0xE1, 0xE4))
#: After a: the breve alone (ê), then breve with each tone: è ú ü é ë.
_VNI_BREVE = (0xEA, (0xE8, 0xFA, 0xFC, 0xE9, 0xEB))
#: Letters that are one byte of their own (lower case; capitals are 0x20 lower).
_VNI_SINGLE = {"ơ": 0xF4, "ư": 0xF6, "đ": 0xF1, "ỵ": 0xEE, "ì": 0xEC, "ỉ": 0xE6, "ĩ": 0xF3, "í": 0xED, "ị": 0xF2}


def _build_vni() -> tuple[dict[str, bytes], dict[bytes, str]]:
    lower: dict[str, bytes] = {c: bytes([b]) for c, b in _VNI_SINGLE.items()}
    for vowel in "aeouy":
        for tone, mod in enumerate(_VNI_TONE):
            letter = _toned(vowel, tone)
            lower.setdefault(letter, vowel.encode() + bytes([mod]))
    for base, marked in (("a", "â"), ("e", "ê"), ("o", "ô")):
        plain, toned = _VNI_CIRCUMFLEX
        lower[marked] = base.encode() + bytes([plain])
        for tone, mod in enumerate(toned):
            lower[_toned(marked, tone)] = base.encode() + bytes([mod])
    plain, toned = _VNI_BREVE
    lower["ă"] = b"a" + bytes([plain])
    for tone, mod in enumerate(toned):
        lower[_toned("ă", tone)] = b"a" + bytes([mod])
    for marked in ("ơ", "ư"):
        for tone, mod in enumerate(_VNI_TONE):
            lower[_toned(marked, tone)] = bytes([_VNI_SINGLE[marked], mod])
    enc: dict[str, bytes] = {}
    for letter, code in lower.items():
        enc[letter] = code
        enc[letter.upper()] = bytes([code[0] - 0x20 if code[0] >= 0x80 else ord(chr(code[0]).upper())]) + bytes(
            b - 0x20 for b in code[1:]
        )
    dec = {code: letter for letter, code in enc.items()}
    return enc, dec


_VNI_ENCODE, _VNI_DECODE = _build_vni()
#: Modifier bytes of either case that may follow each base byte (read leniently: the base sets the case).
_VNI_PAIRS: dict[tuple[int, int], str] = {}
for _code, _letter in _VNI_DECODE.items():
    if len(_code) == 2:
        _VNI_PAIRS[(_code[0], _code[1])] = _letter
        _other = _code[1] - 0x20 if _code[1] >= 0xE0 else _code[1] + 0x20
        _VNI_PAIRS.setdefault((_code[0], _other), _letter)
_VNI_SINGLE_DECODE = {code[0]: letter for code, letter in _VNI_DECODE.items() if len(code) == 1}

# --------------------------------------------------------------------------------------------------
# decode / encode
# --------------------------------------------------------------------------------------------------


def _bad_byte(data: bytes, pos: int, encoding: str) -> EncodingError:
    name = LABELS[encoding]
    return EncodingError(
        f"Byte 0x{data[pos]:02X} ở vị trí {pos} không phải chữ nào trong bảng mã {name}. Có thể tệp dùng "
        "bảng mã khác: hãy để công cụ tự nhận biết hoặc chọn bảng mã khác.",
        f"Byte 0x{data[pos]:02X} at position {pos} is not a character in {name}. The file may use another "
        "encoding: let the tool detect it, or choose a different one.",
    )


def _decode_tcvn3(data: bytes, errors: Errors) -> str:
    out = []
    for pos, byte in enumerate(data):
        char = _TCVN3_DECODE.get(byte)
        if char is None:
            if errors == "strict":
                raise _bad_byte(data, pos, "tcvn3")
            char = "\ufffd"
        out.append(char)
    return "".join(out)


def _decode_vni(data: bytes, errors: Errors) -> str:
    out = []
    pos = 0
    while pos < len(data):
        byte = data[pos]
        if pos + 1 < len(data) and (byte, data[pos + 1]) in _VNI_PAIRS:
            out.append(_VNI_PAIRS[(byte, data[pos + 1])])
            pos += 2
            continue
        if byte < 0x80:
            out.append(chr(byte))
        elif byte in _VNI_SINGLE_DECODE:
            out.append(_VNI_SINGLE_DECODE[byte])
        elif byte == 0xA0:
            out.append("\u00a0")
        elif errors == "strict":
            raise _bad_byte(data, pos, "vni")
        else:
            out.append("\ufffd")
        pos += 1
    return "".join(out)


def decode(data: bytes, encoding: str, *, errors: Errors = "strict") -> str:
    """Decode ``data`` from ``encoding`` to NFC-normalised Unicode text.

    Parameters
    ----------
    data
        The raw bytes, as stored in the file.
    encoding
        ``"utf-8"``, ``"cp1258"``, ``"tcvn3"`` or ``"vni"`` (or an alias, see :func:`canonical_encoding`).
    errors
        ``"strict"`` raises :class:`EncodingError` at the first byte the encoding does not define;
        ``"replace"`` puts U+FFFD in its place.

    Returns
    -------
    str
        The text in NFC: one code point per Vietnamese letter, whatever the encoding wrote.
    """
    enc = canonical_encoding(encoding)
    if enc in ("utf-8", "cp1258"):
        try:
            text = data.decode(enc, errors=errors)
        except UnicodeDecodeError as exc:
            raise _bad_byte(data, exc.start, enc) from exc
    elif enc == "tcvn3":
        text = _decode_tcvn3(data, errors)
    else:
        text = _decode_vni(data, errors)
    return unicodedata.normalize("NFC", text)


def _cannot_encode(text: str, pos: int, encoding: str) -> EncodingError:
    char = text[pos]
    name = LABELS[encoding]
    return EncodingError(
        f"Ký tự «{char}» (U+{ord(char):04X}) ở vị trí {pos} không viết được bằng bảng mã {name}. Hãy dùng "
        "UTF-8, hoặc bỏ ký tự đó.",
        f"Character '{char}' (U+{ord(char):04X}) at position {pos} cannot be written in {name}. Use UTF-8, "
        "or remove that character.",
    )


def _encode_cp1258_char(char: str) -> bytes | None:
    try:
        return char.encode("cp1258")
    except UnicodeEncodeError:
        pass
    # Windows writes a letter cp1258 lacks as its base (with any vowel mark) and a combining tone mark.
    parts = unicodedata.normalize("NFD", char)
    tones = "".join(c for c in parts if c in TONE_MARKS)
    base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
    try:
        return (base + tones).encode("cp1258")
    except UnicodeEncodeError:
        return None


def encode(text: str, encoding: str, *, errors: Errors = "strict", caps_font: bool = False) -> bytes:
    """Encode ``text`` in ``encoding``; ``decode(encode(text, e), e) == NFC(text)`` for Vietnamese text.

    Parameters
    ----------
    text
        Unicode text; it is normalised to NFC first.
    encoding
        ``"utf-8"``, ``"cp1258"``, ``"tcvn3"`` or ``"vni"`` (or an alias).
    errors
        ``"strict"`` raises :class:`EncodingError` for a character the encoding cannot hold; ``"replace"``
        writes ``?`` for it.
    caps_font
        TCVN3 only: write capitals with a tone in the lower-case codes, as ABC users did with the caps font
        (``.VnTimeH``), instead of their VN1 slots. Such text reads back in lower case.

    Returns
    -------
    bytes
        The encoded text.
    """
    enc = canonical_encoding(encoding)
    text = unicodedata.normalize("NFC", text)
    if enc == "utf-8":
        return text.encode("utf-8")
    out = bytearray()
    for pos, char in enumerate(text):
        code: bytes | None
        if enc == "cp1258":
            code = _encode_cp1258_char(char)
        elif enc == "tcvn3":
            num = _TCVN3_CAPS_FONT.get(char) if caps_font else None
            if num is None:
                num = _TCVN3_ENCODE.get(char)
            code = None if num is None else bytes([num])
        else:
            code = char.encode("ascii") if char < "\x80" else _VNI_ENCODE.get(char)
            if code is None and char == "\u00a0":
                code = b"\xa0"
        if code is None:
            if errors == "strict":
                raise _cannot_encode(text, pos, enc)
            code = b"?"
        out += code
    return bytes(out)


def restore_caps_font(text: str) -> str:
    """Upper-case the lower-case letters of a TCVN3 value typed in the caps font (``.VnTimeH``).

    TCVN3 stores a capital with a tone in the lower-case code, so "THÔN SƠN QUẢ" written in the caps font
    reads back as "THôN SơN QUả". When every ASCII letter of the value is a capital (and there are at
    least two), the value was typed in capitals and the whole of it is upper-cased; anything else is left
    as it is (a value like "Xã" cannot be told apart from a capital "XÃ").
    """
    ascii_letters = [c for c in text if c.isascii() and c.isalpha()]
    if len(ascii_letters) >= 2 and all(c.isupper() for c in ascii_letters):
        return text.upper()
    return text
