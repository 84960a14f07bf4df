"""Facts from the legacy extracts, keyed to record numbers through the key registry."""

from __future__ import annotations

from datetime import date

import pandas as pd

from qvh_migration.gates.invariants.source_facts import first_attended, primary_procedures, source_facts

REGISTRY = pd.DataFrame(
    {
        "target_table": ["LOAD_REFERRALS", "LOAD_REFERRALS", "LOAD_ADT_EPISODES", "LOAD_ADT_EPISODES"],
        "grain_key": [
            "InternalPatientNumber=000010001|EpisodeNumber=000200002",
            "InternalPatientNumber=000010003|EpisodeNumber=000200004",
            "InternalPatientNumber=000010001|EpisodeNumber=000200025|FCENumber=1",
            "InternalPatientNumber=000010001|EpisodeNumber=000200025|FCENumber=2",
        ],
        "record_number": [11, 12, 21, 22],
    }
)


def test_first_attended_counts_only_att_satt_wlk() -> None:
    opa = pd.DataFrame(
        {
            "InternalPatientNumber": ["000010001"] * 4 + ["000010003"] * 2,
            "EpisodeNumber": ["000200002"] * 4 + ["000200004"] * 2,
            "ApptDate": ["01/02/2020", "05/02/2020", "09/02/2020", "20/02/2020", "01/03/2020", "02/03/2020"],
            "ApptStatus": ["CANC", "NATT", "SATT", "ATT", "CANC", "NATT"],
        }
    )
    facts = first_attended(opa, REGISTRY)
    # Referral 11: the cancelled and DNA bookings come first, the earliest attended is the SATT one.
    # Referral 12 was never seen: no fact, so FIRST_SEEN must be empty.
    assert facts.to_dict("records") == [{"record_number": 11, "first_attended": date(2020, 2, 9)}]


def test_first_attended_reads_the_internal_start_before_a_damaged_display_date() -> None:
    """A display date 31/02/2001 once made an attended patient 'never seen' against a correct FIRST_SEEN."""
    opa = pd.DataFrame(
        {
            "InternalPatientNumber": ["000010001", "000010001"],
            "EpisodeNumber": ["000200002", "000200002"],
            "ApptDate": ["31/02/2001", "19/08/2001"],
            "PtApptStartDtimeInt": ["200104161515", "200108190930"],
            "ApptStatus": ["ATT", "ATT"],
        }
    )
    assert first_attended(opa, REGISTRY).to_dict("records") == [
        {"record_number": 11, "first_attended": date(2001, 4, 16)}
    ]


def test_primary_procedures_by_episode() -> None:
    episodes = pd.DataFrame(
        {
            "InternalPatientNumber": ["000010001", "000010001"],
            "EpisodeNumber": ["000200025", "000200025"],
            "FCENumber": ["1", "2"],
            "KornerEpisodePrimaryProcedureCode": ["S06.1", " "],
        }
    )
    assert primary_procedures(episodes, REGISTRY).to_dict("records") == [{"record_number": 21, "code": "S06.1"}]


def test_absent_extracts_give_no_facts(tmp_path) -> None:
    assert source_facts(tmp_path, REGISTRY) == {}
    assert source_facts(None, REGISTRY) == {}
