"""JSON from clients, with a bound on nesting.

Python's decoder recurses once per level: a body nested a thousand deep
raises RecursionError (and one that parses just below the limit can still
exhaust the stack later, in validation or in an error message). No message
of ours nests more than a few levels, so anything deeper is refused before
it is decoded.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 32

# Strings (whose brackets do not count) or a bracket.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class JsonTooDeep(ValueError):
    """The text nests arrays or objects more than MAX_DEPTH levels."""


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in `text` (0 for a scalar)."""
    depth = deepest = 0
    for token in _TOKENS.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif char in "]}":
            depth -= 1
    return deepest


def loads(text: str, *, max_depth: int = MAX_DEPTH, **kwargs: Any) -> Any:
    """json.loads, but JsonTooDeep for text nested deeper than `max_depth`.

    Raises json.JSONDecodeError (a ValueError) for text that is not JSON."""
    if nesting_depth(text) > max_depth:
        raise JsonTooDeep(f"JSON nested more than {max_depth} levels deep")
    try:
        return json.loads(text, **kwargs)
    except RecursionError as exc:  # unreachable below MAX_DEPTH; kept as a net
        raise JsonTooDeep("JSON nested too deep") from exc
