"""MinHash signatures: determinism, the Jaccard estimate, storage form."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.stories.fingerprint import (
    EMPTY,
    PRIME,
    decode_signature,
    encode_signature,
    estimate_similarity,
    fingerprint,
    jaccard,
    minhash,
    shingle_hashes,
    tokens,
)

TEXT = (
    "the european central bank kept its deposit rate at 2 % on thursday, and its president said"
    " the governing council would decide meeting by meeting as inflation eased in the euro area"
)


def test_tokens_keep_words_and_split_cjk_characters() -> None:
    assert tokens("l’oms, 1,2 milliard — état")  # noqa: RUF001 == ["l", "oms", "1", "2", "milliard", "état"]
    assert tokens("王毅在北京 met wang") == ["王", "毅", "在", "北", "京", "met", "wang"]
    assert tokens(" ,.; ") == []


def test_shingles_depend_on_word_order_and_short_texts_are_one_shingle() -> None:
    assert len(shingle_hashes(["a", "b", "c", "d"], 3)) == 2
    assert not np.array_equal(
        shingle_hashes(["a", "b", "c"], 3), shingle_hashes(["c", "b", "a"], 3)
    )
    assert len(shingle_hashes(["a", "b"], 3)) == 1
    assert len(shingle_hashes([], 3)) == 0
    assert len(shingle_hashes(["a", "b", "c", "a", "b", "c"], 3)) == 3  # a set: repeats once
    assert int(shingle_hashes(tokens(TEXT), 3).max()) < PRIME


def _signature_in_fresh_process(hash_seed: str) -> str:
    code = (
        "from services.stories.fingerprint import encode_signature, fingerprint;"
        f"print(encode_signature(fingerprint({TEXT!r}, shingle_words=3, num_perm=64).signature))"
    )
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_signatures_are_the_same_in_every_process() -> None:
    here = encode_signature(fingerprint(TEXT, shingle_words=3, num_perm=64).signature)
    assert _signature_in_fresh_process("1") == here
    assert _signature_in_fresh_process("2024") == here


def test_signature_values_are_pinned() -> None:
    # Stored signatures and band keys are compared with new ones for as long as they are kept:
    # a change of tokenizer, hash or coefficients must be a deliberate, migrated change.
    sig = fingerprint(TEXT, shingle_words=3, num_perm=128).signature
    assert sig[:4].tolist() == PINNED_FIRST_VALUES


PINNED_FIRST_VALUES = [42426441, 140783281, 96368997, 145199634]


def test_identical_texts_estimate_one_and_empty_texts_zero() -> None:
    a = fingerprint(TEXT, shingle_words=3, num_perm=128).signature
    empty = fingerprint("", shingle_words=3, num_perm=128).signature
    assert estimate_similarity(a, a.copy()) == 1.0
    assert bool((empty == EMPTY).all())
    assert estimate_similarity(empty, empty) == 0.0
    assert estimate_similarity(a, empty) == 0.0
    with pytest.raises(ValueError, match="different lengths"):
        estimate_similarity(a, a[:64])


def test_long_texts_are_hashed_in_blocks_with_the_same_result() -> None:
    words = [f"w{i}" for i in range(10_000)]
    hashes = shingle_hashes(words, 3)
    whole = minhash(hashes, 64)
    halves = np.minimum(minhash(hashes[:5000], 64), minhash(hashes[5000:], 64))
    assert np.array_equal(whole, halves)


def test_signature_round_trips_through_its_storage_form() -> None:
    sig = fingerprint(TEXT, shingle_words=3, num_perm=128).signature
    text = encode_signature(sig)
    assert len(text) == 684
    assert np.array_equal(decode_signature(text), sig)
    assert decode_signature(text).dtype == np.uint32
    with pytest.raises(ValueError, match="4-byte"):
        decode_signature("AAAAAAA=")  # 5 bytes


words = st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=120)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(a=words, b=words, keep=st.integers(min_value=0, max_value=120))
def test_estimate_is_close_to_the_exact_jaccard(a: list[int], b: list[int], keep: int) -> None:
    # b shares a prefix of a, so the similarities cover the whole range, not only ~0.
    first = [f"w{i}" for i in a]
    second = first[:keep] + [f"w{i}" for i in b]
    ha, hb = shingle_hashes(first, 2), shingle_hashes(second, 2)
    exact = jaccard(ha, hb)
    n = 256
    estimate = estimate_similarity(minhash(ha, n), minhash(hb, n))
    # 5 standard errors of the estimate (a binomial share over n functions), at least 5/n.
    assert abs(estimate - exact) <= 5 * max(math.sqrt(exact * (1 - exact) / n), 1 / n)


def test_estimate_is_unbiased_over_many_pairs() -> None:
    rng = np.random.default_rng(7)
    errors = []
    for _ in range(300):
        a = [f"w{i}" for i in rng.integers(0, 80, 60)]
        b = a[: int(rng.integers(0, 60))] + [f"w{i}" for i in rng.integers(0, 80, 30)]
        ha, hb = shingle_hashes(a, 2), shingle_hashes(b, 2)
        errors.append(estimate_similarity(minhash(ha, 128), minhash(hb, 128)) - jaccard(ha, hb))
    assert abs(float(np.mean(errors))) < 0.005
    assert float(np.std(errors)) < 0.05  # sqrt(1/4 / 128) = 0.044 at worst
