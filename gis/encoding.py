"""Text encodings of Vietnamese shapefiles: UTF-8, cp1258 and the legacy font encodings TCVN3 and VNI.

Cadastral shapefiles reach a commune from MicroStation, Famis, ViLIS and older ArcView projects. Their
attribute text is in one of four encodings, and the ``.cpg`` file or the DBF language byte that should say
which is often missing or wrong:

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

Python has no codec for TCVN3 or VNI; the tables here are written from the published character charts.
:func:`detect` tells the four apart by reading the bytes in each and counting the words that are well-formed
Vietnamese syllables; :func:`repair` undoes the mojibake left when GDAL read such bytes as latin-1 or
cp1252 ("L­¬ng Phong" for "Lương Phong"); :func:`read_dbf_text` reads a shapefile's DBF text from the raw
bytes so that a wrong or missing ``.cpg`` never mangles a name.
"""

from __future__ import annotations

import functools
import itertools
import re
import struct
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from gis.errors import DataSourceError, GisError

__all__ = [
    "ENCODINGS",
    "UNICODE",
    "DbfError",
    "Detection",
    "EncodingError",
    "VIETNAMESE_LETTERS",
    "canonical_encoding",
    "decode",
    "detect",
    "detect_text",
    "encode",
    "is_vietnamese_syllable",
    "read_dbf_columns",
    "read_dbf_text",
    "repair",
    "restore_caps_font",
    "write_dbf",
    "write_legacy_shapefile",
]

Errors = Literal["strict", "replace"]

#: The encodings this module reads and writes, by their canonical names.
ENCODINGS: tuple[str, ...] = ("utf-8", "cp1258", "tcvn3", "vni")

#: What :func:`detect_text` reports for text that is already correct Unicode (nothing to repair).
UNICODE = "unicode"

_NAMES = {
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


class DbfError(DataSourceError):
    """A ``.dbf`` file that is missing, truncated or not a dBASE table."""


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
_TONES = ("\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
#: The twelve vowels (with their vowel marks) that take a tone, lower case.
_VOWELS = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")


def _toned(vowel: str, tone_index: int) -> str:
    return unicodedata.normalize("NFC", vowel + _TONES[tone_index])


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
_TCVN3_COMBINING = {0xB0 + i: tone for i, tone in enumerate(_TONES)}


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
    name = _NAMES[encoding]
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
    name = _NAMES[encoding]
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
    tones = "".join(c for c in parts if c in _TONES)
    base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
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


# --------------------------------------------------------------------------------------------------
# Recognising Vietnamese
# --------------------------------------------------------------------------------------------------

_ONSETS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "qu",
           "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
_RHYMES = frozenset("""
a ai ao au ay ac ach am an ang anh ap at
ăc ăm ăn ăng ăp ăt
âc âm ân âng âp ât âu ây
e eo ec em en eng ep et
ê êu êch êm ên ênh êp êt
i ia iu ich im in inh ip it iêc iêm iên iêng iêp iêt iêu
o oa oe oi oc om on ong op ot oong ooc
oai oay oac oach oam oan oang oanh oap oat oao oăc oăm oăn oăng oăt oen oeo oet
ô ôi ôc ôm ôn ông ôp ôt
ơ ơi ơm ơn ơp ơt
u ua ui uc um un ung up ut uê uơ uân uât uâng uây uôc uôi uôm uôn uông uôt
uy uya uych uynh uyp uyt uyu uyên uyêt uênh
ư ưa ưi ưu ưc ưm ưn ưng ưt ươc ươi ươm ươn ương ươp ươt ươu
y yêm yên yêt yêu
""".split())
_STOPS = ("p", "t", "c", "ch")
_COMMON = frozenset("""
nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đào đinh đoàn lương trịnh mai
văn thị hữu đức minh hồng thu hương lan anh tuấn hùng dũng hải hà nam bắc trung đông tây sơn quả phong
thôn xóm xã huyện tỉnh phường trấn đường số ấp bản làng đất ruộng lúa nước trồng cây lâu năm hằng ở nông
đô mặt giao thông thủy thuỷ lợi nghĩa trang địa công cộng chuyên dùng hiệp hòa hoà giang bình thành phúc
lộc thọ khánh long quang vinh hiếu thắng tiến ngọc kim thanh xuân cúc liên quý tâm sáng chính nhà hoá hóa
trường học chợ đình chùa mới cũ trên dưới giữa ngoài trong đồng bãi gò khu vực cụm tổ dân phố chủ sử
diện tích thửa tờ bản đồ loại mục đích hộ gia ông bà chị em cô chú bác cầu kênh mương sông suối hồ ao
lưu tạ thân giáp chu khổng nghiêm hiệp hưng thịnh phú mỹ tân lạc việt hạnh nhung huệ thảo trinh phương tuyết hằng hiền thúy thủy dung
dũng cường mạnh quân quốc toàn thắng thịnh nghĩa kiên trí bảo duy khoa đạt khải hiển hòa lực lâm
""".split())


def _strip_tone(syllable: str) -> tuple[str, int | None, int]:
    parts = unicodedata.normalize("NFD", syllable)
    tones = [c for c in parts if c in _TONES]
    bare = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
    return bare, (_TONES.index(tones[0]) if tones else None), len(tones)


def is_vietnamese_syllable(word: str) -> bool:
    """Whether ``word`` is a well-formed Vietnamese syllable (onset, rhyme, at most one fitting tone).

    Case is ignored but must be consistent ("Lương", "LƯƠNG", "lương"; not "LưƠng"). A syllable that ends
    in p, t, c or ch takes only the sắc or nặng tone.
    """
    if not word or not (word.islower() or word.isupper() or word.istitle()):
        return False
    bare, tone, count = _strip_tone(word.lower())
    if count > 1:
        return False
    for onset in _ONSETS:
        if not bare.startswith(onset):
            continue
        rhyme = bare[len(onset):]
        if onset == "gi" and rhyme == "":
            return True  # "gì"
        if onset == "qu" and rhyme.startswith(("u", "o")):
            continue
        if rhyme in _RHYMES:
            if rhyme.endswith(_STOPS) and tone not in (None, 3, 4):
                return False
            return tone is None or _tone_well_placed(word.lower(), len(onset), rhyme)
    return False


_PLAIN_VOWELS = "aeiouy"
_MARKED_VOWELS = "ăâêôơư"


def _tone_well_placed(word: str, onset_len: int, rhyme: str) -> bool:
    """Whether the tone sits on a vowel that may carry it (old and new styles both accepted: hòa, hoà)."""
    toned = [i for i, c in enumerate(word) if any(t in unicodedata.normalize("NFD", c) for t in _TONES)]
    pos = toned[0] - onset_len
    if pos < 0:
        return rhyme == ""  # "gì": the tone on the i of the onset
    vowels = [i for i, c in enumerate(rhyme) if c in _PLAIN_VOWELS + _MARKED_VOWELS]
    marked = [i for i in vowels if rhyme[i] in _MARKED_VOWELS]
    if len(vowels) == 1:
        allowed = set(vowels)
    elif marked:
        allowed = {marked[-1]}
    elif vowels[-1] < len(rhyme) - 1:
        allowed = {vowels[-1]}  # a final consonant: oan, uynh
    elif len(vowels) == 3:
        allowed = {vowels[1]}  # oai, oay, uya, uyu, oeo
    elif rhyme in ("oa", "oe", "uy"):
        allowed = set(vowels)
    else:
        allowed = {vowels[0]}  # ai, ao, au, ay, eo, ia, iu, oi, ua, ui
    return pos in allowed


_SPLIT = re.compile(r"[\s,.;:!?()\[\]{}\"'/\\\-+=_*&%#@|<>0-9]+")


@functools.lru_cache(maxsize=1 << 16)
def _word_score(word: str) -> float | None:
    """Score one word of decoded text: None when it says nothing (pure ASCII), else from -4 to +3 (once per
    word: names, villages and codes repeat, and every candidate encoding reads the plain words alike)."""
    if word.isascii():
        return None
    if "\ufffd" in word or any(unicodedata.category(c)[0] != "L" for c in word):
        return -4.0
    if not is_vietnamese_syllable(word):
        return -3.0
    return 3.0 if word.lower() in _COMMON else 1.0


@dataclass(frozen=True)
class _Reading:
    score: float
    good: int
    words: int


def _read_as(texts: Iterable[str]) -> _Reading:
    score = 0.0
    good = words = 0
    for text in texts:
        for word in _SPLIT.split(text):
            s = _word_score(word)
            if s is None:
                continue
            words += 1
            score += s
            good += s > 0
    return _Reading(score, good, words)


# --------------------------------------------------------------------------------------------------
# Detection
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Detection:
    """Which encoding some text is in, how sure, and why.

    Attributes
    ----------
    encoding
        One of :data:`ENCODINGS`; for :func:`detect_text`, also ``"unicode"`` (the text is already right).
    confidence
        From 0 to 1. Below 0.6 the evidence is thin: show the user the text and let them choose.
    reason_vi, reason_en
        Why, in Vietnamese and English, for the user.
    scores
        The score of each candidate reading (higher is more Vietnamese-like); empty when overridden.
    declared
        What the ``.cpg`` file said, if there was one.
    overridden
        True when the user chose the encoding.
    """

    encoding: str
    confidence: float
    reason_vi: str
    reason_en: str
    scores: Mapping[str, float] = field(default_factory=dict)
    declared: str | None = None
    overridden: bool = False

    @property
    def name(self) -> str:
        """The encoding's display name ("TCVN3 (ABC)")."""
        return _NAMES.get(self.encoding, self.encoding)

    def text(self, lang: str = "vi") -> str:
        """The reason in ``lang`` (``"vi"`` or ``"en"``)."""
        return self.reason_vi if lang == "vi" else self.reason_en


def _override(encoding: str, declared: str | None = None) -> Detection:
    enc = canonical_encoding(encoding)
    return Detection(
        enc, 1.0, f"Bảng mã {_NAMES[enc]} do người dùng chọn.", f"{_NAMES[enc]} chosen by the user.",
        declared=declared, overridden=True,
    )


def _declared_encoding(declared: str | None) -> str | None:
    if declared is None:
        return None
    key = declared.strip().lower().replace("_", "-")
    if key in ("65001", "utf8", "utf-8"):
        return "utf-8"
    if key in ("1258", "cp1258", "windows-1258", "ansi-1258"):
        return "cp1258"
    try:
        return canonical_encoding(declared)
    except EncodingError:
        return None


def _choose(readings: dict[str, _Reading], *, what_vi: str, what_en: str, declared: str | None,
            default: str) -> Detection:
    declared_enc = _declared_encoding(declared)
    words = max((r.words for r in readings.values()), default=0)
    scores = {enc: r.score for enc, r in readings.items()}
    if words == 0:
        enc = declared_enc if declared_enc in readings else default
        return Detection(
            enc, 1.0,
            f"{what_vi} chỉ có chữ không dấu (ASCII): mọi bảng mã đọc như nhau; dùng {_NAMES[enc]}.",
            f"The {what_en} hold only plain ASCII: every encoding reads them alike; using {_NAMES[enc]}.",
            scores, declared,
        )
    ranked = sorted(readings, key=lambda e: (readings[e].score, e == declared_enc, e == default), reverse=True)
    best, second = ranked[0], ranked[1]
    b, s = readings[best], readings[second]
    margin = (b.score - s.score) / (6.0 * max(b.words, 1))
    confidence = 0.5 + 0.5 * min(1.0, max(0.0, margin))
    if b.good < b.words:
        confidence *= 0.5 + 0.5 * b.good / b.words
    confidence = round(confidence, 3)
    note_vi = note_en = ""
    if declared is not None and declared_enc != best:
        note_vi = f" Tệp .cpg ghi «{declared.strip()}» nhưng nội dung không khớp."
        note_en = f" The .cpg file says '{declared.strip()}' but the text does not match it."
    return Detection(
        best, confidence,
        f"Đọc bằng {_NAMES[best]}, {b.good}/{b.words} từ có dấu là tiếng Việt hợp lệ "
        f"(tiếp theo: {_NAMES[second]}, {s.good}/{s.words}).{note_vi}",
        f"Read as {_NAMES[best]}, {b.good} of {b.words} words with non-ASCII letters are valid Vietnamese "
        f"(next best: {_NAMES[second]}, {s.good} of {s.words}).{note_en}",
        scores, declared,
    )


#: Values with nothing but printable ASCII say nothing about their encoding.
_PLAIN_BYTES = re.compile(rb"[\x20-\x7e\t\r\n]*")
_PLAIN_TEXT = re.compile(r"[\x20-\x7e\t\r\n]*")


def detect(samples: Iterable[bytes], *, declared: str | None = None, limit: int = 2000) -> Detection:
    """Tell which of UTF-8, cp1258, TCVN3 and VNI some raw text is in.

    Each candidate decodes every sample; words with non-ASCII letters score by whether they are
    well-formed Vietnamese syllables (common ones in names and addresses count more), bytes an encoding
    does not define count against it, and the best total wins. Valid multi-byte UTF-8 is almost never an
    accident, so it wins whenever it reads as Vietnamese at least as well as the others.

    Parameters
    ----------
    samples
        Raw values, such as a DBF's text fields (trailing blanks are ignored).
    declared
        What the ``.cpg`` file says, if anything: reported when it disagrees, and used to break ties.
    limit
        Look at no more than this many samples that have non-ASCII bytes.

    Returns
    -------
    Detection
    """
    chosen: list[bytes] = []
    for sample in samples:
        if not _PLAIN_BYTES.fullmatch(sample):
            chosen.append(sample)
            if len(chosen) >= limit:
                break
    readings = {}
    for enc in ENCODINGS:
        if enc == "utf-8":
            try:
                texts = [decode(s, "utf-8") for s in chosen]
            except EncodingError:
                readings[enc] = _Reading(float("-inf"), 0, max(len(chosen), 1))
                continue
        else:
            texts = [decode(s, enc, errors="replace") for s in chosen]
        reading = _read_as(texts)
        if enc == "utf-8" and reading.words:
            reading = _Reading(reading.score + 2.0 * reading.words, reading.good, reading.words)
        readings[enc] = reading
    return _choose(readings, what_vi="Dữ liệu", what_en="values", declared=declared, default="utf-8")


_CP1252_REVERSE = {}
for _b in range(0x80, 0xA0):
    try:
        _CP1252_REVERSE[bytes([_b]).decode("cp1252")] = _b
    except UnicodeDecodeError:
        pass


def _mojibake_bytes(text: str) -> bytes | None:
    """The bytes that, read as latin-1 or cp1252, gave ``text``; None if no such bytes exist."""
    out = bytearray()
    for char in text:
        code = ord(char)
        if code < 0x100:
            out.append(code)
        elif char in _CP1252_REVERSE:
            out.append(_CP1252_REVERSE[char])
        else:
            return None
    return bytes(out)


def _repair_readings(texts: Sequence[str]) -> dict[str, _Reading]:
    readings = {UNICODE: _read_as(unicodedata.normalize("NFC", t) for t in texts)}
    raw = [_mojibake_bytes(t) for t in texts]
    for enc in ENCODINGS:
        decoded = []
        for text, data in zip(texts, raw, strict=True):
            if data is None:
                decoded.append(text)
                continue
            try:
                decoded.append(decode(data, enc))
            except EncodingError:
                decoded.append(text if enc == "utf-8" else decode(data, enc, errors="replace"))
        readings[enc] = _read_as(decoded)
    return readings


def detect_text(texts: Iterable[str], *, limit: int = 2000) -> Detection:
    """Tell whether some text is already right, or which encoding's bytes were misread as latin-1/cp1252.

    This is for text that GDAL has already decoded with the wrong code page (a wrong or missing ``.cpg``),
    such as "L­¬ng Phong" (TCVN3), "Löông Phong" (VNI) or "LÆ°Æ¡ng Phong" (UTF-8).

    Returns
    -------
    Detection
        ``encoding`` is ``"unicode"`` when the text reads best as it is, else the encoding to repair from.
    """
    chosen = list(itertools.islice((t for t in texts if not _PLAIN_TEXT.fullmatch(t)), limit))  # stop at limit
    readings = _repair_readings(chosen)
    return _choose(readings, what_vi="Văn bản", what_en="texts", declared=None, default=UNICODE)


def repair(text: str, *, encoding: str | None = None) -> tuple[str, str | None]:
    """Undo mojibake: text whose bytes were read as latin-1 or cp1252 instead of their real encoding.

    Parameters
    ----------
    text
        One value as GDAL returned it, e.g. "L­¬ng Phong".
    encoding
        The encoding the bytes were really in, if known (to repair a whole column, detect it once with
        :func:`detect_text` and pass it here); otherwise it is detected from ``text`` alone.

    Returns
    -------
    tuple of (str, str or None)
        The repaired text and the encoding it was repaired from; ``(text, None)`` when the text looks
        right as it is or cannot have come from misread bytes.
    """
    data = _mojibake_bytes(text)
    if encoding is not None:
        enc = canonical_encoding(encoding)
        if data is None or _PLAIN_BYTES.fullmatch(data):
            return unicodedata.normalize("NFC", text), None
        return decode(data, enc, errors="replace"), enc
    if data is None or _PLAIN_BYTES.fullmatch(data):
        return text, None
    found = detect_text([text])
    if found.encoding == UNICODE:
        return text, None
    return decode(data, found.encoding, errors="replace"), found.encoding


# --------------------------------------------------------------------------------------------------
# DBF
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    name: bytes
    kind: str
    offset: int
    length: int
    decimals: int


def _dbf_path(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() == ".dbf":
        candidates = [path]
    else:
        candidates = [path.with_suffix(".dbf"), path.with_suffix(".DBF")]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise DbfError(
        f"Không tìm thấy tệp thuộc tính «{candidates[0].name}». Một shapefile cần đủ .shp, .shx và .dbf: "
        "hãy chép cả tệp .dbf vào cùng thư mục.",
        f"Attribute file '{candidates[0].name}' was not found. A shapefile needs its .shp, .shx and .dbf: "
        "copy the .dbf into the same folder.",
    )


def _read_cpg(dbf: Path) -> str | None:
    for suffix in (".cpg", ".CPG"):
        cpg = dbf.with_suffix(suffix)
        if cpg.exists():
            return cpg.read_bytes().decode("ascii", errors="replace").strip() or None
    return None


def _broken(dbf: Path, vi: str, en: str) -> DbfError:
    return DbfError(
        f"Tệp «{dbf.name}» hỏng hoặc không phải bảng dBASE: {vi}. Hãy xuất lại shapefile từ phần mềm gốc.",
        f"File '{dbf.name}' is damaged or not a dBASE table: {en}. Export the shapefile again from the "
        "program that made it.",
    )


def _parse_dbf(dbf: Path, *, split: bool = True) -> tuple[list[_Field], Any]:
    """The fields and the records of a DBF (as bytes, one per record; with ``split=False`` the bytes of all
    records and the record length)."""
    data = dbf.read_bytes()
    if len(data) < 33:
        raise _broken(dbf, "tệp quá ngắn", "the file is too short")
    count, header_len, record_len = struct.unpack("<IHH", data[4:12])
    if header_len < 33 or record_len < 1 or header_len > len(data):
        raise _broken(dbf, "phần đầu tệp không hợp lệ", "its header is not valid")
    fields: list[_Field] = []
    offset = 1
    for start in range(32, header_len - 1, 32):
        if data[start] == 0x0D:
            break
        desc = data[start:start + 32]
        if len(desc) < 32:
            raise _broken(dbf, "mô tả trường bị cắt cụt", "a field descriptor is cut short")
        name = desc[:11].split(b"\x00", 1)[0]
        fields.append(_Field(name, chr(desc[11]), offset, desc[16], desc[17]))
        offset += desc[16]
    if offset > record_len:
        raise _broken(dbf, "độ dài bản ghi không khớp với các trường", "the record length does not match the fields")
    end = header_len + count * record_len
    if end > len(data):
        raise _broken(dbf, f"thiếu bản ghi (phần đầu ghi {count})",
                      f"records are missing (the header says {count})")
    if not split:
        return fields, (data[header_len:end], record_len)
    records = [data[p:p + record_len] for p in range(header_len, end, record_len)]
    return fields, records


def _parse_dbf_block(dbf: Path):
    """:func:`_parse_dbf` with the records as one ``(count, record length)`` array of bytes (numpy)."""
    import numpy as np

    fields, records = _parse_dbf(dbf, split=False)
    length = max(1, records[1])
    return fields, np.frombuffer(records[0], dtype=np.uint8).reshape(-1, length)


def read_dbf_text(path: str | Path, encoding: str | None = None) -> tuple[list[dict[str, str]], Detection]:
    """Read the text fields of a shapefile's DBF from its raw bytes, detecting the encoding.

    The ``.cpg`` file, if any, is only a hint: a wrong one is common, so the bytes decide.

    Parameters
    ----------
    path
        The ``.dbf`` or the ``.shp`` beside it.
    encoding
        Override: read in this encoding (``"utf-8"``, ``"cp1258"``, ``"tcvn3"``, ``"vni"``) without
        detecting.

    Returns
    -------
    records : list of dict
        One dict per record that is not marked deleted (as GDAL skips those), in file order, mapping each
        character (``C``) field's name to its text with trailing blanks removed. Bytes the encoding does
        not define read as U+FFFD.
    detection : Detection
        The encoding used and why.
    """
    columns, count, found = read_dbf_columns(path, encoding=encoding)
    names = list(columns)
    if not names:
        return [{} for _ in range(count)], found
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)], found


def read_dbf_columns(path: str | Path, encoding: str | None = None) -> tuple[dict[str, list[str]], int, Detection]:
    """:func:`read_dbf_text` column by column: each character field's name to its texts, in record order;
    the number of records read (those not marked deleted) and the encoding.

    The records are cut into fields with numpy, and each distinct value is decoded once (codes, villages and
    owners repeat); the detection sees the values in the same order as :func:`read_dbf_text` describes.
    """
    import numpy as np
    import pandas as pd

    dbf = _dbf_path(path)
    declared = _read_cpg(dbf)
    fields, block = _parse_dbf_block(dbf)
    text_fields = [f for f in fields if f.kind in ("C", "c")]
    live = block[block[:, 0] != ord("*")] if len(block) else block
    raw: list[np.ndarray] = []
    for f in text_fields:
        cells = np.ascontiguousarray(live[:, f.offset:f.offset + f.length]).view(f"S{max(f.length, 1)}").ravel()
        raw.append(np.strings.rstrip(cells, b" \x00") if f.length else np.full(len(live), b"", dtype="S1"))
    lists = [col.tolist() for col in raw]
    if encoding is not None:
        found = _override(encoding, declared)
    else:
        found = detect((row[j] for row in zip(*lists, strict=True) for j in range(len(lists))), declared=declared)
    out: dict[str, list[str]] = {}
    for f, values in zip(text_fields, lists, strict=True):
        codes, distinct = pd.factorize(np.array(values, dtype=object))
        texts = np.array([decode(v, found.encoding, errors="replace") for v in distinct.tolist()] + [""],
                         dtype=object)
        out[decode(f.name, found.encoding, errors="replace")] = texts[codes].tolist()
    return out, len(live), found


def _dbf_field(name: str, values: Sequence[Any], encoded: Sequence[bytes | None]) -> tuple[bytes, str, int, int]:
    raw_name = name.encode("ascii", errors="replace")[:10]
    present = [v for v in values if v is not None]
    if all(isinstance(v, bool) for v in present) and present:
        return raw_name, "L", 1, 0
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return raw_name, "N", max(10, max(len(str(v)) for v in present)), 0
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return raw_name, "N", 24, 15
    width = max([len(e) for e in encoded if e is not None] + [1])
    if width > 254:
        raise EncodingError(
            f"Giá trị của trường «{name}» dài hơn 254 byte, giới hạn của tệp DBF.",
            f"A value of field '{name}' is longer than 254 bytes, the limit of a DBF file.",
        )
    return raw_name, "C", width, 0


def write_dbf(path: str | Path, columns: Mapping[str, Sequence[Any]], *, encoding: str,
              caps_font: bool = False) -> Path:
    """Write a dBASE III table with its text in ``encoding`` (for test fixtures and legacy exports).

    Parameters
    ----------
    path
        The ``.dbf`` to write (overwritten).
    columns
        Field name (ASCII, at most 10 characters) to values, all columns of the same length. Strings become
        character fields encoded in ``encoding``; ints and floats numeric fields; bools logical fields;
        None a blank.
    encoding
        ``"utf-8"``, ``"cp1258"``, ``"tcvn3"`` or ``"vni"``.
    caps_font
        TCVN3: write capitals with a tone as the caps font does (see :func:`encode`).

    Returns
    -------
    Path
        ``path``. The language byte is left 0 (none), as in legacy files.
    """
    path = Path(path)
    enc = canonical_encoding(encoding)
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise ValueError("all columns must have the same length")
    count = lengths.pop() if lengths else 0
    specs = []
    encoded_cols = []
    for name, values in columns.items():
        encoded = [encode(v, enc, caps_font=caps_font) if isinstance(v, str) else None for v in values]
        specs.append(_dbf_field(name, values, encoded))
        encoded_cols.append(encoded)
    header_len = 32 + 32 * len(specs) + 1
    record_len = 1 + sum(s[2] for s in specs)
    today = date.today()
    out = bytearray(struct.pack("<BBBBIHH20x", 0x03, today.year - 1900, today.month, today.day, count,
                                header_len, record_len))
    for raw_name, kind, length, decimals in specs:
        out += struct.pack("<11sc4xBB14x", raw_name, kind.encode(), length, decimals)
    out += b"\x0d"
    for i in range(count):
        out += b" "
        for (_, kind, length, decimals), values, encoded in zip(specs, columns.values(), encoded_cols, strict=True):
            value = values[i]
            if value is None:
                cell = b""
            elif kind == "C":
                cell = encoded[i] or b""
            elif kind == "L":
                cell = b"T" if value else b"F"
            elif decimals:
                cell = f"{value:.{decimals}f}".encode()
            else:
                cell = str(value).encode()
            out += cell.rjust(length) if kind == "N" else cell.ljust(length)
    out += b"\x1a"
    path.write_bytes(bytes(out))
    return path


def write_legacy_shapefile(frame: Any, path: str | Path, *, encoding: str, cpg: str | None = None,
                           caps_font: bool = False) -> Path:
    """Write a GeoDataFrame as a shapefile whose DBF text is in ``encoding``, as old software left them.

    The geometry is written by GeoPandas (pyogrio); the ``.dbf`` is then rewritten by :func:`write_dbf`
    with the frame's attribute columns.

    Parameters
    ----------
    frame
        A GeoDataFrame (attribute values str, int, float, bool or None).
    path
        The ``.shp`` to write.
    encoding
        ``"tcvn3"``, ``"vni"``, ``"cp1258"`` or ``"utf-8"``.
    cpg
        The content of the ``.cpg`` file; None (the default) writes none, as legacy files have none. Pass a
        wrong one ("UTF-8") to imitate a common fault.
    caps_font
        TCVN3: capitals with a tone in the lower-case codes, as typed with the caps font.

    Returns
    -------
    Path
        The ``.shp`` path.
    """
    path = Path(path)
    frame.to_file(path, driver="ESRI Shapefile", engine="pyogrio")
    columns = {
        str(name): [None if _is_missing(v) else _plain(v) for v in frame[name].tolist()]
        for name in frame.columns
        if name != frame.geometry.name
    }
    write_dbf(path.with_suffix(".dbf"), columns, encoding=encoding, caps_font=caps_font)
    for suffix in (".cpg", ".CPG"):
        path.with_suffix(suffix).unlink(missing_ok=True)
    if cpg is not None:
        path.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    return path


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value
