"""Business invariants: a gate family written by hand from the guide's prose and the NHS RTT Rules
Suite, independent of the mapping contract it judges.

Declarations are data (``<family>.yaml`` here); ``evaluate`` runs them on the staged tables and
``score`` writes their findings beside the other gates'.
"""
