"""A ward stay names its spell (EpisodeNumber) but not its FCE: it belongs to the consultant episode
in force when it began (guide p. 76, ADT_EPS_RECORD_NUMBER a foreign key to LOAD_ADT_EPISODES)."""

from __future__ import annotations

import pandas as pd

from qvh_migration.etl import key_registry
from qvh_migration.etl.executor import load_table
from qvh_migration.etl.row_sources import RowSource, RowSources
from qvh_migration.etl.source_rules import GRAIN_KEY, prepare_rows
from qvh_migration.etl.sources import SourceTables
from qvh_migration_tests.etl.test_rtt_links import curated, rule

IPN = "InternalPatientNumber"
EXTRACTS = {
    "PATDATA": pd.DataFrame({IPN: ["1"], "DistrictNumber": ["Q1"]}),
    "ADMITDISCH": pd.DataFrame({IPN: ["1"], "EpisodeNumber": ["S1"]}),
    "CONSEPISODE": pd.DataFrame(
        {
            IPN: ["1", "1", "1"],
            "EpisodeNumber": ["S1", "S1", "S1"],
            "FCENumber": ["1", "2", "10"],
            "EpsActvDtimeInt": ["202006242246", "202006270122", "202006272305"],
        }
    ),
    "WARDSTAY": pd.DataFrame(
        {
            IPN: ["1", "1", "1", "1"],
            "EpisodeNumber": ["S1", "S1", "S1", "S1"],
            "EpsActvDtimeInt": ["202006242246", "202006250900", "202006270122", "202006272305"],
        }
    ),
}
ROW_SOURCES = RowSources(
    "PC60",
    {
        "LOAD_ADT_ADMISSIONS": RowSource("LOAD_ADT_ADMISSIONS", "ADMITDISCH", (IPN, "EpisodeNumber")),
        "LOAD_ADT_EPISODES": RowSource("LOAD_ADT_EPISODES", "CONSEPISODE", (IPN, "EpisodeNumber", "FCENumber")),
        "LOAD_ADT_WARDSTAYS": RowSource("LOAD_ADT_WARDSTAYS", "WARDSTAY", (IPN, "EpisodeNumber", "EpsActvDtimeInt")),
    },
)


def test_a_ward_stay_links_to_the_episode_it_began_in() -> None:
    sources = SourceTables(lambda table: EXTRACTS.get(table))
    registry = key_registry.empty_registry()
    for table, spec in ROW_SOURCES.tables.items():
        prepared = prepare_rows(spec, sources.raw(str(spec.source_table)), sources.survivors, sources.districts)
        registry = key_registry.register(registry, table, prepared[GRAIN_KEY].astype(str), "run-1")
    numbers = {t: key_registry.record_numbers(registry, t) for t in ROW_SOURCES.tables}
    grain = ";".join(f"WARDSTAY.{c}" for c in ROW_SOURCES.tables["LOAD_ADT_WARDSTAYS"].grain)
    rules = pd.DataFrame(
        [
            rule("LOAD_ADT_WARDSTAYS", 1, "RECORD_NUMBER", "GENERATED", generator="sequence", data_type="NUMBER"),
            rule(
                "LOAD_ADT_WARDSTAYS",
                2,
                "EXTERNAL_SYSTEM_ID",
                "GENERATED",
                generator="source_key",
                source_fields=grain,
                length=100,
            ),
            curated("LOAD_ADT_WARDSTAYS", "ADT_EPS_RECORD_NUMBER", mandatory_class="mandatory"),
        ]
    )
    result = load_table(
        "LOAD_ADT_WARDSTAYS", rules, ROW_SOURCES, sources, {}, numbers, impute_mode="strict", run_id="r"
    )
    episode = numbers["LOAD_ADT_EPISODES"]
    fce = {n: int(episode[f"{IPN}=1|EpisodeNumber=S1|FCENumber={n}"]) for n in ("1", "2", "10")}
    links = result.table.set_index("EXTERNAL_SYSTEM_ID")["ADT_EPS_RECORD_NUMBER"].astype(int).to_dict()
    assert links == {
        "1-S1-202006242246": fce["1"],
        "1-S1-202006250900": fce["1"],  # within the first episode
        "1-S1-202006270122": fce["2"],  # begun with the second
        "1-S1-202006272305": fce["10"],  # FCE 10 follows FCE 2 by time, not by text
    }
    assert result.rejects.empty
