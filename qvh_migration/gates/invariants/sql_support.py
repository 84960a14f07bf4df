"""SQL helpers the invariants use: the guide's date formats and the NHS number check digit.

Written here, not borrowed from the ETL, so a wrong transform cannot agree with its own check:
the Modulus 11 algorithm follows the NHS Data Dictionary ("NHS Number": weights 10 to 2 on the
first nine digits, 11 minus the remainder, 11 reads 0 and 10 is never valid).
"""

from __future__ import annotations

import duckdb

# Guide date formats: DD/MM/YYYY (p. 18 ff.) and DD/MM/YYYY HH24:MI (e.g. pp. 21, 45).
MACROS: tuple[str, ...] = (
    "CREATE OR REPLACE MACRO inv_ts(x) AS coalesce("
    "try_strptime(CAST(x AS VARCHAR), '%d/%m/%Y %H:%M'), try_strptime(CAST(x AS VARCHAR), '%d/%m/%Y'))",
    "CREATE OR REPLACE MACRO inv_day(x) AS CAST(inv_ts(x) AS DATE)",
    "CREATE OR REPLACE MACRO inv_blank(x) AS (x IS NULL OR trim(CAST(x AS VARCHAR)) = '')",
    "CREATE OR REPLACE MACRO inv_nhs_digits(x) AS replace(coalesce(CAST(x AS VARCHAR), ''), ' ', '')",
    "CREATE OR REPLACE MACRO inv_nhs_weighted(s) AS "
    "list_sum(list_transform(range(1, 10), lambda i: TRY_CAST(substr(s, i, 1) AS INTEGER) * (11 - i)))",
    "CREATE OR REPLACE MACRO inv_nhs_check(s) AS CASE WHEN 11 - inv_nhs_weighted(s) % 11 = 11 THEN 0 "
    "ELSE 11 - inv_nhs_weighted(s) % 11 END",
    "CREATE OR REPLACE MACRO inv_nhs_valid(x) AS coalesce(CASE "
    "WHEN NOT regexp_full_match(inv_nhs_digits(x), '[0-9]{10}') THEN false "
    "WHEN inv_nhs_digits(x) = repeat(substr(inv_nhs_digits(x), 1, 1), 10) THEN false "
    "ELSE inv_nhs_check(inv_nhs_digits(x)) = TRY_CAST(substr(inv_nhs_digits(x), 10, 1) AS INTEGER) END, false)",
)


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    for macro in MACROS:
        con.execute(macro)


def modulus_11_valid(value: object) -> bool:
    """True for a ten-digit NHS number whose check digit is right and whose digits are not all the same."""
    digits = str(value if value is not None else "").replace(" ", "")
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit() or len(set(digits)) == 1:
        return False
    check = 11 - sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])
