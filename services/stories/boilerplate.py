# ruff: noqa: RUF001, RUF002, RUF003 (Cyrillic words, typographic dashes and quotes are what the
# patterns look for)
"""The text a near-duplicate fingerprint is taken from.

A syndicated copy differs from its original mostly in what surrounds the report: the agency
credit ("(AFP)", "© Reuters 2026", "Avec AFP", "— dpa"), the byline, a dateline before the first
sentence ("PARIS (Reuters) -", "MOSCOU, 3 mars (AFP) -", "МОСКВА, 3 марта. /ТАСС/."), links to
other articles ("Read also: …", "Lire aussi : …", "Lesen Sie auch", "Lea también",
"Читайте также") and sharing or subscription prompts. None of it may decide whether two texts
are one report, so it is removed before shingling:

- **line rules**: a line (a paragraph or a line of one) no longer than ``MAX_BOILERPLATE_LINE``
  characters that is only a credit, a copyright notice, a byline, a photo credit, a
  "read also" link or a subscribe/share/follow prompt, in English, French, German, Spanish or
  Russian, is dropped;
- **footer block**: from the first such line among the trailing short lines of the text, every
  line after it is dropped too (the newsletter pitch under "Subscribe…" matches no rule of its
  own);
- **dateline**: a place in capitals (or any place followed by an agency in parentheses or
  slashes), an optional date and a dash are removed from the start of the first line;
- **trailing credit**: "(AFP)", "(avec Reuters)" closing a paragraph is removed.

The rules are patterns over the shape of such lines (marker words, agency names — a closed set —,
name-shaped words), never the exact strings of our samples; ``tests/services/stories`` checks
them on lines written for the tests, not taken from the labelled set.

``normalise`` then folds what differs between outlets' typography without changing the words:
compatibility forms (NFKD), accents and other combining marks (so "Pekin" meets "Pékin" and
Russian "ё" meets "е", which copies use interchangeably), case (``casefold``), whitespace.
Punctuation is left to the tokenizer of ``fingerprint``, which keeps only word characters.
"""

from __future__ import annotations

import re
import unicodedata

# Longer lines are the report itself, whatever they start with.
MAX_BOILERPLATE_LINE = 300
# A footer block is made of short lines; a real paragraph ends it.
MAX_FOOTER_LINE = 160

_AGENCY = (
    r"(?:AFP|Agence\s+France[- ]Presse|Reuters|Thomson\s+Reuters|AP|Associated\s+Press|"
    r"dpa|DPA|EFE|Europa\s+Press|ANSA|Belga|Bloomberg|Xinhua|Kyodo|Yonhap|APA|KNA|epd|"
    r"SDA|ATS|Keystone[- ]ATS|Lusa|PAP|ČTK|CTK|UPI|PA|PA\s+Media|AAP|Anadolu|"
    r"Interfax|Интерфакс|TASS|ТАСС|ИТАР-ТАСС|RIA\s+Novosti|РИА\s+Новости|Прайм|РБК)"
)
_AGENCIES = rf"{_AGENCY}(?:\s*(?:,|/|&|\+|et|and|und|y|e|и)\s*{_AGENCY})*"
# "Avec AFP", "With Reuters", "Mit Material von dpa", "Con información de EFE",
# "По материалам ТАСС".
_WITH = (
    r"(?:avec|with|mit\s+material\s+von|mit|con\s+informaci[oó]n\s+de|con|seg[uú]n|"
    r"sources?|quelle|fuente|по\s+материалам|по\s+данным|источник|с)"
)
_NAME_WORD = r"(?:[A-ZÀ-ÖØ-ÞА-ЯЁ][\w'’.-]*|d[eiu]|de\s+la|van|von|der|del|la|le|bin|al-)"
_NAME = rf"[A-ZÀ-ÖØ-ÞА-ЯЁ][\w'’.-]*(?:\s+{_NAME_WORD}){{0,4}}"
_NAMES = rf"{_NAME}(?:\s*(?:,|&|and|et|und|y|и)\s*{_NAME})*"

_CREDIT_LINE = re.compile(
    rf"""^[\s(\[—–-]*
    (?:(?:©|\(c\)|copyright)\s*)?(?:\d{{4}}\s*)?
    (?:{_WITH}\s*:?\s*)?
    {_AGENCIES}
    (?:\s*(?:\d{{4}}|photo|foto|фото|video|vidéo|видео))?
    [\s)\].]*$""",
    re.IGNORECASE | re.VERBOSE,
)
# "Jane Doe, AFP", "Jane Doe / dpa": a name then a credit.
_NAME_CREDIT_LINE = re.compile(rf"^{_NAMES}\s*[,/|–—-]\s*(?i:{_AGENCIES})\.?$")
_BYLINE = re.compile(
    rf"^(?:(?i:by|par|von|por)\s+|(?i:автор|текст)\s*:\s*){_NAMES}"
    r"(?:\s*[,|–—-]\s*[^.!?]{0,80})?$"
)
_MARKED_LINE = re.compile(
    r"""^[\s»>•*\-–—]*(?:
    # copyright and rights notices
    ©|\(c\)\s|copyright\b|all\s+rights\s+reserved|tous\s+droits\s+r[ée]serv[ée]s|
    alle\s+rechte\s+vorbehalten|todos\s+los\s+derechos\s+reservados|все\s+права\s+защищены|
    # wire-service credits
    \(?(?:additional\s+)?reporting\s+by|writing\s+by|editing\s+by|edited\s+by|compiled\s+by|
    \(?r[ée]daction\s*:|\(?mit\s+material\s+von|
    # links to other articles
    read\s+(?:also|more)|see\s+also|also\s+read|more\s+on\s+this|related\s*(?::|articles?|stories)|
    lire\s+(?:aussi|[ée]galement|la\s+suite)|[àa]\s+lire\s+(?:aussi|[ée]galement)|voir\s+aussi|
    sur\s+le\s+m[êe]me\s+sujet|lesen\s+sie\s+(?:auch|mehr|hier)|mehr\s+zum\s+thema|siehe\s+auch|
    auch\s+interessant|le[ae]\s+tambi[ée]n|leer\s+tambi[ée]n|ver\s+tambi[ée]n|
    te\s+puede\s+interesar|le\s+puede\s+interesar|m[áa]s\s+informaci[óo]n\s*:|
    читайте\s+(?:также|подробнее|далее)|смотрите\s+также|также\s+читайте|по\s+теме\s*:|
    подробнее\s*:|
    # subscribe, share, follow, advertising
    subscribe\b|sign\s+up\b|newsletter\b|share\s+(?:this|the)\s+(?:article|story|page)|
    share\s+on\b|follow\s+us\b|abonnez-vous|inscrivez-vous|s['’]abonner|
    partager(?:\s+cet\s+article)?\s*$|suivez-nous|abonnieren\s+sie|jetzt\s+abonnieren|
    artikel\s+teilen|teilen\s+sie|folgen\s+sie\s+uns|suscr[íi]b(?:ete|ase|irse)|
    compartir(?:\s+(?:este|esta|en)\b|\s*$)|s[íi]guenos|подписывайтесь|подпишитесь|
    поделиться|следите\s+за\s+нами|advertisement\s*$|publicit[ée]\s*$|anzeige\s*$|
    publicidad\s*$|реклама\s*$|
    # photo credits
    (?:cr[ée]dits?\s+photos?|photo|foto|image|illustration|bild|фото|cr[ée]dit|credit)s?\s*:
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_CREDIT_TAIL = 80
_TRAILING_CREDIT = re.compile(
    rf"\s*[(\[]\s*(?:{_WITH}\s+)?{_AGENCIES}\s*[)\]]\s*$|\s+[—–]\s*{_AGENCIES}\s*$",
    re.IGNORECASE,
)
# "PARIS (Reuters) -", "MOSCOU, 3 mars (AFP) -", "Madrid, 5 mar (EFE).-", "МОСКВА, 3 марта.
# /ТАСС/.", "МОСКВА, 3 мар — РИА Новости.", "WASHINGTON — ": a place, a date, a credit, a dash.
_UPPER = r"A-ZÀ-ÖØ-ÞА-ЯЁ"
_DATE = r"(?:\s*,\s*[^()/\n—–-]{1,30}?)?"
_DATELINE = re.compile(
    rf"""^\s*(?:
    # a place in capitals, optional date, optional credit, then a dash (or a credit's stop); a
    # hyphen needs a space before it ("SANKT-PETERBURG" is one place)
    [{_UPPER}][{_UPPER}'’ .-]{{2,40}}?{_DATE}
      (?:\s*[(/]\s*(?i:{_AGENCIES})\s*[)/]\s*\.?\s*[-–—:.]+
        |\.?(?:\s+-+|\s*[–—]+)(?:\s*(?i:{_AGENCIES})\.)?)
    |
    # any capitalised place (one to three words) when an agency in parentheses follows
    [{_UPPER}][\w'’.-]*(?:[ -][\w'’.-]+){{0,2}}{_DATE}
      \s*[(/]\s*(?i:{_AGENCIES})\s*[)/]\s*\.?\s*[-–—:.]+
    |
    # a bare credit opening the text: "(AFP) - "
    [(]\s*(?i:{_AGENCIES})\s*[)]\s*[-–—:]+
    )\s*""",
    re.VERBOSE,
)
_COMBINING = re.compile(
    r"[\u0300-\u036f\u0483-\u0489\u064b-\u065f\u0670\u1ab0-\u1aff\u20d0-\u20ff]"
)


def is_boilerplate_line(line: str) -> bool:
    """Whether one line of text is a credit, byline, copyright, link or prompt line."""
    text = line.strip()
    if not text or len(text) > MAX_BOILERPLATE_LINE:
        return False
    return bool(
        _MARKED_LINE.match(text)
        or _CREDIT_LINE.match(text)
        or _NAME_CREDIT_LINE.match(text)
        or _BYLINE.match(text)
    )


def strip_dateline(text: str) -> str:
    """``text`` without a dateline before its first sentence."""
    match = _DATELINE.match(text)
    if match is None or match.end() >= len(text):
        return text
    return text[match.end() :]


def strip_boilerplate(text: str) -> str:
    """The report without its credits, bylines, links, prompts and dateline; lines kept."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    flags = [is_boilerplate_line(line) for line in lines]
    end = _footer_start(lines, flags)
    kept = [
        _strip_trailing_credit(line)
        for line, boilerplate in zip(lines[:end], flags[:end], strict=True)
        if not boilerplate
    ]
    if kept:
        kept[0] = strip_dateline(kept[0])
    return "\n".join(line for line in kept if line)


def _strip_trailing_credit(line: str) -> str:
    # Searched in the line's tail only: an unanchored search over a whole paragraph costs more
    # than the rest of the cleaning together.
    tail = line[-_CREDIT_TAIL:]
    match = _TRAILING_CREDIT.search(tail)
    return line if match is None else line[: len(line) - len(tail) + match.start()]


def _footer_start(lines: list[str], flags: list[bool]) -> int:
    """Index where the footer block starts (``len(lines)`` when there is none).

    The block is the run of short lines closing the text, after its first line of report; it
    starts at its first boilerplate line, so a short last sentence of the report is kept.
    """
    first_text = next((i for i, flagged in enumerate(flags) if not flagged), len(lines))
    start = len(lines)
    while start > first_text + 1 and (flags[start - 1] or len(lines[start - 1]) <= MAX_FOOTER_LINE):
        start -= 1
    return next((i for i in range(start, len(lines)) if flags[i]), len(lines))


def normalise(text: str) -> str:
    """Compatibility forms, accents and case folded, whitespace collapsed."""
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return " ".join(text.casefold().split())


def fingerprint_text(body: str, summary: str = "") -> str:
    """What an article's fingerprint is taken from: its body, else its summary, cleaned.

    The title is left out: a copy's headline is the first thing an outlet rewrites.
    """
    return normalise(strip_boilerplate(body if body.strip() else summary))
