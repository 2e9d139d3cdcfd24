"""regionopt benchmarks: `python -m benchmarks.run [name ...]`."""
