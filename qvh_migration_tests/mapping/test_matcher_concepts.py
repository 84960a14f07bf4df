"""Reviewed concepts of the matcher and the signals built on them: synonyms, staging-table subjects,
master and child records, value shapes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qvh_migration.errors import CurationError
from qvh_migration.mapping import concepts, context, element_signal, masters, siblings, signals
from qvh_migration.mapping.matcher import date_pairs, read_gold
from qvh_migration.mapping.naming import name_tokens


def _top(semantic_matrix: pd.DataFrame) -> pd.DataFrame:
    return semantic_matrix[semantic_matrix["rank"] == 1].set_index(["target_table", "target_field"])


def test_concepts_are_reviewed_data_with_reasons(tmp_path):
    loaded = concepts.CONCEPTS
    assert loaded.words["wlk"] == "walkin" and loaded.subjects["LOAD_PMICONTACTS"] == "carer"
    assert "GP" in loaded.lends_attributes and "WLREMOVAL" not in loaded.lends_attributes
    path = tmp_path / "concepts.yaml"
    path.write_text("synonyms:\n  - {term: wlk, concept: walkin}\n")
    with pytest.raises(CurationError, match=r"concepts\.yaml \(synonyms entry 1\): every entry needs a reason"):
        concepts.read_concepts(path)
    path.write_text("synonyms:\n  - {term: Walk-In, concept: walkin, reason: r}\n")
    with pytest.raises(CurationError, match="term must be lower-case words"):
        concepts.read_concepts(path)
    path.write_text("record_subjects:\n  GP: {about: gp practice, lends: keys, reason: r}\n")
    with pytest.raises(CurationError, match=r"\(record_subjects GP\): lends must be attributes or values"):
        concepts.read_concepts(path)
    path.write_text("aliases: {}\n")
    with pytest.raises(CurationError, match="top level must have only"):
        concepts.read_concepts(path)


def test_synonyms_fold_names_and_texts():
    assert name_tokens("WALKIN_FLAG") == ("walkin", "flag")
    assert "walkin" in name_tokens("Wlk")
    # phrases are written as found and matched after abbreviation expansion
    assert name_tokens("DECIDED_TO_ADMIT_DATE") == ("decided", "wait", "list", "date")
    assert "follow" in name_tokens("NEW_FOLLOWUP_FLAG")


def test_affinity_may_lend_identifiers_only(tmp_path):
    path = tmp_path / "affinity.yaml"
    path.write_text("LOAD_PMIIDS:\n  PATDATA: {weight: 0.6, reason: hospital number, lends: names}\n")
    with pytest.raises(CurationError, match=r"\(LOAD_PMIIDS.PATDATA\): lends must be all or identifiers"):
        signals.read_table_affinity(path)
    target = pd.DataFrame({"table_name": ["LOAD_PMISTAFFWARNINGS"] * 2, "field_name": ["MAIN_CRN", "WARNING_COMMENT"]})
    fit = signals.identifier_lending(target, pd.Series(["PATDATA", "PMISPECIALREG"]))
    np.testing.assert_array_equal(fit, [[1.0, 1.0], [0.0, 1.0]])


def test_source_parties_follow_qualifiers_and_element_blocks(real_source_catalog):
    catalog = real_source_catalog.reset_index(drop=True)
    parties = context.source_parties(catalog)
    party = dict(zip(catalog["TableName"] + "." + catalog["Column"], parties, strict=True))
    assert party["PATDATA.CarerName"] == "carer"
    assert party["PATDATA.HomePhone"] == "carer"  # an unqualified field in the carer's element block
    assert party["PATDATA.NoKName"] == "next"
    assert party["PATDATA.Surname"] == "patient"
    assert party["PATDATA.Religion"] == "patient"  # a block of mixed parties says nothing


def test_contacts_table_takes_the_carer_fields(semantic_matrix):
    top = _top(semantic_matrix)
    for field in ("NAME_1", "NAME_FAMILY"):
        assert top.loc[("LOAD_PMICONTACTS", field), "source_column"] == "CarerName"
    for field in ("ADDRESS_1", "ADDRESS_2", "ADDRESS_3", "ADDRESS_4"):  # one wide line split over four
        assert top.loc[("LOAD_PMICONTACTS", field), "source_column"] == "CarerAddress"
    assert top.loc[("LOAD_PMICONTACTS", "PHONE_1"), "source_column"] == "HomePhone"
    assert top.loc[("LOAD_PMICONTACTS", "MAIN_CRN"), "source_column"] == "DistrictNumber"  # identifiers exempt
    assert top.loc[("LOAD_PMI", "TELEPHONE_NO_3"), "source_column"] != "HomePhone"  # the carer's, not the patient's


def test_master_and_child_tables_lend_the_fields_that_name_them(semantic_matrix):
    top = _top(semantic_matrix)
    assert tuple(top.loc[("LOAD_PMI", "PRACTICE_POST_CODE"), ["source_table", "source_column"]]) == ("GP", "Postcode")
    assert top.loc[("LOAD_REFERRALS", "REF_PRACTICE_POSTCODE"), "source_table"] == "GP"
    assert tuple(top.loc[("LOAD_IWL", "DATE_REMOVED"), ["source_table"]]) == ("WLREMOVAL",)
    assert tuple(top.loc[("LOAD_OPDWAITLIST", "LIST_NAME"), ["source_table", "source_column"]]) == (
        "OPWLMF",
        "Description",
    )
    # a master file lends attributes, not the key the row table carries
    assert top.loc[("LOAD_REFERRALS", "REF_GP_CODE"), "source_table"] == "OPREFERRAL"


def test_subject_names_and_record_lift():
    source = pd.DataFrame({"TableName": ["GP", "GP", "ADMITDISCH"], "Column": ["Postcode", "Description", "Ward"]})
    names = masters.subject_names(source)
    assert names.tolist() == ["gp practice Postcode", "gp practice name Description", "Ward"]
    fields = ["REF_PRACTICE_POSTCODE", "REF_PRACTICE_CODE", "WARD_CODE", "PRACTICE_SCHEME"]
    target = pd.DataFrame({"table_name": ["T"] * 4, "field_name": fields})
    affinity = np.array([[0.4, 0.4, 1.0]] * 4, dtype=np.float32)
    lifted = masters.record_lift(target, source, affinity, [frozenset()] * 4)
    # the key stays on the row; a kind of value the master does not hold (a scheme) is not lifted
    np.testing.assert_allclose(lifted[:, 0], [masters.RECORD_LIFT, 0.4, 0.4, 0.4])


def test_value_shapes(real_source_catalog):
    target = pd.DataFrame(
        {
            "field_name": ["WALKIN_FLAG", "APPOINTMENT_TIME", "REFERRAL_STATUS"],
            "data_type": ["VARCHAR2"] * 3,
            "length": pd.array([1, 5, 10], dtype="Int64"),
            "comment": ["Only two accepted values: Y for Yes OR N for No", "Must be in format: HH24:MI", ""],
            "code_type": [""] * 3,
            "code_type_name": [""] * 3,
        }
    )
    source = pd.DataFrame(
        {
            "Column": ["ApptStatus", "ApptClass", "ApptTime", "DischDate"],
            "Description": ["ATT/WLK/NATT/SATT/NR - NR means not recorded", "", "", ""],
            "description_kind": ["text", "empty", "empty", "empty"],
            "size_chars": [4, 4, 5, 10],
            "date_format": ["", "", "", "DD/MM/YYYY"],
            "date_pair_role": [""] * 4,
        }
    )
    t_profile, s_profile = signals.target_profile(target), signals.source_profile(source)
    fit = signals.type_fit(t_profile, s_profile)
    assert fit[0, 0] > fit[0, 1]  # a flag may test one of the listed codes (WLK: walk-in)
    assert t_profile["kind"].tolist()[1] == signals.T_TIME and fit[1, 2] == 1.0
    gate = signals.shape_gate(fit, t_profile)
    assert gate[2, 3] == signals.SHAPE_CLASH and gate[2, 0] == 1.0  # a status is not a date
    assert gate[0, 3] == 1.0  # a yes/no flag may test that a date is recorded


def test_numbered_families_and_wide_sources():
    target = pd.DataFrame(
        {
            "table_name": ["T"] * 4,
            "field_name": ["PROC_CODE", "PROC_CODE2", "PROCEDURE_1_CODE", "PROCEDURE_2_CODE"],
            "length": pd.array([80] * 4, dtype="Int64"),
        }
    )
    assert siblings.sibling_families(target) == [[0, 1], [2, 3]]
    ranked = np.array([[0.8, 0.70]] * 4, dtype=np.float32)
    names = pd.Series(["CarerAddress", "ExtAddressLine2"])
    narrow = siblings.spread_siblings(target, ranked, np.arange(2), names, np.array([100, 35], dtype=np.float32))
    wide = siblings.spread_siblings(target, ranked, np.arange(2), names, np.array([200, 35], dtype=np.float32))
    assert narrow[1, 0] == siblings.SPREAD_MARGIN  # the second slot moves to the next line
    assert wide[1, 0] == 0.0  # a source twice the slot's width may fill both slots


def test_a_column_and_its_int_twin_are_one_item(real_source_catalog):
    catalog = real_source_catalog.reset_index(drop=True)
    items = element_signal.item_groups(catalog, *date_pairs(catalog))
    at = {(t, c): i for i, (t, c) in enumerate(zip(catalog["TableName"], catalog["Column"], strict=True))}
    assert items[at[("OPDISCHARGE", "RTTPeriodStatus")]] == items[at[("OPDISCHARGE", "RTTPeriodStatusInt")]]
    assert items[at[("OPDISCHARGE", "Reason")]] != items[at[("OPDISCHARGE", "ReasonCode")]]


# The source catalog links PREVADDRESS.EffectiveFromDateInt with EffectiveToDate (from/to crossed);
# not a display/internal pair of one date, so the gold need not accept both.
CROSSED_PAIRS = frozenset({"PREVADDRESS.EffectiveFromDateInt", "PREVADDRESS.EffectiveToDate"})


def test_gold_accepts_both_halves_of_a_linked_date_pair(real_source_catalog):
    """The matcher ranks one half of a display/internal date pair; the gold accepts either."""
    catalog = real_source_catalog
    base = element_signal.element_base(catalog["DataElement"])
    keys = catalog["TableName"] + "." + catalog["Column"]
    pairs = zip(keys, catalog["TableName"], catalog["date_pair_column"].fillna(""), strict=True)
    partner = {key: f"{table}.{other}" for key, table, other in pairs if other}
    item_of = dict(zip(keys, base, strict=True))
    lonely = [
        f"{row.target_table}.{row.target_field}: {key} without {partner[key]}"
        for row in read_gold().itertuples(index=False)
        for key in row.accepted
        if key in partner
        and key not in CROSSED_PAIRS
        and partner.get(partner[key]) == key  # a linked pair (each names the other)
        and partner[key] not in row.accepted
        and item_of.get(partner[key]) == item_of[key]
    ]
    assert not lonely, lonely
