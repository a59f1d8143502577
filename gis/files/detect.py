"""Which encoding Vietnamese text is in: a recogniser of Vietnamese syllables, detection and mojibake repair.

:func:`is_vietnamese_syllable` says whether a word is a well-formed Vietnamese syllable (onset, rhyme, a tone
on the right vowel). :func:`detect` reads raw bytes in each of :data:`~gis.files.codecs.ENCODINGS` and picks
the one whose words read most like Vietnamese; :func:`detect_text` does the same for text GDAL has already
decoded with the wrong code page, and :func:`repair` undoes that mojibake ("L­¬ng Phong" for "Lương
Phong"). The result is a :class:`Detection`: the encoding, how sure, and why in Vietnamese and English. This
module reads no files.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from gis.files.codecs import ENCODINGS, LABELS, TONE_MARKS, UNICODE, EncodingError, canonical_encoding, decode

__all__ = ["Detection", "detect", "detect_text", "is_vietnamese_syllable", "repair", "user_choice"]

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
    tones = [c for c in parts if c in TONE_MARKS]
    bare = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
    return bare, (TONE_MARKS.index(tones[0]) if tones else None), len(tones)


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
    toned = [i for i, c in enumerate(word) if any(t in unicodedata.normalize("NFD", c) for t in TONE_MARKS)]
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
    """Score one word of decoded text: None when it says nothing (pure ASCII), else from -4 to +3."""
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
        One of :data:`~gis.files.codecs.ENCODINGS`; for :func:`detect_text`, also ``"unicode"`` (the text is already right).
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
        return LABELS.get(self.encoding, self.encoding)

    def text(self, lang: str = "vi") -> str:
        """The reason in ``lang`` (``"vi"`` or ``"en"``)."""
        return self.reason_vi if lang == "vi" else self.reason_en


def user_choice(encoding: str, declared: str | None = None) -> Detection:
    """The :class:`Detection` of an encoding the user chose (``declared``: what the ``.cpg`` said, if any)."""
    enc = canonical_encoding(encoding)
    return Detection(
        enc, 1.0, f"Bảng mã {LABELS[enc]} do người dùng chọn.", f"{LABELS[enc]} chosen by the user.",
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
            f"{what_vi} chỉ có chữ không dấu (ASCII): mọi bảng mã đọc như nhau; dùng {LABELS[enc]}.",
            f"The {what_en} hold only plain ASCII: every encoding reads them alike; using {LABELS[enc]}.",
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
        f"Đọc bằng {LABELS[best]}, {b.good}/{b.words} từ có dấu là tiếng Việt hợp lệ "
        f"(tiếp theo: {LABELS[second]}, {s.good}/{s.words}).{note_vi}",
        f"Read as {LABELS[best]}, {b.good} of {b.words} words with non-ASCII letters are valid Vietnamese "
        f"(next best: {LABELS[second]}, {s.good} of {s.words}).{note_en}",
        scores, declared,
    )


#: Values with nothing but printable ASCII say nothing about their encoding.
_PLAIN_BYTES = re.compile(rb"[\x20-\x7e\t\r\n]*")
PLAIN_TEXT = re.compile(r"[\x20-\x7e\t\r\n]*")


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
    chosen = list(itertools.islice((t for t in texts if not PLAIN_TEXT.fullmatch(t)), limit))  # stop at limit
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
