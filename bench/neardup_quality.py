"""Quality and cost of near-duplicate detection on the labelled pairs of samples/neardup/.

    .venv/bin/python bench/neardup_quality.py [--pairs samples/neardup/pairs.jsonl] [--details]

``--details`` lists the pairs the defaults get wrong.

Printed (one table each):

1. the set: pairs per label and group;
2. exact Jaccard similarity of the word-shingle sets, shingle size k = 2..5, boilerplate
   stripped or not: precision, recall and F1 of "near-duplicate" (similarity >= threshold) at
   thresholds 0.3..0.9, and the best F1 with its threshold;
3. the MinHash estimate against the exact value for 64, 128 and 256 functions (mean and largest
   absolute error), and F1 at the chosen threshold with the estimate instead of the exact value;
4. the LSH candidate stage, per (bands, rows): the S-curve 1 - (1 - s^r)^b at s = 0.3..0.9, the
   share of labelled copies that share at least one band key with their original (candidate
   recall), the share of negatives that do (candidates to compare for nothing), and the recall
   of candidates AND estimate >= threshold;
5. per group of pairs at the defaults: similarity range and the share called near-duplicate;
6. the reuse rules of ``services.stories.reuse`` on the copies: how often each applies and how
   often it would be wrong (entity truth: the annotated entities of samples/gold.json whose
   mention occurs, as a whole word, in the copy's text, credits and footers set aside);
7. cost per article: boilerplate stripping + normalisation, shingling, MinHash, band keys, for
   the sample articles (~1 KB) and for 3 KB texts (three articles of one language joined), and
   datasketch's MinHash for comparison when it is importable (it is not a dependency).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.stories import reuse  # noqa: E402
from services.stories.boilerplate import fingerprint_text, normalise, strip_boilerplate  # noqa: E402
from services.stories.config import NearDupConfig  # noqa: E402
from services.stories.fingerprint import (  # noqa: E402
    Fingerprint,
    Hashes,
    estimate_similarity,
    jaccard,
    minhash,
    shingle_hashes,
    tokens,
)
from services.stories.lsh import band_keys, candidate_probability  # noqa: E402
from services.stories.match import band_keys_of, is_near_duplicate  # noqa: E402

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
SHINGLES = (2, 3, 4, 5)
BANDINGS = (
    (128, 64, 2),
    (128, 42, 3),
    (128, 32, 4),
    (128, 25, 5),
    (128, 16, 8),
    (256, 64, 4),
    (256, 51, 5),
    (256, 42, 6),
)


@dataclass
class Pair:
    id: str
    label: int
    kind: str
    language: str
    source_a: str
    a: tuple[str, str]
    b: tuple[str, str]

    @property
    def group(self) -> str:
        if self.label == 0 or self.kind.startswith(("short:", "real")):
            return self.kind
        return self.kind if "+" not in self.kind else "combination"


def load(path: Path) -> list[Pair]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        a, b = r["a"], r["b"]
        pairs.append(
            Pair(
                r["id"],
                r["label"],
                r["kind"],
                r["language"],
                r["source_a"],
                (a["title"], a["body"]),
                (b["title"], b["body"]),
            )
        )
    return pairs


def prf(labels: list[int], predicted: list[bool]) -> tuple[float, float, float]:
    tp = sum(1 for y, p in zip(labels, predicted, strict=True) if y and p)
    fp = sum(1 for y, p in zip(labels, predicted, strict=True) if not y and p)
    fn = sum(1 for y, p in zip(labels, predicted, strict=True) if y and not p)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def table(header: list[str], rows: Iterable[list[str]]) -> None:
    rows = list(rows)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  " + "  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  " + "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))


# -- similarities ---------------------------------------------------------------------------------


def shingle_sets(pairs: list[Pair], k: int, strip: bool) -> list[tuple[Hashes, Hashes]]:
    clean: Callable[[str], str] = fingerprint_text if strip else normalise
    return [
        (shingle_hashes(tokens(clean(p.a[1])), k), shingle_hashes(tokens(clean(p.b[1])), k))
        for p in pairs
    ]


def exact_report(pairs: list[Pair]) -> dict[tuple[int, bool], list[float]]:
    labels = [p.label for p in pairs]
    sims: dict[tuple[int, bool], list[float]] = {}
    for strip in (True, False):
        print(f"\n2. exact Jaccard, boilerplate {'stripped' if strip else 'kept'}: P / R / F1")
        rows = []
        best = []
        for k in SHINGLES:
            sims[k, strip] = [jaccard(a, b) for a, b in shingle_sets(pairs, k, strip)]
        for t in THRESHOLDS:
            row = [f"{t:.1f}"]
            for k in SHINGLES:
                p, r, f = prf(labels, [s >= t for s in sims[k, strip]])
                row.append(f"{p:.2f} / {r:.2f} / {f:.3f}")
            rows.append(row)
        for k in SHINGLES:
            grid = [i / 100 for i in range(10, 96)]
            f, t = max((prf(labels, [s >= g for s in sims[k, strip]])[2], g) for g in grid)
            best.append(f"{f:.3f} at {t:.2f}")
        rows.append(["best", *best])
        table(["threshold", *(f"k={k}" for k in SHINGLES)], rows)
    return sims


def estimate_report(pairs: list[Pair], exact: list[float], config: NearDupConfig) -> None:
    labels = [p.label for p in pairs]
    sets = shingle_sets(pairs, config.shingle_words, strip=True)
    print(f"\n3. MinHash estimate vs exact (k={config.shingle_words}, boilerplate stripped)")
    rows = []
    for num_perm in (64, 128, 256):
        est = [
            estimate_similarity(
                minhash(a, num_perm, config.seed), minhash(b, num_perm, config.seed)
            )
            for a, b in sets
        ]
        errors = [abs(e - x) for e, x in zip(est, exact, strict=True)]
        p, r, f = prf(labels, [e >= config.threshold for e in est])
        rows.append(
            [
                str(num_perm),
                f"{statistics.mean(errors):.3f}",
                f"{max(errors):.3f}",
                f"{p:.2f} / {r:.2f} / {f:.3f}",
                f"{4 * num_perm} B",
            ]
        )
    px, rx, fx = prf(labels, [x >= config.threshold for x in exact])
    rows.append(["exact", "0", "0", f"{px:.2f} / {rx:.2f} / {fx:.3f}", "-"])
    table(
        ["num_perm", "mean |err|", "max |err|", f"P / R / F1 at {config.threshold}", "stored"], rows
    )


def length_report(pairs: list[Pair], config: NearDupConfig) -> None:
    """P / R / F1 of the estimate, by the smaller shingle count, and of the two-level rule."""
    sets = shingle_sets(pairs, config.shingle_words, strip=True)
    fps = [(_fp(a, config.num_perm, config), _fp(b, config.num_perm, config)) for a, b in sets]
    est = [estimate_similarity(a.signature, b.signature) for a, b in fps]
    small = [min(a.shingles, b.shingles) for a, b in fps]
    labels = [p.label for p in pairs]
    print(
        f"\n3b. by text length (smaller of the two shingle counts), estimate with"
        f" {config.num_perm} functions: P / R / F1 (pairs: copies + negatives)"
    )
    buckets = ((0, 20), (20, 40), (40, config.short_shingles), (config.short_shingles, 10**9))
    rows = []
    for t in (0.4, 0.45, 0.5, 0.55, 0.6, 0.7):
        row = [f"{t:.2f}"]
        for lo, hi in buckets:
            idx = [i for i, n in enumerate(small) if lo <= n < hi]
            p, r, f = prf([labels[i] for i in idx], [est[i] >= t for i in idx])
            row.append(f"{p:.2f} / {r:.2f} / {f:.3f}")
        rows.append(row)
    sizes = []
    for lo, hi in buckets:
        idx = [i for i, n in enumerate(small) if lo <= n < hi]
        sizes.append(f"{sum(labels[i] for i in idx)} + {sum(1 - labels[i] for i in idx)}")
    rows.append(["pairs", *sizes])
    names = [f"{lo}-{hi - 1}" if hi < 10**9 else f">={lo}" for lo, hi in buckets]
    table(["threshold", *names], rows)
    print(
        f"  two levels ({config.threshold} from {config.short_shingles} shingles,"
        f" {config.short_threshold} below), whole set:"
    )
    rows = []
    for short_t in (config.threshold, 0.5, 0.55, 0.6, 0.65, 0.7):
        cfg = replace(config, short_threshold=short_t)
        p, r, f = prf(labels, [is_near_duplicate(a, b, cfg) for a, b in fps])
        rows.append([f"{short_t:.2f}", f"{p:.3f}", f"{r:.3f}", f"{f:.3f}"])
    table(["short threshold", "P", "R", "F1"], rows)


def lsh_report(pairs: list[Pair], config: NearDupConfig, background: list[float]) -> None:
    sets = shingle_sets(pairs, config.shingle_words, strip=True)
    print(
        "\n4. LSH candidates: the S-curve; measured: copies / negatives sharing a band key, recall"
        " of (shared key AND near-duplicate); expected unrelated candidates per million indexed"
        f" articles (from the {len(background)} pairs of distinct sample articles of one language)"
    )
    rows = []
    for num_perm, bands, rows_ in BANDINGS:
        fps = [(_fp(a, num_perm, config), _fp(b, num_perm, config)) for a, b in sets]
        cfg = replace(config, num_perm=num_perm, bands=bands, rows=rows_)
        curve = [f"{candidate_probability(s, bands, rows_):.2f}" for s in (0.3, 0.45, 0.6, 0.9)]
        shared = [bool(set(band_keys_of(a, cfg)) & set(band_keys_of(b, cfg))) for a, b in fps]
        pos = [s for s, p in zip(shared, pairs, strict=True) if p.label]
        neg = [s for s, p in zip(shared, pairs, strict=True) if not p.label]
        found = [
            s and is_near_duplicate(a, b, cfg)
            for s, (a, b), p in zip(shared, fps, pairs, strict=True)
            if p.label
        ]
        noise = 1e6 * statistics.mean(candidate_probability(j, bands, rows_) for j in background)
        rows.append(
            [
                f"{num_perm}",
                f"{bands}x{rows_}",
                *curve,
                f"{sum(pos) / len(pos):.3f}",
                f"{sum(neg) / len(neg):.3f}",
                f"{sum(found) / len(found):.3f}",
                f"{noise:.1f}",
            ]
        )
    table(
        [
            "perm",
            "b x r",
            "P(.3)",
            "P(.45)",
            "P(.6)",
            "P(.9)",
            "copies",
            "negatives",
            "recall",
            "unrelated/1M",
        ],
        rows,
    )


def _fp(hashes: Hashes, num_perm: int, config: NearDupConfig) -> Fingerprint:
    return Fingerprint(minhash(hashes, num_perm, config.seed), len(hashes))


def background_similarities(pairs: list[Pair]) -> list[float]:
    """Exact similarities between the distinct original articles of one language."""
    originals: dict[str, tuple[str, str]] = {}
    for p in pairs:
        if p.label and not p.group.startswith("short:"):
            originals[p.source_a] = (p.language, p.a[1])
    items = [originals[key] for key in sorted(originals)]
    sets = [(lang, shingle_hashes(tokens(fingerprint_text(body)), 3)) for lang, body in items]
    return [jaccard(a, b) for i, (la, a) in enumerate(sets) for lb, b in sets[i + 1 :] if la == lb]


def groups_report(pairs: list[Pair], config: NearDupConfig) -> list[float]:
    sets = shingle_sets(pairs, config.shingle_words, strip=True)
    fps = [(_fp(a, config.num_perm, config), _fp(b, config.num_perm, config)) for a, b in sets]
    est = [estimate_similarity(a.signature, b.signature) for a, b in fps]
    decided = [is_near_duplicate(a, b, config) for a, b in fps]
    by_group: dict[str, list[float]] = defaultdict(list)
    called_by_group: dict[str, list[bool]] = defaultdict(list)
    labels: dict[str, int] = {}
    for p, e, d in zip(pairs, est, decided, strict=True):
        by_group[p.group].append(e)
        called_by_group[p.group].append(d)
        labels[p.group] = p.label
    p_, r_, f_ = prf([p.label for p in pairs], decided)
    print(
        f"\n5. per group at the defaults (estimate; near-dup by match.is_near_duplicate):"
        f" P {p_:.3f} R {r_:.3f} F1 {f_:.3f}"
    )
    rows = []
    for group in sorted(by_group, key=lambda g: (-labels[g], g)):
        values = by_group[group]
        called = sum(called_by_group[group]) / len(values)
        rows.append(
            [
                group,
                str(labels[group]),
                str(len(values)),
                f"{min(values):.2f}",
                f"{statistics.median(values):.2f}",
                f"{max(values):.2f}",
                f"{called:.0%}",
            ]
        )
    table(["group", "label", "n", "min", "median", "max", "near-dup"], rows)
    return decided, est


# -- reuse ----------------------------------------------------------------------------------------


def gold_entities(language: str) -> list[tuple[str, str, list[str]]]:
    gold = json.loads((ROOT / "samples" / "gold.json").read_text(encoding="utf-8"))
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for entry in gold:
        if entry["language"] != language:
            continue
        for entity in entry["entities"]:
            seen[entity["text"], entity["label"]].update(entity["mentions"])
    return [(text, label, sorted(forms)) for (text, label), forms in sorted(seen.items())]


def present(entities: list[tuple[str, str, list[str]]], title: str, body: str) -> set[str]:
    text = f"{title}\n\n{strip_boilerplate(body)}"
    return {
        f"{label}:{name}"
        for name, label, forms in entities
        if any(re.search(rf"(?<!\w){re.escape(f)}(?!\w)", text) for f in forms)
    }


@dataclass(frozen=True)
class Case:
    pair: Pair
    estimate: float
    near: bool  # match.is_near_duplicate

    @property
    def plan(self) -> reuse.Reuse:
        return reuse.plan(self.pair.b, self.pair.a, near_duplicate=self.near)


def _same_cleaned(c: Case) -> bool:
    a, b = c.pair.a, c.pair.b
    return a[0] == b[0] and fingerprint_text(a[1]) == fingerprint_text(b[1])


def _close_and_same_length(c: Case) -> bool:
    a, b = c.pair.a[1], c.pair.b[1]
    return c.estimate >= 0.9 and abs(len(b) - len(a)) <= 0.1 * len(a)


_ENTITIES = (reuse.Reuse.ALL, reuse.Reuse.ENTITIES)
RULES: dict[str, Callable[[Case], bool]] = {
    "identical title and body (ALL)": lambda c: c.pair.a == c.pair.b,
    "same cleaned body and title": _same_cleaned,
    "est >= 0.9, body length within 10%": _close_and_same_length,
    "est >= 0.8": lambda c: c.estimate >= 0.8,
    "est >= 0.8, no new capitalised word": lambda c: c.estimate >= 0.8 and c.plan in _ENTITIES,
    "near-dup, no new capitalised word (plan: ALL/ENTITIES)": lambda c: c.plan in _ENTITIES,
}


def reuse_report(pairs: list[Pair], decided: list[bool], est: list[float]) -> None:
    gold = {lang: gold_entities(lang) for lang in sorted({p.language for p in pairs})}
    cases = [Case(p, e, d) for p, e, d in zip(pairs, est, decided, strict=True)]
    copies = [c for c in cases if c.pair.label]
    negatives = [c for c in cases if not c.pair.label]
    print(
        "\n6. reusing the original's entities (offsets found again in the copy): on the copies,"
        " how often a rule applies and how often the copy has an entity the original lacks;"
        " how often it applies to a negative"
    )
    rows = []
    for name, rule in RULES.items():
        applied = [c.pair for c in copies if rule(c)]
        wrong = [p for p in applied if _new_entities(gold[p.language], p.b, p.a)]
        rows.append(
            [
                name,
                f"{len(applied)}/{len(copies)} = {len(applied) / len(copies):.0%}",
                str(len(wrong)),
                str(sum(1 for c in negatives if rule(c))),
            ]
        )
    body_only = [c.pair for c in copies if c.plan == reuse.Reuse.BODY_ENTITIES]
    wrong = [p for p in body_only if _new_entities(gold[p.language], ("", p.b[1]), p.a)]
    rows.append(
        [
            "  + BODY_ENTITIES (body reused, NER on the new title)",
            f"{len(body_only)}/{len(copies)} = {len(body_only) / len(copies):.0%}",
            str(len(wrong)),
            str(sum(1 for c in negatives if c.plan == reuse.Reuse.BODY_ENTITIES)),
        ]
    )
    table(["rule", "applies", "wrong", "on negatives"], rows)
    plans = [c.plan for c in copies]
    counts = ", ".join(f"{r.value} {plans.count(r)}" for r in reuse.Reuse)
    print(f"  reuse.plan on the {len(copies)} copies: {counts}")
    print(
        f"  language reused on {sum(c.near for c in negatives)} negatives called near-duplicates"
        " (the set pairs texts of one language only, so it cannot show a language error)"
    )


def _new_entities(
    entities: list[tuple[str, str, list[str]]], copy: tuple[str, str], original: tuple[str, str]
) -> set[str]:
    return present(entities, *copy) - present(entities, *original)


# -- cost -----------------------------------------------------------------------------------------


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Best of 7 runs of ``repeat`` calls, in microseconds per call: the machine is shared, and
    the best run is the one least disturbed by the others' work."""
    runs = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        runs.append((time.perf_counter() - start) / repeat * 1e6)
    return min(runs)


def cost_report(pairs: list[Pair], config: NearDupConfig) -> None:
    by_language: dict[str, list[str]] = defaultdict(list)
    for p in pairs:
        if p.label and p.group == "headline" and p.a[1] not in by_language[p.language]:
            by_language[p.language].append(p.a[1])
    singles = [body for bodies in by_language.values() for body in bodies]
    joined = [
        "\n\n".join(bodies[i : i + 3])
        for bodies in by_language.values()
        for i in range(0, len(bodies) - 2, 3)
    ]
    print("\n7. cost per article (best of 7 runs; microseconds)")
    rows = []
    for name, texts in (("sample article", singles), ("3 articles joined", joined)):
        rows.append(_cost_row(name, texts, config))
    table(["text", "bytes", "clean", "shingle", "minhash", "keys", "total"], rows)
    _datasketch_row(joined, config)


def _cost_row(name: str, texts: list[str], config: NearDupConfig) -> list[str]:
    k, n, seed = config.shingle_words, config.num_perm, config.seed
    cleaned = [fingerprint_text(t) for t in texts]
    hashes = [shingle_hashes(tokens(c), k) for c in cleaned]
    sigs = [minhash(h, n, seed) for h in hashes]
    repeat = 20
    clean = timed(lambda: [fingerprint_text(t) for t in texts], repeat) / len(texts)
    shingle = timed(lambda: [shingle_hashes(tokens(c), k) for c in cleaned], repeat) / len(texts)
    mh = timed(lambda: [minhash(h, n, seed) for h in hashes], repeat) / len(texts)
    keys = timed(lambda: [band_keys(s, config.bands, config.rows) for s in sigs], repeat) / len(
        texts
    )
    size = statistics.median(len(t.encode()) for t in texts)
    total = clean + shingle + mh + keys
    return [name, f"{size:.0f}", *(f"{v:.0f}" for v in (clean, shingle, mh, keys, total))]


def _datasketch_row(texts: list[str], config: NearDupConfig) -> None:
    try:
        from datasketch import MinHash  # type: ignore[import-not-found]
    except ImportError:
        print("  (datasketch not importable: no comparison)")
        return
    shingles = []
    for text in texts:
        words = tokens(fingerprint_text(text))
        k = config.shingle_words
        shingles.append([" ".join(words[i : i + k]).encode() for i in range(len(words) - k + 1)])

    def run() -> None:
        for s in shingles:
            m = MinHash(num_perm=config.num_perm)
            m.update_batch(s)

    per_text = timed(run, 20) / len(texts)
    print(f"  datasketch MinHash.update_batch alone, same 3 KB texts and shingles: {per_text:.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=ROOT / "samples" / "neardup" / "pairs.jsonl")
    parser.add_argument("--details", action="store_true", help="list the pairs decided wrongly")
    args = parser.parse_args()
    config = NearDupConfig()
    pairs = load(args.pairs)
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for p in pairs:
        counts[p.label, p.group] += 1
    copies = sum(p.label for p in pairs)
    print(f"1. {len(pairs)} pairs: {copies} copies, {len(pairs) - copies} not")
    ordered = sorted(counts.items(), key=lambda item: (-item[0][0], item[0][1]))
    table(["label", "group", "n"], ([str(label), g, str(n)] for (label, g), n in ordered))
    print(f"\ndefaults: {config}")
    sims = exact_report(pairs)
    estimate_report(pairs, sims[config.shingle_words, True], config)
    length_report(pairs, config)
    lsh_report(pairs, config, background_similarities(pairs))
    decided, est = groups_report(pairs, config)
    if args.details:
        for p, d, e in zip(pairs, decided, est, strict=True):
            if d != bool(p.label):
                print(f"  wrong: {p.id} {p.kind} label {p.label} estimate {e:.2f}")
    reuse_report(pairs, decided, est)
    cost_report(pairs, config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
