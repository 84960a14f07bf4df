"""The evidence pack: the run's facts, its page, charts, diagram and the chain of packs."""
