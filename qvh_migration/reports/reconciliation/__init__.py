"""Reconciliation of a run: source against target per entity and table, and the deltas since the last run."""
