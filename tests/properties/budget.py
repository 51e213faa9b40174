"""How many examples a property runs: its full budget, or a small repeatable one under mutmut.

`make mutate` runs the selected tests once per mutant, so there each property gets a
fifth of its examples, derandomized and without the example database: a mutant's
verdict is then the same on every run. mutmut marks every process it runs tests in
with ``MUTANT_UNDER_TEST`` (mutmut 3.8.1, ``mutation/trampoline.py``).
"""

from __future__ import annotations

import os

from hypothesis import settings

UNDER_MUTATION_TESTING = "MUTANT_UNDER_TEST" in os.environ


def bounded(max_examples: int) -> settings:
    if UNDER_MUTATION_TESTING:
        return settings(max_examples=max(10, max_examples // 5), deadline=None, derandomize=True, database=None)
    return settings(max_examples=max_examples, deadline=None)
