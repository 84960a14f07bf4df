"""RTT links and clock rules on a tiny hand-made world, with the field rules read from the curated
rules files (qvh_migration/mapping/rules/), so each test pins the rule as reviewed.

Patient 1 has two pathways whose first periods both have period id 1 (PW1, stopped by treatment
and restarted as period 2; PW2, open), a waiting-list entry on PW2 and appointments on both.
Patient 2 has a referral and a waiting-list entry on no RTT pathway, and a period whose clock
stop is before its start.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import yaml

from qvh_migration.etl import key_registry
from qvh_migration.etl.executor import load_table
from qvh_migration.etl.row_sources import RowSource, RowSources, load_row_sources
from qvh_migration.etl.source_rules import GRAIN_KEY, prepare_rows
from qvh_migration.etl.sources import SourceTables
from qvh_migration.mapping.transforms import TRANSFORMS
from qvh_migration_tests.etl.test_executor import rule

# QVH_RULES_DIR (as the dry run reads it) lets the same tests judge another set of rules files.
RULES = Path(os.environ.get("QVH_RULES_DIR") or Path(__file__).resolve().parents[2] / "qvh_migration/mapping/rules")
IPN = "InternalPatientNumber"
EXTRACTS = {
    "PATDATA": pd.DataFrame({IPN: ["1", "2"], "DistrictNumber": ["Q1", "Q2"]}),
    "OPREFERRAL": pd.DataFrame({IPN: ["1", "1", "2"], "EpisodeNumber": ["E1", "E2", "E5"]}),
    "RTTPERIOD": pd.DataFrame(
        {
            IPN: ["1", "1", "1", "2"],
            "PathwayNumber": ["PW1", "PW1", "PW2", "PW9"],
            "PPeriodId": ["1", "2", "1", "1"],
            "RttStartDateTimeInt": ["202001010900", "202005010900", "202002010900", "202106010900"],
            "RttEndDateTimeInt": ["202003010900", "", "", "202101010900"],
            "CurrentStatus": ["FDT", "AMEN", "SUBA", "FDT"],
        }
    ),
    "RTTEPIPERIOD": pd.DataFrame(
        {
            IPN: ["1", "1", "1", "1"],
            "EpisodeNumber": ["E1", "E2", "W7", "E1"],
            "PathwayNumber": ["PW1", "PW2", "PW2", "PW1"],
            "PPeriodId": ["1", "1", "1", "2"],
            "RttStartDateTimeInt": ["202001010900", "202002010900", "202002010900", "202005010900"],
        }
    ),
    "RTTALLPRDSTS": pd.DataFrame(
        {
            IPN: ["1", "1", "1", "1", "1"],
            "PathwayNumber": ["PW1", "PW1", "PW1", "PW1", "PW1"],
            "ActivityDateTimeInt": ["202001010900", "202003010900", "202004010900", "202005010900", "202005010900"],
            "PRDStsType": ["RWA", "OPATT", "AD", "OPATT", "ADHOC"],
            "RttPRDStsInt": ["10", "30", "90", "11", "20"],
        }
    ),
    "WLENTRY": pd.DataFrame({IPN: ["1", "2"], "EpisodeNumber": ["W7", "W8"]}),
    "OPA": pd.DataFrame(
        {
            IPN: ["1", "1", "2"],
            "EpisodeNumber": ["E2", "E1", "E5"],
            "PtApptStartDtimeInt": ["202002150900", "202006010900", "202103010900"],
            "RttPeriodStatus": ["FACT", "FDT", "FDT"],
        }
    ),
}
CROSSWALKS = {"rtt_period_status": pd.Series({"FACT": "10", "AMEN": "11", "SUBA": "20", "FDT": "30"})}
ROW_SOURCES = RowSources(
    "PC60",
    {
        "LOAD_REFERRALS": RowSource("LOAD_REFERRALS", "OPREFERRAL", (IPN, "EpisodeNumber")),
        "LOAD_RTT_PATHWAYS": RowSource("LOAD_RTT_PATHWAYS", "RTTPERIOD", (IPN, "PathwayNumber")),
        "LOAD_RTT_PERIODS": RowSource("LOAD_RTT_PERIODS", "RTTPERIOD", (IPN, "PathwayNumber", "PPeriodId")),
        "LOAD_RTT_EVENTS": RowSource(
            "LOAD_RTT_EVENTS", "RTTALLPRDSTS", (IPN, "PathwayNumber", "ActivityDateTimeInt", "PRDStsType")
        ),
        "LOAD_IWL": RowSource("LOAD_IWL", "WLENTRY", (IPN, "EpisodeNumber")),
        "LOAD_OPD_APPOINTMENTS": RowSource(
            "LOAD_OPD_APPOINTMENTS", "OPA", (IPN, "EpisodeNumber", "PtApptStartDtimeInt")
        ),
    },
)


def curated(table: str, field: str, order: int = 4, **kw: object) -> dict[str, object]:
    """The contract row of ``table.field`` as the curated rules file states it today."""
    document = yaml.safe_load((RULES / f"{table}.yaml").read_text(encoding="utf-8"))
    spec = document["rules"][field]
    own = document["source_table"]
    listed = spec.get("source") or []
    listed = [listed] if isinstance(listed, str) else listed
    transform = str(spec.get("transform", "") or "")
    crosswalk = spec.get("crosswalk") or (";".join(TRANSFORMS[transform].code_sets) if transform else "")
    return rule(
        table,
        order,
        field,
        str(spec["class"]).upper(),
        source_fields=";".join(s if "." in s else f"{own}.{s}" for s in listed),
        transform=transform,
        crosswalk=crosswalk,
        parent_table=str(spec.get("parent", "") or ""),
        **{"data_type": "NUMBER" if field.endswith("RECORD_NUMBER") else "VARCHAR2", "length": 80, **kw},
    )


def keys(table: str) -> list[dict[str, object]]:
    source = ROW_SOURCES.tables[table].source_table
    grain = ";".join(f"{source}.{c}" for c in ROW_SOURCES.tables[table].grain)
    return [
        rule(table, 1, "RECORD_NUMBER", "GENERATED", generator="sequence", data_type="NUMBER"),
        rule(table, 2, "EXTERNAL_SYSTEM_ID", "GENERATED", generator="source_key", source_fields=grain, length=100),
    ]


def numbers() -> tuple[SourceTables, dict[str, pd.Series]]:
    sources = SourceTables(lambda table: EXTRACTS.get(table))
    registry = key_registry.empty_registry()
    for table, spec in ROW_SOURCES.tables.items():
        prepared = prepare_rows(spec, sources.raw(str(spec.source_table)), sources.survivors, sources.districts)
        registry = key_registry.register(registry, table, prepared[GRAIN_KEY].astype(str), "run-1")
    return sources, {t: key_registry.record_numbers(registry, t) for t in ROW_SOURCES.tables}


def load(table: str, fields: list[dict[str, object]]):
    sources, registry = numbers()
    rules = pd.DataFrame(keys(table) + fields)
    return load_table(table, rules, ROW_SOURCES, sources, CROSSWALKS, registry, impute_mode="strict", run_id="r")


def by_key(result, field: str) -> dict[str, object]:
    table = result.table.set_index("EXTERNAL_SYSTEM_ID")[field]
    return {k: (None if pd.isna(v) else v) for k, v in table.items()}


def period_number(pathway: str, period: str, patient: str = "1") -> int:
    return int(numbers()[1]["LOAD_RTT_PERIODS"][f"{IPN}={patient}|PathwayNumber={pathway}|PPeriodId={period}"])


def test_period_links_key_on_the_pathway_as_well_as_the_period_id() -> None:
    """Guide p53 (and p48, p65): LOADRTTPRD_RECORD_NUMBER names the activity's own period. Period ids
    repeat across a patient's pathways (both of patient 1's pathways have a period 1), so a link on
    patient and period id alone finds the first pathway's period for an appointment on the second."""
    result = load("LOAD_OPD_APPOINTMENTS", [curated("LOAD_OPD_APPOINTMENTS", "LOADRTTPRD_RECORD_NUMBER")])
    links = by_key(result, "LOADRTTPRD_RECORD_NUMBER")
    assert links["1-E2-202002150900"] == period_number("PW2", "1")
    assert links["1-E1-202006010900"] == period_number("PW1", "2")  # the episode's latest period
    assert links["2-E5-202103010900"] is None  # a referral on no pathway has no period
    assert result.rejects.empty


def test_waiting_list_entry_finds_its_referral_through_the_pathway_or_is_rejected() -> None:
    """Guide p65: LOAD_IWL.LOADREF_RECORD_NUMBER is mandatory. WLENTRY names no referral; the entry's
    RTTEPIPERIOD row gives its pathway and the referral on that pathway is its parent. An entry on
    no pathway is rejected with a reason, never loaded with the mandatory link empty."""
    field = curated("LOAD_IWL", "LOADREF_RECORD_NUMBER", mandatory_class="mandatory")
    result = load("LOAD_IWL", [field])
    referral = int(numbers()[1]["LOAD_REFERRALS"][f"{IPN}=1|EpisodeNumber=E2"])
    assert by_key(result, "LOADREF_RECORD_NUMBER") == {"1-W7": referral}
    rejected = result.rejects.set_index("source_key")["reason_code"]
    assert "no_rtt_pathway" in set(rejected[f"{IPN}=2|EpisodeNumber=W8"])
    assert not any("left empty" in note for note in result.notes)


def test_referral_and_period_link_each_other_through_the_pathway() -> None:
    """Guide p40 (LOAD_REFERRALS.LOADRTTPWY_RECORD_NUMBER) and p44 (LOAD_RTT_PERIODS.LOADREF_RECORD_NUMBER)."""
    referrals = load("LOAD_REFERRALS", [curated("LOAD_REFERRALS", "LOADRTTPWY_RECORD_NUMBER")])
    pathways = numbers()[1]["LOAD_RTT_PATHWAYS"]
    assert by_key(referrals, "LOADRTTPWY_RECORD_NUMBER") == {
        "1-E1": int(pathways[f"{IPN}=1|PathwayNumber=PW1"]),
        "1-E2": int(pathways[f"{IPN}=1|PathwayNumber=PW2"]),
        "2-E5": None,
    }
    periods = load("LOAD_RTT_PERIODS", [curated("LOAD_RTT_PERIODS", "LOADREF_RECORD_NUMBER")])
    refs = numbers()[1]["LOAD_REFERRALS"]
    assert by_key(periods, "LOADREF_RECORD_NUMBER")["1-PW2-1"] == int(refs[f"{IPN}=1|EpisodeNumber=E2"])
    assert by_key(periods, "LOADREF_RECORD_NUMBER")["1-PW1-2"] == int(refs[f"{IPN}=1|EpisodeNumber=E1"])


def test_every_period_of_a_restarted_clock_finds_its_referral() -> None:
    """Guide p44: LOAD_RTT_PERIODS.LOADREF_RECORD_NUMBER. Referral E1's clock stopped (PW1 period 1)
    and restarted (period 2); RTTEPIPERIOD ties E1 to both, so both periods link to it. The old link
    read only the referral's last bridge row and left period 1 without its referral (scenario S10)."""
    periods = load("LOAD_RTT_PERIODS", [curated("LOAD_RTT_PERIODS", "LOADREF_RECORD_NUMBER")])
    e1 = int(numbers()[1]["LOAD_REFERRALS"][f"{IPN}=1|EpisodeNumber=E1"])
    links = by_key(periods, "LOADREF_RECORD_NUMBER")
    assert links["1-PW1-1"] == e1 and links["1-PW1-2"] == e1
    entries = load("LOAD_IWL", [curated("LOAD_IWL", "LOADREF_RECORD_NUMBER", mandatory_class="mandatory")])
    assert len(entries.table) == 1  # a referral on two periods is still one parent of its entry


def test_an_appointment_on_a_referral_started_period_is_not_a_second_start() -> None:
    """Guide p45: REFERRAL_AS_START_ENCOUNTER Y makes the referral the period's start encounter, and
    p53: LOADRTTPRD_ACTION START would make the appointment a start encounter too. The first
    appointment (status 10, FACT) of a pathway's first period gets no action; a stop gets STOP."""
    fields = [
        curated("LOAD_OPD_APPOINTMENTS", "LOADRTTPRD_RECORD_NUMBER", 3),
        curated("LOAD_OPD_APPOINTMENTS", "LOADRTTPRD_ACTION", 4),
    ]
    actions = by_key(load("LOAD_OPD_APPOINTMENTS", fields), "LOADRTTPRD_ACTION")
    assert actions["1-E2-202002150900"] is None
    assert actions["1-E1-202006010900"] == "STOP"


def test_an_rtt_action_is_set_only_with_its_period() -> None:
    """Guide p53: LOADRTTPRD_ACTION acts on the period of LOADRTTPRD_RECORD_NUMBER; patient 2's stop
    has no period (no RTTEPIPERIOD row), so it has no action either."""
    fields = [
        curated("LOAD_OPD_APPOINTMENTS", "LOADRTTPRD_RECORD_NUMBER", 3),
        curated("LOAD_OPD_APPOINTMENTS", "LOADRTTPRD_ACTION", 4),
    ]
    result = load("LOAD_OPD_APPOINTMENTS", fields)
    assert by_key(result, "LOADRTTPRD_ACTION")["2-E5-202103010900"] is None
    from qvh_migration.etl.row_checks import row_check_issues

    staged = pd.DataFrame({"LOADRTTPRD_RECORD_NUMBER": [pd.NA, "7"], "LOADRTTPRD_ACTION": ["STOP", "STOP"]})
    found = pd.concat(row_check_issues("LOAD_OPD_APPOINTMENTS", staged))
    assert found[["row", "reason_code", "action"]].values.tolist() == [[0, "action_without_period", "warn"]]


def test_pathway_end_event_only_when_a_stop_ended_the_pathway() -> None:
    """Guide p40: PATHWAY_END_EVENT is the event that ended the pathway (code type 10833, stop
    reasons); an open pathway (PW2, status 20) has none."""
    result = load("LOAD_RTT_PATHWAYS", [curated("LOAD_RTT_PATHWAYS", "PATHWAY_END_EVENT")])
    events = by_key(result, "PATHWAY_END_EVENT")
    assert events["1-PW2"] is None
    assert events["1-PW1"] == "30"


def test_no_period_loads_with_its_clock_start_after_its_clock_stop() -> None:
    """Guide p47: a period's START must not fall after its STOP (p45 CLOCK_START, CLOCK_STOP)."""
    fields = [
        curated("LOAD_RTT_PERIODS", "CLOCK_START", 3, data_type="DATE", comment="DD/MM/YYYY HH24:MI"),
        curated("LOAD_RTT_PERIODS", "CLOCK_STOP", 4, data_type="DATE", comment="DD/MM/YYYY HH24:MI"),
    ]
    result = load("LOAD_RTT_PERIODS", fields)
    assert "2-PW9-1" not in set(result.table["EXTERNAL_SYSTEM_ID"])
    rejected = result.rejects.loc[result.rejects["source_key"].str.contains("PW9")]
    assert set(rejected["reason_code"]) == {"end_before_start"}
    assert len(result.table) == 3


def test_statuses_link_to_their_period_and_off_clock_statuses_are_filtered() -> None:
    """Guide p47: events other than START/STOP lie within their period. RTTALLPRDSTS names the pathway
    only: the statuses at period 2's (restarted) clock start belong to period 2, not to the pathway's
    first period, and two statuses at the same moment are two events. The 90 recorded after period
    1 stopped lies in no period: it is filtered with the reason, not linked or rejected."""
    spec = load_row_sources().tables["LOAD_RTT_EVENTS"]
    assert "PRDStsType" in spec.grain
    sources = RowSources("PC60", {**ROW_SOURCES.tables, "LOAD_RTT_EVENTS": spec})
    world, registry = numbers()
    rules = pd.DataFrame([*keys("LOAD_RTT_EVENTS"), curated("LOAD_RTT_EVENTS", "LOADRTTPRD_RECORD_NUMBER", 3)])
    result = load_table("LOAD_RTT_EVENTS", rules, sources, world, CROSSWALKS, registry, run_id="r")
    links = by_key(result, "LOADRTTPRD_RECORD_NUMBER")
    first, second = period_number("PW1", "1"), period_number("PW1", "2")
    assert links == {
        "1-PW1-202001010900-RWA": first,
        "1-PW1-202003010900-OPATT": first,
        "1-PW1-202005010900-OPATT": second,
        "1-PW1-202005010900-ADHOC": second,
    }
    summary = result.summary.iloc[0]
    assert summary["filtered_rows"] == 1 and "guide p47" in summary["filter_reasons"]


def test_an_entry_on_no_pathway_takes_the_latest_referral_of_its_specialty_before_listing(monkeypatch) -> None:
    """Guide p65: the referral link is mandatory. An entry listed off any RTT pathway (before 2007, or
    private) links to the patient's latest referral of the same specialty made on or before its
    listing, with a warning; with none, it is still rejected. A referral made after the listing, or
    of another specialty, is never taken."""
    referrals = pd.DataFrame(
        {
            IPN: ["1", "1", "2", "2", "2"],
            "EpisodeNumber": ["E1", "E2", "E4", "E5", "E6"],
            "OpRegDtimeInt": ["202001010900", "202002010900", "200101010900", "200301010900", "200501010900"],
            "Specialty": ["PLAS", "PLAS", "PLAS", "PLAS", "PLAS"],
        }
    )
    entries = pd.DataFrame(
        {
            IPN: ["1", "2", "2"],
            "EpisodeNumber": ["W7", "W8", "W9"],
            "WlOnListDtTmInt": ["202003010900", "200401010900", "200401010900"],
            "Specialty": ["PLAS", "PLAS", "BURN"],
        }
    )
    monkeypatch.setitem(EXTRACTS, "OPREFERRAL", referrals)
    monkeypatch.setitem(EXTRACTS, "WLENTRY", entries)
    field = curated("LOAD_IWL", "LOADREF_RECORD_NUMBER", mandatory_class="mandatory")
    result = load("LOAD_IWL", [field])
    referral = numbers()[1]["LOAD_REFERRALS"]
    links = by_key(result, "LOADREF_RECORD_NUMBER")
    assert links["1-W7"] == int(referral[f"{IPN}=1|EpisodeNumber=E2"])  # on its pathway: no guess
    assert links["2-W8"] == int(referral[f"{IPN}=2|EpisodeNumber=E5"])  # not E6 (after), not E4 (older)
    assert "2-W9" not in links  # no BURN referral: rejected
    rejected = result.rejects.set_index("source_key")["reason_code"]
    assert "no_rtt_pathway" in set(rejected[f"{IPN}=2|EpisodeNumber=W9"])
    warned = result.warnings.loc[result.warnings["reason_code"].eq("referral_by_date"), "source_key"]
    assert set(warned) == {f"{IPN}=2|EpisodeNumber=W8"}
