"""The ingest app: files, feeds and the push endpoint into the incoming topic.

Ingest is stateless as to articles: it validates, normalises and publishes every accepted
article (version 1, keyed by id); the dedup stage (``services/dedup``) decides new, changed or
duplicate. What it keeps locally is the feed poll state (``feedstate``).

Modules, in dependency order:
- ``settings``: ``IngestSettings`` (+ fetch and poll settings), from the environment;
- ``errors``: ingest's exceptions, on the shared error tree;
- ``metrics``: ingest's Prometheus counters;
- ``normalize``: HTML to text, dates, language tags;
- ``article_input``: what users send (``ArticleInput``) -> ``RawArticle``;
- ``feeds``: feed documents (RSS, Atom, JSON Feed) -> article inputs;
- ``publisher``: the Kafka writer of articles (incoming topic) and dead letters, by batch;
- ``intake``: ``Intake``, the one path of every input: build, dead-letter, publish;
- ``context``: opening the publisher (topics, producer, size limit);
- ``politeness``: per-host delay and concurrency limits;
- ``fetcher``: safe, polite HTTP fetches of feeds and pages;
- ``fulltext``: the main text of a linked page;
- ``feedlist``: the feeds to poll (a JSON file);
- ``feedstate``: what the poller remembers of each feed (SQLite);
- ``feedhandler``: a fetched feed into the intake;
- ``poller``: when each feed is polled, in parallel, with backoff;
- ``files``: `ingest file`: files and folders into the intake;
- ``api``: `ingest serve`: the push endpoint into the intake;
- ``views``: what the commands print (feed list, import summary);
- ``cli``: the `ingest` and `feeds` commands.
"""
