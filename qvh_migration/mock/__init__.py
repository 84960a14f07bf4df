"""Synthetic PatientCentre source extracts with a ledger of injected defects (see ``extracts``)."""

from qvh_migration.mock.extracts import SourceExtracts, generate_extracts
from qvh_migration.mock.parameters import MockParameterError, MockParameters
from qvh_migration.mock.recount import recount_defects
from qvh_migration.mock.writer import profile_extract, write_extracts

__all__ = [
    "MockParameterError",
    "MockParameters",
    "SourceExtracts",
    "generate_extracts",
    "profile_extract",
    "recount_defects",
    "write_extracts",
]
