"""bench/nerdata.py: each set's reader on inline snippets, and the exact/overlap scorer."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.nerdata import (
    Counts,
    Score,
    Span,
    TextBuilder,
    exact_pairs,
    factru_text,
    iob_runs,
    outermost,
    overlap_pairs,
    read_conll,
    read_factru,
    read_factru_document,
    read_germeval,
    read_hipe,
)


def texts(text: str, spans: list[Span]) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.label) for s in spans]


# -- tokens and tags ------------------------------------------------------------------------------


def test_text_builder_spaces_and_offsets() -> None:
    builder = TextBuilder()
    builder.add("M", space_after=False)
    builder.add(".")
    builder.add("Hagenbeck", space_after=False)
    builder.add(",")
    builder.add("Munich")
    assert builder.text == "M. Hagenbeck, Munich"
    assert builder.offsets == [(0, 1), (1, 2), (3, 12), (12, 13), (14, 20)]


def test_iob_runs_reads_iob2_and_a_stray_inside_tag() -> None:
    tags = ["B-PER", "I-PER", "O", "I-LOC", "I-LOC", "B-LOC", "I-ORG", "B-ORG"]
    assert list(iob_runs(tags)) == [
        (0, 1, "PER"),
        (3, 4, "LOC"),
        (5, 5, "LOC"),
        (6, 6, "ORG"),
        (7, 7, "ORG"),
    ]


# -- HIPE -----------------------------------------------------------------------------------------

HIPE = """\
TOKEN\tNE-COARSE-LIT\tNE-COARSE-METO\tNE-FINE-LIT\tNE-FINE-METO\tNE-FINE-COMP\tNE-NESTED\tNEL-LIT\tNEL-METO\tMISC
# language = fr
# newspaper = EXP
# document_id = EXP-1
cortège\tO\tO\tO\tO\tO\tO\t_\t_\tEndOfLine
de\tO\tO\tO\tO\tO\tO\t_\t_\t_
Munich\tB-loc\tO\tB-loc.adm.town\tO\tO\tO\tQ1726\t_\tNoSpaceAfter|LED0.00
.\tO\tO\tO\tO\tO\tO\t_\t_\tPySBDSegment
par\tO\tO\tO\tO\tO\tO\t_\t_\t_
M\tB-pers\tO\tB-pers.ind\tO\tB-comp.title\tO\tQ65264\t_\tNoSpaceAfter
.\tI-pers\tO\tI-pers.ind\tO\tI-comp.title\tO\tQ65264\t_\tEndOfLine
Hagenbeck\tI-pers\tO\tI-pers.ind\tO\tB-comp.name\tO\tQ65264\t_\tNoSpaceAfter
,\tO\tO\tO\tO\tO\tO\t_\t_\t_
#\tO\tO\tO\tO\tO\tO\t_\t_\t_
Le\tB-prod\tO\t_\t_\t_\t_\t_\t_\t_
Temps\tI-prod\tO\t_\t_\t_\t_\t_\t_\tEndOfLine

# language = fr
# document_id = EXP-2
Lyon\tB-org\tB-loc\tO\tO\tO\tO\t_\t_\t_
"""


def test_hipe_documents_spacing_and_labels() -> None:
    first, second = read_hipe(HIPE.splitlines(keepends=True))
    assert first.id == "EXP-1"
    # a line end is a space, NoSpaceAfter glues; a token "#" is a token, not a comment
    assert first.text == "cortège de Munich. par M. Hagenbeck, # Le Temps"
    # prod is ignored; the literal column is read (the metonymic one says loc for Lyon)
    assert texts(first.text, first.spans) == [("Munich", "LOC"), ("M. Hagenbeck", "PER")]
    assert (second.id, second.text, texts(second.text, second.spans)) == (
        "EXP-2",
        "Lyon",
        [("Lyon", "ORG")],
    )


def test_hipe_needs_its_header() -> None:
    with pytest.raises(ValueError, match="header"):
        read_hipe(["# document_id = X\n", "Paris\tB-loc\n"])


# -- WikiANN and CoNLL-2002 -----------------------------------------------------------------------


def test_wikiann_prefix_and_sentences() -> None:
    lines = [
        "en:Sioux\tB-ORG\n",
        "en:Falls\tI-ORG\n",
        "en:Arena\tI-ORG\n",
        "en:(\tO\n",
        "en:Sioux\tB-LOC\n",
        "en:Falls\tI-LOC\n",
        "en:)\tO\n",
        "\n",
        "en:George\tB-PER\n",
        "en:Hearst\tI-PER\n",
    ]
    first, second = read_conll(lines, name="wikiann-en", language_prefix="en:")
    assert first.text == "Sioux Falls Arena ( Sioux Falls )"
    assert texts(first.text, first.spans) == [("Sioux Falls Arena", "ORG"), ("Sioux Falls", "LOC")]
    assert (second.id, texts(second.text, second.spans)) == (
        "wikiann-en-2",
        [("George Hearst", "PER")],
    )


def test_conll2002_ignores_misc() -> None:
    lines = ["Sao B-LOC", "Paulo I-LOC", "( O", "EFECOM B-ORG", ") O", "Copa B-MISC", "", "", "- O"]
    first, second = read_conll(lines, name="es")
    assert texts(first.text, first.spans) == [("Sao Paulo", "LOC"), ("EFECOM", "ORG")]
    assert (second.text, second.spans) == ("-", [])


# -- GermEval -------------------------------------------------------------------------------------


def test_germeval_outer_base_classes_only() -> None:
    lines = [
        "#\thttp://de.wikipedia.org/wiki/X\t[2009-08-13]\t\n",
        "1\tDie\tO\tO\n",
        "2\tdeutsche\tB-LOCderiv\tO\n",
        "3\tBank\tO\tO\n",
        "4\tin\tO\tO\n",
        "5\tFrankfurt\tB-LOC\tO\n",
        "6\tam\tI-LOC\tO\n",
        "7\tMain\tI-LOC\tO\n",
        "8\tEU-Gipfel\tB-ORGpart\tB-ORG\n",
        "\n",
        "#\thttp://www.heise.de/x\t[2010-07-04]\t\n",
        "1\tUniversität\tB-ORG\tO\n",
        "2\tWien\tI-ORG\tB-LOC\n",
    ]
    first, second = read_germeval(lines)
    assert first.text == "Die deutsche Bank in Frankfurt am Main EU-Gipfel"
    assert texts(first.text, first.spans) == [("Frankfurt am Main", "LOC")]
    assert texts(second.text, second.spans) == [("Universität Wien", "ORG")]


# -- factRuEval -----------------------------------------------------------------------------------

FACTRU_TEXT = "Мэрия Москвы и компания Apple. Юрий Лужков и США."
FACTRU_TOKENS = """\
1 0 5 Мэрия
2 6 6 Москвы
3 13 1 и
4 15 8 компания
5 24 5 Apple
6 29 1 .

7 31 4 Юрий
8 36 6 Лужков
9 43 1 и
10 45 3 США
11 48 1 .
"""
FACTRU_SPANS = """\
101 org_descr 0 5 1 1  # 1 Мэрия
102 loc_name 6 6 2 1  # 2 Москвы
103 org_descr 15 8 4 1  # 4 компания
104 org_name 24 5 5 1  # 5 Apple
105 name 31 4 7 1  # 7 Юрий
106 surname 36 6 8 1  # 8 Лужков
107 loc_name 45 3 10 1  # 10 США
108 org_descr 15 8 4 1  # 4 компания
"""
FACTRU_OBJECTS = """\
201 Org 101 102 # Мэрия Москвы
202 LocOrg 102 # Москвы
203 Org 103 104 # компания Apple
204 Person 105 106 # Юрий Лужков
205 LocOrg 107 # США
206 Org 108 # компания
207 Project 104 # Apple
"""


def test_factru_document_mentions() -> None:
    item = read_factru_document(
        "book_1", FACTRU_TEXT, FACTRU_SPANS.splitlines(), FACTRU_OBJECTS.splitlines()
    )
    # "Мэрия Москвы": an Org named by its place only -> the place; "компания Apple": the name
    # without its descriptor; an Org with a descriptor only is no named entity; LocOrg is LOC
    assert texts(item.text, item.spans) == [
        ("Москвы", "LOC"),
        ("Apple", "ORG"),
        ("Юрий Лужков", "PER"),
        ("США", "LOC"),
    ]


def test_factru_text_from_tokens_keeps_offsets() -> None:
    text = factru_text(FACTRU_TOKENS.splitlines())
    assert text == FACTRU_TEXT


def test_read_factru_folder(tmp_path: Path) -> None:
    for number, with_text in ((10, True), (9, False)):
        stem = tmp_path / f"book_{number}"
        stem.with_suffix(".tokens").write_text(FACTRU_TOKENS, encoding="utf-8")
        stem.with_suffix(".spans").write_text(FACTRU_SPANS, encoding="utf-8")
        stem.with_suffix(".objects").write_text(FACTRU_OBJECTS, encoding="utf-8")
        if with_text:
            stem.with_suffix(".txt").write_text(
                FACTRU_TEXT + "\n\n" + "Лужков ушёл.", encoding="utf-8"
            )
    nine, ten = read_factru(tmp_path)
    assert (nine.id, ten.id) == ("book_9", "book_10")  # numeric order, not 10 before 9
    assert nine.text == FACTRU_TEXT
    assert ten.text == FACTRU_TEXT + "\n\n" + "Лужков ушёл."
    assert nine.spans == ten.spans


def test_outermost_drops_nested_and_keeps_the_first_of_equal_extents() -> None:
    spans = [Span(0, 12, "ORG"), Span(6, 12, "LOC"), Span(20, 25, "PER"), Span(20, 25, "LOC")]
    assert outermost(spans) == [Span(0, 12, "ORG"), Span(20, 25, "PER")]


# -- scorer ---------------------------------------------------------------------------------------


def test_exact_needs_start_end_and_label() -> None:
    gold = [Span(0, 5, "PER"), Span(10, 15, "LOC"), Span(20, 25, "ORG")]
    predicted = [Span(0, 5, "PER"), Span(10, 15, "ORG"), Span(20, 24, "ORG")]
    assert exact_pairs(gold, predicted) == [(Span(0, 5, "PER"), Span(0, 5, "PER"))]


def test_overlap_same_label_and_touching_is_not_overlapping() -> None:
    gold = [Span(0, 10, "PER"), Span(20, 25, "LOC")]
    predicted = [Span(3, 12, "PER"), Span(25, 30, "LOC"), Span(18, 22, "ORG")]
    assert overlap_pairs(gold, predicted) == [(Span(0, 10, "PER"), Span(3, 12, "PER"))]


def test_overlap_matches_each_span_once() -> None:
    # one prediction over two gold mentions: one pair; two predictions in one gold: one pair
    assert len(overlap_pairs([Span(0, 5, "LOC"), Span(6, 10, "LOC")], [Span(0, 10, "LOC")])) == 1
    assert len(overlap_pairs([Span(0, 10, "LOC")], [Span(0, 4, "LOC"), Span(5, 10, "LOC")])) == 1


def test_overlap_finds_the_largest_matching() -> None:
    # taken greedily, the first gold span would take the prediction the second one needs
    gold = [Span(0, 10, "ORG"), Span(8, 12, "ORG")]
    predicted = [Span(9, 11, "ORG"), Span(0, 3, "ORG")]
    pairs = overlap_pairs(gold, predicted)
    assert pairs == [
        (Span(0, 10, "ORG"), Span(0, 3, "ORG")),
        (Span(8, 12, "ORG"), Span(9, 11, "ORG")),
    ]


def test_score_counts_per_label_and_micro() -> None:
    score = Score()
    gold = [Span(0, 5, "PER"), Span(10, 15, "LOC"), Span(20, 25, "ORG")]
    predicted = [
        Span(0, 5, "PER"),
        Span(0, 5, "PER"),  # a duplicate counts once
        Span(11, 15, "LOC"),
        Span(20, 25, "LOC"),
        Span(30, 35, "MISC"),  # not scored
    ]
    score.add(gold, predicted)
    score.add([Span(0, 3, "ORG")], [])
    exact, overlap = score.micro("exact"), score.micro("overlap")
    assert (exact.tp, exact.predicted, exact.gold) == (1, 3, 4)
    assert (overlap.tp, overlap.predicted, overlap.gold) == (2, 3, 4)
    loc = score.counts["overlap"]["LOC"]
    assert (loc.tp, loc.predicted, loc.gold) == (1, 2, 1)
    org = score.counts["exact"]["ORG"]
    assert (org.tp, org.predicted, org.gold) == (0, 0, 2)
    assert org.precision == org.recall == org.f1 == 0.0


def test_counts_ratios() -> None:
    counts = Counts(tp=2, predicted=4, gold=8)
    assert (counts.precision, counts.recall) == (0.5, 0.25)
    assert counts.f1 == pytest.approx(2 * 0.5 * 0.25 / 0.75)
