"""Reports of a run: reconciliation, waiting-list parity, the trial comparison, run-over-run deltas and the evidence pack."""
