# ruff: noqa: RUF001 (Cyrillic and typographic dashes are the data here)
"""Builds samples/neardup/pairs.jsonl, the labelled near-duplicate pairs, from samples/.

    .venv/bin/python samples/neardup/make_pairs.py [--check]

Deterministic: one seeded ``random.Random``, articles in id order, no iteration over sets, so
the output is the same bytes on every run (``--check`` fails when the committed file differs).
How the pairs are made and labelled: samples/neardup/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from services.ingest.errors import InvalidInputError  # noqa: E402
from services.ingest.files import file_items  # noqa: E402

SAMPLES = ROOT / "samples"
OUTPUT = Path(__file__).resolve().parent / "pairs.jsonl"
SEED = 20261123
FETCHED_AT = datetime(2026, 12, 1, tzinfo=UTC)  # only fills a required field; never written
SHORT = 400  # characters: below, an article is a short text (brief, teaser)

_SENTENCE = re.compile(r"(?<=[.!?。»])\s+(?=[«\"A-ZÀ-ÖØ-ÞА-ЯЁ0-9])")


@dataclass(frozen=True)
class Article:
    id: str
    language: str
    title: str
    summary: str
    body: str

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.split("\n\n") if p.strip()]


Text = tuple[str, str]  # (title, body)


# -- what outlets wrap around a report (per language) ---------------------------------------------

MONTHS = {
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "novembre", "décembre"],
    "en": ["Jan.", "Feb.", "March", "April", "May", "June", "Nov.", "Dec."],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "November", "Dezember"],
    "es": ["ene", "feb", "mar", "abr", "may", "jun", "nov", "dic"],
    "ru": ["января", "февраля", "марта", "апреля", "мая", "июня", "ноября", "декабря"],
}
PLACES = {
    "fr": ["PARIS", "MOSCOU", "BRUXELLES", "GENÈVE", "WASHINGTON", "PÉKIN", "Lyon", "Marseille"],
    "en": ["LONDON", "MOSCOW", "BRUSSELS", "GENEVA", "WASHINGTON", "BEIJING", "New York"],
    "de": ["BERLIN", "MOSKAU", "BRÜSSEL", "GENF", "WASHINGTON", "PEKING", "Hamburg", "Wien"],
    "es": ["MADRID", "MOSCÚ", "BRUSELAS", "GINEBRA", "WASHINGTON", "PEKÍN", "Bilbao"],
    "ru": ["МОСКВА", "САНКТ-ПЕТЕРБУРГ", "БРЮССЕЛЬ", "ЖЕНЕВА", "ВАШИНГТОН", "ПЕКИН"],
}
PEOPLE = [
    "Claire Moreau",
    "Tom Whitfield",
    "Anke Brandt",
    "Lucía Herrera",
    "Ирина Соколова",
    "Marc-Antoine Lefèvre",
    "Daniel O'Brien",
    "Jörg Habermann",
    "José Luis Ortega",
    "Дмитрий Волков",
]
AGENCIES = {
    "fr": ["AFP", "Reuters", "AP", "Belga"],
    "en": ["Reuters", "AP", "AFP", "PA Media"],
    "de": ["dpa", "AFP", "Reuters", "APA"],
    "es": ["EFE", "Europa Press", "AFP", "Reuters"],
    "ru": ["ТАСС", "Интерфакс", "РИА Новости"],
}


def dateline(rng: random.Random, language: str) -> str:
    place = rng.choice(PLACES.get(language, PLACES["en"]))
    month = rng.choice(MONTHS.get(language, MONTHS["en"]))
    day = rng.randint(1, 28)
    agency = rng.choice(_lang(AGENCIES, language))
    styles = [
        f"{place} ({agency}) - ",
        f"{place}, {day} {month} ({agency}) - ",
        f"{place} — ",
        f"{place}, {day} {month} ({agency}).- ",
    ]
    if language == "ru":
        styles += [f"{place}, {day} {month}. /ТАСС/. ", f"{place}, {day} {month} — РИА Новости. "]
    if language == "de":
        styles.append(f"{place} (dpa) – ")
    return rng.choice(styles)


BYLINE = {
    "fr": ["Par {name}", "Par {name}, correspondant à {place}", "{name}, avec {agency}"],
    "en": ["By {name}", "By {name} in {place}", "{name}, {agency}"],
    "de": ["Von {name}", "Von {name}, {place}", "{name} / {agency}"],
    "es": ["Por {name}", "Por {name} | {place}", "{name}, {agency}"],
    "ru": ["Автор: {name}", "Текст: {name}", "{name}, {agency}"],
}
CREDIT = {
    "fr": ["(AFP)", "Avec AFP", "Le Monde-Exemple avec {agency}", "© {agency} 2026", "— {agency}"],
    "en": ["(Reuters)", "© Reuters 2026", "With AP", "Reporting by {name}; Editing by {name2}"],
    "de": ["(dpa)", "Mit Material von dpa", "© dpa-infocom, dpa:261124", "— {agency}"],
    "es": ["(EFE)", "Con información de EFE", "© Europa Press 2026", "— {agency}"],
    "ru": ["(ТАСС)", "По материалам ТАСС", "© РИА Новости 2026", "— Интерфакс"],
}
READ_ALSO = {
    "fr": ["Lire aussi : {title}", "À lire aussi {title}", "Lire aussi | {title}"],
    "en": ["Read also: {title}", "Read more: {title}", "See also: {title}"],
    "de": ["Lesen Sie auch: {title}", "Mehr zum Thema: {title}", "Lesen Sie auch {title}"],
    "es": ["Lea también: {title}", "Te puede interesar: {title}", "Leer también: {title}"],
    "ru": ["Читайте также: {title}", "Смотрите также: {title}", "По теме: {title}"],
}
PROMPTS = {
    "fr": [
        "Abonnez-vous à notre newsletter quotidienne",
        "Partager cet article",
        "Suivez-nous sur les réseaux sociaux",
    ],
    "en": ["Subscribe to our morning briefing", "Share this article", "Follow us on social media"],
    "de": [
        "Abonnieren Sie unseren Newsletter",
        "Artikel teilen",
        "Folgen Sie uns auf Social Media",
    ],
    "es": ["Suscríbete a nuestro boletín", "Compartir este artículo", "Síguenos en redes sociales"],
    "ru": ["Подписывайтесь на наш канал", "Поделиться", "Следите за нами в соцсетях"],
}
# A house blurb matches no rule: boilerplate the stripping cannot know about.
BLURB = {
    "fr": [
        "Cet article vous est offert par notre rédaction, qui couvre l'actualité internationale "
        "chaque jour depuis ses bureaux et grâce au soutien de ses lecteurs.",
        "Notre journal est indépendant et financé par ses lecteurs : chaque contribution nous "
        "aide à garder nos correspondants sur le terrain.",
    ],
    "en": [
        "Our newsroom relies on readers like you to keep independent reporting free for "
        "everyone, wherever they are in the world.",
        "This report is part of our daily coverage of world affairs, produced by our "
        "correspondents and editors around the clock.",
    ],
    "de": [
        "Unabhängiger Journalismus braucht Unterstützung: Mit einem Abo helfen Sie unserer "
        "Redaktion, weiterhin aus aller Welt zu berichten.",
        "Dieser Bericht gehört zu unserer täglichen Berichterstattung aus den Hauptstädten "
        "Europas und der Welt.",
    ],
    "es": [
        "Nuestro periódico es independiente gracias a sus lectores: cada suscripción ayuda a "
        "mantener a nuestros corresponsales sobre el terreno.",
        "Este artículo forma parte de nuestra cobertura diaria de la actualidad internacional, "
        "elaborada por nuestra redacción.",
    ],
    "ru": [
        "Наша редакция работает благодаря читателям: каждая подписка помогает нашим "
        "корреспондентам продолжать работу на местах.",
        "Этот материал входит в нашу ежедневную подборку главных новостей России и мира.",
    ],
}
FILLER = {
    "fr": ["notamment", "également", "ainsi", "toutefois"],
    "en": ["also", "however", "notably", "meanwhile"],
    "de": ["auch", "jedoch", "zudem", "allerdings"],
    "es": ["también", "sin embargo", "además", "asimismo"],
    "ru": ["также", "однако", "кроме того", "при этом"],
}
HEADLINE = {
    "fr": ["VIDÉO. {title}", "{title} | Le Monde-Exemple", "{summary}", "INFO {agency}. {title}"],
    "en": ["WATCH: {title}", "{title} - report", "{summary}", "UPDATE 1-{title}"],
    "de": ["Liveblog: {title}", "{title} | Nachrichten", "{summary}", "Eilmeldung: {title}"],
    "es": ["ÚLTIMA HORA | {title}", "{title} - Noticias", "{summary}", "VÍDEO | {title}"],
    "ru": ["Главное: {title}", "{title} — новости", "{summary}", "Срочно: {title}"],
}


def _lang(table: dict[str, list[str]], language: str) -> list[str]:
    return table.get(language, table["en"])


def footer_lines(
    rng: random.Random, language: str, others: list[Article], blurb: bool
) -> list[str]:
    """2 to 4 footer lines of one outlet, in some order an outlet would use."""
    fill = {
        "agency": rng.choice(_lang(AGENCIES, language)),
        "name": rng.choice(PEOPLE),
        "name2": rng.choice(PEOPLE),
        "title": rng.choice(others).title if others else "",
    }
    pool = [
        rng.choice(_lang(CREDIT, language)),
        rng.choice(_lang(READ_ALSO, language)),
        rng.choice(_lang(PROMPTS, language)),
        rng.choice(_lang(PROMPTS, language)),
    ]
    lines = rng.sample(pool, rng.randint(2, 4))
    if blurb:
        lines.insert(0, rng.choice(_lang(BLURB, language)))
    return list(dict.fromkeys(line.format(**fill) for line in lines))


def byline(rng: random.Random, language: str) -> str:
    return rng.choice(_lang(BYLINE, language)).format(
        name=rng.choice(PEOPLE),
        place=rng.choice(PLACES.get(language, PLACES["en"])).title(),
        agency=rng.choice(_lang(AGENCIES, language)),
    )


# -- positive transforms: each returns a new (title, body) ----------------------------------------


@dataclass
class Context:
    rng: random.Random
    article: Article
    same_language: list[Article]  # other articles in the article's language
    notes: list[str]


def sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE.split(paragraph) if s]


def t_headline(ctx: Context, text: Text) -> Text:
    pattern = ctx.rng.choice(_lang(HEADLINE, ctx.article.language))
    title = pattern.format(
        title=text[0],
        summary=ctx.article.summary or text[0],
        agency=ctx.rng.choice(_lang(AGENCIES, ctx.article.language)),
    )
    return title, text[1]


def t_trim(ctx: Context, text: Text) -> Text:
    """Cut the last 10-40 % of the body: whole sentences when they fit, else words."""
    body = text[1]
    target = ctx.rng.uniform(0.10, 0.40)
    paragraphs = [sentences(p) for p in body.split("\n\n")]
    flat = [(i, s) for i, p in enumerate(paragraphs) for s in p]
    kept = list(flat)
    while kept and 1 - sum(len(s) for _, s in kept) / len(body) < target:
        kept.pop()
    cut = 1 - sum(len(s) for _, s in kept) / len(body)
    if not kept or cut > 0.45:
        words = body.split(" ")
        result = " ".join(words[: round(len(words) * (1 - target))])
    else:
        result = "\n\n".join(
            " ".join(s for i, s in kept if i == n) for n in range(len(paragraphs))
        ).strip()
    ctx.notes.append(f"cut {1 - len(result) / len(body):.0%}")
    return text[0], result


def t_footer(ctx: Context, text: Text) -> Text:
    lines = footer_lines(
        ctx.rng, ctx.article.language, ctx.same_language, blurb=ctx.rng.random() < 0.3
    )
    return text[0], text[1] + "\n\n" + "\n".join(lines)


def t_dateline(ctx: Context, text: Text) -> Text:
    return text[0], dateline(ctx.rng, ctx.article.language) + text[1]


def t_byline(ctx: Context, text: Text) -> Text:
    return text[0], byline(ctx.rng, ctx.article.language) + "\n\n" + text[1]


def t_reorder(ctx: Context, text: Text) -> Text:
    paragraphs = [p for p in text[1].split("\n\n") if p.strip()]
    if len(paragraphs) < 2:
        paragraphs = sentences(text[1])
    if len(paragraphs) < 2:
        return text
    order = list(range(len(paragraphs)))
    while order == sorted(order):
        ctx.rng.shuffle(order)
    ctx.notes.append("order " + ",".join(map(str, order)))
    return text[0], "\n\n".join(paragraphs[i] for i in order)


def t_edit(ctx: Context, text: Text) -> Text:
    """2 to 4 word edits (1 in a short text): a word dropped, replaced by another word of the
    text, swapped with its neighbour, or added."""
    rng = ctx.rng
    words = text[1].split(" ")
    edits = rng.randint(2, 4) if len(words) >= 60 else 1
    for _ in range(edits):
        at = rng.randrange(1, len(words) - 1) if len(words) > 2 else 0
        op = rng.choice(["drop", "replace", "swap", "add"])
        if op == "drop" and len(words) > 3:
            del words[at]
        elif op == "replace":
            words[at] = rng.choice(words)
        elif op == "swap" and at + 1 < len(words):
            words[at], words[at + 1] = words[at + 1], words[at]
        else:
            words.insert(at, rng.choice(_lang(FILLER, ctx.article.language)))
    ctx.notes.append(f"{edits} word edits")
    return text[0], " ".join(words)


def t_insert(ctx: Context, text: Text) -> Text:
    """One sentence of another article in the language inserted between two sentences."""
    donor = ctx.rng.choice(ctx.same_language)
    sentence = ctx.rng.choice([s for p in donor.paragraphs for s in sentences(p)])
    paragraphs = text[1].split("\n\n")
    at = ctx.rng.randrange(len(paragraphs))
    parts = sentences(paragraphs[at])
    parts.insert(ctx.rng.randint(0, len(parts)), sentence)
    paragraphs[at] = " ".join(parts)
    return text[0], "\n\n".join(paragraphs)


TRANSFORMS: dict[str, Callable[[Context, Text], Text]] = {
    "headline": t_headline,
    "trim": t_trim,
    "footer": t_footer,
    "dateline": t_dateline,
    "byline": t_byline,
    "reorder": t_reorder,
    "edit": t_edit,
    "insert": t_insert,
}
SINGLE = ["headline", "trim", "footer", "reorder", "edit", "insert"]
SYNDICATION = ["headline", "dateline", "byline", "footer"]  # a wire copy as outlets print it
ORDER = list(TRANSFORMS)  # combinations apply transforms in this order


def transformed(ctx: Context, names: list[str]) -> Text:
    text: Text = (ctx.article.title, ctx.article.body or ctx.article.summary)
    for name in sorted(names, key=ORDER.index):
        text = TRANSFORMS[name](ctx, text)
    return text


# -- the pairs ------------------------------------------------------------------------------------


def load_articles() -> tuple[list[Article], list[tuple[Article, Article]]]:
    """Every distinct well-formed article of samples/ by id, and the real copies among them (the
    same story in two feeds)."""
    seen: dict[str, Article] = {}
    copies: list[tuple[Article, Article]] = []
    for path in sorted(SAMPLES.rglob("*")):
        if path.is_dir() or path.suffix == ".md" or path.name == "gold.json":
            continue
        if path.parent.name == "neardup":
            continue
        for item in file_items(path):
            try:
                origin = dataclasses.replace(item.origin, fetched_at=FETCHED_AT)
                raw = dataclasses.replace(item, origin=origin).article()
            except InvalidInputError:
                continue
            language = (raw.language_hint or "und").split("-")[0]
            article = Article(raw.id, language, raw.title, raw.summary.strip(), raw.body.strip())
            if raw.id in seen:
                copies.append((seen[raw.id], article))
            seen.setdefault(raw.id, article)
    return [seen[key] for key in sorted(seen)], copies


def _side(title: str, body: str) -> dict[str, str]:
    return {"title": title, "body": body}


def pair(
    kind: str, label: int, a: Article, b: Text, b_source: str, note: str = ""
) -> dict[str, object]:
    return {
        "label": label,
        "kind": kind,
        "language": a.language,
        "source_a": a.id,
        "source_b": b_source,
        "a": _side(a.title, a.body or a.summary),
        "b": _side(*b),
        "note": note,
    }


SHORT_RECIPES = (["dateline", "footer"], ["headline", "edit"], ["byline", "footer"])


def positives(rng: random.Random, full: list[Article]) -> list[dict[str, object]]:
    """Per article: two single transforms (in turn), a wire copy as printed, a random mix."""
    out = []
    for turn, article in enumerate(full):
        others = [o for o in full if o.language == article.language and o.id != article.id]
        recipes = [
            [SINGLE[(2 * turn) % len(SINGLE)]],
            [SINGLE[(2 * turn + 1) % len(SINGLE)]],
            SYNDICATION,
            rng.sample(ORDER, rng.randint(3, 5)),
        ]
        for recipe in recipes:
            out.append(_positive(rng, article, recipe, others or full, ""))
    return out


def short_positives(
    rng: random.Random, texts: list[Article], per_text: int, pool: list[Article]
) -> list[dict[str, object]]:
    out = []
    for n, article in enumerate(texts):
        others = [o for o in pool if o.language == article.language and o.id != article.id]
        for k in range(per_text):
            recipe = SHORT_RECIPES[(n + k) % len(SHORT_RECIPES)]
            out.append(_positive(rng, article, recipe, others or pool, "short:"))
    return out


def _positive(
    rng: random.Random, article: Article, recipe: list[str], others: list[Article], prefix: str
) -> dict[str, object]:
    ctx = Context(rng, article, others, [])
    kind = prefix + "+".join(sorted(recipe, key=ORDER.index))
    return pair(kind, 1, article, transformed(ctx, recipe), article.id, "; ".join(ctx.notes))


def _entities(gold: list[dict[str, object]]) -> dict[str, set[str]]:
    by_id: dict[str, set[str]] = {}
    for entry in gold:
        names = {str(e["text"]) for e in entry["entities"]}  # type: ignore[attr-defined]
        by_id.setdefault(str(entry["id"]), set()).update(names)
    return by_id


def same_topic(full: list[Article]) -> list[dict[str, object]]:
    """Distinct articles of one language sharing at least two annotated entities."""
    gold = json.loads((SAMPLES / "gold.json").read_text(encoding="utf-8"))
    names = _entities(gold)
    out = []
    for i, a in enumerate(full):
        for b in full[i + 1 :]:
            shared = sorted(names.get(a.id, set()) & names.get(b.id, set()))
            if a.language == b.language and len(shared) >= 2:
                out.append(pair("same-topic", 0, a, (b.title, b.body), b.id, ", ".join(shared)))
    return out


def follow_ups(rng: random.Random, full: list[Article]) -> list[dict[str, object]]:
    """New articles on the same story, the way follow-ups reuse a first report: new paragraphs
    around one background paragraph of the original, or around two of its sentences."""
    out = []
    for article in full:
        others = [o for o in full if o.language == article.language and o.id != article.id]
        if len(article.paragraphs) < 2 or len(others) < 2:
            continue
        donors = rng.sample(others, 2)
        new = [rng.choice(donors[0].paragraphs), rng.choice(donors[1].paragraphs)]
        new.insert(rng.randint(1, 2), rng.choice(article.paragraphs))
        title = f"{article.title} : {rng.choice(_lang(FILLER, article.language))}"
        out.append(pair("follow-up:paragraph", 0, article, (title, "\n\n".join(new)), "synthetic"))
        quoted = rng.sample([s for p in article.paragraphs for s in sentences(p)], 2)
        new = [
            " ".join([quoted[0], *sentences(donors[0].paragraphs[0])[:2]]),
            " ".join(sentences(donors[0].paragraphs[-1])[:3]),
            " ".join([*sentences(donors[1].paragraphs[0])[:2], quoted[1]]),
        ]
        out.append(pair("follow-up:sentences", 0, article, (title, "\n\n".join(new)), "synthetic"))
    return out


def outlet_wrap(article: Article, text: str, others: list[Article], seed: int) -> str:
    """The same outlet's byline, dateline and footer (shared by both sides via ``seed``)."""
    house = random.Random(seed)  # noqa: S311 (data generation, not security)
    head = byline(house, article.language)
    place = dateline(house, article.language)
    foot = footer_lines(house, article.language, others, blurb=True)
    return f"{head}\n\n{place}{text}\n\n" + "\n".join(foot)


def shared_boilerplate(
    rng: random.Random, full: list[Article], short: list[Article]
) -> list[dict[str, object]]:
    """Two different reports of one outlet, each with the outlet's same byline, dateline and
    footer (a blurb included, which no rule strips)."""
    out = []
    for group, kind in ((full, "boilerplate"), (short, "short:boilerplate")):
        for article in group:
            others = [o for o in group if o.language == article.language and o.id != article.id]
            if not others:
                continue
            other = rng.choice(others)
            seed = rng.randrange(2**32)
            related = [o for o in full if o.language == article.language] or full
            a_body = outlet_wrap(article, article.body or article.summary, related, seed)
            b_body = outlet_wrap(other, other.body or other.summary, related, seed)
            record = pair(kind, 0, article, (other.title, b_body), other.id)
            record["a"] = _side(article.title, a_body)
            out.append(record)
    return out


# Short wire briefs of one template: the same sentence with other names and figures.
BRIEFS = {
    "fr": [
        "{place} : les actions de {company} ont progressé de {n} % {day} après la publication "
        "de résultats trimestriels supérieurs aux attentes des analystes, a indiqué le groupe.",
        "Un séisme de magnitude {m} a frappé {day} la région de {place}, sans faire de victimes "
        "selon les premiers bilans des autorités locales.",
    ],
    "en": [
        "Shares in {company} rose {n} per cent in {place} {day} after the group reported "
        "quarterly results ahead of analysts' expectations, the company said in a statement.",
        "An earthquake of magnitude {m} struck near {place} {day}, with no immediate reports of "
        "casualties or damage, local authorities said.",
    ],
    "de": [
        "Die Aktie von {company} ist in {place} {day} um {n} Prozent gestiegen, nachdem der "
        "Konzern bessere Quartalszahlen als erwartet vorgelegt hatte.",
        "Ein Erdbeben der Stärke {m} hat {day} die Region um {place} erschüttert; Berichte über "
        "Opfer lagen zunächst nicht vor, teilten die Behörden mit.",
    ],
    "es": [
        "Las acciones de {company} subieron un {n} % en {place} {day} tras presentar unos "
        "resultados trimestrales mejores de lo esperado, informó la compañía.",
        "Un terremoto de magnitud {m} sacudió {day} la región de {place} sin causar víctimas, "
        "según los primeros informes de las autoridades locales.",
    ],
    "ru": [
        "Акции компании {company} подорожали на {n}% {day} после публикации квартальной "
        "отчётности, превзошедшей ожидания аналитиков, сообщили в {place}.",
        "Землетрясение магнитудой {m} произошло {day} в районе {place}, сведений о пострадавших "
        "пока нет, сообщили местные власти.",
    ],
}
BRIEF_SLOTS = {
    "company": ["Alpha Industries", "Nordstern", "Iberica Energía", "Квант", "Solaris", "Vireo"],
    "day": ["lundi", "on Tuesday", "am Mittwoch", "el jueves", "в пятницу", "ce samedi"],
    "place": ["Paris", "Frankfurt", "Madrid", "Москве", "London", "Lyon", "Sevilla", "Kazan"],
}


def template_briefs(rng: random.Random) -> list[dict[str, object]]:
    out = []
    for language in sorted(BRIEFS):
        for template in BRIEFS[language]:
            for _ in range(2):
                one, two = ({k: rng.choice(v) for k, v in BRIEF_SLOTS.items()} for _ in range(2))
                for slots in (one, two):
                    slots["n"] = str(rng.randint(2, 12))
                    slots["m"] = f"{rng.randint(40, 69) / 10:.1f}"
                a = Article("template", language, "Brève", "", template.format(**one))
                record = pair("short:template", 0, a, ("Brève", template.format(**two)), "template")
                out.append(record)
    return out


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)  # noqa: S311 (data generation, not security)
    articles, copies = load_articles()
    full = [a for a in articles if len(a.body) >= SHORT or (a.language == "zh" and a.body)]
    short = [a for a in articles if a not in full and len(a.body or a.summary) >= 40]
    teasers = [Article(a.id, a.language, a.title, "", a.summary) for a in full if a.summary]
    records = [pair("real-copy", 1, a, (b.title, b.body), b.id) for a, b in copies]
    records += positives(rng, full)
    records += short_positives(rng, short, 2, short + full)
    records += short_positives(rng, teasers, 1, full)
    records += same_topic(full)
    records += follow_ups(rng, full)
    records += shared_boilerplate(rng, full, short + teasers)
    records += template_briefs(rng)
    for number, record in enumerate(records, 1):
        record["id"] = f"{'pos' if record['label'] else 'neg'}-{number:04d}"
    return [{"id": r.pop("id"), **r} for r in records]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when pairs.jsonl differs")
    args = parser.parse_args()
    text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n" for r in build())
    if args.check:
        same = OUTPUT.exists() and OUTPUT.read_text(encoding="utf-8") == text
        print("pairs.jsonl is up to date" if same else "pairs.jsonl differs: run make_pairs.py")
        return 0 if same else 1
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {text.count(chr(10))} pairs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
