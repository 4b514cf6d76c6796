"""LSH band keys and the S-curve."""

from __future__ import annotations

import re

import numpy as np
import pytest

from services.stories.fingerprint import EMPTY, Signature, fingerprint
from services.stories.lsh import band_keys, candidate_probability, s_curve_midpoint

TEXT = "wire story about the talks in geneva that resumed on monday after a pause of six weeks"


def _sig() -> Signature:
    return fingerprint(TEXT, shingle_words=3, num_perm=128).signature


def test_one_short_keyword_per_band() -> None:
    keys = band_keys(_sig(), 32, 4)
    assert len(keys) == 32
    assert all(re.fullmatch(r"b\d{1,2}:[0-9a-f]{16}", key) for key in keys)
    assert [key.split(":")[0] for key in keys] == [f"b{i}" for i in range(32)]


def test_band_keys_are_pinned() -> None:
    # Keys are stored in Elasticsearch and looked up by later articles: they must not drift.
    assert band_keys(fingerprint(TEXT, shingle_words=3, num_perm=128).signature, 32, 4)[:2] == [
        PINNED_B0,
        PINNED_B1,
    ]


PINNED_B0 = "b0:ca51fdf0ba3715af"
PINNED_B1 = "b1:4314ded7473ec527"


def test_one_changed_value_changes_one_key() -> None:
    sig = _sig()
    other = sig.copy()
    other[9] ^= 1  # row 1 of band 2
    before, after = band_keys(sig, 32, 4), band_keys(other, 32, 4)
    assert [i for i, (x, y) in enumerate(zip(before, after, strict=True)) if x != y] == [2]


def test_equal_values_in_different_bands_make_different_keys() -> None:
    sig = np.zeros(8, dtype=np.uint32)
    keys = band_keys(sig, 2, 4)
    assert keys[0].split(":")[1] == keys[1].split(":")[1]  # same values, same digest...
    assert keys[0] != keys[1]  # ...but the band number keeps them apart


def test_empty_text_has_no_keys_and_bad_banding_is_refused() -> None:
    assert band_keys(np.full(128, EMPTY, dtype=np.uint32), 32, 4) == []
    with pytest.raises(ValueError, match="need 132"):
        band_keys(_sig(), 33, 4)


def test_s_curve() -> None:
    assert candidate_probability(0.5, 32, 4) == pytest.approx(1 - (1 - 0.5**4) ** 32)
    assert candidate_probability(0.0, 32, 4) == 0.0
    assert candidate_probability(1.0, 32, 4) == 1.0
    values = [candidate_probability(s / 10, 32, 4) for s in range(11)]
    assert values == sorted(values)
    assert s_curve_midpoint(32, 4) == pytest.approx(0.4204, abs=1e-4)
