"""The `filter` query of list routes (api.md §1.8): URL-encoded JSON {Field, Value, Operator}.

Every list that takes a filter rejects the same malformed inputs with the same 400 800002 messages; what a
route then accepts (fields, operators, values) is its own business.
"""

from __future__ import annotations

import json

from sandbox.body import Body
from sandbox.errors import invalid_input


def filter_body(raw: str) -> Body:
    """The filter as a case-insensitive JSON object; invalid JSON or a non-object is invalid input."""
    try:
        data = json.loads(raw)
    except ValueError:
        raise invalid_input("The filter is not valid JSON.") from None
    if not isinstance(data, dict):
        raise invalid_input("The filter must be a JSON object.")
    return Body(data)
