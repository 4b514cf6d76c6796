"""Benchmark: peak memory of parsing hostile and large feeds with ``services.ingest.feeds.parse``,
beside a bare ``feedparser.parse`` of a plain feed of the same size.

    .venv/bin/python bench/feed_parse_memory.py [--size-mib 10] [--rounds 2] [--unguarded]

Each measurement runs in a fresh process that reads the document from a file, clears its peak
resident set size (``/proc/self/clear_refs``), parses, and reports the peak RSS growth; a
second process measures the peak of Python allocations (tracemalloc). Rounds alternate subject
and baseline (A B A B); the medians are printed per case, with the ratio subject / baseline.
The baseline parses a plain RSS 2.0 feed of the same size (short entries), the ordinary work of
the parser on that many bytes (documents near the size limit share one, measured once a
round). ``--unguarded`` also runs bare feedparser on a scaled-down entity
bomb, to show what the guard prevents (the full-size one takes over 1 GB).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import feedparser

MIB = 1024 * 1024
HEAD = '<?xml version="1.0" encoding="{encoding}"?>\n'
OPEN = '<rss version="2.0"><channel><title>Bench</title><link>https://bench.example/</link>'
CLOSE = "</channel></rss>"


def _item(i: int, body: str = "Un court paragraphe.") -> str:
    return (
        f"<item><title>Titre {i}</title><link>https://bench.example/{i}</link>"
        f"<guid>bench-{i}</guid><pubDate>Tue, 24 Nov 2026 08:30:00 +0100</pubDate>"
        f"<description>{body}</description></item>"
    )


def _fill(size: int, make: Callable[[int], str], head: str = "") -> str:
    parts = [HEAD.format(encoding="utf-8"), head, OPEN]
    total = sum(len(p) for p in parts) + len(CLOSE)
    i = 0
    while total < size:
        piece = make(i)
        parts.append(piece)
        total += len(piece)
        i += 1
    parts.append(CLOSE)
    return "".join(parts)


def _bomb(prolog_before: str = "") -> str:
    entity = '<!ENTITY big "' + "x" * 20_000 + '">'
    return (
        HEAD.format(encoding="utf-8")
        + prolog_before
        + f"<!DOCTYPE rss [\n{entity}\n]>\n"  # one declaration a line, as feedparser reads them
        + OPEN
        + "<item><title>"
        + "&big;" * 20_000
        + "</title><link>https://bench.example/b</link></item>"
        + CLOSE
    )


def cases(size: int) -> dict[str, bytes]:
    """Name -> document."""
    plain = _fill(size, _item).encode()
    bomb = _bomb()
    broken = bomb.replace("\n]>", "\n<!junk>\n]>", 1)
    return {
        "plain-short-entries": plain,
        "plain-long-entries": _fill(size, lambda i: _item(i, "Mot " * 5_000)).encode(),
        "one-huge-entry": _fill(size, lambda i: _item(i, "Mot " * (size // 4))).encode(),
        "bomb-as-reported": bomb.encode(),
        "bomb-after-10kb-comment": _bomb(f"<!-- {'c' * 10_240} -->\n").encode(),
        "bomb-utf-16": bomb.replace("utf-8", "utf-16").encode("utf-16"),
        "bomb-utf-32": bomb.replace("utf-8", "utf-32").encode("utf-32"),
        "bomb-broken-doctype": broken.encode(),
        "bomb-padded-to-size": (
            bomb[: -len(CLOSE)] + "<!-- " + "p" * size + " -->" + CLOSE
        ).encode()[: size + len(bomb)],
        "deep-nesting": (
            HEAD.format(encoding="utf-8")
            + OPEN
            + "<item><title>t</title><link>https://bench.example/d</link><description>"
            + "<x>" * (size // 7)
            + "</x>" * (size // 7)
            + "</description></item>"
            + CLOSE
        ).encode(),
        "deep-unclosed": (
            HEAD.format(encoding="utf-8")
            + OPEN
            + "<item><title>t</title><link>https://bench.example/d</link><description>"
            + "<x>" * (size // 3)
        ).encode(),
        "many-char-references": _fill(size, lambda i: _item(i, "&#233;&amp;" * 200)).encode(),
    }


# -- one measurement (child process) ---------------------------------------------------------


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _run(path: str, mode: str, tracer: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from services.ingest import feeds
    from services.ingest.errors import FeedParseError

    data = Path(path).read_bytes()
    outcome = "parsed"

    def parse() -> None:
        nonlocal outcome
        if mode == "subject":
            try:
                parsed = feeds.parse(data)
                outcome = f"{len(parsed.entries)} entries"
            except FeedParseError as exc:
                outcome = exc.reason
        else:
            parsed = feedparser.parse(io.BytesIO(data))
            outcome = f"{len(parsed.entries)} entries"

    if tracer == "rss":
        before = _rss_kib("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
        parse()
        peak = (_rss_kib("VmHWM") - before) * 1024
    else:
        import tracemalloc

        tracemalloc.start()
        parse()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(json.dumps({"peak": peak, "outcome": outcome}))


def _measure(path: Path, mode: str, tracer: str) -> tuple[int, str]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), mode, tracer],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return int(result["peak"]), str(result["outcome"])


def _baseline(cache: dict[tuple[Path, int, str], int], path: Path, round_: int, tracer: str) -> int:
    if (path, round_, tracer) not in cache:
        cache[path, round_, tracer] = _measure(path, "baseline", tracer)[0]
    return cache[path, round_, tracer]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--unguarded", action="store_true")
    args = parser.parse_args()
    size = int(args.size_mib * MIB)
    print(
        f"machine: {os.cpu_count()} cores, {platform.platform()}; Python "
        f"{platform.python_version()}, feedparser {feedparser.__version__}"
    )
    print(f"{args.rounds} rounds, subject and baseline alternated; peaks in MB (10^6 bytes)")
    header = (
        f"{'case':<26}{'doc MB':>8}{'outcome':>18}{'RSS':>8}{'base':>8}{'ratio':>7}"
        f"{'alloc':>8}{'base':>8}{'ratio':>7}"
    )
    print(header)
    ratios: list[float] = []
    # Documents of about the size limit share one baseline size (measured again each round).
    baselines: dict[tuple[Path, int, str], int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        documents = cases(size)
        for name, document in documents.items():
            path = Path(tmp) / f"{name}.xml"
            path.write_bytes(document)
            baseline_size = size if len(document) > size * 0.9 else max(len(document), 1024)
            baseline_path = Path(tmp) / f"baseline-{baseline_size}.xml"
            if not baseline_path.exists():
                baseline_path.write_bytes(_fill(baseline_size, _item).encode())

            figures: dict[str, list[int]] = {"sr": [], "br": [], "st": [], "bt": []}
            outcome = ""
            for round_ in range(args.rounds):
                peak, outcome = _measure(path, "subject", "rss")
                figures["sr"].append(peak)
                figures["br"].append(_baseline(baselines, baseline_path, round_, "rss"))
                figures["st"].append(_measure(path, "subject", "trace")[0])
                figures["bt"].append(_baseline(baselines, baseline_path, round_, "trace"))
            sr, br, st, bt = (statistics.median(figures[k]) / 1e6 for k in ("sr", "br", "st", "bt"))
            ratios.append(st / bt)
            print(
                f"{name:<26}{len(document) / 1e6:>8.2f}{outcome:>18}{sr:>8.1f}{br:>8.1f}"
                f"{sr / br:>7.2f}{st:>8.1f}{bt:>8.1f}{st / bt:>7.2f}"
            )
        if args.unguarded:
            # The broken-DOCTYPE variant: the strict parser fails, the loose one expands.
            small = _bomb().replace("&big;" * 20_000, "&big;" * 1_000)
            small = small.replace("\n]>", "\n<!junk>\n]>", 1).encode()
            path = Path(tmp) / "unguarded.xml"
            path.write_bytes(small)
            peak, outcome = _measure(path, "baseline", "rss")
            print(
                f"unguarded feedparser, 1,000 references to the 20,000-character entity "
                f"({len(small) / 1e6:.2f} MB): peak RSS {peak / 1e6:.1f} MB, {outcome}"
            )
    worst = max(ratios)
    print(
        f"subject worst {worst:.2f}x baseline allocations, median {statistics.median(ratios):.2f}x"
    )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _run(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
