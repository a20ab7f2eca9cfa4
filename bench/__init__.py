"""Load benchmark: see docs/benchmarks.md. Run with `python -m bench.run --help`."""
