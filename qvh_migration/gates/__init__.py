"""Quality and release gates: generated Pandera schemas, table rules, findings, release profiles."""
