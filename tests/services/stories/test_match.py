"""The near-duplicate decision on hand-made cases, and the configuration's checks."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.stories.config import NearDupConfig
from services.stories.fingerprint import estimate_similarity
from services.stories.match import band_keys_of, fingerprint_of, is_near_duplicate, threshold_for

CONFIG = NearDupConfig()

P1 = (
    "Talks between the two delegations resumed in Geneva on Monday after a six-week pause, with"
    " mediators saying that a draft agreement on prisoner exchanges and humanitarian corridors"
    " could be ready before the end of the month."
)
P2 = (
    "The head of the mediation team told reporters that both sides had accepted the principle of"
    " an independent monitoring mission, although its size and mandate remained disputed and"
    " would be discussed again on Wednesday."
)
P3 = (
    "Humanitarian agencies welcomed the resumption of the talks but warned that winter would make"
    " access to the eastern regions harder, and that fuel and medical supplies were already"
    " running short in several towns near the front line."
)
ORIGINAL = f"{P1}\n\n{P2}\n\n{P3}"
NEW_1 = (
    "Fighting intensified overnight around the river crossing, local officials said, as artillery"
    " fire damaged a power station and left thousands of homes without electricity or heating in"
    " freezing temperatures."
)
NEW_2 = (
    "The regional governor asked for emergency generators and said schools would stay closed for"
    " the rest of the week while engineers assessed the damage to the network and to the water"
    " pumping stations."
)


def _near(a: str, b: str, config: NearDupConfig = CONFIG) -> bool:
    return is_near_duplicate(fingerprint_of(a, "", config), fingerprint_of(b, "", config), config)


def test_a_wire_copy_with_dateline_credits_and_footer_is_a_near_duplicate() -> None:
    copy = (
        f"By Hannah Leclerc\n\nGENEVA (Reuters) - {P1}\n\n{P2}\n\n{P3}\n\n"
        "Reporting by Hannah Leclerc; Editing by Tom Ashby\n"
        "Read more: Winter threatens aid deliveries\n© Reuters 2025"
    )
    a, b = fingerprint_of(ORIGINAL, "", CONFIG), fingerprint_of(copy, "", CONFIG)
    assert estimate_similarity(a.signature, b.signature) == 1.0  # all of it was boilerplate
    assert set(band_keys_of(a, CONFIG)) == set(band_keys_of(b, CONFIG))


def test_a_copy_with_its_last_third_cut_and_paragraphs_swapped_is_a_near_duplicate() -> None:
    assert _near(ORIGINAL, f"{P2}\n\n{P1}")


def test_a_follow_up_reusing_one_background_paragraph_is_not() -> None:
    follow_up = f"{NEW_1}\n\n{NEW_2}\n\n{P1}"
    assert not _near(ORIGINAL, follow_up)
    assert not _near(f"{NEW_1}\n\n{NEW_2}", ORIGINAL)


def test_two_briefs_of_one_template_are_not_but_a_re_credited_teaser_is() -> None:
    one = (
        "Shares in Acme Industries rose 4 per cent in Paris on Monday after the group reported"
        " quarterly results ahead of expectations, the company said."
    )
    two = (
        "Shares in Acme Holdings rose 7 per cent in Paris on Friday after the group reported"
        " quarterly results ahead of expectations, the company said."
    )
    a, b = fingerprint_of(one, "", CONFIG), fingerprint_of(two, "", CONFIG)
    assert a.shingles < CONFIG.short_shingles
    similarity = estimate_similarity(a.signature, b.signature)
    assert CONFIG.threshold <= similarity < CONFIG.short_threshold  # only the short rule saves it
    assert not is_near_duplicate(a, b, CONFIG)
    assert _near(one, f"PARIS (AFP) - {one}\n\n(AFP)")


def test_threshold_depends_on_the_shorter_text() -> None:
    long_, short = fingerprint_of(ORIGINAL, "", CONFIG), fingerprint_of(P1, "", CONFIG)
    assert threshold_for(long_, long_, CONFIG) == CONFIG.threshold
    assert threshold_for(long_, short, CONFIG) == CONFIG.short_threshold
    assert threshold_for(short, long_, replace(CONFIG, short_shingles=0)) == CONFIG.threshold


def test_summary_stands_in_for_a_missing_body() -> None:
    assert fingerprint_of("", P1, CONFIG).shingles == fingerprint_of(P1, "", CONFIG).shingles > 0


@pytest.mark.parametrize(
    "changes",
    [
        {"bands": 33},
        {"rows": 0},
        {"shingle_words": 0},
        {"threshold": 0.0},
        {"short_threshold": 1.5},
        {"short_shingles": -1},
    ],
)
def test_config_refuses_inconsistent_values(changes: dict[str, int | float]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (each case has its own message)
        replace(CONFIG, **changes)  # type: ignore[arg-type]
