"""JSON values as Lambda can deliver them, and equality that a round trip must keep exactly."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

# Every code point, lone surrogates included: json.loads can produce them from "\ud800".
_ANY_CHARACTER = st.characters(codec=None, exclude_categories=()) | st.characters(categories=["Cs"])
_TEXT = st.text(_ANY_CHARACTER, max_size=20)
# Integers well beyond 64 bits, floats from subnormal to huge (JSON has no NaN or infinity).
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**200), max_value=2**200)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT
)

json_values = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(_TEXT, children, max_size=5),
    max_leaves=40,
)


def same_json(left: Any, right: Any) -> bool:
    """Equal as JSON values *and* in type: 1, 1.0 and True differ, and so do 0.0 and -0.0."""
    if type(left) is not type(right):
        return False
    if isinstance(left, float):
        return left == right and math.copysign(1.0, left) == math.copysign(1.0, right)
    if isinstance(left, list):
        return len(left) == len(right) and all(same_json(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict):
        return list(left) == list(right) and all(same_json(left[key], right[key]) for key in left)
    return bool(left == right)
