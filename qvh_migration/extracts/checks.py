"""Checks on the source extracts as plain functions; ``defs/extracts.py`` turns them into asset checks.

Each returns whether it passed and the figures a reviewer needs, for synthetic and real extracts
alike: on synthetic data a finding not in the defect ledger means the generator is broken, on real
data it is a data-quality finding to trace.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from qvh_migration.check_outcome import CheckOutcome
from qvh_migration.io.arrow_text import series_arrow
from qvh_migration.io.masking import mask_values
from qvh_migration.legacy.nhs_number import nhs_digits, repeated_digit_numbers, valid_nhs_numbers

# Ledger kinds that explain an NHS number the check would otherwise reject.
NHS_NUMBER_DEFECT_KINDS = ("invalid_nhs_check_digit", "dummy_nhs_number")
# Numbers the NHS never issues; synthetic data must stay inside it.
SYNTHETIC_NHS_PREFIX = "999"


def nhs_number_check(patdata: pd.DataFrame, ledger: pd.DataFrame, synthetic: bool) -> CheckOutcome:
    """Every NHS number is valid or ledgered; synthetic ones are also in the never-issued 999 range."""
    numbers = patdata["NhsNumber"]
    digits = nhs_digits(numbers)
    present = (digits.str.strip() != "").to_numpy(dtype=bool)
    dummy = repeated_digit_numbers(numbers).to_numpy(dtype=bool)
    invalid = present & ~dummy & ~valid_nhs_numbers(numbers).to_numpy(dtype=bool)
    if synthetic:
        in_range = digits.str.startswith(SYNTHETIC_NHS_PREFIX).to_numpy(dtype=bool)
        outside = present & ~dummy & ~in_range
    else:
        outside = np.zeros(len(patdata), dtype=bool)
    ledgered = ledger[(ledger["table"] == "PATDATA") & ledger["defect_kind"].isin(NHS_NUMBER_DEFECT_KINDS)]
    unexplained = int(invalid.sum() + dummy.sum()) - len(ledgered)
    return CheckOutcome(
        passed=unexplained == 0 and not outside.any(),
        metadata={
            "invalid_check_digit": int(invalid.sum()),
            "dummy": int(dummy.sum()),
            "ledgered": len(ledgered),
            "outside_999_range": int(outside.sum()),
            # Which numbers, masked: enough to find them in the extract, never the number itself.
            "sample_masked": ", ".join(mask_values(numbers[invalid | dummy | outside].head(10).astype(str))) or "none",
        },
    )


def manifest_row_counts(manifest: dict | None) -> dict[str, int]:
    """``{table: rows}`` from an extract manifest (``extracts/manifest.json`` layout); {} when none."""
    tables = (manifest or {}).get("tables") or {}
    return {str(t): int(v.get("rows", 0)) for t, v in tables.items() if isinstance(v, dict)}


def empty_extract_check(
    current: dict[str, int], previous: dict[str, int], declared: dict[str, int] | None = None
) -> CheckOutcome:
    """No extract is empty while the delivery's own manifest, or the previous delivery, had rows.

    A header-only OPA once loaded as "no appointments" and the dry run said it succeeded: a table
    that empties between deliveries is a broken export far more often than a hospital that
    stopped seeing patients, so it stops the run until someone looks.
    """
    declared = declared or {}
    emptied = sorted(
        t for t, rows in current.items() if rows == 0 and (previous.get(t, 0) > 0 or declared.get(t, 0) > 0)
    )
    short = sorted(t for t, rows in declared.items() if t in current and current[t] != rows)
    lines = [
        f"{t}: 0 rows; the previous delivery had {previous.get(t, 0):,}, its manifest declares {declared.get(t, '-')}"
        for t in emptied
    ] + [f"{t}: {current[t]:,} rows read, its manifest declares {declared[t]:,}" for t in short if t not in emptied]
    return CheckOutcome(
        passed=not lines,
        metadata={
            "emptied_tables": ", ".join(emptied) or "none",
            "row_counts_differing_from_manifest": ", ".join(short) or "none",
            "problems": "; ".join(lines) or "none",
        },
    )


def profile_extract(df: pd.DataFrame) -> dict[str, Any]:
    """Row count and, per column, the share of null and of empty-string values (0.0 for no rows)."""
    n = len(df)
    columns: dict[str, dict[str, float]] = {}
    for col in df.columns:
        arr = series_arrow(df[col].astype("str")) if df[col].dtype != "str" else series_arrow(df[col])
        nulls = arr.null_count
        empties = int(pc.sum(pc.equal(arr, "")).as_py() or 0)
        columns[str(col)] = {
            "null_rate": round(nulls / n, 6) if n else 0.0,
            "empty_rate": round(empties / n, 6) if n else 0.0,
        }
    return {"rows": n, "columns": columns}
