"""Stories: near-duplicates, syndication and (later) story clustering.

For now the pure, measured core of near-duplicate detection:

- ``boilerplate``: the text a fingerprint is taken from — agency credits, footers, bylines,
  datelines and sharing prompts removed, case and accents folded;
- ``fingerprint``: MinHash signatures over word shingles, their compact storage form and the
  Jaccard estimate between two of them;
- ``lsh``: LSH band keys (a keyword field in Elasticsearch, looked up with a ``terms`` query)
  and the probability that a pair of a given similarity shares one;
- ``config``: ``NearDupConfig``, the measured defaults (``bench/neardup_quality.py``);
- ``match``: an article's fingerprint and keys, and the near-duplicate decision between two;
- ``reuse``: when a copy may take its original's language and entities instead of running NER.
"""
