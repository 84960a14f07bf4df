"""The trial comparison (a trial load's patients against the reference evaluator) and the trials' register."""
