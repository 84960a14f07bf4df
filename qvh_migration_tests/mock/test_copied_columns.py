"""Columns that repeat a parent's values: OPA's patient and referral details, GPHISTORY's GP address."""

from __future__ import annotations

import pandas as pd

from qvh_migration.mock.extracts import SourceExtracts

# OPA column -> the OPREFERRAL column it repeats.
OPA_REFERRAL_FIELDS = {
    "ReferralDate": "ReferralDate",
    "ReferralDateInt": "OpRegDtimeInt",
    "RefBy": "RefBy",
    "RefConsultant": "ConsCode",
    "RefPriority": "PriorityType",
    "RefSpecialty": "Specialty",
    "ReasonForRef": "ReasonForRef",
}
# GPHISTORY column -> the GP master column it repeats.
GP_ADDRESS_FIELDS = {
    "GpAddrLine1": "Address",
    "GpAddrLine2": "GpAddrLine2",
    "GpAddrLine3": "GpAddrLine3",
    "GpAddrLine4": "GpAddrLine4",
}


def _filled(frame: pd.DataFrame, columns: list[str]) -> None:
    for column in columns:
        assert (frame[column] != "").mean() > 0.95, column


def test_opa_sex_is_the_patients_sex(clean_extracts: SourceExtracts) -> None:
    opa = clean_extracts.tables["OPA"]
    pat = clean_extracts.tables["PATDATA"][["InternalPatientNumber", "Sex"]]
    _filled(opa, ["Sex"])
    joined = opa[["InternalPatientNumber", "Sex"]].merge(
        pat, on="InternalPatientNumber", how="left", suffixes=("", "_patient"), validate="many_to_one"
    )
    assert (joined["Sex"] == joined["Sex_patient"]).all()


def test_opa_referral_fields_are_the_referrals_values(clean_extracts: SourceExtracts) -> None:
    opa = clean_extracts.tables["OPA"]
    refs = clean_extracts.tables["OPREFERRAL"]
    keys = ["InternalPatientNumber", "EpisodeNumber"]
    _filled(opa, list(OPA_REFERRAL_FIELDS))
    parent = refs[keys + list(dict.fromkeys(OPA_REFERRAL_FIELDS.values()))].add_prefix("ref_")
    joined = opa[keys + list(OPA_REFERRAL_FIELDS)].merge(
        parent, left_on=keys, right_on=[f"ref_{k}" for k in keys], how="left", validate="many_to_one"
    )
    for opa_column, ref_column in OPA_REFERRAL_FIELDS.items():
        assert (joined[opa_column] == joined[f"ref_{ref_column}"]).all(), opa_column


def test_gp_history_carries_the_gp_masters_address(clean_extracts: SourceExtracts) -> None:
    history = clean_extracts.tables["GPHISTORY"]
    gp = clean_extracts.tables["GP"]
    known = history[history["GpCode"] != "G9999998"]  # the "GP not known" row has no address
    _filled(known, ["GpAddrLine1", "GpAddrLine2", "GpAddrLine3"])  # county (line 4) is blank in some areas
    parent = gp[["GpCode", *GP_ADDRESS_FIELDS.values()]].add_prefix("gp_")
    joined = history[["GpCode", *GP_ADDRESS_FIELDS]].merge(
        parent, left_on="GpCode", right_on="gp_GpCode", how="left", validate="many_to_one"
    )
    for history_column, gp_column in GP_ADDRESS_FIELDS.items():
        assert (joined[history_column] == joined[f"gp_{gp_column}"]).all(), history_column
