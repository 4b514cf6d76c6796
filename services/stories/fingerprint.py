"""MinHash signatures over word shingles (Broder 1997), vectorised with numpy.

A text (``boilerplate.fingerprint_text``) becomes its set of word k-shingles; the signature keeps,
for each of ``num_perm`` hash functions, the smallest hash over that set. Two signatures agree at
a position with probability equal to the Jaccard similarity of the two sets, so the share of
equal positions estimates it (``estimate_similarity``; standard error sqrt(J(1-J)/num_perm),
0.044 at J = 0.5 with 128 functions). Leskovec, Rajaraman and Ullman, *Mining of Massive
Datasets*, ch. 3.3.

Why not datasketch: its ``MinHash`` is the same construction and about as fast
(``bench/neardup_quality.py`` §7), but the package brings scipy for its in-memory LSH, which we
do not use (band keys live in Elasticsearch), its arithmetic wraps around 64 bits, and its
coefficients come from numpy's legacy random stream. Here:

- **tokens**: maximal runs of word characters; each CJK ideograph, kana or hangul syllable is a
  token by itself (those scripts put no spaces between words);
- **word hashes**: CRC-32 of the word's UTF-8 — stable across processes and machines, unlike
  Python's randomised ``hash()``, and five times cheaper than creating a BLAKE2b per word (the
  largest cost here). 32 bits are enough: a collision merges two words of the vocabulary (about
  one pair per 100 000 distinct words), which moves a similarity only when two texts differ by
  exactly those two words;
- **shingle hashes**: a polynomial over the k word hashes (mod 2^64) put through the SplitMix64
  finaliser, top 32 bits, reduced mod P = 2^32 - 5 (the largest prime below 2^32);
- **hash functions**: h_i(x) = (a_i x + b_i) mod P, a Carter-Wegman family; with x, a_i, b_i < P
  every product fits in 64 bits, so the arithmetic is exact (datasketch's overflows and wraps).
  a_i, b_i come from BLAKE2b of the seed and i, not from a numpy random stream (numpy does not
  promise those streams across versions). Signatures are uint32; ``EMPTY`` marks a text without
  tokens.
"""

from __future__ import annotations

import base64
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from hashlib import blake2b

import numpy as np
import numpy.typing as npt

Signature = npt.NDArray[np.uint32]
Hashes = npt.NDArray[np.uint64]

PRIME = 4_294_967_291  # 2**32 - 5
EMPTY = 0xFFFF_FFFF  # above every value mod PRIME: the signature of an empty set
_CHUNK = 4096  # shingles per block of the hash matrix (bounds memory for a long text)

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")

_POLY = np.uint64(0x9E37_79B9_7F4A_7C15)  # odd, so the polynomial keeps word order
_MIX1 = np.uint64(0xBF58_476D_1CE4_E5B9)
_MIX2 = np.uint64(0x94D0_49BB_1331_11EB)
_S30, _S27, _S31, _S32 = (np.uint64(n) for n in (30, 27, 31, 32))


def tokens(text: str) -> list[str]:
    """The words of an (already normalised) text, in order."""
    return _TOKEN.findall(text)


def shingle_hashes(words: list[str], k: int) -> Hashes:
    """The distinct hashes (< PRIME) of the k-word shingles; a shorter text is one shingle."""
    if not words:
        return np.empty(0, dtype=np.uint64)
    word = np.fromiter((zlib.crc32(w.encode()) for w in words), dtype=np.uint64, count=len(words))
    k = min(k, len(word))
    count = len(word) - k + 1
    value = word[:count].copy()
    for j in range(1, k):
        value *= _POLY
        value += word[j : j + count]
    value ^= value >> _S30
    value *= _MIX1
    value ^= value >> _S27
    value *= _MIX2
    value ^= value >> _S31
    return np.unique((value >> _S32) % np.uint64(PRIME))


@lru_cache(maxsize=8)
def _coefficients(num_perm: int, seed: int) -> tuple[Hashes, Hashes]:
    a = np.empty(num_perm, dtype=np.uint64)
    b = np.empty(num_perm, dtype=np.uint64)
    for i in range(num_perm):
        digest = blake2b(f"newswire-minhash:{seed}:{i}".encode(), digest_size=16).digest()
        a[i] = 1 + int.from_bytes(digest[:8], "little") % (PRIME - 1)
        b[i] = int.from_bytes(digest[8:], "little") % PRIME
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


def minhash(hashes: Hashes, num_perm: int, seed: int = 1) -> Signature:
    """The MinHash signature of a set of shingle hashes (each < PRIME)."""
    if len(hashes) == 0:
        return np.full(num_perm, EMPTY, dtype=np.uint32)
    a, b = _coefficients(num_perm, seed)
    best = np.full(num_perm, PRIME, dtype=np.uint64)
    for start in range(0, len(hashes), _CHUNK):
        block = hashes[start : start + _CHUNK, None] * a
        block += b
        block %= np.uint64(PRIME)
        np.minimum(best, block.min(axis=0), out=best)
    return best.astype(np.uint32)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A text's signature and how many distinct shingles it was taken from."""

    signature: Signature
    shingles: int


def fingerprint(text: str, *, shingle_words: int, num_perm: int, seed: int = 1) -> Fingerprint:
    """The fingerprint of a normalised text (``boilerplate.fingerprint_text``)."""
    hashes = shingle_hashes(tokens(text), shingle_words)
    return Fingerprint(minhash(hashes, num_perm, seed), len(hashes))


def is_empty(signature: Signature) -> bool:
    return bool(signature[0] == EMPTY)


def estimate_similarity(a: Signature, b: Signature) -> float:
    """The Jaccard similarity the two signatures estimate; 0 when either text was empty."""
    if a.shape != b.shape:
        raise ValueError(f"signatures of different lengths: {a.shape[0]} and {b.shape[0]}")
    if is_empty(a) or is_empty(b):
        return 0.0
    return int(np.count_nonzero(a == b)) / len(a)


def jaccard(a: Hashes, b: Hashes) -> float:
    """The exact Jaccard similarity of two sets of shingle hashes (for measurements)."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return float(common / (len(a) + len(b) - common))


def encode_signature(signature: Signature) -> str:
    """Base64 of the little-endian uint32 values (684 characters for 128 functions)."""
    return base64.b64encode(signature.astype("<u4").tobytes()).decode("ascii")


def decode_signature(text: str) -> Signature:
    raw = base64.b64decode(text, validate=True)
    if len(raw) % 4:
        raise ValueError("a signature is a whole number of 4-byte values")
    return np.frombuffer(raw, dtype="<u4").astype(np.uint32)
