"""The labelled near-duplicate pairs: reproducible from the samples, balanced, well-formed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PAIRS = ROOT / "samples" / "neardup" / "pairs.jsonl"


def test_committed_pairs_are_what_the_script_makes_in_any_process() -> None:
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "samples" / "neardup" / "make_pairs.py"), "--check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pairs_are_many_balanced_and_well_formed() -> None:
    records = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    labels = Counter(r["label"] for r in records)
    assert len(records) >= 300
    assert 0.4 <= labels[1] / len(records) <= 0.6
    assert len({r["id"] for r in records}) == len(records)
    for r in records:
        assert r["label"] in (0, 1)
        assert r["a"]["body"].strip(), r["id"]
        assert r["b"]["body"].strip(), r["id"]
    kinds = {r["kind"] for r in records if r["label"] == 0}
    assert {"follow-up:paragraph", "same-topic", "boilerplate", "short:template"} <= kinds
