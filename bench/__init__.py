"""Benchmark harness: synthetic data, comparison views (naive, limit) and the load runner.

Enabled only by ``config.settings.bench``; ``bench/run.py`` (``make bench``) drives it.
"""
