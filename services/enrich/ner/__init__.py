"""Named-entity extraction, in parts; ``services.enrich.entities`` assembles them per language.

Modules, in dependency order:

- ``wordlists``: the per-language word lists (stop words, ambiguous place names, honorifics,
  titles, articles, organisation head nouns): data only;
- ``gazetteer``: places and countries with cross-language ids, found in text or looked up;
- ``mention``: what every backend hands over (a span, a label on one scale, a normal form);
- ``spacy`` (spaCy pipelines with only the NER components), ``natasha`` (Russian),
  ``demonyms`` (lower-case nationality adjectives): the backends that find mentions;
- ``merge``: the mentions of one text -> its entities (cleaning, merging, labels, ids).
"""
