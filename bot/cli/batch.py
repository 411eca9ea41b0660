"""Batch use of `perevir ask --jsonl` and `perevir check-ad --jsonl`: one JSON object a line in
(`{"text": …, "lang"?: …}`), one result a line out, in order; a bad line gets `{"error": …}`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from bot.cli import shapes


def requests(source: str) -> Iterator[tuple[dict[str, Any] | None, str | None]]:
    """Each line of a file (or `-`: standard input) as (request, None) or (None, what is wrong)."""
    stream = sys.stdin if source == "-" else Path(source).open(encoding="utf-8")  # noqa: SIM115
    try:
        for raw in stream:
            line = raw.strip()
            if not line:
                continue
            try:
                request = json.loads(line)
            except json.JSONDecodeError as exc:
                yield None, f"not JSON: {exc.msg} at column {exc.colno}"
                continue
            if not isinstance(request, dict) or not isinstance(request.get("text"), str):
                yield None, 'each line must be an object with a "text" string'
            elif request.get("lang") not in (None, "uk", "en"):
                yield None, '"lang" must be "uk" or "en"'
            else:
                yield request, None
    finally:
        if stream is not sys.stdin:
            stream.close()


def answer_each(source: str, answer: Callable[[dict[str, Any]], Mapping[str, Any]]) -> None:
    """Print one JSON line per request line, in order."""
    for request, problem in requests(source):
        result = {"error": problem} if request is None else answer(request)
        sys.stdout.write(shapes.dumps(result) + "\n")
        sys.stdout.flush()
