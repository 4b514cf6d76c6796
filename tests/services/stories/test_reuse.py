"""When a copy may take its original's language and entities, and the offsets found again."""

from __future__ import annotations

from services.stories.reuse import Reuse, capitalised_words, locate, plan
from shared.models import Entity, EntityLabel

TITLE = "Lavrov to visit Beijing ahead of Putin trip"
BODY = (
    "Russian Foreign Minister Sergei Lavrov will travel to Beijing next week to meet Wang Yi, the"
    " ministry said on Tuesday.\n\nThe talks will prepare a visit by Vladimir Putin early next"
    " year. Mr Putin last visited China in May."
)
ORIGINAL = (TITLE, BODY)


def test_identical_texts_reuse_everything() -> None:
    assert plan(ORIGINAL, ORIGINAL, near_duplicate=True) is Reuse.ALL


def test_not_a_near_duplicate_reuses_nothing() -> None:
    assert plan((TITLE, "Something else."), ORIGINAL, near_duplicate=False) is Reuse.NONE


def test_a_trimmed_re_credited_copy_reuses_the_entities() -> None:
    body = "MOSCOW (Reuters) - " + BODY.split("\n\n")[0] + "\n\n© Reuters 2025\nBy Anna Petrova"
    assert plan((TITLE, body), ORIGINAL, near_duplicate=True) is Reuse.ENTITIES


def test_a_new_name_in_the_body_means_ner_runs() -> None:
    body = BODY + " Kazakh President Kassym-Jomart Tokayev will join them."
    assert plan((TITLE, body), ORIGINAL, near_duplicate=True) is Reuse.LANGUAGE


def test_a_new_name_in_the_headline_only_reuses_the_body_entities() -> None:
    copy = ("Xi Jinping to host Lavrov in Beijing", BODY)
    assert plan(copy, ORIGINAL, near_duplicate=True) is Reuse.BODY_ENTITIES


def test_credits_and_datelines_bring_no_capitalised_word() -> None:
    words = capitalised_words("", "MOSCOW (Reuters) - The talks resumed.\n\nBy Anna Petrova")
    assert words == {"The"}


def _entity(canonical: str, label: EntityLabel, forms: list[str], text: str) -> Entity:
    offsets = [(text.index(f), text.index(f) + len(f)) for f in forms]
    return Entity(
        canonical=canonical, label=label, surface_forms=forms, count=len(forms), offsets=offsets
    )


def test_locate_finds_offsets_again_in_the_copy() -> None:
    text = f"{TITLE}\n\n{BODY}"
    putin = _entity("Vladimir Putin", "PER", ["Putin", "Vladimir Putin", "Mr Putin"], text)
    wang = _entity("Wang Yi", "PER", ["Wang Yi"], text)
    copy_title = "Lavrov heads to Beijing"
    copy_body = "MOSCOW (Reuters) - " + BODY.split("\n\n")[1]
    found = locate([putin, wang], copy_title, copy_body)
    copy_text = f"{copy_title}\n\n{copy_body}"
    assert [e.canonical for e in found] == ["Vladimir Putin"]  # Wang Yi was cut
    (entity,) = found
    assert [copy_text[s:e] for s, e in entity.offsets] == ["Vladimir Putin", "Mr Putin"]
    assert entity.count == 2  # "Putin" inside "Vladimir Putin" is not a mention of its own
    assert entity.surface_forms == ["Putin", "Vladimir Putin", "Mr Putin"]


def test_locate_matches_whole_words_and_can_skip_the_title() -> None:
    china = Entity(canonical="China", label="LOC", surface_forms=["China"], count=1)
    found = locate([china], "China and Indochina", "Trade with China grew.")
    in_body = len("China and Indochina\n\nTrade with ")
    assert found[0].offsets == [(0, 5), (in_body, in_body + 5)]
    only_body = locate([china], "China and Indochina", "Trade with China grew.", body_only=True)
    assert only_body[0].offsets == [(in_body, in_body + 5)]
    assert locate([china], "Indochina", "Nothing here.") == []
