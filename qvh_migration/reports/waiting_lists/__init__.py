"""Waiting-list parity: the lists computed apart from the extracts and from staging, validated and judged."""
