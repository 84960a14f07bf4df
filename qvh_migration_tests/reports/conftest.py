"""Fixtures: the ETL's run on 300 synthetic patients, reused for the reports."""

from qvh_migration_tests.etl.conftest import file_path_run, upstream_data  # noqa: F401
