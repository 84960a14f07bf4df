"""The reference evaluator: the contract evaluated row by row in plain Python, apart from the ETL."""
