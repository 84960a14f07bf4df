"""Column values of WLENTRY, WLACTIVITY, ADMITDISCH, CONSEPISODE and WARDSTAY."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from qvh_migration.legacy.code_sets import code_values
from qvh_migration.mock.catalog import ColumnValue, Dates
from qvh_migration.mock.inpatients import DESTINATION, DISCH_METHOD, SOURCE, WARD_CODES, Admissions, Stays
from qvh_migration.mock.parameters import EXTRACT_MINUTE, MINUTES_PER_DAY, NO_TIME
from qvh_migration.mock.patients import Patients
from qvh_migration.mock.reference import (
    HOSPITAL,
    PROVIDER,
    REMOVAL_REASONS,
    SPECIALTIES,
    SUSPENSION_REASONS,
    TCI_CANCEL_REASONS,
    Reference,
    internal_numbers,
    waiting_list_code,
)
from qvh_migration.mock.strings import blank_where, pick, plain_int
from qvh_migration.mock.vector import take_or
from qvh_migration.mock.waiting_list import (
    ACTIVITY_TEXT,
    ADMIT,
    CANCEL_H,
    CANCEL_P,
    INTENT,
    METHOD,
    OFFER,
    REMOVE,
    SUSPEND,
    WaitingList,
)

Table = tuple[dict[str, ColumnValue], int]
# (ICD-10 diagnoses, OPCS-4 procedures, procedure wording) typical of each service.
CODING: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "PLAS": (("C44.3", "C44.5", "D22.5", "L90.5", "C43.5"), ("S06.1", "S35.1", "S06.5"), "EXCISION OF SKIN LESION"),
    "HAND": (("S62.6", "M72.0", "S66.1", "G56.0"), ("T52.1", "A65.1", "W19.1"), "HAND SURGERY"),
    "BURN": (("T31.0", "T31.1", "T22.2", "T24.2", "T20.2"), ("S57.1", "S35.4", "S35.1"), "BURN DEBRIDEMENT AND GRAFT"),
    "MAXF": (("S02.6", "K07.1", "S02.4"), ("V15.2", "V16.1"), "FIXATION OF FRACTURED MANDIBLE"),
    "OMFS": (("K01.1", "K10.2", "C02.1"), ("F09.1", "F10.4"), "SURGICAL REMOVAL OF TEETH"),
    "ORAL": (("K01.1", "K04.7"), ("F09.1", "F10.4"), "ORAL SURGERY"),
    "ORTD": (("K07.2", "K07.3"), ("F14.1", "V15.2"), "ORTHOGNATHIC SURGERY"),
    "OPHC": (("H02.1", "H04.5", "H18.6", "H02.4"), ("C15.1", "C24.1", "C46.1"), "EYELID SURGERY"),
    "ENT": (("J34.2", "J35.0"), ("E03.6", "F34.1"), "ENT SURGERY"),
    "GS": (("C44.7", "L05.9"), ("S06.1", "S47.1"), "EXCISION OF SKIN LESION"),
    "BRST": (("Z42.1", "C50.9", "Z90.1"), ("B29.1", "B30.1"), "BREAST RECONSTRUCTION"),
    "SLEP": (("G47.3",), ("U33.6",), "SLEEP STUDY"),
}


def _coding(rng: np.random.Generator, spec: np.ndarray, part: int) -> pa.Array:
    vocab: list[str] = []
    out = np.empty(spec.size, dtype=np.int64)
    for s, name in enumerate(SPECIALTIES):
        options = CODING[name][part]
        rows = np.flatnonzero(spec == s)
        out[rows] = len(vocab) + rng.integers(0, len(options), rows.size)
        vocab.extend(options)
    return pick(vocab, out)


def _operation(spec: np.ndarray) -> pa.Array:
    return pick([CODING[s][2] for s in SPECIALTIES], spec)


def _patient(pats: Patients, pid: np.ndarray, case_note: bool = True) -> dict[str, ColumnValue]:
    take = pa.array(pid)
    out: dict[str, ColumnValue] = {
        "InternalPatientNumber": pats.text["InternalPatientNumber"].take(take),
        "DistrictNumber": pats.text["DistrictNumber"].take(take),
    }
    if case_note:
        out["CaseNoteNumber"] = pats.text["DistrictNumber"].take(take)
    return out


def render_wlentry(rng: np.random.Generator, pats: Patients, ref: Reference, wl: WaitingList) -> Table:
    n = wl.pid.size
    ev = wl.events
    last_row = np.r_[ev["entry"][1:] != ev["entry"][:-1], True] if ev["entry"].size else np.zeros(0, bool)
    last_minute = np.full(n, NO_TIME)
    last_kind = np.zeros(n, dtype=np.int64)
    last_minute[ev["entry"][last_row]] = ev["minute"][last_row]
    last_kind[ev["entry"][last_row]] = ev["kind"][last_row]
    tci = np.where(wl.status == 1, wl.end_minute, wl.next_tci)
    until = np.where(wl.end_minute == NO_TIME, EXTRACT_MINUTE, wl.end_minute)
    waited = (until - wl.list_minute) // MINUTES_PER_DAY - wl.suspended_days
    day_case = np.asarray(INTENT)[wl.intent] != "I"
    return {
        **_patient(pats, wl.pid),
        "EpisodeNumber": internal_numbers(wl.episode),
        "WLOnListDate": Dates(wl.list_minute),
        "WLOnListTime": Dates(wl.list_minute),
        "OriginalDateOnList": Dates(wl.list_minute),
        "OriginalDateOnListTime": Dates(wl.list_minute),
        "Consultant": pick(ref.consultant_codes, wl.cons),
        "Specialty": pick(SPECIALTIES, wl.spec),
        "WlCode": pick([waiting_list_code(s) for s in SPECIALTIES], wl.spec),
        "IntdMgmt": pick(INTENT, wl.intent),
        "MethodOfAdm": pick(METHOD, wl.method),
        "Urgency": pick(code_values("priority_type"), wl.priority),
        "Category": pick(code_values("administrative_category"), wl.category),
        "Hospital": HOSPITAL,
        "Provider": PROVIDER,
        "Ward": pick(["DSU", "PLW"], (~day_case).astype(np.int64)),
        "IntendedProc": _coding(rng, wl.spec, 1),
        "Operation": _operation(wl.spec),
        "ExpectedLos": plain_int(np.where(day_case, 0, rng.integers(1, 8, n))),
        "AdmissionDate": Dates(tci),
        "AdmissionTime": Dates(tci),
        "EpsActvDtimeInt": Dates(last_minute),
        "EpsCurrActvStsInt": plain_int(last_kind),
        "KH07StartWait": Dates(wl.list_minute),
        "KH07SusDays": plain_int(wl.suspended_days),
        "KH07Wait": plain_int(np.clip(waited, 0, 999_999)),
        "EpiGPCode": pick(ref.gp_codes, pats.gp[wl.pid]),
        "EpiGPPractice": pick(ref.practice_codes, ref.gp_practice[pats.gp[wl.pid]]),
    }, n


def render_wlactivity(rng: np.random.Generator, pats: Patients, ref: Reference, wl: WaitingList) -> Table:
    ev = wl.events
    e, kind, minute = ev["entry"], ev["kind"], ev["minute"]
    n = e.size
    first = np.r_[True, e[1:] != e[:-1]] if n else np.zeros(0, bool)
    prev_minute = np.where(first, NO_TIME, np.r_[NO_TIME, minute[:-1]])
    prev_kind = np.where(first, 0, np.r_[0, kind[:-1]])
    kinds = sorted(ACTIVITY_TEXT)
    texts = [ACTIVITY_TEXT[k] for k in kinds]
    cancel = np.isin(kind, [CANCEL_H, CANCEL_P])
    by_h = kind == CANCEL_H
    reasons = [c for c, _, _ in TCI_CANCEL_REASONS]
    reason = np.where(by_h, rng.integers(0, 3, n), 3 + rng.integers(0, 2, n))
    susp = kind == SUSPEND
    removed = kind == REMOVE
    removal = np.maximum(wl.removal_reason[e], 0)
    offer = kind == OFFER
    tci_rows = offer | cancel
    return {
        "InternalPatientNumber": pats.text["InternalPatientNumber"].take(pa.array(wl.pid[e])),
        "EpisodeNumber": internal_numbers(wl.episode[e]),
        "Activity": pick(texts, np.searchsorted(kinds, kind)),
        "ActivityDate": Dates(minute),
        "EpsActvDtimeInt": Dates(minute),
        "EpsActvTypeInt": plain_int(kind),
        "Consultant": pick(ref.consultant_codes, wl.cons[e]),
        "Specialty": pick(SPECIALTIES, wl.spec[e]),
        "WaitingList": pick([waiting_list_code(s) for s in SPECIALTIES], wl.spec[e]),
        "Category": pick(code_values("administrative_category"), wl.category[e]),
        "Urgency": pick(code_values("priority_type"), wl.priority[e]),
        "Hospital": HOSPITAL,
        "TCIDate": Dates(np.where(tci_rows, ev["tci"], NO_TIME)),
        "TCILetterDate": Dates(np.where(offer, minute, NO_TIME)),
        "CancelledBy": pick(["HOS", "PAT"], (~by_h).astype(np.int64), cancel),
        "CharterCancelCode": pick(reasons, reason, cancel),
        "CharterCancelDescription": pick([d for _, d, _ in TCI_CANCEL_REASONS], reason, cancel),
        "OpCancelled": pick(["2"], np.zeros(n, np.int64), cancel),
        "OpCancelledDesc": pick(["BEFORE DAY"], np.zeros(n, np.int64), cancel),
        "PatientChoice": pick(["1"], np.zeros(n, np.int64), kind == CANCEL_P),
        "PatientChoiceDesc": pick(["RETAIN ON WL"], np.zeros(n, np.int64), kind == CANCEL_P),
        "SuspReason": pick([c for c, _ in SUSPENSION_REASONS], rng.integers(0, len(SUSPENSION_REASONS), n), susp),
        "DefEndDate": Dates(ev["def_end"]),
        "DefRevisedEndDate": Dates(ev["def_end"]),
        "WlSuspensionInitiator": pick(["P"], np.zeros(n, np.int64), susp),
        "WLSuspensionInitiatorDesc": pick(["PATIENT"], np.zeros(n, np.int64), susp),
        "RemovalReason": pick([c for c, _, _ in REMOVAL_REASONS], removal, removed),
        "RemovalComment": pick([d[:25] for _, d, _ in REMOVAL_REASONS], removal, removed),
        "PrevActivity": pick([""] + [t[:20] for t in texts], np.where(first, 0, np.searchsorted(kinds, prev_kind) + 1)),
        "PrevActivityDate": Dates(prev_minute),
        "PrevActivityInt": plain_int(prev_kind, ~first),
        "Ward": pick(
            ["DSU", "PLW"], (np.asarray(INTENT)[wl.intent[e]] == "I").astype(np.int64), offer | (kind == ADMIT)
        ),
    }, n


def render_admitdisch(
    rng: np.random.Generator,
    pats: Patients,
    ref: Reference,
    adm: Admissions,
    wards: Stays,
    wl: WaitingList,
    rtt_fdt: pa.Array,
) -> Table:
    n = adm.pid.size
    first_ward = np.full(n, 0)
    last_ward = np.full(n, 0)
    first_ward[wards.adm[::-1]] = wards.who[::-1]
    last_ward[wards.adm] = wards.who
    transfer_in = np.asarray(METHOD)[adm.method] == "TR"
    transfer_out = np.asarray(DESTINATION)[adm.destination] == "TH"
    hospitals = ["EAST SURREY", "PRINCESS ROYAL", "ROYAL SUSSEX", "DARENT VALLEY", "MAIDSTONE HOSP"]
    open_spell = adm.discharge == NO_TIME
    day_case = np.asarray(INTENT)[adm.intent] != "I"
    actual = (adm.discharge // MINUTES_PER_DAY) - (adm.admit // MINUTES_PER_DAY)
    los = np.where(day_case, 0, np.where(open_spell, rng.integers(1, 8, n), np.maximum(actual, 1)))
    on_list = take_or(wl.list_minute, adm.wl, NO_TIME)
    return {
        **_patient(pats, adm.pid),
        "EpisodeNumber": internal_numbers(adm.episode),
        "AdmissionDate": Dates(adm.admit),
        "AdmissionTime": Dates(adm.admit),
        "IpAdmDtimeInt": Dates(adm.admit),
        "DischargeDate": Dates(adm.discharge),
        "DischargeTime": Dates(adm.discharge),
        "IpDschDtimeInt": Dates(adm.discharge),
        "AdmWard": pick(WARD_CODES, first_ward),
        "DischWard": pick(WARD_CODES, last_ward, ~open_spell),
        "Consultant": pick(ref.consultant_codes, adm.cons),
        "Specialty": pick(SPECIALTIES, adm.spec),
        "MethodOfAdmission": pick(METHOD, adm.method),
        "SourceOfAdm": pick(SOURCE, adm.source),
        "MethodOfDischarge": pick(DISCH_METHOD, adm.disch_method, ~open_spell),
        "DestinationOnDischarge": pick(DESTINATION, adm.destination, ~open_spell),
        "IntdMgmt": pick(INTENT, adm.intent),
        "Category": pick(code_values("administrative_category"), adm.category),
        "HospCode": HOSPITAL,
        "EpiGPCode": pick(ref.gp_codes, pats.gp[adm.pid]),
        "EpiGPPracticeCode": pick(ref.practice_codes, ref.gp_practice[pats.gp[adm.pid]]),
        "DateOnWl": Dates(on_list),
        "ExpectedLos": plain_int(los),
        "ExpDateofDischarge": Dates(np.where(open_spell, adm.admit + los * MINUTES_PER_DAY, NO_TIME)),
        "EpsCurrActvSts": pick(["DISCHARGED", "ADMITTED"], open_spell.astype(np.int64)),
        "Operation": _operation(adm.spec),
        "RttPeriodStatus": rtt_fdt,
        "TransFrom": pick(hospitals, rng.integers(0, len(hospitals), n), transfer_in),
        "TransTo": pick(hospitals, rng.integers(0, len(hospitals), n), transfer_out & ~open_spell),
    }, n


def render_consepisode(rng: np.random.Generator, pats: Patients, ref: Reference, adm: Admissions, eps: Stays) -> Table:
    n = eps.adm.size
    spec = ref.consultant_specialty[eps.who]
    coded = (eps.end != NO_TIME) & (eps.end <= EXTRACT_MINUTE - 14 * MINUTES_PER_DAY)
    coded_at = np.where(coded, np.minimum(eps.end + rng.integers(3, 15, n) * MINUTES_PER_DAY, EXTRACT_MINUTE), NO_TIME)
    proc_day = np.where(coded, eps.start + 60, NO_TIME)
    return {
        "InternalPatientNumber": pats.text["InternalPatientNumber"].take(pa.array(adm.pid[eps.adm])),
        "EpisodeNumber": internal_numbers(adm.episode[eps.adm]),
        "FCENumber": plain_int(eps.position + 1),
        "ConsultantCode": pick(ref.consultant_codes, eps.who),
        "SpecialtyCode": pick(SPECIALTIES, spec),
        "EpisodeStartDate": Dates(eps.start),
        "EpisodeStartTime": Dates(eps.start),
        "EpsActvDtimeInt": Dates(eps.start),
        "EpisodeEndDt": Dates(eps.end),
        "EpisodeEndTm": Dates(eps.end),
        "ConsultantEpisodeEndDttm": Dates(eps.end),
        "KornerEpisodePrimaryDiagnosisCode": _blank(_coding(rng, spec, 0), coded),
        "KornerEpisodePrimaryProcedureCode": _blank(_coding(rng, spec, 1), coded),
        "KornerEpisodeProcedureDateInternal": Dates(proc_day),
        "PrimProoocDt": Dates(proc_day),
        "DoctorCodePerformingPrimaryOperation": pick(ref.consultant_codes, eps.who, coded),
        "NumberOfTheatreVisits": pick(["1"], np.zeros(n, np.int64), coded),
        "AdtKornerCodingCompleteIndicator": pick(["N", "Y"], coded.astype(np.int64)),
        "CodingCompleteDt": Dates(coded_at),
    }, n


def _blank(arr: pa.Array, keep: np.ndarray) -> pa.Array:
    return blank_where(arr, ~keep)


def render_wardstay(pats: Patients, ref: Reference, adm: Admissions, wards: Stays) -> Table:
    a = wards.adm
    last = np.r_[a[1:] != a[:-1], True] if a.size else np.zeros(0, bool)
    start_act = np.where(wards.position == 0, 0, 1)
    end_act = np.where(wards.end == NO_TIME, -1, np.where(last, 0, 1))
    return {
        "InternalPatientNumber": pats.text["InternalPatientNumber"].take(pa.array(adm.pid[a])),
        "EpisodeNumber": internal_numbers(adm.episode[a]),
        "WardCode": pick(WARD_CODES, wards.who),
        "ConsultantCode": pick(ref.consultant_codes, adm.cons[a]),
        "Specialty": pick(SPECIALTIES, adm.spec[a]),
        "HospitalCode": HOSPITAL,
        "AdmitDate": Dates(adm.admit[a]),
        "AdmitTime": Dates(adm.admit[a]),
        "IpAdmDtimeInt": Dates(adm.admit[a]),
        "StartDate": Dates(wards.start),
        "StartTime": Dates(wards.start),
        "EpsActvDtimeInt": Dates(wards.start),
        "EndDate": Dates(wards.end),
        "EndTime": Dates(wards.end),
        "EndDtTimeInt": Dates(wards.end),
        "StartActivity": pick(["ADM", "TR"], start_act),
        "EndActivity": pick(["DSC", "TR"], np.maximum(end_act, 0), end_act >= 0),
    }, a.size
