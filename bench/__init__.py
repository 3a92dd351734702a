"""Benchmarks for Handoff: `python -m bench` (or `make bench`) runs them all and rewrites bench/RESULTS.md."""
