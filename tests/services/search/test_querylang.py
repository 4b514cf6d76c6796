"""The query language without a node: grammar and precedence, fields, errors with positions,
cost limits, injection attempts, the Elasticsearch clauses it may produce, explanations."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.search.errors import InvalidQueryError
from services.search.querylang import (
    MAX_DEPTH,
    MAX_PREFIXES,
    MAX_QUERY_CHARS,
    MAX_SLOP,
    MAX_TERMS,
    MIN_PREFIX_CHARS,
    PREFIX_MAX_EXPANSIONS,
    And,
    Keyword,
    Limits,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    QuerySyntaxError,
    Term,
    explain,
    parse,
    render_caret,
    to_es,
    warnings,
)
from shared.index import ANALYSED_LANGUAGES, index_template_body

a, b, c, d = Term("a"), Term("b"), Term("c"), Term("d")


def _error(query: str, **limits: int) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query, limits=Limits(**limits))
    return caught.value


# --- precedence and parentheses ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("a OR b c", Or((a, And((b, c))))),
        ("a b OR c", Or((And((a, b)), c))),
        ("a OR b AND c", Or((a, And((b, c))))),
        ("a AND b OR c AND d", Or((And((a, b)), And((c, d))))),
        ("a OR b OR c", Or((a, b, c))),
        ("a AND b c", And((a, b, c))),
        ("NOT a b", And((Not(a), b))),
        ("NOT a OR b", Or((Not(a), b))),
        ("a NOT b", And((a, Not(b)))),
        ("a OR -b c", Or((a, And((Not(b), c))))),
    ],
)
def test_not_binds_tightest_then_and_then_or(query: str, tree: Node) -> None:
    assert parse(query) == tree


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("(a OR b) c", And((Or((a, b)), c))),
        ("a (b OR c)", And((a, Or((b, c))))),
        ("a (b OR (c d))", And((a, Or((b, And((c, d))))))),
        ("NOT (a OR b)", Not(Or((a, b)))),
        ("((a))", a),
        ("(a b) OR c", Or((And((a, b)), c))),
    ],
)
def test_parentheses_group(query: str, tree: Node) -> None:
    assert parse(query) == tree


def test_and_or_mixed_without_parentheses_is_a_warning_not_an_error() -> None:
    for query in ("a OR b c", "a b OR c", "x (a AND b OR c)", "NOT (a b OR c)"):
        assert warnings(parse(query)), query
        assert "Note: AND binds tighter than OR" in explain(parse(query))
    for query in ("(a b) OR c", "a OR (b c)", "(a OR b) c", "a OR b", "a b", "title:(a b) OR c"):
        assert warnings(parse(query)) == [], query
        assert "Note:" not in explain(parse(query))


def test_keywords_are_upper_case_only() -> None:
    assert parse("a and b or not c") == And(
        tuple(Term(w) for w in ["a", "and", "b", "or", "not", "c"])
    )
    assert parse("ANDROID ORACLE NOTE") == And((Term("ANDROID"), Term("ORACLE"), Term("NOTE")))
    assert parse('"AND"') == Phrase("AND")


def test_plus_is_accepted_and_changes_nothing() -> None:
    assert parse("+a +b") == parse("a b")
    assert parse('+"a b" +(c OR d)') == And((Phrase("a b"), Or((c, d))))


# --- leaves -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("-Trump", Not(Term("Trump"))),
        ("NOT Trump", Not(Term("Trump"))),
        ('-"armes nucléaires"', Not(Phrase("armes nucléaires"))),
        ("-(a OR b)", Not(Or((a, b)))),
        ("-lang:fr", Not(Keyword("lang", "fr"))),
        ("non-prolifération", Term("non-prolifération")),
        ("a -b", And((a, Not(b)))),
    ],
)
def test_negation(query: str, tree: Node) -> None:
    assert parse(query) == tree


def test_phrases_and_proximity() -> None:
    assert parse('"armes nucléaires"') == Phrase("armes nucléaires")
    assert parse('"climate deal"~3') == Phrase("climate deal", slop=3)
    assert parse('"climate deal" ~3') == Phrase("climate deal", slop=3)
    assert parse('"a b"~0 c') == And((Phrase("a b", slop=0), c))
    assert parse('title:"a b"~2') == Phrase("a b", scope="title", slop=2)


def test_prefix_is_a_trailing_star() -> None:
    assert parse("nucl*") == Prefix("nucl")
    assert parse("négoci* Iran") == And((Prefix("négoci"), Term("Iran")))
    assert parse("title:nucl*") == Prefix("nucl", scope="title")
    assert parse("nucl\\*") == Term("nucl*")  # an escaped star is text


@pytest.mark.parametrize(
    "text", ["élection", "Москва", "naïve", "l'Élysée", "Straße", "東京", "C++", "AT&T"]
)
def test_terms_keep_accents_and_case(text: str) -> None:
    # Folding and stemming are the analysers' job: the term reaches Elasticsearch as typed.
    assert parse(text) == Term(text)
    (clause,) = to_es(parse(text))["bool"]["must"]
    assert clause["multi_match"]["query"] == text


def test_colons_outside_fields_are_text() -> None:
    assert parse("10:30") == Term("10:30")
    # "?" is refused unescaped (Lucene users would expect a wildcard): a URL's is escaped.
    assert parse("https://lemonde.fr/a\\?b=1") == Term("https://lemonde.fr/a?b=1")
    assert parse("https://lemonde.fr/x") == Term("https://lemonde.fr/x")
    assert parse("C::std") == Term("C::std")
    assert parse("note:") == Term("note:")
    assert parse("entity:wikidata:Q7747 10:30") == And(
        (Keyword("entity_id", "wikidata:Q7747"), Term("10:30"))
    )


def test_escapes() -> None:
    assert parse('\\"quoted\\"') == Term('"quoted"')
    assert parse('"il a dit \\"non\\""') == Phrase('il a dit "non"')
    assert parse("foo\\:bar") == Term("foo:bar")
    assert parse("title\\:war") == Term("title:war")
    assert parse("a\\(b\\)") == Term("a(b)")
    assert parse("back\\\\slash") == Term("back\\slash")
    assert parse("why\\?") == Term("why?")
    assert parse("\\-5") == Term("-5")
    assert parse("\\AND") == Term("AND")


# --- fields -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("title:war", Term("war", scope="title")),
        ("body:war", Term("war", scope="body")),
        ('title:"armes nucléaires"', Phrase("armes nucléaires", scope="title")),
        ("source:lemonde.fr", Keyword("source", "lemonde.fr")),
        ("lang:fr", Keyword("lang", "fr")),
        ("lang:FR", Keyword("lang", "fr")),
        ('author:"Jean Dupont"', Keyword("author", "Jean Dupont")),
        ('entity:"Vladimir Putin"', Keyword("entity", "Vladimir Putin")),
        ("entity:Paris", Keyword("entity", "Paris")),
        ("entity:geonames:524901", Keyword("entity_id", "geonames:524901")),
        ("entity:wikidata:Q7747", Keyword("entity_id", "wikidata:Q7747")),
        ("entity:Q7747", Keyword("entity_id", "Q7747")),
        ('person:"Vladimir Poutine"', Keyword("person", "Vladimir Poutine")),
        ("org:OPEC", Keyword("org", "OPEC")),
        ("place:Moscou", Keyword("place", "Moscou")),
        ("Title:war", Term("war", scope="title")),
        ("title:(war OR peace)", Or((Term("war", "title"), Term("peace", "title")))),
        ("title:(war -peace)", And((Term("war", "title"), Not(Term("peace", "title"))))),
        ("lang:(fr OR en)", Or((Keyword("lang", "fr"), Keyword("lang", "en")))),
        (
            "source:(lemonde.fr OR bbc.co.uk)",
            Or((Keyword("source", "lemonde.fr"), Keyword("source", "bbc.co.uk"))),
        ),
    ],
)
def test_every_field(query: str, tree: Node) -> None:
    assert parse(query) == tree


def test_french_examples() -> None:
    tree = parse('"traité de non-prolifération" AND (Iran OR Irak) -Trump')
    assert tree == And(
        (
            Phrase("traité de non-prolifération"),
            Or((Term("Iran"), Term("Irak"))),
            Not(Term("Trump")),
        )
    )
    assert explain(tree) == (
        '(text contains the phrase "traité de non-prolifération") AND '
        '((text contains "Iran") OR (text contains "Irak")) AND NOT (text contains "Trump")'
    )
    tree = parse("title:élection lang:fr")
    assert tree == And((Term("élection", scope="title"), Keyword("lang", "fr")))
    assert explain(tree) == '(title contains "élection") AND (language is "fr")'


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "position", "expected"),
    [
        ("", 0, "a term"),
        ("   ", 3, "a term"),
        ("AND", 0, "a term"),
        ("OR a", 0, "a term"),
        ("a AND", 5, "a term"),
        ("a OR", 4, "a phrase"),
        ("NOT", 3, "a term"),
        ("a NOT NOT b", 6, "a term"),
        ("a OR OR b", 5, "a term"),
        ("(a", 2, "a closing parenthesis"),
        ("(a OR (b c)", 11, "a closing parenthesis"),
        ("()", 1, "a term"),
        ("a -", 3, "a term"),
        ("a - b", 3, "a term"),
        ("a +", 3, "a term"),
        ('"abc', 4, 'a closing quote (")'),
        ('a "b c', 6, 'a closing quote (")'),
        ("x\\", 2, "a character to escape"),
        ("title:", 6, "a term"),
        ("title: war", 6, "a phrase"),
        ("title:AND", 6, "a term"),
        ("foo:bar", 0, "title:"),
        ("a foo:bar", 2, "lang:"),
        ("title:(war OR body:peace)", 14, "a term"),
    ],
)
def test_syntax_errors_say_where_and_what_could_come(
    query: str, position: int, expected: str
) -> None:
    error = _error(query)
    assert error.position == position
    assert expected in error.expected
    assert error.message
    assert str(error) == error.message


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "NOT AND b",
            "'NOT' must be followed by a term, a phrase, a field or an opening "
            "parenthesis, not 'AND'",
        ),
        ("a AND OR b", "'AND' must be followed by"),
        ("-AND", "'-' must be followed by"),
        ("title:AND", "'title:' must be followed by a term, a phrase or an opening parenthesis"),
        (
            "(a AND)",
            "'AND' must be followed by a term, a phrase, a field or an opening "
            "parenthesis, not ')'",
        ),
        ("a AND", "'AND' must be followed by"),
        ("a b c d )", "no opening one"),
    ],
)
def test_messages_name_the_operator_left_dangling(query: str, message: str) -> None:
    assert message in _error(query).message


@pytest.mark.parametrize(("query", "position"), [("a)", 1), ("(a))", 3), (")", 0)])
def test_unbalanced_closing_parenthesis(query: str, position: int) -> None:
    assert _error(query).position == position


def test_syntax_error_is_an_invalid_query_on_q() -> None:
    error = _error("a AND")
    assert isinstance(error, InvalidQueryError)
    assert error.field == "q"


def test_unknown_field_names_the_known_ones() -> None:
    message = _error("foo:bar").message
    for name in ("title", "body", "source", "lang", "author", "entity", "person", "org", "place"):
        assert name in message
    assert "foo\\:" in message  # and says how to search the text instead


@pytest.mark.parametrize(
    ("query", "position", "words"),
    [
        ("fo?o", 2, "wildcard"),
        ("why?", 3, "wildcard"),
        ("war~1", 3, "fuzzy"),
        ("war~", 3, "fuzzy"),
        ("*foo", 0, "start"),
        ("a fo*o", 4, "trailing"),
        ("/nucl.*/", 0, "regular expression"),
        ("war^2", 3, "boost"),
        ("[2020 TO 2021]", 0, "range"),
        ("{a TO b}", 0, "range"),
        ("!war", 0, "NOT"),
        ("a && b", 2, "AND"),
        ("a || b", 2, "OR"),
        ("a — b", 2, "no letter or digit"),
        ('""', 0, "no letter or digit"),
        ("source:lemon*", 7, "prefix"),
        ('author:"a b"~2', 7, "proximity"),
        ("lang:french", 5, "language code"),
        ("title:(body:x)", 7, "inside"),
        ("source:(lang:fr)", 8, "inside"),
    ],
)
def test_other_query_syntaxes_are_refused_not_searched(
    query: str, position: int, words: str
) -> None:
    error = _error(query)
    assert error.position == position
    assert words in error.message


def test_render_caret_points_under_the_error() -> None:
    query = "war AND"
    assert render_caret(query, _error(query)) == "war AND\n       ^"
    query = 'title:élection "abc'
    assert render_caret(query, _error(query)).splitlines()[1] == " " * len(query) + "^"
    # Wide characters take two columns, combining marks none.
    query = "東京 a\u0301 OR"
    assert render_caret(query, _error(query)).splitlines()[1] == " " * 9 + "^"
    # A newline in the query would break the alignment: it is shown as a space.
    query = "a\nAND"
    assert render_caret(query, _error(query)) == "a AND\n     ^"


def test_render_caret_shows_a_window_of_a_long_query() -> None:
    query = "word " * 50 + "AND"
    shown, caret = render_caret(query, _error(query), width=40).splitlines()
    assert shown.startswith("…")
    assert len(shown) <= 42
    assert shown.rstrip("…").endswith("AND")
    assert len(caret) - 1 == len(shown)  # the caret is just past the end, where a term is due


# --- cost limits ------------------------------------------------------------------------------


def test_query_length_limit() -> None:
    assert parse("x" * MAX_QUERY_CHARS) == Term("x" * MAX_QUERY_CHARS)
    error = _error("x" * (MAX_QUERY_CHARS + 1))
    assert error.position == MAX_QUERY_CHARS
    assert str(MAX_QUERY_CHARS) in error.message


def test_terms_limit_counts_words_of_phrases_and_field_values() -> None:
    words = [f"w{i}" for i in range(MAX_TERMS)]
    assert len(parse(" ".join(words)).children) == MAX_TERMS  # type: ignore[union-attr]
    query = " ".join([*words, "extra"])
    assert _error(query).position == query.index("extra")
    phrase = '"' + " ".join(words[:-1]) + ' last word"'
    assert _error(phrase).position == 0
    fielded = " ".join(words[:-1]) + " lang:fr source:x"
    assert _error(fielded).position == fielded.index("x", fielded.index("source:"))


def test_nesting_limit() -> None:
    at_limit = "(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH
    assert parse(at_limit) == a
    over = "(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1)
    error = _error(over)
    assert error.position == MAX_DEPTH
    assert str(MAX_DEPTH) in error.message


def test_hostile_nesting_is_refused_without_recursion() -> None:
    # Over the length limit first...
    assert _error("(" * 100_000).position == MAX_QUERY_CHARS
    # ... and with the length limit lifted, at the first parenthesis too deep, not at the end.
    for hostile in ("(" * 100_000, "(" * 100_000 + "a" + ")" * 100_000, "a AND (" * 50_000):
        error = _error(hostile, max_chars=10**6)
        assert "nest" in error.message
    # Unary operators cannot pile up either.
    assert _error("NOT " * 100_000 + "a", max_chars=10**6).position == 4
    assert _error("-" * 100_000 + "a", max_chars=10**6).position == 1


def test_prefix_limits() -> None:
    prefixes = [f"pre{i}*" for i in range(MAX_PREFIXES)]
    assert len(parse(" ".join(prefixes)).children) == MAX_PREFIXES  # type: ignore[union-attr]
    query = " ".join([*prefixes, "more*"])
    error = _error(query)
    assert error.position == query.index("more*")
    assert str(MAX_PREFIXES) in error.message
    assert parse("x" * MIN_PREFIX_CHARS + "*") == Prefix("x" * MIN_PREFIX_CHARS)
    short = "a " + "x" * (MIN_PREFIX_CHARS - 1) + "*"
    error = _error(short)
    assert error.position == 2
    assert str(MIN_PREFIX_CHARS) in error.message
    # An escaped character is one character.
    escaped = "\\-" + "x" * (MIN_PREFIX_CHARS - 1)
    assert parse(escaped + "*") == Prefix("-" + "x" * (MIN_PREFIX_CHARS - 1))
    assert _error(escaped[:-1] + "*").message == error.message


def test_proximity_limit() -> None:
    assert parse(f'"a b"~{MAX_SLOP}') == Phrase("a b", slop=MAX_SLOP)
    error = _error(f'x "a b"~{MAX_SLOP + 1}')
    assert error.position == 7
    assert str(MAX_SLOP) in error.message
    assert _error('"a b"~' + "9" * 5000, max_chars=10**6).position == 5


def test_limits_can_be_lowered_per_call() -> None:
    assert _error("a b c", max_terms=2).position == 4
    assert _error("(a)", max_depth=0).position == 0
    assert _error("abc* abd*", max_prefixes=1).position == 5


# --- injection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["_source:x", "script:x", "query:x", "match_all:x", "_id:1", "fields:x", "q:x"]
)
def test_field_names_outside_the_whitelist_are_errors(query: str) -> None:
    error = _error(query)
    assert error.position == 0
    assert "unknown field" in error.message


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ('\\{\\"match_all\\"\\:\\{\\}\\}', '{"match_all":{}}'),
        ('"{\\"match_all\\":{}}"', '{"match_all":{}}'),
        ('"{\\"script\\": {\\"source\\": \\"x\\"}}"', '{"script": {"source": "x"}}'),
    ],
)
def test_json_in_a_term_stays_text(query: str, text: str) -> None:
    node = parse(query)
    assert isinstance(node, Term | Phrase)
    assert node.text == text
    (clause,) = to_es(node)["bool"]["must"]
    assert clause["multi_match"]["query"] == text
    _check_clause(to_es(node))


def test_raw_json_is_a_syntax_error() -> None:
    assert _error('{"match_all":{}}').position == 0


# --- Elasticsearch clauses --------------------------------------------------------------------

_LANG_FIELDS = {f"{kind}_{lang}" for kind in ("title", "body") for lang in ANALYSED_LANGUAGES}
ALLOWED_TEXT_FIELDS = {"title", "summary", "body", *_LANG_FIELDS}
ALLOWED_KEYWORD_FIELDS = {
    "source",
    "language",
    "authors",
    "people",
    "organisations",
    "places",
    "misc",
    "entity_ids",
}


def test_whitelisted_fields_exist_in_the_index_template() -> None:
    mapping = index_template_body()["mappings"]["properties"]
    for name in ALLOWED_TEXT_FIELDS:
        assert mapping[name]["type"] == "text"
    for name in ALLOWED_KEYWORD_FIELDS:
        assert mapping[name]["type"] == "keyword"


def _check_clause(clause: Any) -> None:
    """Fail on any clause type, option or field outside the whitelist (user text only in
    ``query`` / ``value`` strings)."""
    assert isinstance(clause, dict)
    assert len(clause) == 1, clause
    ((kind, body),) = clause.items()
    assert isinstance(body, dict)
    if kind == "bool":
        assert set(body) <= {"must", "filter", "should", "must_not", "minimum_should_match"}
        assert body.get("minimum_should_match", 1) == 1
        for occurrence in ("must", "filter", "should", "must_not"):
            for child in body.get(occurrence, []):
                _check_clause(child)
    elif kind == "multi_match":
        assert set(body) <= {"query", "fields", "type", "operator", "slop", "max_expansions"}
        assert isinstance(body["query"], str)
        assert body["type"] in ("best_fields", "phrase", "phrase_prefix")
        assert body.get("operator", "and") == "and"
        assert {name.split("^")[0] for name in body["fields"]} <= ALLOWED_TEXT_FIELDS
        assert 0 <= body.get("slop", 0) <= MAX_SLOP
        assert body.get("max_expansions", PREFIX_MAX_EXPANSIONS) <= 50
    else:
        assert kind == "term", kind
        ((name, spec),) = body.items()
        assert name in ALLOWED_KEYWORD_FIELDS
        assert set(spec) <= {"value", "case_insensitive"}
        assert isinstance(spec["value"], str)


def _clauses(node: Node) -> dict[str, Any]:
    query = to_es(node)
    assert set(query) == {"bool"}
    _check_clause(query)
    return query["bool"]  # type: ignore[no-any-return]


def test_terms_search_every_language_and_the_folded_fields() -> None:
    (clause,) = _clauses(parse("arme"))["must"]
    match = clause["multi_match"]
    assert match["type"] == "best_fields"
    assert match["operator"] == "and"  # a term the analyser splits (e-mail) needs every piece
    assert {f.split("^")[0] for f in match["fields"]} == ALLOWED_TEXT_FIELDS


def test_scoped_terms_search_only_their_fields() -> None:
    (title,) = _clauses(parse("title:war"))["must"]
    assert {f.split("^")[0] for f in title["multi_match"]["fields"]} == {
        "title",
        *(f"title_{lang}" for lang in ANALYSED_LANGUAGES),
    }
    (body,) = _clauses(parse("body:war"))["must"]
    assert {f.split("^")[0] for f in body["multi_match"]["fields"]} == {
        "body",
        "summary",
        *(f"body_{lang}" for lang in ANALYSED_LANGUAGES),
    }


def test_phrases_and_proximity_clauses() -> None:
    (phrase,) = _clauses(parse('"a b"'))["must"]
    assert phrase["multi_match"]["type"] == "phrase"
    assert "slop" not in phrase["multi_match"]
    (near,) = _clauses(parse('"a b"~4'))["must"]
    assert near["multi_match"]["slop"] == 4


def test_prefixes_expand_on_the_folded_fields_only() -> None:
    (clause,) = _clauses(parse("négoci*"))["must"]
    match = clause["multi_match"]
    assert match == {
        "query": "négoci",
        "fields": ["title^2", "summary", "body"],
        "type": "phrase_prefix",
        "max_expansions": PREFIX_MAX_EXPANSIONS,
    }
    (title,) = _clauses(parse("title:négoci*"))["must"]
    assert title["multi_match"]["fields"] == ["title"]


@pytest.mark.parametrize(
    ("query", "term"),
    [
        ("source:LeMonde.fr", {"source": {"value": "LeMonde.fr"}}),
        ("lang:FR", {"language": {"value": "fr"}}),
        ("author:Dupont", {"authors": {"value": "Dupont", "case_insensitive": True}}),
        ("person:Macron", {"people": {"value": "Macron", "case_insensitive": True}}),
        ("org:OPEC", {"organisations": {"value": "OPEC", "case_insensitive": True}}),
        ("place:Paris", {"places": {"value": "Paris", "case_insensitive": True}}),
        ("entity:geonames:524901", {"entity_ids": {"value": "geonames:524901"}}),
    ],
)
def test_keyword_fields_filter_with_term(query: str, term: dict[str, Any]) -> None:
    assert _clauses(parse(query)) == {"filter": [{"term": term}]}


def test_entity_names_match_any_label() -> None:
    (clause,) = _clauses(parse('entity:"Vladimir Putin"'))["filter"]
    terms = clause["bool"]["should"]
    assert [next(iter(t["term"])) for t in terms] == ["people", "organisations", "places", "misc"]
    assert all(
        t["term"][f] == {"value": "Vladimir Putin", "case_insensitive": True}
        for t in terms
        for f in t["term"]
    )


def test_and_puts_text_in_must_keywords_in_filter_negations_in_must_not() -> None:
    parts = _clauses(parse("war title:peace lang:fr -source:x -Trump"))
    assert [next(iter(c)) for c in parts["must"]] == ["multi_match", "multi_match"]
    assert parts["filter"] == [{"term": {"language": {"value": "fr"}}}]
    assert [next(iter(c)) for c in parts["must_not"]] == ["term", "multi_match"]


def test_or_alternatives_and_keyword_alternatives_do_not_score() -> None:
    (clause,) = _clauses(parse("war OR lang:fr"))["must"]
    should = clause["bool"]["should"]
    assert clause["bool"]["minimum_should_match"] == 1
    assert "multi_match" in should[0]
    assert should[1] == {"bool": {"filter": [{"term": {"language": {"value": "fr"}}}]}}
    # An OR of keywords only filters as a whole.
    assert set(_clauses(parse("(lang:fr OR lang:en) war"))) == {"must", "filter"}


def test_a_lone_negation_is_a_bool_with_must_not_only() -> None:
    assert set(_clauses(parse("-lang:fr"))) == {"must_not"}
    (clause,) = _clauses(parse("a OR NOT b"))["must"]
    assert clause["bool"]["should"][1] == {"bool": {"must_not": [to_es(b)["bool"]["must"][0]]}}


# --- explanations -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "reading"),
    [
        ("title:war -lang:fr", '(title contains "war") AND NOT (language is "fr")'),
        (
            "a OR b c",
            '(text contains "a") OR ((text contains "b") AND (text contains "c"))',
        ),
        ("NOT (a OR b)", 'NOT ((text contains "a") OR (text contains "b"))'),
        ("nucl*", '(text contains a word starting with "nucl")'),
        ('"a b"~3', '(text contains the phrase "a b" with up to 3 words of slack)'),
        ('body:"a \\"b\\""', '(body contains the phrase "a \\"b\\"")'),
        ("source:lemonde.fr", '(source is "lemonde.fr")'),
        ('author:"Jean Dupont"', '(author is "Jean Dupont")'),
        ('entity:"Vladimir Poutine"', '(entity is "Vladimir Poutine")'),
        ("entity:geonames:524901", '(entity id is "geonames:524901")'),
        (
            "person:Macron org:OPEC place:Paris",
            '(person is "Macron") AND (organisation is "OPEC") AND (place is "Paris")',
        ),
    ],
)
def test_explain(query: str, reading: str) -> None:
    assert explain(parse(query)).split("\nNote: ")[0] == reading


# --- properties -------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "a",
        "b",
        "élection",
        "Москва",
        "10:30",
        "nucl*",
        "ab*",
        "*x",
        "x?",
        "war~1",
        '"a b"',
        '"a b"~3',
        '"open',
        "AND",
        "OR",
        "NOT",
        "and",
        "-",
        "+",
        "(",
        ")",
        "\\",
        '\\"',
        "title:",
        "body:",
        "lang:",
        "lang:fr",
        "source:",
        "entity:",
        "entity:Q1",
        "geonames:1",
        "foo:",
        "_source:",
        "script:",
        "{",
        '{"match_all":{}}',
        "^2",
        "[",
        "/",
        "!",
        "&&",
        " ",
        " ",
        "\n",
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=24).map("".join))
def test_queries_from_pieces_parse_or_fail_cleanly(query: str) -> None:
    _parse_or_fail_cleanly(query)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_any_text_parses_or_fails_cleanly(query: str) -> None:
    _parse_or_fail_cleanly(query)


def _parse_or_fail_cleanly(query: str) -> None:
    """Anything but a ``QuerySyntaxError`` (or a clause off the whitelist) fails the test."""
    try:
        node = parse(query)
    except QuerySyntaxError as exc:
        error = exc
    else:
        _check_clause(to_es(node))
        assert explain(node)
        return
    assert 0 <= error.position <= len(query)
    assert error.message
    render_caret(query, error)
