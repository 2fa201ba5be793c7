"""Generic speed tier: query wiring, update-topic follower, per-batch publishing, shutdown and monitoring."""
