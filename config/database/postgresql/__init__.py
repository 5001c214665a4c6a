"""PostgreSQL whose connection health check costs no round trip on a busy connection."""
