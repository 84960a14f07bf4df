"""RTTALLPRDSTS and RTTEPIPERIOD follow RTTPERIOD's clocks and the NHS RTT Rules Suite."""

from __future__ import annotations

import pandas as pd

from qvh_migration.mock.extracts import SourceExtracts

IPN = "InternalPatientNumber"


def _statuses(ex: SourceExtracts) -> pd.DataFrame:
    events = ex.tables["RTTALLPRDSTS"]
    periods = ex.tables["RTTPERIOD"][
        [IPN, "PathwayNumber", "RttStartDateTimeInt", "RttEndDateTimeInt", "CurrentStatusInt"]
    ]
    merged = events.merge(periods, on=[IPN, "PathwayNumber"], how="left", validate="many_to_one")
    return merged.sort_values([IPN, "PathwayNumber", "ActivityDateTimeInt"], kind="stable")


def test_every_period_has_its_statuses_and_every_status_its_period(clean_extracts: SourceExtracts) -> None:
    statuses = _statuses(clean_extracts)
    assert statuses["RttStartDateTimeInt"].notna().all()  # no status on a pathway RTTPERIOD lacks
    periods = clean_extracts.tables["RTTPERIOD"]
    assert set(periods["PathwayNumber"]) == set(statuses["PathwayNumber"])
    # A pathway holds one status per moment and activity kind (the grain of LOAD_RTT_EVENTS).
    assert not statuses.duplicated([IPN, "PathwayNumber", "ActivityDateTimeInt", "PRDStsType"]).any()


def test_statuses_follow_the_clock_rules(clean_extracts: SourceExtracts) -> None:
    """10 starts the clock at RttStartDateTimeInt; 20/21 while it runs; the 30-36 that stopped it at
    RttEndDateTimeInt (the period's own status); 90 only after a stop; nothing before the start."""
    s = _statuses(clean_extracts)
    first = s.groupby([IPN, "PathwayNumber"]).head(1)
    assert (first["RttPRDStsInt"] == "10").all()
    assert (first["ActivityDateTimeInt"] == first["RttStartDateTimeInt"]).all()
    assert (s["ActivityDateTimeInt"] >= s["RttStartDateTimeInt"]).all()
    stopped = s["RttEndDateTimeInt"] != ""
    at_stop = s[stopped & (s["ActivityDateTimeInt"] == s["RttEndDateTimeInt"])]
    assert (at_stop["RttPRDStsInt"] == at_stop["CurrentStatusInt"]).all()
    assert at_stop.groupby([IPN, "PathwayNumber"]).ngroups == int(stopped.groupby(s["PathwayNumber"]).any().sum())
    after = s[stopped & (s["ActivityDateTimeInt"] > s["RttEndDateTimeInt"])]
    assert set(after["RttPRDStsInt"]) <= {"90"}
    before = s[~stopped | (s["ActivityDateTimeInt"] < s["RttEndDateTimeInt"])]
    assert set(before["RttPRDStsInt"]) <= {"10", "20"}
    assert set(s.loc[s["RttPRDStsInt"] == "90", "PRDStsType"]) == {"AD"}
    assert set(s.loc[~stopped, "RttPRDStsInt"]) <= {"10", "20"}  # an open clock has no stop
    assert (s.loc[~stopped].groupby("PathwayNumber")["RttPRDStsInt"].last() == "20").sum() > 0


def test_episodes_of_each_period(clean_extracts: SourceExtracts) -> None:
    """Each period's referral episode (clock start at the referral), and the waiting-list entries
    listed on its pathway, are in RTTEPIPERIOD with the period's id and clock start."""
    links = clean_extracts.tables["RTTEPIPERIOD"]
    periods = clean_extracts.tables["RTTPERIOD"]
    joined = links.merge(periods, on=[IPN, "PathwayNumber", "PPeriodId"], how="left", suffixes=("", "_period"))
    assert (joined["RttStartDateTimeInt"] == joined["RttStartDateTimeInt_period"]).all()
    referrals = clean_extracts.tables["OPREFERRAL"][[IPN, "EpisodeNumber"]]
    entries = clean_extracts.tables["WLENTRY"][[IPN, "EpisodeNumber"]]
    episodes = pd.concat([referrals.assign(kind="referral"), entries.assign(kind="entry")])
    kinds = links.merge(episodes, on=[IPN, "EpisodeNumber"], how="left")["kind"]
    assert kinds.notna().all()
    per_pathway = links.assign(kind=kinds.to_numpy()).groupby("PathwayNumber")["kind"]
    assert (per_pathway.apply(lambda k: (k == "referral").sum()) == 1).all()
    assert set(periods["PathwayNumber"]) == set(links["PathwayNumber"])
    assert (kinds == "entry").sum() > 0
