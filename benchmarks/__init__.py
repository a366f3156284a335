"""Benchmarks of the resync engine: ``python -m benchmarks.bench`` (``make bench``)."""
