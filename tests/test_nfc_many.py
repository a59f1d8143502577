"""Text read from a Unicode file is put in NFC once per distinct value, the plain texts found in Arrow
(gis.files.vector._nfc_many): the same values as normalising each one, for every kind of cell."""

from __future__ import annotations

import unicodedata

import numpy as np

from gis.files.vector import _VI_LETTERS, _nfc, _nfc_many


def test_the_letters_kept_as_they_are_are_in_nfc_and_combine_with_nothing():
    assert len(_VI_LETTERS) == 134
    for letter in _VI_LETTERS:
        assert unicodedata.is_normalized("NFC", letter) and not unicodedata.combining(letter)
        assert unicodedata.normalize("NFD", letter) != letter or letter in "đĐ"  # precomposed, but for đ


def test_many_texts_are_put_in_nfc_as_one_by_one():
    rng = np.random.default_rng(14)
    pool = ["Nguyễn Văn Ước", unicodedata.normalize("NFD", "Nguyễn Văn Ước"), "Thôn Đông", "UBND xã", "",
            "  a  b ", "A\u0301", "e\u0302\u0301", "Ω", "\u212b", "ﬁ", "x\ty", "Đặng Thị Ánh", "한글",
            unicodedata.normalize("NFD", "한글"), "café", "cafe\u0301"]
    texts = [pool[k] for k in rng.integers(0, len(pool), 500)]
    cases = [texts, list(dict.fromkeys(texts)), [*texts, None], [1, "e\u0301", 2.5], ["a\ud800", "e\u0301"], []]
    for values in cases:
        assert _nfc_many(np.array(values, dtype=object)) == [_nfc(v) for v in values]
