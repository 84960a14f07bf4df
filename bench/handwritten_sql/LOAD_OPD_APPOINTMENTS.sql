-- LOAD_OPD_APPOINTMENTS by hand, in plain DuckDB SQL: the baseline the contract ETL is benchmarked against.
--
-- Placeholders the bench substitutes: {{EXTRACTS}} (extracts folder), {{CROSSWALKS}} (crosswalk CSVs),
-- {{TARGET}} (target folder: key_registry.parquet and the parents' outcomes/), {{OUT}} (where this writes).
-- Writes {{OUT}}/LOAD_OPD_APPOINTMENTS.parquet and {{OUT}}/LOAD_OPD_APPOINTMENTS_rejects.parquet; the
-- last statement returns the counts. Run it after the parent tables are loaded (the ETL's load order):
-- a link to a referral rejected in its own load is rejected here too.
--
-- Same work as the ETL in strict mode: every contract field (NOT_MIGRATED/UNRESOLVED as NULL), the
-- crosswalks (their '#' header lines skipped; a code mapped to NO_CODE loads the field empty and is
-- never a reject), the strict legacy date grammar, the archive cut-off of row_sources.yaml
-- (appointments before 20190401 go to LOAD_OPD_ARCHIVE), merged patients (a retired patient's bookings move to the
-- survivor, hospital number included), record numbers and parent links from the key registry, and the
-- reject reasons unmapped_code, malformed_date, over_length, missing_mandatory, orphan_parent,
-- parent_rejected and patient_not_loaded (the booking's patient, merges resolved, did not load into
-- LOAD_PMI: MAIN_CRN is "as loaded into LOAD_PMI.main_crn", guide p54). Parent links follow the
-- contract's join: the referral on patient + episode, the waiting-list entry on patient + episode, the
-- RTT period on patient + pathway + period id read through RTTEPIPERIOD (the episode's row, last in
-- key order). OUTCOME carries the disposal of an
-- attended booking, NATT for a DNA, CANC-H / CANC-P for a cancellation by who cancelled (CANC when not
-- recorded), blank when not outcomed. LOADRTTPRD_ACTION acts on the period of LOADRTTPRD_RECORD_NUMBER
-- (guide p53), so it is set only with that link: STOP for national status 30-36 (BOTH when a restarted
-- period began at this appointment), START for 1x only on a restarted period (period id above 1) - a
-- pathway's first period starts at its referral (REFERRAL_AS_START_ENCOUNTER Y, p45).
-- Deliberate differences, all cheaper than the ETL (so the ratio is conservative):
--   * no warnings file and no outcomes file; optional links the ETL warns about (no waiting-list
--     entry or RTT period, one rejected or filtered in its own load, an action without its period)
--     are loaded empty here too;
--   * RTTPWY_RECNO_OUT_ENCOUNTER is not migrated, and RTTEVENT_* are NULL: OPA shares only the patient
--     with an RTT event's grain, so the ETL leaves both links empty (and notes it);
--   * none of OPA, OPREFERRAL, OPWLENTRY, OPWLREMENTRY, OPATTTRACK, RTTPERIOD, RTTEPIPERIOD carries a
--     logical-delete flag, and LOAD_RTT_PERIODS has no row filter (its rows leave by their outcome);
--   * the bridge's key order takes PPeriodId as a whole number (the ETL orders by text if any id is
--     not one: never so in these extracts);
--   * checks that cannot fire on values this script builds itself are left out (bad_date_format,
--     not_a_number, over_length of constants, an empty EXTERNAL_SYSTEM_ID: it always holds two '-');
--   * trim() strips spaces only, where pandas strips any white space (the extracts hold no tabs);
--   * DATE fields leave in the guide's format of each field: DD/MM/YYYY HH24:MI for the appointment
--     start and the tracking times, DD/MM/YYYY for the booked and cancelled dates.

CREATE OR REPLACE TEMP MACRO legacy_ts(s) AS CASE
    WHEN regexp_full_match(s, '(1[89]|[2-9][0-9])[0-9]{6}') THEN try_strptime(s, '%Y%m%d')
    WHEN regexp_full_match(s, '(1[89]|[2-9][0-9])[0-9]{10}') THEN try_strptime(s, '%Y%m%d%H%M')
    WHEN regexp_full_match(s, '[0-9]{2}/[0-9]{2}/(1[89]|[2-9][0-9])[0-9]{2}') THEN try_strptime(s, '%d/%m/%Y')
    WHEN regexp_full_match(s, '[0-9]{2}/[0-9]{2}/(1[89]|[2-9][0-9])[0-9]{2} [0-9]{2}:[0-9]{2}')
        THEN try_strptime(s, '%d/%m/%Y %H:%M')
END;
CREATE OR REPLACE TEMP MACRO is_blank(s) AS coalesce(trim(s), '') = '';
-- A national RTT status as two digits (the crosswalk's NO_CODE is no status).
CREATE OR REPLACE TEMP MACRO national_status(code) AS CASE
    WHEN code = 'NO_CODE' THEN NULL WHEN length(code) = 1 THEN '0' || code ELSE code END;
CREATE OR REPLACE TEMP MACRO masked(v) AS CASE
    WHEN coalesce(v, '') = '' THEN '' WHEN length(v) > 2 THEN repeat('*', length(v) - 2) || right(v, 2) ELSE '**' END;

CREATE OR REPLACE TEMP TABLE xw AS
SELECT regexp_extract(filename, '([^/]+)\.csv$', 1) AS code_set, trim(legacy_code) AS legacy_code,
       trim(target_code) AS target_code
FROM read_csv('{{CROSSWALKS}}/*.csv', all_varchar = true, filename = true, union_by_name = true, header = true,
              comment = '#', delim = ',', quote = '"', escape = '"', null_padding = true)
WHERE NOT is_blank(legacy_code);

CREATE OR REPLACE TEMP TABLE reg AS
SELECT target_table, grain_key, record_number FROM read_parquet('{{TARGET}}/key_registry.parquet')
WHERE target_table IN ('LOAD_OPD_APPOINTMENTS', 'LOAD_REFERRALS', 'LOAD_OPDWAITLIST', 'LOAD_RTT_PERIODS', 'LOAD_PMI');

CREATE OR REPLACE TEMP TABLE survivors AS
SELECT trim(OldID) AS old_id, trim(NewestID) AS newest_id
FROM read_parquet('{{EXTRACTS}}/MERGEDID.parquet', file_row_number = true)
WHERE trim(NewestID) IN (SELECT InternalPatientNumber FROM read_parquet('{{EXTRACTS}}/PATDATA.parquet'))
QUALIFY row_number() OVER (PARTITION BY trim(OldID) ORDER BY file_row_number DESC) = 1;
-- The survivor's hospital number, for bookings that move to it.
CREATE OR REPLACE TEMP TABLE districts AS
SELECT InternalPatientNumber AS ipn, DistrictNumber
FROM read_parquet('{{EXTRACTS}}/PATDATA.parquet', file_row_number = true)
WHERE InternalPatientNumber IN (SELECT newest_id FROM survivors)
QUALIFY row_number() OVER (PARTITION BY InternalPatientNumber ORDER BY file_row_number) = 1;

-- Bookings, keyed as the extract names them (before merges), with the archive cut-off applied.
CREATE OR REPLACE TEMP TABLE src AS
SELECT o.file_row_number,
       'InternalPatientNumber=' || coalesce(o.InternalPatientNumber, '') || '|EpisodeNumber='
           || coalesce(o.EpisodeNumber, '') || '|PtApptStartDtimeInt=' || coalesce(o.PtApptStartDtimeInt, '')
           AS grain_key,
       left(coalesce(trim(o.PtApptStartDtimeInt), ''), 8) <> ''
           AND left(coalesce(trim(o.PtApptStartDtimeInt), ''), 8) < '20190401' AS archived,
       coalesce(s.newest_id, o.InternalPatientNumber) AS InternalPatientNumber,
       CASE WHEN s.newest_id IS NULL THEN o.DistrictNumber ELSE coalesce(d.DistrictNumber, o.DistrictNumber) END
           AS DistrictNumber,
       o.EpisodeNumber, o.PtApptStartDtimeInt, o.ApptCategory, o.DateApptBookedInt, o.BookingType, o.ClinicCode,
       o.ResCode, o.ApptType, o.ClinicConsultant, o.Transport, o.ApptStatus, o.CancelBy, o.Disposal,
       o.ApptCancDTimeInt, o.ApptComment, o.EbookingReferenceNumber, o.CABServiceCode, o.RttPeriodStatus
FROM read_parquet('{{EXTRACTS}}/OPA.parquet', file_row_number = true) o
LEFT JOIN survivors s ON o.InternalPatientNumber = s.old_id
LEFT JOIN districts d ON d.ipn = s.newest_id;

-- Parents as their own loads see them (merges resolved), the first row per link key, with record
-- number and the outcome of their last load.
CREATE OR REPLACE TEMP TABLE ref AS
SELECT coalesce(s.newest_id, r.InternalPatientNumber) AS ipn, r.EpisodeNumber AS ep, g.record_number, oc.outcome
FROM read_parquet('{{EXTRACTS}}/OPREFERRAL.parquet', file_row_number = true) r
LEFT JOIN survivors s ON r.InternalPatientNumber = s.old_id
LEFT JOIN reg g ON g.target_table = 'LOAD_REFERRALS' AND g.grain_key = 'InternalPatientNumber='
    || coalesce(r.InternalPatientNumber, '') || '|EpisodeNumber=' || coalesce(r.EpisodeNumber, '')
LEFT JOIN read_parquet('{{TARGET}}/outcomes/LOAD_REFERRALS.parquet') oc ON oc.record_number = g.record_number
QUALIFY row_number() OVER (PARTITION BY coalesce(s.newest_id, r.InternalPatientNumber), r.EpisodeNumber
                           ORDER BY r.file_row_number) = 1;
-- The waiting-list entry: LOAD_OPDWAITLIST is the union of the entries on the list (OPWLENTRY) and the
-- removed ones (OPWLREMENTRY), each part's registry keys starting with its table; the first entry per
-- patient + episode, entries on the list first.
CREATE OR REPLACE TEMP TABLE owl AS
WITH entries AS (
    SELECT 0 AS part, file_row_number, 'OPWLENTRY:' AS prefix, InternalPatientNumber, EpisodeNumber, OPRegDateInt
    FROM read_parquet('{{EXTRACTS}}/OPWLENTRY.parquet', file_row_number = true)
    UNION ALL
    SELECT 1, file_row_number, 'OPWLREMENTRY:', InternalPatientNumber, EpisodeNumber, OPRegDateInt
    FROM read_parquet('{{EXTRACTS}}/OPWLREMENTRY.parquet', file_row_number = true)
)
SELECT coalesce(s.newest_id, w.InternalPatientNumber) AS ipn, w.EpisodeNumber AS ep, g.record_number, oc.outcome
FROM entries w
LEFT JOIN survivors s ON w.InternalPatientNumber = s.old_id
LEFT JOIN reg g ON g.target_table = 'LOAD_OPDWAITLIST' AND g.grain_key = w.prefix || 'InternalPatientNumber='
    || coalesce(w.InternalPatientNumber, '') || '|EpisodeNumber=' || coalesce(w.EpisodeNumber, '')
    || '|OPRegDateInt=' || coalesce(w.OPRegDateInt, '')
LEFT JOIN read_parquet('{{TARGET}}/outcomes/LOAD_OPDWAITLIST.parquet') oc ON oc.record_number = g.record_number
QUALIFY row_number() OVER (PARTITION BY coalesce(s.newest_id, w.InternalPatientNumber), w.EpisodeNumber
                           ORDER BY w.part, w.file_row_number) = 1;
-- Attendance tracking: for each of the three times, the last step of the attendance (merges resolved,
-- key order: TrackingStep, then extract order) whose code carries the time's words; a step whose code
-- carries the words of two times counts for both. DD/MM/YYYY HH24:MI, the guide's format of these fields.
CREATE OR REPLACE TEMP TABLE track AS
WITH words (step, pattern) AS (VALUES ('ARR', 'ARR'), ('SEEN', 'SEEN|WITH'), ('COMP', 'COMP|DEP'))
SELECT coalesce(s.newest_id, t.InternalPatientNumber) AS ipn, t.EpisodeNumber AS ep, t.PtApptStartDtimeInt AS appt,
       w.step, strftime(legacy_ts(t.SchPatientTrackingStepDatetimeNeutral), '%d/%m/%Y %H:%M') AS at_time
FROM read_parquet('{{EXTRACTS}}/OPATTTRACK.parquet', file_row_number = true) t
JOIN words w ON regexp_matches(upper(t.TrackingStep), w.pattern)
LEFT JOIN survivors s ON t.InternalPatientNumber = s.old_id
QUALIFY row_number() OVER (PARTITION BY ipn, ep, appt, w.step ORDER BY t.TrackingStep DESC, t.file_row_number DESC) = 1;
-- The RTT bridge: the pathway, period id and clock start of each episode (RTTEPIPERIOD, merges resolved),
-- the episode's last row in key order (PathwayNumber as text, PPeriodId as a number, then extract order;
-- blanks sort last, as pandas sorts them). Both the period link and the clock action read this one row.
CREATE OR REPLACE TEMP TABLE epi AS
SELECT coalesce(s.newest_id, e.InternalPatientNumber) AS ipn, e.EpisodeNumber AS ep, e.PathwayNumber AS pathway,
       e.PPeriodId AS period_id, e.RttStartDateTimeInt AS period_start
FROM read_parquet('{{EXTRACTS}}/RTTEPIPERIOD.parquet', file_row_number = true) e
LEFT JOIN survivors s ON e.InternalPatientNumber = s.old_id
QUALIFY row_number() OVER (PARTITION BY ipn, ep
                           ORDER BY e.PathwayNumber DESC NULLS FIRST, try_cast(trim(e.PPeriodId) AS BIGINT) DESC NULLS FIRST,
                                    e.file_row_number DESC) = 1;
-- RTT periods as their own load sees them (merges resolved), the first row per patient + pathway +
-- period id (period ids repeat across a patient's pathways), with record number and outcome.
CREATE OR REPLACE TEMP TABLE period AS
SELECT coalesce(s.newest_id, p.InternalPatientNumber) AS ipn, p.PathwayNumber AS pathway, p.PPeriodId AS period_id,
       g.record_number, oc.outcome
FROM read_parquet('{{EXTRACTS}}/RTTPERIOD.parquet', file_row_number = true) p
LEFT JOIN survivors s ON p.InternalPatientNumber = s.old_id
LEFT JOIN reg g ON g.target_table = 'LOAD_RTT_PERIODS' AND g.grain_key = 'InternalPatientNumber='
    || coalesce(p.InternalPatientNumber, '') || '|PathwayNumber=' || coalesce(p.PathwayNumber, '')
    || '|PPeriodId=' || coalesce(p.PPeriodId, '')
LEFT JOIN read_parquet('{{TARGET}}/outcomes/LOAD_RTT_PERIODS.parquet') oc ON oc.record_number = g.record_number
QUALIFY row_number() OVER (PARTITION BY ipn, pathway, period_id ORDER BY p.file_row_number) = 1;

CREATE OR REPLACE TEMP TABLE v AS
WITH rows AS (
    SELECT * FROM src WHERE NOT archived
    QUALIFY row_number() OVER (PARTITION BY grain_key ORDER BY file_row_number) = 1
)
SELECT n.grain_key AS _grain, n.PtApptStartDtimeInt AS _appt_raw, n.DateApptBookedInt AS _booked_raw,
       n.ApptCancDTimeInt AS _canc_raw, trim(n.RttPeriodStatus) AS _rtt_status,
       x_rtt.target_code AS _rtt_mapped,
       ref.record_number IS NULL AND NOT (is_blank(n.InternalPatientNumber) AND is_blank(n.EpisodeNumber))
           AS _ref_orphan,
       coalesce(ref.outcome = 'rejected', false) AS _ref_rejected,
       coalesce(ref.outcome = 'filtered', false) AS _ref_filtered,
       n.InternalPatientNumber || '|' || n.EpisodeNumber AS _ref_key,
       -- The patient as LOAD_PMI's own load left it ('' when the patient has no LOAD_PMI row).
       coalesce(pmi.outcome, '') AS _patient_outcome,
       g.record_number AS RECORD_NUMBER,
       CASE WHEN ref.outcome IS DISTINCT FROM 'rejected' THEN ref.record_number END AS LOADREF_RECORD_NUMBER,
       -- Optional links to a parent not loaded are loaded empty (the ETL warns).
       CASE WHEN coalesce(owl.outcome, '') NOT IN ('rejected', 'filtered') THEN owl.record_number END
           AS LOADOWL_RECORD_NUMBER,
       NULL::BIGINT AS RTTPWY_RECNO_OUT_ENCOUNTER,
       -- The episode's RTT period, empty when it is on no pathway or the period was not loaded (warned).
       CASE WHEN coalesce(prd.outcome, '') NOT IN ('rejected', 'filtered') THEN prd.record_number END
           AS LOADRTTPRD_RECORD_NUMBER,
       -- The clock action on that period, only with the link (an action without its period is cleared).
       CASE WHEN prd.record_number IS NOT NULL AND coalesce(prd.outcome, '') NOT IN ('rejected', 'filtered')
                 AND try_cast(trim(epi.period_id) AS DOUBLE) IS NOT NULL THEN
           CASE WHEN national_status(x_rtt.target_code) IN ('30', '31', '32', '33', '34', '35', '36') THEN
                    CASE WHEN try_cast(trim(epi.period_id) AS DOUBLE) > 1
                              AND legacy_ts(epi.period_start) = legacy_ts(n.PtApptStartDtimeInt)
                         THEN 'BOTH' ELSE 'STOP' END
                WHEN left(national_status(x_rtt.target_code), 1) = '1' AND try_cast(trim(epi.period_id) AS DOUBLE) > 1
                    THEN 'START'
           END
       END AS LOADRTTPRD_ACTION,
       NULL::BIGINT AS RTTEVENT_RECNO_ENCOUNTER, NULL::BIGINT AS RTTEVENT_RECNO_OUTCOME, 'PC60' AS SYSTEM_CODE,
       coalesce(trim(n.InternalPatientNumber), '') || '-' || coalesce(trim(n.EpisodeNumber), '') || '-'
           || coalesce(trim(n.PtApptStartDtimeInt), '') AS EXTERNAL_SYSTEM_ID,
       'DISTRICT' AS MAIN_CRN_TYPE, n.DistrictNumber AS MAIN_CRN,
       CASE upper(trim(n.ApptCategory)) WHEN 'NEW' THEN 'N' WHEN 'N' THEN 'N' WHEN '1' THEN 'N' WHEN 'NTE' THEN 'N'
           WHEN 'FOL' THEN 'F' WHEN 'F' THEN 'F' WHEN '2' THEN 'F' WHEN 'FTE' THEN 'F' END AS NEW_FOLLOWUP_FLAG,
       NULL::VARCHAR AS APPT_TEAM, strftime(legacy_ts(n.PtApptStartDtimeInt), '%d/%m/%Y %H:%M') AS APPT_DATE,
       strftime(legacy_ts(n.DateApptBookedInt), '%d/%m/%Y') AS BOOKED_DATE, n.BookingType AS BOOKING_TYPE,
       n.ClinicCode AS CLINIC_CODE_1, n.ResCode AS CLINIC_CODE_2, n.ApptType AS APPT_TYPE,
       n.ClinicConsultant AS CONSULTANT_IN_CHARGE, n.ResCode AS CONSULTANT_TAKING_APPT,
       n.Transport AS TRANSPORT_REQUIRED,
       CASE WHEN upper(trim(n.ApptStatus)) = 'WLK' THEN 'Y' ELSE 'N' END AS WALKIN_FLAG,
       t_arr.at_time AS TIME_ARRIVED, t_seen.at_time AS TIME_SEEN, t_comp.at_time AS TIME_COMPLETE,
       -- Attended: the disposal; did not attend: NATT; cancelled: CANC-H / CANC-P by who cancelled, else CANC.
       CASE upper(trim(n.ApptStatus))
           WHEN 'ATT' THEN nullif(upper(trim(n.Disposal)), '') WHEN 'WLK' THEN nullif(upper(trim(n.Disposal)), '')
           WHEN 'SATT' THEN nullif(upper(trim(n.Disposal)), '') WHEN 'NATT' THEN 'NATT'
           WHEN 'CANC' THEN CASE upper(trim(n.CancelBy)) WHEN 'H' THEN 'CANC-H' WHEN 'P' THEN 'CANC-P' ELSE 'CANC' END
       END AS OUTCOME, strftime(legacy_ts(n.ApptCancDTimeInt), '%d/%m/%Y') AS CANCELLED_DATE,
       n.ApptComment AS APPT_COMMENT, n.EbookingReferenceNumber AS CAB_UBRN, n.CABServiceCode AS CAB_SERVICE,
       NULL::VARCHAR AS CAB_USRN
FROM rows n
LEFT JOIN reg g ON g.target_table = 'LOAD_OPD_APPOINTMENTS' AND g.grain_key = n.grain_key
LEFT JOIN reg pg ON pg.target_table = 'LOAD_PMI' AND pg.grain_key = 'InternalPatientNumber='
    || coalesce(n.InternalPatientNumber, '')
LEFT JOIN read_parquet('{{TARGET}}/outcomes/LOAD_PMI.parquet') pmi ON pmi.record_number = pg.record_number
LEFT JOIN ref ON ref.ipn = n.InternalPatientNumber AND ref.ep = n.EpisodeNumber
LEFT JOIN owl ON owl.ipn = n.InternalPatientNumber AND owl.ep = n.EpisodeNumber
LEFT JOIN track t_arr ON t_arr.step = 'ARR' AND t_arr.ipn = n.InternalPatientNumber AND t_arr.ep = n.EpisodeNumber
    AND t_arr.appt = n.PtApptStartDtimeInt
LEFT JOIN track t_seen ON t_seen.step = 'SEEN' AND t_seen.ipn = n.InternalPatientNumber
    AND t_seen.ep = n.EpisodeNumber AND t_seen.appt = n.PtApptStartDtimeInt
LEFT JOIN track t_comp ON t_comp.step = 'COMP' AND t_comp.ipn = n.InternalPatientNumber
    AND t_comp.ep = n.EpisodeNumber AND t_comp.appt = n.PtApptStartDtimeInt
LEFT JOIN epi ON epi.ipn = n.InternalPatientNumber AND epi.ep = n.EpisodeNumber
LEFT JOIN period prd ON prd.ipn = n.InternalPatientNumber AND prd.pathway = epi.pathway
    AND prd.period_id = epi.period_id
LEFT JOIN xw x_rtt ON x_rtt.code_set = 'rtt_period_status' AND x_rtt.legacy_code = trim(n.RttPeriodStatus);

-- Row faults of bookings whose referral is loaded or rejected (a filtered referral filters its bookings).
CREATE OR REPLACE TEMP TABLE issues AS
WITH too_long (_grain, field, value, max_len) AS (
    SELECT _grain, 'EXTERNAL_SYSTEM_ID', EXTERNAL_SYSTEM_ID, 100 FROM v WHERE length(EXTERNAL_SYSTEM_ID) > 100
    UNION ALL SELECT _grain, 'LOADRTTPRD_ACTION', LOADRTTPRD_ACTION, 5 FROM v WHERE length(LOADRTTPRD_ACTION) > 5
    UNION ALL SELECT _grain, 'MAIN_CRN', MAIN_CRN, 30 FROM v WHERE length(MAIN_CRN) > 30
    UNION ALL SELECT _grain, 'NEW_FOLLOWUP_FLAG', NEW_FOLLOWUP_FLAG, 1 FROM v WHERE length(NEW_FOLLOWUP_FLAG) > 1
    UNION ALL SELECT _grain, 'BOOKING_TYPE', BOOKING_TYPE, 80 FROM v WHERE length(BOOKING_TYPE) > 80
    UNION ALL SELECT _grain, 'CLINIC_CODE_1', CLINIC_CODE_1, 20 FROM v WHERE length(CLINIC_CODE_1) > 20
    UNION ALL SELECT _grain, 'CLINIC_CODE_2', CLINIC_CODE_2, 20 FROM v WHERE length(CLINIC_CODE_2) > 20
    UNION ALL SELECT _grain, 'APPT_TYPE', APPT_TYPE, 20 FROM v WHERE length(APPT_TYPE) > 20
    UNION ALL SELECT _grain, 'CONSULTANT_IN_CHARGE', CONSULTANT_IN_CHARGE, 30 FROM v
    WHERE length(CONSULTANT_IN_CHARGE) > 30
    UNION ALL SELECT _grain, 'CONSULTANT_TAKING_APPT', CONSULTANT_TAKING_APPT, 30 FROM v
    WHERE length(CONSULTANT_TAKING_APPT) > 30
    UNION ALL SELECT _grain, 'TRANSPORT_REQUIRED', TRANSPORT_REQUIRED, 80 FROM v WHERE length(TRANSPORT_REQUIRED) > 80
    UNION ALL SELECT _grain, 'WALKIN_FLAG', WALKIN_FLAG, 1 FROM v WHERE length(WALKIN_FLAG) > 1
    UNION ALL SELECT _grain, 'OUTCOME', OUTCOME, 80 FROM v WHERE length(OUTCOME) > 80
    UNION ALL SELECT _grain, 'APPT_COMMENT', APPT_COMMENT, 2000 FROM v WHERE length(APPT_COMMENT) > 2000
    UNION ALL SELECT _grain, 'CAB_UBRN', CAB_UBRN, 20 FROM v WHERE length(CAB_UBRN) > 20
    UNION ALL SELECT _grain, 'CAB_SERVICE', CAB_SERVICE, 10 FROM v WHERE length(CAB_SERVICE) > 10
), found AS (
    SELECT _grain, 'LOADREF_RECORD_NUMBER' AS field, 'orphan_parent' AS reason_code,
           'no LOAD_REFERRALS row for InternalPatientNumber+EpisodeNumber' AS message, _ref_key AS value
    FROM v WHERE _ref_orphan
    UNION ALL SELECT _grain, 'LOADREF_RECORD_NUMBER', 'parent_rejected',
           'the LOAD_REFERRALS row was rejected in its own load', _ref_key FROM v WHERE _ref_rejected
    -- A booking never points at a patient who is not in LOAD_PMI.
    UNION ALL SELECT _grain, 'MAIN_CRN', 'patient_not_loaded',
           CASE _patient_outcome WHEN 'rejected' THEN 'the patient''s LOAD_PMI row was rejected'
               WHEN 'filtered' THEN 'the patient''s LOAD_PMI row was filtered' ELSE 'the patient has no LOAD_PMI row' END,
           MAIN_CRN FROM v WHERE _patient_outcome <> 'loaded'
    UNION ALL SELECT _grain, 'LOADRTTPRD_ACTION', 'unmapped_code', 'legacy code has no rtt_period_status crosswalk entry',
           _rtt_status FROM v WHERE NOT is_blank(_rtt_status) AND is_blank(_rtt_mapped)
    UNION ALL SELECT _grain, field, 'malformed_date', 'not a valid legacy date', value FROM (
        SELECT _grain, 'APPT_DATE' AS field, _appt_raw AS value FROM v WHERE NOT is_blank(_appt_raw) AND APPT_DATE IS NULL
        UNION ALL SELECT _grain, 'BOOKED_DATE', _booked_raw FROM v WHERE NOT is_blank(_booked_raw) AND BOOKED_DATE IS NULL
        UNION ALL SELECT _grain, 'CANCELLED_DATE', _canc_raw FROM v
        WHERE NOT is_blank(_canc_raw) AND CANCELLED_DATE IS NULL
    )
    UNION ALL SELECT _grain, field, 'over_length', 'longer than the field''s ' || max_len || ' characters (never truncated)',
           value FROM too_long
    UNION ALL SELECT _grain, field, 'missing_mandatory', 'mandatory field is empty', '' FROM (
        SELECT _grain, 'LOADREF_RECORD_NUMBER' AS field FROM v WHERE LOADREF_RECORD_NUMBER IS NULL
        UNION ALL SELECT _grain, 'MAIN_CRN' FROM v WHERE coalesce(MAIN_CRN, '') = ''
        UNION ALL SELECT _grain, 'APPT_DATE' FROM v WHERE coalesce(APPT_DATE, '') = ''
        UNION ALL SELECT _grain, 'CLINIC_CODE_1' FROM v WHERE coalesce(CLINIC_CODE_1, '') = ''
    )
)
SELECT * FROM found WHERE _grain NOT IN (SELECT _grain FROM v WHERE _ref_filtered);

COPY (
    SELECT * EXCLUDE (_grain, _appt_raw, _booked_raw, _canc_raw, _rtt_status, _rtt_mapped, _ref_orphan, _ref_rejected,
                      _ref_filtered, _ref_key, _patient_outcome)
    FROM v WHERE NOT _ref_filtered AND _grain NOT IN (SELECT _grain FROM issues) ORDER BY RECORD_NUMBER
) TO '{{OUT}}/LOAD_OPD_APPOINTMENTS.parquet' (FORMAT parquet);

COPY (
    SELECT '' AS run_id, 'LOAD_OPD_APPOINTMENTS' AS target_table, 'OPA' AS source_table, s.grain_key AS source_key,
           'LOAD_OPD_APPOINTMENTS.' || i.field AS rule_id, i.field, i.reason_code, i.message,
           CASE WHEN i.field = 'MAIN_CRN' THEN masked(i.value) ELSE coalesce(i.value, '') END AS value_masked
    FROM issues i JOIN src s ON s.grain_key = i._grain AND NOT s.archived
    ORDER BY source_key, field, reason_code
) TO '{{OUT}}/LOAD_OPD_APPOINTMENTS_rejects.parquet' (FORMAT parquet);

SELECT (SELECT count(*) FROM src) AS source_rows,
       (SELECT count(*) FROM src WHERE archived OR grain_key IN (SELECT _grain FROM v WHERE _ref_filtered))
           AS filtered_rows,
       (SELECT count(*) FROM v WHERE NOT _ref_filtered AND _grain NOT IN (SELECT _grain FROM issues)) AS target_rows,
       (SELECT count(*) FROM src WHERE NOT archived AND grain_key IN (SELECT _grain FROM issues)) AS rejected_rows,
       (SELECT count(*) FROM issues i JOIN src s ON s.grain_key = i._grain AND NOT s.archived) AS reject_rows;
