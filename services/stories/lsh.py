"""LSH band keys: which earlier articles are worth comparing with a new one.

The signature is cut into ``bands`` bands of ``rows`` values; two texts become candidates when
they agree on every value of at least one band, which for Jaccard similarity s happens with
probability 1 - (1 - s^rows)^bands (the S-curve; Leskovec, Rajaraman and Ullman, *Mining of
Massive Datasets*, ch. 3.4). Each band becomes a short string, ``b{band}:{16 hex digits}``
(BLAKE2b-64 of the band's little-endian values), stored in a keyword field of the article's
Elasticsearch document: a ``terms`` query on the new article's keys finds every earlier
candidate, whichever instance of the stage indexed it, with no index held in one process.

The band number is part of the key, so equal values in different bands never meet. A text
without shingles has no keys: empty texts are not copies of each other.
"""

from __future__ import annotations

from hashlib import blake2b

import numpy as np

from services.stories.fingerprint import Signature, is_empty


def band_keys(signature: Signature, bands: int, rows: int) -> list[str]:
    """The ``bands`` keys of a signature (its first ``bands * rows`` values)."""
    if bands * rows > signature.shape[0]:
        raise ValueError(f"{bands} bands of {rows} rows need {bands * rows} values")
    if is_empty(signature):
        return []
    values = np.ascontiguousarray(signature[: bands * rows], dtype="<u4").reshape(bands, rows)
    return [
        f"b{band}:{blake2b(values[band].tobytes(), digest_size=8).hexdigest()}"
        for band in range(bands)
    ]


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """The probability that two texts of this Jaccard similarity share at least one band key."""
    return float(1.0 - (1.0 - similarity**rows) ** bands)


def s_curve_midpoint(bands: int, rows: int) -> float:
    """(1/bands)^(1/rows): about where the S-curve rises fastest."""
    return float((1.0 / bands) ** (1.0 / rows))
