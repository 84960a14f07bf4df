"""Bad inputs fail with a clear error naming what is wrong."""

from __future__ import annotations

import pandas as pd
import pytest

from qvh_migration.errors import CatalogContractError
from qvh_migration.mock.extracts import generate_extracts
from qvh_migration.mock.parameters import MockParameterError, MockParameters


@pytest.mark.parametrize("patients", [0, -5])
def test_no_patients(patients: int) -> None:
    with pytest.raises(MockParameterError, match="patients"):
        MockParameters(patients=patients)


@pytest.mark.parametrize("rate", [1.5, -0.1, float("nan")])
def test_defect_rate_out_of_range(rate: float) -> None:
    with pytest.raises(MockParameterError, match="defect_rate"):
        MockParameters(defect_rate=rate)


def test_rate_bounds_are_allowed() -> None:
    MockParameters(defect_rate=0.0)
    MockParameters(defect_rate=1.0)


def test_parameter_error_is_a_value_error() -> None:
    assert issubclass(MockParameterError, ValueError)
    with pytest.raises(ValueError):
        MockParameters(patients="many")  # type: ignore[arg-type]


def test_missing_priority_table(source_catalog: pd.DataFrame) -> None:
    catalog = source_catalog[source_catalog["TableName"] != "WLACTIVITY"]
    with pytest.raises(CatalogContractError, match="WLACTIVITY"):
        generate_extracts(catalog, MockParameters(patients=10))


def test_missing_key_column(source_catalog: pd.DataFrame) -> None:
    drop = (source_catalog["TableName"] == "PATDATA") & (source_catalog["Column"] == "InternalPatientNumber")
    with pytest.raises(CatalogContractError, match=r"PATDATA\.InternalPatientNumber") as info:
        generate_extracts(source_catalog[~drop], MockParameters(patients=10))
    assert info.value.where == "PATDATA.InternalPatientNumber"


def test_catalog_without_parsed_columns(source_catalog: pd.DataFrame) -> None:
    with pytest.raises(CatalogContractError, match="date_pair_role"):
        generate_extracts(source_catalog.drop(columns=["date_pair_role"]), MockParameters(patients=10))


def test_missing_supporting_table_is_tolerated(source_catalog: pd.DataFrame) -> None:
    catalog = source_catalog[~source_catalog["TableName"].isin(["RELIGION", "MERGEDID"])]
    ex = generate_extracts(catalog, MockParameters(patients=50))
    assert "RELIGION" not in ex.tables and "MERGEDID" not in ex.tables
    assert "PATDATA" in ex.tables
