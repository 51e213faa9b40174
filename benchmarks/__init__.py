"""The benchmark of issue 5: ``python benchmarks/run.py [--quick] [--json PATH]``.

One module per measurement; each exposes a ``measure(...)`` function that returns
plain numbers, so run.py (and a smoke test with tiny counts) can call them alone.
"""
