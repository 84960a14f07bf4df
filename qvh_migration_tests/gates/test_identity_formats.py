"""Identity formats the gates and release criteria accept: REF_GP_CODE (guide p42) and verified NHS numbers."""

from __future__ import annotations

import pandas as pd

from qvh_migration.gates import formats


def test_referrer_codes_accept_national_practitioner_codes_and_the_gdp_master_code() -> None:
    """Guide p42 (REF_GP_CODE, GP_MASTER.registration_code; examples C0000048, D2008756, G3293160):
    a dentist's national code is valid, and so is the legacy GDP master's 6-character code of a
    referring dentist (loaded as mapped); anything else still fails, and a registered GP stays G/C/D + 7."""
    assert formats.format_of("REF_GP_CODE") == "referrer_code"
    values = pd.Series(["D2008756", "C0000048", "G3293160", "D69381", "X1", "G12", "D123456"])
    assert formats.valid_format("referrer_code", values).tolist() == [True, True, True, True, False, False, False]
    assert formats.valid_format("gp_code", pd.Series(["D69381", "D2008756"])).tolist() == [False, True]


def test_an_invalid_number_with_status_01_is_not_counted_verified() -> None:
    """Guide pp18-19 and issue 18 item 1: the release criterion "NHS numbers verified" counts only valid
    numbers with status 01 (the old figure counted status 01 alone: 2 of 2 here)."""
    from qvh_migration.gates.release import verified_share

    pmi = pd.DataFrame({"NHS_NUMBER": ["9434765919", "0000000000"], "NHS_NUMBER_STATUS": ["01", "01"]})
    assert verified_share(pmi) == 0.5
