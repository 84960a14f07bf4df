from __future__ import annotations

import pandas as pd

from qvh_migration.io.masking import is_identifier_column, mask_identifiers, mask_row_keys


def test_identifier_columns_are_recognised() -> None:
    for name in ("NhsNumber", "DistrictNumber", "PtDoB", "Surname", "PtAddrLine1", "MAIN_CRN", "POST_CODE"):
        assert is_identifier_column(name), name
    for name in ("Specialty", "AdmMethod", "EpisodeNumber", "RECORD_NUMBER"):
        assert not is_identifier_column(name), name


def test_masking_keeps_only_the_tail() -> None:
    frame = pd.DataFrame({"NhsNumber": ["999 123 4567", ""], "Specialty": ["PLAS", "BURN"]})
    masked = mask_identifiers(frame)
    assert masked["NhsNumber"].tolist() == ["**********67", ""]
    assert masked["Specialty"].tolist() == ["PLAS", "BURN"]
    assert frame["NhsNumber"].iloc[0] == "999 123 4567"  # the input is untouched


def test_row_keys() -> None:
    keys = pd.Series(["InternalPatientNumber=000012345|EpisodeNumber=3"])
    assert mask_row_keys(keys).iloc[0] == "InternalPatientNumber=*******45|EpisodeNumber=3"


def test_fields_are_identifiers_by_what_they_are_loaded_from() -> None:
    """DATE_REGISTERED once showed the date of birth, EXTERNAL_SYSTEM_ID the patient number: names alone miss them."""
    from qvh_migration.io.masking import identifier_fields

    rules = pd.DataFrame(
        {
            "target_field": ["DATE_REGISTERED", "EXTERNAL_SYSTEM_ID", "ADDITIONAL_ID", "MAIDEN_NAME", "SEX", "ID"],
            "source_fields": [
                "PATDATA.InternalDateOfBirth",
                "",
                "MERGEDID.OldDistrictNumber",
                "PREVSURNAME.PrevSurname",
                "PATDATA.Sex",
                "",
            ],
            "generator": ["", "source_key", "", "", "", "sequence"],
        }
    )
    assert identifier_fields(rules) == {"DATE_REGISTERED", "EXTERNAL_SYSTEM_ID", "ADDITIONAL_ID", "MAIDEN_NAME"}
    frame = pd.DataFrame({"DATE_REGISTERED": ["19800101"], "source_key": ["InternalPatientNumber=000012345"]})
    masked = mask_identifiers(frame, also={"DATE_REGISTERED"})
    assert masked.iloc[0].tolist() == ["******01", "InternalPatientNumber=*******45"]
