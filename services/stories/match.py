"""An article's fingerprint and band keys, and the near-duplicate decision between two of them.

What the stream stage calls: ``fingerprint_of`` on the new article, ``band_keys_of`` for the
``terms`` lookup and for storage, then ``is_near_duplicate`` against each candidate found.
"""

from __future__ import annotations

from services.stories.boilerplate import fingerprint_text
from services.stories.config import NearDupConfig
from services.stories.fingerprint import Fingerprint, estimate_similarity, fingerprint
from services.stories.lsh import band_keys


def fingerprint_of(body: str, summary: str, config: NearDupConfig) -> Fingerprint:
    """The fingerprint of an article's body (its summary when it has no body)."""
    return fingerprint(
        fingerprint_text(body, summary),
        shingle_words=config.shingle_words,
        num_perm=config.num_perm,
        seed=config.seed,
    )


def band_keys_of(fp: Fingerprint, config: NearDupConfig) -> list[str]:
    return band_keys(fp.signature, config.bands, config.rows)


def threshold_for(a: Fingerprint, b: Fingerprint, config: NearDupConfig) -> float:
    """``short_threshold`` when either text has fewer than ``short_shingles`` shingles."""
    short = min(a.shingles, b.shingles) < config.short_shingles
    return config.short_threshold if short else config.threshold


def is_near_duplicate(a: Fingerprint, b: Fingerprint, config: NearDupConfig) -> bool:
    return estimate_similarity(a.signature, b.signature) >= threshold_for(a, b, config)
