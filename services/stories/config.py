"""Near-duplicate defaults, chosen from ``bench/neardup_quality.py`` on samples/neardup/.

They become ``NEWSWIRE_STORIES_*`` settings when the stage is wired. The labelled set has 408
pairs (213 copies, 195 not; samples/neardup/README.md); figures are from it.

- **Boilerplate stripped** (``boilerplate``): best F1 on exact Jaccard 0.975 instead of 0.857
  with credits, bylines and footers left in; one outlet's footer on two different teasers is
  otherwise enough to make them "copies".
- **shingle_words = 3**: best F1 on exact Jaccard, over thresholds, k = 2 / 3 / 4 / 5: 0.957 /
  0.975 / 0.972 / 0.965. k = 2 lets unrelated texts of one language share too much
  (precision 0.93 at 0.5); k >= 4 loses copies, each word edited removing k shingles.
- **num_perm = 128**: mean absolute error of the estimate 0.023 (largest 0.138), F1 at 0.45
  0.956; 256 functions give 0.015 and 0.965 for twice the storage (1 KB instead of 512 B) and
  twice the hashing; 64 give 0.031 and 0.951.
- **threshold = 0.45** for texts of 60 shingles or more: there, P 1.00 / R 0.98; the hard
  negatives (follow-ups reusing a background paragraph or two sentences of the first report)
  reach 0.31, three standard errors of the estimate below; a copy cut by 40 % is at ~0.6.
- **short_threshold = 0.6 below short_shingles = 60** (briefs, teasers, ~400 characters): short
  negatives reach 0.55 (briefs of one template with other names and figures, one outlet's
  footer on two teasers), so 0.45 would call a third of them copies (P 0.55 for 20-39 shingles).
  0.6 keeps a standard error of margin above them; on the whole set P 1.000 / R 0.920 / F1
  0.958 (0.55: R 0.944, but no margin). The copies missed are teasers, whose NER is cheap.
- **bands x rows = 32 x 4** (S-curve midpoint (1/32)^(1/4) = 0.42, P(candidate) 0.74 at 0.45,
  0.99 at 0.6): 97 % of copies share a key with their original and the whole chain finds 91.5 %
  of copies (92.0 % with no LSH at all); 42 x 3 finds 92.0 % but, by the sample's unrelated
  pairs, brings ~10 unrelated candidates per million indexed articles instead of ~0.1, and
  42 keys instead of 32 to store and query; 25 x 5 drops to 89 %.
- **Cost** (bench §7, best of 7 on this machine): 0.43 ms per 3 KB text for cleaning,
  shingling, MinHash and band keys (0.16 ms per 1 KB sample article).

SimHash was not tried: the errors left are teasers and copies both cut and edited, where a
second fingerprint of the same words has nothing more to go on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NearDupConfig:
    """How texts are fingerprinted and when two of them are one report.

    - ``shingle_words``: words per shingle;
    - ``num_perm``: MinHash functions (signature length);
    - ``bands`` x ``rows``: the LSH banding of the signature (``bands * rows <= num_perm``);
    - ``threshold``: estimated Jaccard similarity from which a candidate is a near-duplicate;
    - ``short_threshold``, ``short_shingles``: the threshold when either text has fewer
      shingles than that (briefs and teasers);
    - ``seed``: picks the hash functions; changing it (or ``shingle_words``) makes every stored
      signature and band key incomparable with new ones.
    """

    shingle_words: int = 3
    num_perm: int = 128
    bands: int = 32
    rows: int = 4
    threshold: float = 0.45
    short_threshold: float = 0.6
    short_shingles: int = 60
    seed: int = 1

    def __post_init__(self) -> None:
        if self.shingle_words < 1:
            raise ValueError("shingle_words must be at least 1")
        if self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm:
            raise ValueError(
                f"{self.bands} bands of {self.rows} rows need {self.bands * self.rows} values;"
                f" the signature has {self.num_perm}"
            )
        if self.short_shingles < 0:
            raise ValueError("short_shingles must not be negative")
        for name in ("threshold", "short_threshold"):
            if not 0.0 < getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in (0, 1]")
