"""The extracts-folder tests write generated extracts, so they share the generator's fixtures."""

from qvh_migration_tests.mock.conftest import extracts, source_catalog

__all__ = ["extracts", "source_catalog"]
