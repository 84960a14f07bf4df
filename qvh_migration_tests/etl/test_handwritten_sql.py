"""The hand-written SQL baseline of the ETL bench does the same work as the contract ETL.

Both run on the small upstream data folder with a few faults planted on top of the synthetic
defects (so each table has rejects, and the rules that act on rare cases act here); the SQL must load
the same rows (same values) and reject the same source rows for the same reasons, or the bench's
ratio compares unlike work.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from qvh_migration.defs.etl import TARGET_TABLE_NAMES
from qvh_migration.etl import pipeline
from qvh_migration.settings import PROJECT_ROOT
from qvh_migration_tests.etl.conftest import CROSSWALKS, folders_of

# Loads the upstream tables of a 300-patient run twice (ETL and SQL): the full suite only.
pytestmark = pytest.mark.slow

SQL_DIR = PROJECT_ROOT / "bench" / "handwritten_sql"
COMPARED = ("LOAD_PMI", "LOAD_OPD_APPOINTMENTS")


def plant_faults(extracts: Path) -> None:
    """Faults the compared rules must agree on, on non-key columns (the key registry stays valid):
    a patient whose sex has no crosswalk entry (rejected from LOAD_PMI, so their bookings are
    rejected as patient_not_loaded), an impossible date of birth, a death on the day of a discharge
    (it takes the discharge's time) and a booking whose RTT status has no crosswalk entry."""
    patients = pd.read_parquet(extracts / "PATDATA.parquet")
    bookings = pd.read_parquet(extracts / "OPA.parquet")
    stays = pd.read_parquet(extracts / "ADMITDISCH.parquet")
    live = bookings["PtApptStartDtimeInt"].str.slice(0, 8).ge("20190401")  # not archived
    booked = patients["InternalPatientNumber"].isin(bookings.loc[live, "InternalPatientNumber"])
    patients.loc[patients.index[booked][0], "Sex"] = "Q"
    patients.loc[patients.index[~booked][0], "InternalDateOfBirth"] = "19990231"
    discharged = stays.dropna(subset=["IpDschDtimeInt"]).iloc[-1]
    dying = patients["InternalPatientNumber"].eq(discharged["InternalPatientNumber"])
    patients.loc[dying, "PtDateOfDeathInt"] = discharged["IpDschDtimeInt"][:8]
    bookings.loc[bookings.index[live & bookings["RttPeriodStatus"].eq("SUBA")][0], "RttPeriodStatus"] = "ZZZZ"
    patients.to_parquet(extracts / "PATDATA.parquet")
    bookings.to_parquet(extracts / "OPA.parquet")


@pytest.fixture(scope="module")
def both_sides(upstream_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, Path]:
    """Every table loaded by the ETL in load order (the SQL links against the parents' outcomes)."""
    data_dir = tmp_path_factory.mktemp("handwritten") / "data"
    shutil.copytree(upstream_data, data_dir)
    plant_faults(data_dir / "extracts")
    folders = folders_of(data_dir)
    order = TARGET_TABLE_NAMES[: max(TARGET_TABLE_NAMES.index(t) for t in COMPARED) + 1]
    loads = {table: pipeline.run_partition(folders, CROSSWALKS, table)[0] for table in order}
    out = data_dir / "handwritten_out"
    out.mkdir()
    return data_dir, loads, out


def run_sql(table: str, data_dir: Path, out: Path) -> tuple[int, ...]:
    places = {"EXTRACTS": data_dir / "extracts", "CROSSWALKS": CROSSWALKS, "TARGET": data_dir / "target", "OUT": out}
    sql = (SQL_DIR / f"{table}.sql").read_text(encoding="utf-8")
    for name, path in places.items():
        sql = sql.replace("{{" + name + "}}", str(path))
    with duckdb.connect() as con:
        return tuple(con.execute(sql).fetchone())


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as text, whole numbers without a decimal point (pandas reads nullable BIGINT as float)."""
    out = pd.DataFrame(index=range(len(frame)))
    for name, column in frame.reset_index(drop=True).items():
        if pd.api.types.is_numeric_dtype(column):
            column = column.astype("Int64")
        out[name] = column.astype("string").fillna("<null>")
    return out


@pytest.mark.parametrize("table", COMPARED)
def test_sql_loads_the_same_rows_and_rejects_the_same_reasons(both_sides, table: str) -> None:
    data_dir, loads, out = both_sides
    load = loads[table]
    source_rows, filtered_rows, target_rows, rejected_rows, reject_rows = run_sql(table, data_dir, out)
    summary = load.summary.iloc[0]
    assert (source_rows, filtered_rows, rejected_rows) == (
        summary["source_rows"],
        summary["filtered_rows"],
        summary["rejected_rows"],
    )
    assert (target_rows, reject_rows) == (len(load.table), len(load.rejects))
    assert reject_rows > 0, "the synthetic defects must reach the rejects, or this test proves little"

    loaded = pd.read_parquet(out / f"{table}.parquet")
    assert list(loaded.columns) == list(load.table.columns)
    pd.testing.assert_frame_equal(as_text(loaded), as_text(load.table))

    rejects = pd.read_parquet(out / f"{table}_rejects.parquet")
    key = ["source_key", "field", "reason_code"]
    mine = rejects[key].astype(str).sort_values(key).reset_index(drop=True)
    theirs = load.rejects[key].astype(str).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, theirs)
