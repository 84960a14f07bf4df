"""Crosswalk coverage: legacy codes found in the source extracts that no crosswalk translates.

This is the project's version of the vendor's "mapping report for unmapped source codes": run it
on every extract, and each row is a code someone must add to a crosswalk file (or correct in the
source) before the load.
"""

from __future__ import annotations

import pandas as pd

from qvh_migration.check_outcome import CheckOutcome
from qvh_migration.io.previews import markdown

COVERAGE_COLUMNS: tuple[str, ...] = ("code_set", "table", "column", "legacy_code", "occurrences")


def crosswalk_coverage(
    extracts: dict[str, pd.DataFrame],
    crosswalks: dict[str, pd.DataFrame],
    legacy_code_fields: dict[tuple[str, str], str],
) -> pd.DataFrame:
    """One row per (code field, legacy code) present in the extracts but missing from its crosswalk.

    Blank values are not codes and are ignored; a code set without a crosswalk file covers nothing.
    Sorted by occurrences, most frequent first.
    """
    frames = []
    for (table, column), code_set in sorted(legacy_code_fields.items()):
        extract = extracts.get(table)
        if extract is None or column not in extract.columns:
            continue
        counts = _code_counts(extract[column])
        covered = _covered(crosswalks.get(code_set))
        missing = counts[~counts.index.isin(covered)]
        if missing.empty:
            continue
        frames.append(
            pd.DataFrame(
                {
                    "code_set": code_set,
                    "table": table,
                    "column": column,
                    "legacy_code": missing.index.astype(str),
                    "occurrences": missing.to_numpy(dtype="int64"),
                }
            )
        )
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "occurrences" else "object") for c in COVERAGE_COLUMNS})
    result = pd.concat(frames, ignore_index=True)
    return result.sort_values(
        ["occurrences", "code_set", "table", "column", "legacy_code"], ascending=[False, True, True, True, True]
    ).reset_index(drop=True)


def _code_counts(values: pd.Series) -> pd.Series:
    text = values.dropna().astype(str).str.strip()
    return text[text != ""].value_counts()


def _covered(crosswalk: pd.DataFrame | None) -> set[str]:
    if crosswalk is None or "legacy_code" not in crosswalk.columns:
        return set()
    return set(crosswalk["legacy_code"].astype(str).str.strip())


def case_variants(coverage: pd.DataFrame, crosswalks: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Unmapped codes that equal a crosswalk code but for case (``m`` where the crosswalk has ``M``).

    The lookup is exact, so they stay unmapped; the reviewer decides whether the source or the
    crosswalk is to change (the load never guesses).
    """
    rows = []
    for code_set, legacy_code in zip(coverage["code_set"], coverage["legacy_code"], strict=True):
        folded = {code.casefold(): code for code in _covered(crosswalks.get(code_set))}
        match = folded.get(str(legacy_code).casefold())
        if match is not None:
            rows.append((code_set, str(legacy_code), match))
    return pd.DataFrame(rows, columns=["code_set", "legacy_code", "crosswalk_code"]).drop_duplicates(ignore_index=True)


def case_variants_note(variants: pd.DataFrame, shown: int = 3) -> str:
    """`` (2 differ from a crosswalk code only in case: m for M in sex, ...)``, or "" when there are none."""
    if variants.empty:
        return ""
    examples = [f"{r.legacy_code} for {r.crosswalk_code} in {r.code_set}" for r in variants.head(shown).itertuples()]
    more = ", ..." if len(variants) > shown else ""
    return f" ({len(variants)} differ from a crosswalk code only in case: {', '.join(examples)}{more})"


def coverage_summary(coverage: pd.DataFrame) -> pd.DataFrame:
    """Unmapped codes and their occurrences per code set (for the evidence pack)."""
    if coverage.empty:
        return pd.DataFrame(columns=["code_set", "unmapped_codes", "occurrences"])
    grouped = coverage.groupby("code_set")
    return (
        pd.DataFrame(
            {
                "unmapped_codes": grouped["legacy_code"].nunique(),
                "occurrences": grouped["occurrences"].sum(),
            }
        )
        .reset_index()
        .sort_values("occurrences", ascending=False, ignore_index=True)
    )


def all_codes_covered(coverage: pd.DataFrame) -> CheckOutcome:
    """Every legacy code found in the extracts has a crosswalk entry."""
    # Codes are not identifiers, so the sample needs no masking: the reviewer sees what to add.
    sample = markdown(coverage) if not coverage.empty else "none"
    return CheckOutcome(coverage.empty, {"unmapped_codes": len(coverage), "sample": sample})
