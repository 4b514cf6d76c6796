"""Labelled named-entity sets read into texts with character-offset spans, and a span scorer.

Used by ``bench/entities_external.py``; no model is loaded here, so the readers and the scorer
are unit-tested on inline snippets (``tests/bench/test_nerdata.py``).

Every reader returns ``Item``s: a text rebuilt from the set's tokens (one space between tokens
unless the set says there is none) and its gold spans as character offsets in that text, with
labels on one scale: PER, LOC, ORG. What each set's own labels become:

- HIPE (CLEF-HIPE-2020): the literal coarse column; ``pers``/``loc``/``org``; ``prod`` and
  ``time`` are ignored; ``NoSpaceAfter`` glues tokens, ``EndOfLine`` is a space. One item per
  ``# document_id``.
- WikiANN and CoNLL-2002: ``PER``/``LOC``/``ORG``; ``MISC`` ignored. One item per sentence.
- GermEval 2014: the outer column only, and only its base classes ``PER``/``LOC``/``ORG``:
  ``LOCderiv`` ("deutsche") and ``ORGpart`` ("EU-Gipfel") are no names of their own, and the
  systems measured find flat, outer mentions. One item per sentence.
- factRuEval-2016: one item per document, its ``.txt`` as text. A mention (``.objects``) spans
  its name parts (``.spans``: ``name``, ``surname``, ``patronymic``, ``nickname`` for a Person,
  ``org_name`` / ``loc_name`` otherwise), from the first to the last. Descriptors (``org_descr``
  "движение", ``loc_descr``, ``job``, ``geo_adj``) are left out as the official scorer treats
  them as optional; a mention with no name part ("банк", "архипелаг") is not a named entity and
  is skipped, and so is an Org named only by a place ("мэрия Москвы": the place is marked as a
  mention of its own). ``LocOrg`` (a country or city acting as a polity: "США", "Москвы") is
  LOC, as the official scorer's ``-l`` option does and as the models label it. ``Project`` is
  ignored. Mentions nested in another one are dropped: the outer one is the flat answer.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

LABELS = ("PER", "LOC", "ORG")

HIPE_LABELS = {"pers": "PER", "loc": "LOC", "org": "ORG"}
IOB_LABELS = {"PER": "PER", "LOC": "LOC", "ORG": "ORG"}
FACTRU_LABELS = {"Person": "PER", "Org": "ORG", "Location": "LOC", "LocOrg": "LOC"}
_FACTRU_NAME_PARTS = {
    "PER": frozenset({"name", "surname", "patronymic", "nickname"}),
    "ORG": frozenset({"org_name", "loc_name"}),
    "LOC": frozenset({"org_name", "loc_name"}),
}
_HIPE_COMMENT = re.compile(r"^#\s*([\w-]+)\s*=\s*(.*)$")


@dataclass(frozen=True, slots=True, order=True)
class Span:
    start: int
    end: int
    label: str

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(slots=True)
class Item:
    """A document or a sentence: its text and its gold spans."""

    id: str
    text: str
    spans: list[Span] = field(default_factory=list)


class TextBuilder:
    """Joins tokens into a text and remembers where each token went."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._space_pending = False
        self.offsets: list[tuple[int, int]] = []

    def add(self, token: str, *, space_after: bool = True) -> None:
        if self._space_pending:
            self._parts.append(" ")
            self._length += 1
        start = self._length
        self._parts.append(token)
        self._length += len(token)
        self.offsets.append((start, self._length))
        self._space_pending = space_after

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def spans(self, tags: Sequence[str], labels: dict[str, str]) -> list[Span]:
        """Character spans of the IOB tags of the tokens added so far, mapped by ``labels``
        (a tag type missing from it is not kept)."""
        found: list[Span] = []
        for first, last, kind in iob_runs(tags):
            label = labels.get(kind)
            if label is not None:
                found.append(Span(self.offsets[first][0], self.offsets[last][1], label))
        return found


def iob_runs(tags: Sequence[str]) -> Iterator[tuple[int, int, str]]:
    """(first token, last token, type) of each mention. ``I-X`` after ``O`` or after another
    type starts a mention, so IOB1 and sloppy IOB2 read the same."""
    start: int | None = None
    kind = ""
    for index, tag in enumerate([*tags, "O"]):
        prefix, _, tag_kind = tag.partition("-")
        inside = prefix == "I" and start is not None and tag_kind == kind
        if inside:
            continue
        if start is not None:
            yield start, index - 1, kind
            start = None
        if prefix in ("B", "I") and tag_kind:
            start, kind = index, tag_kind


# -- HIPE -----------------------------------------------------------------------------------------


def read_hipe(lines: Iterable[str]) -> list[Item]:
    """CLEF-HIPE-2020 TSV: a header row naming the columns, ``# key = value`` comments (a
    ``document_id`` starts a document), one token per row."""
    items: list[Item] = []
    columns: dict[str, int] = {}
    doc_id: str | None = None
    builder = TextBuilder()
    tags: list[str] = []

    def close() -> None:
        if doc_id is not None and builder.offsets:
            items.append(Item(doc_id, builder.text, builder.spans(tags, HIPE_LABELS)))

    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        comment = _HIPE_COMMENT.match(line) if "\t" not in line else None
        if comment is not None:
            if comment.group(1) == "document_id":
                close()
                doc_id, builder, tags = comment.group(2).strip(), TextBuilder(), []
            continue
        cells = line.split("\t")
        if cells[0] == "TOKEN":
            columns = {name: index for index, name in enumerate(cells)}
            continue
        if not columns:
            raise ValueError("HIPE: a token row before the header row")
        flags = set(cells[columns["MISC"]].split("|"))
        builder.add(cells[columns["TOKEN"]], space_after="NoSpaceAfter" not in flags)
        tags.append(cells[columns["NE-COARSE-LIT"]])
    close()
    return items


# -- CoNLL-like: WikiANN, CoNLL-2002, GermEval ----------------------------------------------------


def _sentences(rows: Iterable[list[str] | None]) -> Iterator[list[list[str]]]:
    """Groups rows into sentences; None ends one."""
    sentence: list[list[str]] = []
    for row in rows:
        if row is None:
            if sentence:
                yield sentence
            sentence = []
        else:
            sentence.append(row)
    if sentence:
        yield sentence


def _sentence_item(item_id: str, tokens: list[str], tags: list[str]) -> Item:
    builder = TextBuilder()
    for token in tokens:
        builder.add(token)
    return Item(item_id, builder.text, builder.spans(tags, IOB_LABELS))


def read_conll(lines: Iterable[str], *, name: str, language_prefix: str = "") -> list[Item]:
    """``token TAG`` per line (space or tab), a blank line between sentences. WikiANN writes
    ``en:token``: give ``language_prefix="en:"`` to take it off."""

    def rows() -> Iterator[list[str] | None]:
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith("-DOCSTART-"):
                yield None
                continue
            token, tag = line.rsplit(None, 1)
            if language_prefix and token.startswith(language_prefix):
                token = token[len(language_prefix) :]
            yield [token, tag]

    return [
        _sentence_item(f"{name}-{index}", [r[0] for r in rows_], [r[1] for r in rows_])
        for index, rows_ in enumerate(_sentences(rows()), start=1)
    ]


def read_germeval(lines: Iterable[str]) -> list[Item]:
    """GermEval 2014: ``#<TAB>source [date]`` before each sentence, then ``index<TAB>token
    <TAB>outer tag<TAB>inner tag`` rows, a blank line after it."""

    def rows() -> Iterator[list[str] | None]:
        for raw in lines:
            line = raw.rstrip("\r\n")
            if not line.strip() or line.startswith("#\t"):
                yield None
                continue
            cells = line.split("\t")
            yield [cells[1], cells[2]]

    return [
        _sentence_item(f"germeval-{index}", [r[0] for r in rows_], [r[1] for r in rows_])
        for index, rows_ in enumerate(_sentences(rows()), start=1)
    ]


# -- factRuEval-2016 ------------------------------------------------------------------------------


def _fields(line: str) -> list[str]:
    """The fields before the ``#`` comment of a ``.spans`` / ``.objects`` line."""
    return line.split("#", 1)[0].split()


def factru_text(token_lines: Iterable[str]) -> str:
    """The text the ``.tokens`` rows (``id start length text``) describe, each token at its
    offset, spaces between: for a document whose ``.txt`` is missing."""
    chars: list[str] = []
    for line in token_lines:
        cells = line.split()
        if len(cells) < 4:
            continue
        start, token = int(cells[1]), " ".join(cells[3:])
        chars.extend(" " * (start + len(token) - len(chars)))
        chars[start : start + len(token)] = token
    return "".join(chars)


def read_factru_document(
    doc_id: str,
    text: str,
    span_lines: Iterable[str],
    object_lines: Iterable[str],
) -> Item:
    """One document: ``.spans`` rows ``id type start length first-token token-count``,
    ``.objects`` rows ``id type span-id...``."""
    parts: dict[str, tuple[str, int, int]] = {}
    for line in span_lines:
        cells = _fields(line)
        if len(cells) >= 4:
            start = int(cells[2])
            parts[cells[0]] = (cells[1], start, start + int(cells[3]))
    mentions: list[Span] = []
    for line in object_lines:
        cells = _fields(line)
        label = FACTRU_LABELS.get(cells[1]) if len(cells) >= 3 else None
        if label is None:
            continue
        span = _factru_mention(label, [parts[span_id] for span_id in cells[2:]])
        if span is not None:
            mentions.append(span)
    return Item(doc_id, text, outermost(mentions))


def _factru_mention(label: str, parts: list[tuple[str, int, int]]) -> Span | None:
    kinds = {kind for kind, _start, _end in parts}
    if label == "ORG" and "org_name" not in kinds and kinds != {"loc_name"}:
        return None  # an unnamed organisation described by the place it belongs to
    names = [(start, end) for kind, start, end in parts if kind in _FACTRU_NAME_PARTS[label]]
    if not names:
        return None
    return Span(min(s for s, _e in names), max(e for _s, e in names), label)


def read_factru(folder: Path) -> list[Item]:
    """Every document of a factRuEval folder (``book_N.tokens``, ``.spans``, ``.objects`` and
    ``.txt`` when there is one), in the order of N."""
    items: list[Item] = []
    for tokens in sorted(folder.glob("*.tokens"), key=lambda p: _number(p.stem)):
        stem = tokens.with_suffix("")
        txt = stem.with_suffix(".txt")
        if txt.exists():
            with txt.open(encoding="utf-8", newline="") as handle:
                text = handle.read()
        else:
            text = factru_text(tokens.read_text(encoding="utf-8").splitlines())
        items.append(
            read_factru_document(
                stem.name,
                text,
                stem.with_suffix(".spans").read_text(encoding="utf-8").splitlines(),
                stem.with_suffix(".objects").read_text(encoding="utf-8").splitlines(),
            )
        )
    return items


def _number(stem: str) -> tuple[int, str]:
    digits = re.sub(r"\D", "", stem)
    return (int(digits) if digits else 0, stem)


def outermost(spans: Iterable[Span]) -> list[Span]:
    """The spans no other span contains (of two identical extents, the first one kept)."""
    unique = list(dict.fromkeys(spans))
    ordered = sorted(unique, key=lambda s: (s.start, -s.end))
    kept: list[Span] = []
    for span in ordered:
        if kept and kept[-1].start <= span.start and span.end <= kept[-1].end:
            continue
        kept.append(span)
    return kept


# -- scoring --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Counts:
    tp: int = 0
    predicted: int = 0
    gold: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.predicted += other.predicted
        self.gold += other.gold

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def exact_pairs(gold: Sequence[Span], predicted: Sequence[Span]) -> list[tuple[Span, Span]]:
    """(gold, predicted) pairs with the same start, end and label."""
    wanted = set(predicted)
    return [(g, g) for g in dict.fromkeys(gold) if g in wanted]


def overlap_pairs(gold: Sequence[Span], predicted: Sequence[Span]) -> list[tuple[Span, Span]]:
    """A largest set of (gold, predicted) pairs with the same label and overlapping spans, each
    span in one pair at most (augmenting paths: a predicted span covering two gold ones counts
    once, and a greedy choice cannot take the only partner of another span)."""
    golds = list(dict.fromkeys(gold))
    preds = list(dict.fromkeys(predicted))
    by_label: dict[str, list[int]] = defaultdict(list)
    for j, p in enumerate(preds):
        by_label[p.label].append(j)
    edges = [[j for j in by_label[g.label] if g.overlaps(preds[j])] for g in golds]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in range(len(golds)):
        augment(i, set())
    return sorted(((golds[i], preds[j]) for j, i in owner.items()), key=lambda pair: pair[0])


MATCHERS = {"exact": exact_pairs, "overlap": overlap_pairs}


@dataclass(slots=True)
class Score:
    """Counts per match kind and label over many items; labels outside ``LABELS`` ignored."""

    counts: dict[str, dict[str, Counts]] = field(
        default_factory=lambda: {kind: {label: Counts() for label in LABELS} for kind in MATCHERS}
    )

    def add(self, gold: Sequence[Span], predicted: Sequence[Span]) -> None:
        golds = list(dict.fromkeys(s for s in gold if s.label in LABELS))
        preds = list(dict.fromkeys(s for s in predicted if s.label in LABELS))
        for kind, matcher in MATCHERS.items():
            pairs = matcher(golds, preds)
            for label in LABELS:
                counts = self.counts[kind][label]
                counts.gold += sum(g.label == label for g in golds)
                counts.predicted += sum(p.label == label for p in preds)
                counts.tp += sum(g.label == label for g, _p in pairs)

    def micro(self, kind: str) -> Counts:
        total = Counts()
        for counts in self.counts[kind].values():
            total.add(counts)
        return total
