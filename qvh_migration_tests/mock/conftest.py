"""The synthetic-extract tests read the source catalog and the generated extract sets of
``qvh_migration_tests/shared_fixtures.py`` (built once per test run)."""

from qvh_migration_tests.shared_fixtures import PATIENTS, REAL_DICTIONARY, STANDIN_DICTIONARY

__all__ = ["PATIENTS", "REAL_DICTIONARY", "STANDIN_DICTIONARY"]
