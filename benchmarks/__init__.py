"""regionopt benchmarks.

- ``python -m benchmarks.run [name ...]``: times regionopt's own phases (build, solve, read back)
  against baselines (``bench_*.py``, :mod:`benchmarks.registry`).
- ``python -m benchmarks compare|report|list|export``: the solver comparison on named,
  hashed instance sets exported to MPS/LP (:mod:`benchmarks.instances`,
  :mod:`benchmarks.solvers`, :mod:`benchmarks.compare`, :mod:`benchmarks.report`);
  see docs/benchmarks.md.
"""
