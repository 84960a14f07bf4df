-- LOAD_PMI by hand, in plain DuckDB SQL: the baseline the contract ETL is benchmarked against.
--
-- Placeholders the bench substitutes: {{EXTRACTS}} (extracts folder), {{CROSSWALKS}} (crosswalk CSVs),
-- {{TARGET}} (target folder holding key_registry.parquet), {{OUT}} (where this script writes).
-- Writes {{OUT}}/LOAD_PMI.parquet (loaded rows, contract field order, by RECORD_NUMBER) and
-- {{OUT}}/LOAD_PMI_rejects.parquet (one row per source row, field and reason); the last statement
-- returns the counts (source, filtered, target rows, rejected rows, reject rows).
--
-- Same work as the ETL in strict mode: every contract field (NOT_MIGRATED/UNRESOLVED as NULL), the
-- crosswalks (their '#' header lines skipped; a code mapped to NO_CODE loads the field empty and is
-- never a reject), the strict legacy date grammar, merged patients, record numbers from the key
-- registry, the GP practice (default V81999 for the unknown GP or a practice that is not an ODS code),
-- the practice applies-from date (the patient's GP history row last in key order, else the date of
-- birth), the GDP applies-from date (date of birth when a GDP is held), and the reject reasons
-- unmapped_code, malformed_date, over_length, missing_mandatory. Identity rules: an NHS number that is
-- not valid (ten digits, Modulus 11 check digit, not one digit repeated) loads empty and its status
-- says 03 (trace required), as does a status claiming a number (01, 02) where no valid one is held;
-- an ethnic, religion or marital status code the crosswalk lacks loads as the rule's "not known"
-- value (99, UNK, 9), never a reject; the date of death moves to the patient's latest admission or
-- discharge moment on that day (a death in hospital is never before that day's activity).
-- Deliberate differences, all cheaper than the ETL (so the ratio is conservative):
--   * no warnings file and no outcomes file; fields the ETL loads empty with a warning (a lookup
--     that finds no GP, an unapproved rule's over-length value, a NO_CODE crosswalk entry, an invalid
--     NHS number) are loaded empty here too, and not-known codes load without their warning;
--   * checks that cannot fire on values this script builds itself are left out: bad_date_format
--     (dates are formatted here), not_a_number (record numbers), over_length of constants;
--   * trim() strips spaces only, where pandas strips any white space (the extracts hold no tabs);
--   * PATDATA and ADMITDISCH carry no logical-delete flag; the GP and GDP lookups drop MfRecStsInd = '1' rows;
--   * DATE fields leave in the guide's format of each field: DD/MM/YYYY, but DD/MM/YYYY HH24:MI for the
--     date of death (a date alone gets 00:00).

-- Strict legacy dates: exactly CCYYMMDD, CCYYMMDDHHMM, DD/MM/YYYY or DD/MM/YYYY HH:MM, a real
-- calendar moment, year 1800 or later (try_strptime alone accepts short digit runs, hence the shape).
CREATE OR REPLACE TEMP MACRO legacy_ts(s) AS CASE
    WHEN regexp_full_match(s, '(1[89]|[2-9][0-9])[0-9]{6}') THEN try_strptime(s, '%Y%m%d')
    WHEN regexp_full_match(s, '(1[89]|[2-9][0-9])[0-9]{10}') THEN try_strptime(s, '%Y%m%d%H%M')
    WHEN regexp_full_match(s, '[0-9]{2}/[0-9]{2}/(1[89]|[2-9][0-9])[0-9]{2}') THEN try_strptime(s, '%d/%m/%Y')
    WHEN regexp_full_match(s, '[0-9]{2}/[0-9]{2}/(1[89]|[2-9][0-9])[0-9]{2} [0-9]{2}:[0-9]{2}')
        THEN try_strptime(s, '%d/%m/%Y %H:%M')
END;
CREATE OR REPLACE TEMP MACRO is_blank(s) AS coalesce(trim(s), '') = '';
-- A valid NHS number (NHS Data Dictionary): ten digits, not one digit repeated (a dummy), and the tenth
-- is the Modulus 11 check digit of the first nine (weights 10 down to 2; 11 counts as 0, 10 never valid).
CREATE OR REPLACE TEMP MACRO nhs_valid(d) AS coalesce(
    regexp_full_match(d, '[0-9]{10}') AND replace(d, left(d, 1), '') <> ''
    AND (11 - list_sum([try_cast(substr(d, i, 1) AS INTEGER) * (11 - i) FOR i IN range(1, 10)]) % 11) % 11
        = try_cast(right(d, 1) AS INTEGER), false);
-- Reject values of identifying fields keep their last two characters only.
CREATE OR REPLACE TEMP MACRO masked(v) AS CASE
    WHEN coalesce(v, '') = '' THEN '' WHEN length(v) > 2 THEN repeat('*', length(v) - 2) || right(v, 2) ELSE '**' END;

CREATE OR REPLACE TEMP TABLE xw AS
SELECT regexp_extract(filename, '([^/]+)\.csv$', 1) AS code_set, trim(legacy_code) AS legacy_code,
       trim(target_code) AS target_code
FROM read_csv('{{CROSSWALKS}}/*.csv', all_varchar = true, filename = true, union_by_name = true, header = true,
              comment = '#', delim = ',', quote = '"', escape = '"', null_padding = true)
WHERE NOT is_blank(legacy_code);

CREATE OR REPLACE TEMP TABLE reg AS
SELECT grain_key, record_number FROM read_parquet('{{TARGET}}/key_registry.parquet') WHERE target_table = 'LOAD_PMI';

-- Merged patients: a retired number whose survivor exists in PATDATA (last MERGEDID row wins).
CREATE OR REPLACE TEMP TABLE survivors AS
SELECT trim(OldID) AS old_id, trim(NewestID) AS newest_id
FROM read_parquet('{{EXTRACTS}}/MERGEDID.parquet', file_row_number = true)
WHERE trim(NewestID) IN (SELECT InternalPatientNumber FROM read_parquet('{{EXTRACTS}}/PATDATA.parquet'))
QUALIFY row_number() OVER (PARTITION BY trim(OldID) ORDER BY file_row_number DESC) = 1;

CREATE OR REPLACE TEMP TABLE src AS
SELECT p.file_row_number, p.InternalPatientNumber, p.DistrictNumber, p.InternalDateOfBirth, p.NhsNumber,
       p.NHSNumberStatus, p.Sex, p.Title, p.Forenames, p.Surname, p.BirthName, p.CountryOfBirth, p.EthnicType,
       p.SpokenLanguage, p.Religion, p.MaritalStatus, p.ExtAddressLine1, p.ExtAddressLine2, p.ExtAddressLine3,
       p.ExtAddressLine4, p.PtAddrLine1, p.PtAddrLine2, p.PtAddrLine3, p.PtAddrLine4, p.PtAddrPostCode,
       p.ExtAddressPostcd, p.PtHomePhone, p.PtMobilePhone, p.PtWorkPhone, p.PtEmail, p.PtMsg, p.PtDateOfDeathInt,
       p.MRSA, p.BloodGroup, p.PreferredName, p.GeneralComments, p.PtIdentificationComments,
       p.MedicalProfileComments, p.NoKRelationship, p.NoKName, p.NoKAddrLine1, p.NoKAddrLine2, p.NoKAddrLine3,
       p.NoKAddrLine4, p.NoKPostCode, p.NoKHomePhone, p.NoKWorkPhone, p.NoKComments, p.GpCode, p.GdpCode,
       p.Occupation,
       'InternalPatientNumber=' || coalesce(p.InternalPatientNumber, '') AS grain_key,
       s.old_id IS NOT NULL AS retired
FROM read_parquet('{{EXTRACTS}}/PATDATA.parquet', file_row_number = true) p
LEFT JOIN survivors s ON p.InternalPatientNumber = s.old_id;

-- Lookups: the last live master row per code, as the extract orders them.
CREATE OR REPLACE TEMP TABLE gp AS
SELECT GpCode, PracticeCode, Postcode FROM read_parquet('{{EXTRACTS}}/GP.parquet', file_row_number = true)
WHERE coalesce(trim(MfRecStsInd), '') <> '1'
QUALIFY row_number() OVER (PARTITION BY GpCode ORDER BY file_row_number DESC) = 1;
CREATE OR REPLACE TEMP TABLE gdp AS
SELECT GdpCode, Postcode FROM read_parquet('{{EXTRACTS}}/GDP.parquet', file_row_number = true)
WHERE coalesce(trim(MfRecStsInd), '') <> '1'
QUALIFY row_number() OVER (PARTITION BY GdpCode ORDER BY file_row_number DESC) = 1;
-- The patient's admission and discharge moments (rows of retired patients count for the survivor).
CREATE OR REPLACE TEMP TABLE stay_moments AS
WITH stays AS (
    SELECT trim(coalesce(s.newest_id, a.InternalPatientNumber)) AS ipn, a.IpAdmDtimeInt, a.IpDschDtimeInt
    FROM read_parquet('{{EXTRACTS}}/ADMITDISCH.parquet') a LEFT JOIN survivors s ON a.InternalPatientNumber = s.old_id
)
SELECT ipn, legacy_ts(IpAdmDtimeInt) AS at FROM stays WHERE legacy_ts(IpAdmDtimeInt) IS NOT NULL
UNION ALL SELECT ipn, legacy_ts(IpDschDtimeInt) FROM stays WHERE legacy_ts(IpDschDtimeInt) IS NOT NULL;
-- Latest previous-address end and GP registration per patient (rows of retired patients count for the survivor).
CREATE OR REPLACE TEMP TABLE addr_from AS
SELECT coalesce(s.newest_id, a.InternalPatientNumber) AS ipn, max(legacy_ts(a.EffectiveToDateInt)) AS latest
FROM read_parquet('{{EXTRACTS}}/PREVADDRESS.parquet') a LEFT JOIN survivors s ON a.InternalPatientNumber = s.old_id
GROUP BY ALL;
-- The patient's GP history row last in key order (InternalPatientNumber, SeqNo as text, then extract order).
CREATE OR REPLACE TEMP TABLE gp_from AS
SELECT coalesce(s.newest_id, h.InternalPatientNumber) AS ipn, legacy_ts(h.FromDtTmInt) AS latest
FROM read_parquet('{{EXTRACTS}}/GPHISTORY.parquet', file_row_number = true) h
LEFT JOIN survivors s ON h.InternalPatientNumber = s.old_id
QUALIFY row_number() OVER (PARTITION BY coalesce(s.newest_id, h.InternalPatientNumber)
                           ORDER BY h.SeqNo DESC NULLS FIRST, h.file_row_number DESC) = 1;

-- One row per patient number (the first in the extract); every target field, plus the raw inputs
-- the checks need (_ prefix).
CREATE OR REPLACE TEMP TABLE v AS
WITH rows AS (
    SELECT * FROM src WHERE NOT retired QUALIFY row_number() OVER (PARTITION BY grain_key ORDER BY file_row_number) = 1
), names AS (
    SELECT *, string_split_regex(trim(Forenames), '\s+') AS _fore, string_split_regex(trim(NoKName), '\s+') AS _nok,
           legacy_ts(InternalDateOfBirth) AS _dob,
           -- PATDATA holds the day of death only: it takes the latest admission or discharge that day.
           greatest(legacy_ts(PtDateOfDeathInt),
                    (SELECT max(m.at) FROM stay_moments m WHERE m.ipn = trim(rows.InternalPatientNumber)
                     AND m.at::DATE = legacy_ts(PtDateOfDeathInt)::DATE)) AS _dod,
           trim(NHSNumberStatus) AS _nhs_status, trim(Sex) AS _sex, trim(EthnicType) AS _ethnic,
           trim(Religion) AS _religion, trim(MaritalStatus) AS _marital,
           regexp_replace(trim(NhsNumber), '[\s-]', '', 'g') AS _nhs, nhs_valid(_nhs) AS _nhs_ok
    FROM rows
)
SELECT n.grain_key AS _grain, n.InternalDateOfBirth AS _dob_raw, n.PtDateOfDeathInt AS _dod_raw,
       n._nhs_status, n._sex,
       -- Crosswalked codes as the crosswalk gives them (NO_CODE included), for the unmapped check.
       x_nhs.target_code AS _nhs_status_x, x_sex.target_code AS _sex_x,
       r.record_number AS RECORD_NUMBER, 'PC60' AS SYSTEM_CODE,
       coalesce(trim(n.InternalPatientNumber), '') AS EXTERNAL_SYSTEM_ID, 'DISTRICT' AS MAIN_CRN_TYPE,
       n.DistrictNumber AS MAIN_CRN, strftime(n._dob, '%d/%m/%Y') AS DATE_REGISTERED,
       -- An invalid NHS number is never loaded as a number (the ETL warns).
       CASE WHEN n._nhs_ok THEN n._nhs END AS NHS_NUMBER,
       -- 03 (trace required) where the number held is invalid, or none is valid but the status says present.
       CASE WHEN (n._nhs <> '' OR nullif(x_nhs.target_code, 'NO_CODE') IN ('01', '02')) AND NOT n._nhs_ok
            THEN '03' ELSE nullif(x_nhs.target_code, 'NO_CODE') END AS NHS_NUMBER_STATUS,
       nullif(x_sex.target_code, 'NO_CODE') AS SEX,
       n.Title AS TITLE,
       nullif(n._fore[1], '') AS PAT_NAME_1, nullif(n._fore[2], '') AS PAT_NAME_2, nullif(n._fore[3], '') AS PAT_NAME_3,
       n.Surname AS PAT_NAME_FAMILY, n.BirthName AS MAIDEN_NAME, strftime(n._dob, '%d/%m/%Y') AS DATE_OF_BIRTH,
       n.CountryOfBirth AS PLACE_BORN, NULL::VARCHAR AS DATE_ENTERED_COUNTRY, NULL::VARCHAR AS NATIONALITY,
       -- Optional demographics never cost the patient their record: a code the crosswalk lacks loads as
       -- the rule's not-known value (ethnic 99, religion UNK, marital 9; the ETL warns).
       CASE WHEN NOT is_blank(n._ethnic) AND is_blank(x_eth.target_code) THEN '99'
            ELSE nullif(x_eth.target_code, 'NO_CODE') END AS ETHNIC_GROUP,
       -- An unapproved rule never rejects: its failing value is loaded empty (the ETL warns).
       CASE WHEN length(n.SpokenLanguage) <= 80 THEN n.SpokenLanguage END AS PREFERRED_LANGUAGE,
       CASE WHEN NOT is_blank(n._religion) AND is_blank(x_rel.target_code) THEN 'UNK'
            ELSE nullif(x_rel.target_code, 'NO_CODE') END AS RELIGION_CODE,
       CASE WHEN NOT is_blank(n._marital) AND is_blank(x_mar.target_code) THEN '9'
            ELSE nullif(x_mar.target_code, 'NO_CODE') END AS MARITAL_STATUS,
       n.Occupation AS OCCUPATION_CODE, NULL::VARCHAR AS WHERE_HEARD_OF_SERVICE,
       coalesce(nullif(trim(n.ExtAddressLine1), ''), nullif(trim(n.PtAddrLine1), '')) AS PAT_ADDRESS_1,
       coalesce(nullif(trim(n.ExtAddressLine2), ''), nullif(trim(n.PtAddrLine2), '')) AS PAT_ADDRESS_2,
       coalesce(nullif(trim(n.ExtAddressLine3), ''), nullif(trim(n.PtAddrLine3), '')) AS PAT_ADDRESS_3,
       coalesce(nullif(trim(n.ExtAddressLine4), ''), nullif(trim(n.PtAddrLine4), '')) AS PAT_ADDRESS_4,
       coalesce(nullif(trim(n.PtAddrPostCode), ''), nullif(trim(n.ExtAddressPostcd), '')) AS POST_CODE,
       n.PtHomePhone AS TELEPHONE_NO, n.PtMobilePhone AS TELEPHONE_NO_2, n.PtWorkPhone AS TELEPHONE_NO_3,
       n.PtEmail AS PAT_EMAIL_ADDRESS, NULL::VARCHAR AS PAT_LIVES_ALONE, NULL::VARCHAR AS PAT_PERMISSION_TO_CONTACT,
       CASE WHEN upper(trim(n.PtMsg)) IN ('YES', 'Y', '1', 'TRUE') THEN 'Y'
            WHEN upper(trim(n.PtMsg)) IN ('NO', 'N', '0', 'FALSE') THEN 'N' END AS PAT_PERMISSION_TO_PHONE,
       strftime(af.latest, '%d/%m/%Y') AS PAT_ADDRESS_FROM, strftime(n._dod, '%d/%m/%Y %H:%M') AS DATE_OF_DEATH,
       NULL::VARCHAR AS WHERE_DIED, NULL::VARCHAR AS CAUSE_OF_DEATH, NULL::VARCHAR AS DEATH_TREATMENT_RELATED,
       NULL::VARCHAR AS DEATH_HIV_RELATED, 'MRSA' AS EXTRA_INFO_1_TYPE, n.MRSA AS EXTRA_INFO_1,
       'BLOODGRP' AS EXTRA_INFO_2_TYPE, n.BloodGroup AS EXTRA_INFO_2, 'PREFNAME' AS EXTRA_INFO_3_TYPE,
       n.PreferredName AS EXTRA_INFO_3, NULL::VARCHAR AS EXTRA_INFO_4_TYPE, NULL::VARCHAR AS EXTRA_INFO_4,
       NULL::VARCHAR AS EXTRA_INFO_5_TYPE, NULL::VARCHAR AS EXTRA_INFO_5, NULL::VARCHAR AS EXTRA_INFO_6_TYPE,
       NULL::VARCHAR AS EXTRA_INFO_6, NULL::VARCHAR AS EXTRA_INFO_7_TYPE, NULL::VARCHAR AS EXTRA_INFO_7,
       NULL::VARCHAR AS EXTRA_INFO_8_TYPE, NULL::VARCHAR AS EXTRA_INFO_8, NULL::VARCHAR AS EXTRA_INFO_9_TYPE,
       NULL::VARCHAR AS EXTRA_INFO_9, NULL::VARCHAR AS EXTRA_INFO_10_TYPE, NULL::VARCHAR AS EXTRA_INFO_10,
       n.GeneralComments AS COMMENTS, 'Identification Comments' AS NOTE_1_SUBJECT,
       n.PtIdentificationComments AS NOTE_1_TEXT, 'Medical Profile Comments' AS NOTE_2_SUBJECT,
       n.MedicalProfileComments AS NOTE_2_TEXT, n.NoKRelationship AS NOK_RELATIONSHIP, NULL::VARCHAR AS NOK_TITLE,
       nullif(n._nok[1], '') AS NOK_NAME_1, nullif(n._nok[-1], '') AS NOK_NAME_FAMILY,
       n.NoKAddrLine1 AS NOK_ADDRESS_1, n.NoKAddrLine2 AS NOK_ADDRESS_2, n.NoKAddrLine3 AS NOK_ADDRESS_3,
       n.NoKAddrLine4 AS NOK_ADDRESS_4, n.NoKPostCode AS NOK_POST_CODE, n.NoKHomePhone AS NOK_TELEPHONE_1,
       n.NoKWorkPhone AS NOK_TELEPHONE_2, n.NoKComments AS NOK_COMMENTS, NULL::VARCHAR AS PAT_PERMISSION_TO_COPY_GP,
       CASE WHEN regexp_full_match(upper(trim(n.GpCode)), 'G[0-9]{7}') THEN upper(trim(n.GpCode)) ELSE 'G9999998' END
           AS GP_NATIONAL_CODE,
       -- The GP master's practice when it is an ODS code and the GP is known, else the default practice.
       CASE WHEN regexp_full_match(upper(trim(n.GpCode)), 'G[0-9]{7}')
                AND regexp_full_match(upper(trim(gp.PracticeCode)), '[A-Z][0-9]{5}')
            THEN upper(trim(gp.PracticeCode)) ELSE 'V81999' END AS PRACTICE_NATIONAL_CODE,
       gp.Postcode AS PRACTICE_POST_CODE,
       -- The GP history start, else (blank or unreadable) the date of birth.
       strftime(coalesce(gf.latest, n._dob), '%d/%m/%Y') AS PRACTICE_APPLIES_FROM, n.GdpCode AS GDP_NATIONAL_CODE,
       NULL::VARCHAR AS GDP_PRACTICE_NATIONAL_CODE, gdp.Postcode AS GDP_PRACTICE_POST_CODE,
       CASE WHEN NOT is_blank(n.GdpCode) THEN strftime(n._dob, '%d/%m/%Y') END AS GDP_PRACTICE_APPLIES_FROM
FROM names n
LEFT JOIN reg r ON r.grain_key = n.grain_key
LEFT JOIN xw x_nhs ON x_nhs.code_set = 'nhs_number_status' AND x_nhs.legacy_code = n._nhs_status
LEFT JOIN xw x_sex ON x_sex.code_set = 'sex' AND x_sex.legacy_code = n._sex
LEFT JOIN xw x_eth ON x_eth.code_set = 'ethnic_category' AND x_eth.legacy_code = n._ethnic
LEFT JOIN xw x_rel ON x_rel.code_set = 'religion' AND x_rel.legacy_code = n._religion
LEFT JOIN xw x_mar ON x_mar.code_set = 'marital_status' AND x_mar.legacy_code = n._marital
LEFT JOIN gp ON gp.GpCode = n.GpCode
LEFT JOIN gdp ON gdp.GdpCode = n.GdpCode
LEFT JOIN addr_from af ON af.ipn = n.InternalPatientNumber
LEFT JOIN gp_from gf ON gf.ipn = n.InternalPatientNumber;

-- Row faults, one row per patient, field and reason.
CREATE OR REPLACE TEMP TABLE issues AS
WITH unmapped AS (
    SELECT _grain, 'NHS_NUMBER_STATUS' AS field, _nhs_status AS value, 'nhs_number_status' AS code_set FROM v
    WHERE NOT is_blank(_nhs_status) AND is_blank(_nhs_status_x)
    UNION ALL SELECT _grain, 'SEX', _sex, 'sex' FROM v WHERE NOT is_blank(_sex) AND is_blank(_sex_x)
), too_long (_grain, field, value, max_len) AS (
    SELECT _grain, 'EXTERNAL_SYSTEM_ID', EXTERNAL_SYSTEM_ID, 100 FROM v WHERE length(EXTERNAL_SYSTEM_ID) > 100
    UNION ALL SELECT _grain, 'MAIN_CRN', MAIN_CRN, 30 FROM v WHERE length(MAIN_CRN) > 30
    UNION ALL SELECT _grain, 'NHS_NUMBER', NHS_NUMBER, 30 FROM v WHERE length(NHS_NUMBER) > 30
    UNION ALL SELECT _grain, 'NHS_NUMBER_STATUS', NHS_NUMBER_STATUS, 80 FROM v WHERE length(NHS_NUMBER_STATUS) > 80
    UNION ALL SELECT _grain, 'SEX', SEX, 80 FROM v WHERE length(SEX) > 80
    UNION ALL SELECT _grain, 'TITLE', TITLE, 80 FROM v WHERE length(TITLE) > 80
    UNION ALL SELECT _grain, 'PAT_NAME_1', PAT_NAME_1, 40 FROM v WHERE length(PAT_NAME_1) > 40
    UNION ALL SELECT _grain, 'PAT_NAME_2', PAT_NAME_2, 40 FROM v WHERE length(PAT_NAME_2) > 40
    UNION ALL SELECT _grain, 'PAT_NAME_3', PAT_NAME_3, 40 FROM v WHERE length(PAT_NAME_3) > 40
    UNION ALL SELECT _grain, 'PAT_NAME_FAMILY', PAT_NAME_FAMILY, 40 FROM v WHERE length(PAT_NAME_FAMILY) > 40
    UNION ALL SELECT _grain, 'MAIDEN_NAME', MAIDEN_NAME, 40 FROM v WHERE length(MAIDEN_NAME) > 40
    UNION ALL SELECT _grain, 'PLACE_BORN', PLACE_BORN, 80 FROM v WHERE length(PLACE_BORN) > 80
    UNION ALL SELECT _grain, 'ETHNIC_GROUP', ETHNIC_GROUP, 80 FROM v WHERE length(ETHNIC_GROUP) > 80
    UNION ALL SELECT _grain, 'RELIGION_CODE', RELIGION_CODE, 80 FROM v WHERE length(RELIGION_CODE) > 80
    UNION ALL SELECT _grain, 'MARITAL_STATUS', MARITAL_STATUS, 80 FROM v WHERE length(MARITAL_STATUS) > 80
    UNION ALL SELECT _grain, 'PAT_ADDRESS_1', PAT_ADDRESS_1, 80 FROM v WHERE length(PAT_ADDRESS_1) > 80
    UNION ALL SELECT _grain, 'PAT_ADDRESS_2', PAT_ADDRESS_2, 80 FROM v WHERE length(PAT_ADDRESS_2) > 80
    UNION ALL SELECT _grain, 'PAT_ADDRESS_3', PAT_ADDRESS_3, 80 FROM v WHERE length(PAT_ADDRESS_3) > 80
    UNION ALL SELECT _grain, 'PAT_ADDRESS_4', PAT_ADDRESS_4, 80 FROM v WHERE length(PAT_ADDRESS_4) > 80
    UNION ALL SELECT _grain, 'POST_CODE', POST_CODE, 20 FROM v WHERE length(POST_CODE) > 20
    UNION ALL SELECT _grain, 'TELEPHONE_NO', TELEPHONE_NO, 20 FROM v WHERE length(TELEPHONE_NO) > 20
    UNION ALL SELECT _grain, 'TELEPHONE_NO_2', TELEPHONE_NO_2, 20 FROM v WHERE length(TELEPHONE_NO_2) > 20
    UNION ALL SELECT _grain, 'TELEPHONE_NO_3', TELEPHONE_NO_3, 20 FROM v WHERE length(TELEPHONE_NO_3) > 20
    UNION ALL SELECT _grain, 'PAT_EMAIL_ADDRESS', PAT_EMAIL_ADDRESS, 80 FROM v WHERE length(PAT_EMAIL_ADDRESS) > 80
    UNION ALL SELECT _grain, 'EXTRA_INFO_1', EXTRA_INFO_1, 80 FROM v WHERE length(EXTRA_INFO_1) > 80
    UNION ALL SELECT _grain, 'EXTRA_INFO_2', EXTRA_INFO_2, 80 FROM v WHERE length(EXTRA_INFO_2) > 80
    UNION ALL SELECT _grain, 'EXTRA_INFO_3', EXTRA_INFO_3, 80 FROM v WHERE length(EXTRA_INFO_3) > 80
    UNION ALL SELECT _grain, 'COMMENTS', COMMENTS, 2000 FROM v WHERE length(COMMENTS) > 2000
    UNION ALL SELECT _grain, 'NOTE_1_TEXT', NOTE_1_TEXT, 2000 FROM v WHERE length(NOTE_1_TEXT) > 2000
    UNION ALL SELECT _grain, 'NOTE_2_TEXT', NOTE_2_TEXT, 2000 FROM v WHERE length(NOTE_2_TEXT) > 2000
    UNION ALL SELECT _grain, 'NOK_RELATIONSHIP', NOK_RELATIONSHIP, 80 FROM v WHERE length(NOK_RELATIONSHIP) > 80
    UNION ALL SELECT _grain, 'NOK_NAME_1', NOK_NAME_1, 40 FROM v WHERE length(NOK_NAME_1) > 40
    UNION ALL SELECT _grain, 'NOK_NAME_FAMILY', NOK_NAME_FAMILY, 40 FROM v WHERE length(NOK_NAME_FAMILY) > 40
    UNION ALL SELECT _grain, 'NOK_ADDRESS_1', NOK_ADDRESS_1, 80 FROM v WHERE length(NOK_ADDRESS_1) > 80
    UNION ALL SELECT _grain, 'NOK_ADDRESS_2', NOK_ADDRESS_2, 80 FROM v WHERE length(NOK_ADDRESS_2) > 80
    UNION ALL SELECT _grain, 'NOK_ADDRESS_3', NOK_ADDRESS_3, 80 FROM v WHERE length(NOK_ADDRESS_3) > 80
    UNION ALL SELECT _grain, 'NOK_ADDRESS_4', NOK_ADDRESS_4, 80 FROM v WHERE length(NOK_ADDRESS_4) > 80
    UNION ALL SELECT _grain, 'NOK_POST_CODE', NOK_POST_CODE, 20 FROM v WHERE length(NOK_POST_CODE) > 20
    UNION ALL SELECT _grain, 'NOK_TELEPHONE_1', NOK_TELEPHONE_1, 20 FROM v WHERE length(NOK_TELEPHONE_1) > 20
    UNION ALL SELECT _grain, 'NOK_TELEPHONE_2', NOK_TELEPHONE_2, 20 FROM v WHERE length(NOK_TELEPHONE_2) > 20
    UNION ALL SELECT _grain, 'NOK_COMMENTS', NOK_COMMENTS, 2000 FROM v WHERE length(NOK_COMMENTS) > 2000
    UNION ALL SELECT _grain, 'PRACTICE_NATIONAL_CODE', PRACTICE_NATIONAL_CODE, 10 FROM v
    WHERE length(PRACTICE_NATIONAL_CODE) > 10
    UNION ALL SELECT _grain, 'PRACTICE_POST_CODE', PRACTICE_POST_CODE, 20 FROM v WHERE length(PRACTICE_POST_CODE) > 20
    UNION ALL SELECT _grain, 'GDP_NATIONAL_CODE', GDP_NATIONAL_CODE, 10 FROM v WHERE length(GDP_NATIONAL_CODE) > 10
    UNION ALL SELECT _grain, 'GDP_PRACTICE_POST_CODE', GDP_PRACTICE_POST_CODE, 20 FROM v
    WHERE length(GDP_PRACTICE_POST_CODE) > 20
)
SELECT _grain, field, 'unmapped_code' AS reason_code, 'legacy code has no ' || code_set || ' crosswalk entry' AS message,
       value FROM unmapped
UNION ALL
SELECT _grain, field, 'over_length', 'longer than the field''s ' || max_len || ' characters (never truncated)', value
FROM too_long
UNION ALL
SELECT _grain, field, 'malformed_date', 'not a valid legacy date', value FROM (
    SELECT _grain, 'DATE_REGISTERED' AS field, _dob_raw AS value FROM v WHERE NOT is_blank(_dob_raw) AND DATE_OF_BIRTH IS NULL
    UNION ALL SELECT _grain, 'DATE_OF_BIRTH', _dob_raw FROM v WHERE NOT is_blank(_dob_raw) AND DATE_OF_BIRTH IS NULL
    UNION ALL SELECT _grain, 'DATE_OF_DEATH', _dod_raw FROM v WHERE NOT is_blank(_dod_raw) AND DATE_OF_DEATH IS NULL
)
UNION ALL
SELECT _grain, field, 'missing_mandatory', 'mandatory field is empty', '' FROM (
    SELECT _grain, 'EXTERNAL_SYSTEM_ID' AS field FROM v WHERE coalesce(EXTERNAL_SYSTEM_ID, '') = ''
    UNION ALL SELECT _grain, 'MAIN_CRN' FROM v WHERE coalesce(MAIN_CRN, '') = ''
    UNION ALL SELECT _grain, 'SEX' FROM v WHERE coalesce(SEX, '') = ''
    UNION ALL SELECT _grain, 'PAT_NAME_1' FROM v WHERE coalesce(PAT_NAME_1, '') = ''
    UNION ALL SELECT _grain, 'PAT_NAME_FAMILY' FROM v WHERE coalesce(PAT_NAME_FAMILY, '') = ''
    UNION ALL SELECT _grain, 'DATE_OF_BIRTH' FROM v WHERE coalesce(DATE_OF_BIRTH, '') = ''
);

COPY (
    SELECT * EXCLUDE (_grain, _dob_raw, _dod_raw, _nhs_status, _sex, _nhs_status_x, _sex_x) FROM v
    WHERE _grain NOT IN (SELECT _grain FROM issues) ORDER BY RECORD_NUMBER
) TO '{{OUT}}/LOAD_PMI.parquet' (FORMAT parquet);

-- A reject names every source row of the patient number (a duplicated number rejects both rows).
COPY (
    SELECT '' AS run_id, 'LOAD_PMI' AS target_table, 'PATDATA' AS source_table, s.grain_key AS source_key,
           'LOAD_PMI.' || i.field AS rule_id, i.field, i.reason_code, i.message,
           CASE WHEN i.field IN ('MAIN_CRN', 'NHS_NUMBER', 'NHS_NUMBER_STATUS', 'PAT_NAME_1', 'PAT_NAME_2', 'PAT_NAME_3',
               'PAT_NAME_FAMILY', 'DATE_OF_BIRTH', 'PAT_ADDRESS_1', 'PAT_ADDRESS_2', 'PAT_ADDRESS_3', 'PAT_ADDRESS_4',
               'POST_CODE', 'TELEPHONE_NO', 'TELEPHONE_NO_2', 'TELEPHONE_NO_3', 'PAT_EMAIL_ADDRESS', 'NOK_NAME_1',
               'NOK_NAME_FAMILY', 'NOK_ADDRESS_1', 'NOK_ADDRESS_2', 'NOK_ADDRESS_3', 'NOK_ADDRESS_4', 'NOK_POST_CODE',
               'NOK_TELEPHONE_1', 'NOK_TELEPHONE_2', 'PRACTICE_POST_CODE', 'GDP_PRACTICE_POST_CODE')
               THEN masked(i.value) ELSE coalesce(i.value, '') END AS value_masked
    FROM issues i JOIN src s ON s.grain_key = i._grain AND NOT s.retired
    ORDER BY source_key, field, reason_code
) TO '{{OUT}}/LOAD_PMI_rejects.parquet' (FORMAT parquet);

SELECT (SELECT count(*) FROM src) AS source_rows, (SELECT count(*) FROM src WHERE retired) AS filtered_rows,
       (SELECT count(*) FROM v WHERE _grain NOT IN (SELECT _grain FROM issues)) AS target_rows,
       (SELECT count(*) FROM src WHERE NOT retired AND grain_key IN (SELECT _grain FROM issues)) AS rejected_rows,
       (SELECT count(*) FROM issues i JOIN src s ON s.grain_key = i._grain AND NOT s.retired) AS reject_rows;
