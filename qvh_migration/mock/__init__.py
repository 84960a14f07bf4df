"""Synthetic PatientCentre source extracts with a ledger of injected defects (see ``extracts``)."""

from qvh_migration.mock.extracts import SourceExtracts, generate_extracts
from qvh_migration.mock.parameters import MockParameterError, MockParameters
from qvh_migration.mock.recount import recount_defects

__all__ = [
    "MockParameterError",
    "MockParameters",
    "SourceExtracts",
    "generate_extracts",
    "recount_defects",
]
