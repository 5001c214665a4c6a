"""The edge cache: Varnish\x27s VCL and how to run it (see docs/operators/edge.md)."""
