"""The scenario book: hand-written legacy cases and the Altera rows the vendor guide says they produce,
run through the real ETL with the run's rules, crosswalks and row sources (an oracle independent of
the mapping contract)."""
