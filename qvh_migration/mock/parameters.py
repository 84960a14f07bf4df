"""Parameters of the synthetic extract generator and the fixed facts every module shares."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from qvh_migration.legacy.dates import NO_TIME as NO_TIME  # the parser's "no date", shared


class MockParameterError(ValueError):
    """A generator parameter is out of range; the message names the parameter and the bad value."""


@dataclass(frozen=True)
class MockParameters:
    patients: int = 2000
    seed: int = 42
    defect_rate: float = 0.015
    write_csv: bool = False

    def __post_init__(self) -> None:
        validate_parameters(self)


def validate_parameters(params: MockParameters) -> None:
    """Reject values that would silently produce nonsense (no patients, rates above 100 %)."""
    if isinstance(params.patients, bool) or not isinstance(params.patients, (int, np.integer)):
        raise MockParameterError(f"patients must be an integer, got {params.patients!r}")
    if params.patients <= 0:
        raise MockParameterError(f"patients must be at least 1, got {params.patients}")
    if params.patients > MAX_PATIENTS:
        raise MockParameterError(f"patients must be at most {MAX_PATIENTS:,}, got {params.patients:,}")
    if isinstance(params.seed, bool) or not isinstance(params.seed, (int, np.integer)) or params.seed < 0:
        raise MockParameterError(f"seed must be a non-negative integer, got {params.seed!r}")
    rate = params.defect_rate
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= float(rate) <= 1.0:
        raise MockParameterError(f"defect_rate must be a number in [0, 1], got {rate!r}")


# District numbers are "Q" + 7 digits and internal numbers 9 digits: this keeps both in range.
MAX_PATIENTS = 5_000_000

# The extract is "taken" at a fixed moment so that the same seed gives the same bytes on any day.
# Appointments and TCIs after it are future bookings; births and deaths after it are defects.
EXTRACT_DATETIME = np.datetime64("2026-10-31T18:00", "m")
EXTRACT_MINUTE = int(EXTRACT_DATETIME.astype(np.int64))
EXTRACT_DAY = EXTRACT_MINUTE // 1440
# Referral-to-treatment rules (and so RTT periods) start here.
RTT_START_DAY = int(np.datetime64("2007-01-01", "D").astype(np.int64))
# Oldest registrations on the legacy PAS.
FIRST_REGISTRATION_DAY = int(np.datetime64("1994-04-01", "D").astype(np.int64))


MINUTES_PER_DAY = 1440


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """An independent generator per named stream, so adding a stream never shifts another's draws."""
    digest = int.from_bytes(hashlib.sha256(stream.encode()).digest()[:8], "little")
    return np.random.default_rng([int(seed), digest])
