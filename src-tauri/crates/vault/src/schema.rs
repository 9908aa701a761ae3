//! The schema, as embedded, versioned migrations. `PRAGMA user_version` records how many have
//! been applied. Pending migrations run in one transaction after a backup copy is taken, so a
//! failed migration leaves the vault untouched.

/// Migration `i` brings the schema from version `i` to `i + 1`. Append only; never edit one
/// that has shipped.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12, V13, V14, V15, V16, V17];

pub const CURRENT_VERSION: u32 = MIGRATIONS.len() as u32;

const V1: &str = r#"
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'clerk', 'auditor', 'kiosk')),
    password_hash   TEXT NOT NULL,
    disabled        INTEGER NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER,
    created_at      INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    device     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    ended_at   INTEGER
);

CREATE TABLE jobs (
    id                  INTEGER PRIMARY KEY,
    title               TEXT NOT NULL,
    language            TEXT NOT NULL CHECK (language IN ('zh-CN', 'en')),
    recommend_threshold INTEGER NOT NULL,
    hold_threshold      INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    created_by          INTEGER NOT NULL REFERENCES users (id)
);

CREATE TABLE dimensions (
    id        INTEGER PRIMARY KEY,
    job_id    INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    weight_bp INTEGER NOT NULL CHECK (weight_bp BETWEEN 0 AND 10000),
    position  INTEGER NOT NULL,
    UNIQUE (job_id, name)
);

CREATE TABLE questions (
    id             INTEGER PRIMARY KEY,
    job_id         INTEGER NOT NULL REFERENCES jobs (id),
    kind           TEXT NOT NULL CHECK (kind IN ('structured', 'situational')),
    position       INTEGER NOT NULL,
    prep_seconds   INTEGER NOT NULL,
    answer_seconds INTEGER NOT NULL,
    retakes        INTEGER NOT NULL
);

-- Rubrics are versioned; a version used by an interview is frozen and never edited again.
CREATE TABLE question_versions (
    id          INTEGER PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES questions (id),
    version     INTEGER NOT NULL,
    text        TEXT NOT NULL,
    rubric_json TEXT NOT NULL,
    dimensions  TEXT NOT NULL,
    frozen      INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    UNIQUE (question_id, version)
);
CREATE TRIGGER question_versions_frozen BEFORE UPDATE ON question_versions
WHEN OLD.frozen = 1 AND (NEW.text IS NOT OLD.text OR NEW.rubric_json IS NOT OLD.rubric_json OR NEW.dimensions IS NOT OLD.dimensions)
BEGIN SELECT RAISE(ABORT, 'question version is frozen'); END;

-- ID numbers are stored only as a keyed hash plus the last four characters.
CREATE TABLE candidates (
    id          INTEGER PRIMARY KEY,
    job_id      INTEGER NOT NULL REFERENCES jobs (id),
    name        TEXT NOT NULL,
    id_hash     BLOB,
    id_last4    TEXT,
    phone       TEXT,
    email       TEXT,
    group_label TEXT,
    created_at  INTEGER NOT NULL,
    purged_at   INTEGER
);
CREATE INDEX candidates_job_name ON candidates (job_id, name);
CREATE INDEX candidates_name ON candidates (name);
CREATE UNIQUE INDEX candidates_job_id_hash ON candidates (job_id, id_hash) WHERE id_hash IS NOT NULL;

-- Access codes are stored hashed; single use; valid in a window.
CREATE TABLE invitations (
    id             INTEGER PRIMARY KEY,
    candidate_id   INTEGER NOT NULL REFERENCES candidates (id),
    code_hash      BLOB NOT NULL UNIQUE,
    valid_from     INTEGER NOT NULL,
    valid_until    INTEGER NOT NULL,
    used_at        INTEGER,
    extra_time_pct INTEGER NOT NULL DEFAULT 0,
    large_text     INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);

CREATE TABLE interviews (
    id            INTEGER PRIMARY KEY,
    invitation_id INTEGER NOT NULL UNIQUE REFERENCES invitations (id),
    candidate_id  INTEGER NOT NULL REFERENCES candidates (id),
    job_id        INTEGER NOT NULL REFERENCES jobs (id),
    state         TEXT NOT NULL CHECK (state IN ('invited', 'checked_in', 'in_progress', 'completed', 'scored', 'reviewed', 'declined')),
    device        TEXT,
    updated_at    INTEGER NOT NULL,
    decided_at    INTEGER
);
CREATE INDEX interviews_job_state ON interviews (job_id, state);
CREATE INDEX interviews_candidate ON interviews (candidate_id);

CREATE TABLE consents (
    id           INTEGER PRIMARY KEY,
    interview_id INTEGER NOT NULL REFERENCES interviews (id),
    given        INTEGER NOT NULL,
    text_version TEXT NOT NULL,
    at           INTEGER NOT NULL
);

CREATE TABLE answers (
    id                  INTEGER PRIMARY KEY,
    interview_id        INTEGER NOT NULL REFERENCES interviews (id),
    question_version_id INTEGER NOT NULL REFERENCES question_versions (id),
    attempt             INTEGER NOT NULL,
    practice            INTEGER NOT NULL DEFAULT 0,
    state               TEXT NOT NULL CHECK (state IN ('recording', 'committed', 'interrupted', 'discarded')),
    started_at          INTEGER NOT NULL,
    committed_at        INTEGER,
    UNIQUE (interview_id, question_version_id, attempt)
);

-- Every recording segment and proctoring still: an encrypted file in media/, its key wrapped
-- by the vault's media key, the sha256 of the file as written.
CREATE TABLE media (
    id          INTEGER PRIMARY KEY,
    answer_id   INTEGER REFERENCES answers (id),
    kind        TEXT NOT NULL CHECK (kind IN ('audio', 'video', 'still', 'other')),
    seq         INTEGER NOT NULL,
    file        TEXT NOT NULL UNIQUE,
    wrapped_key BLOB NOT NULL,
    sha256      BLOB NOT NULL,
    plain_size  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    purged_at   INTEGER
);

CREATE TABLE transcripts (
    id             INTEGER PRIMARY KEY,
    answer_id      INTEGER NOT NULL REFERENCES answers (id),
    language       TEXT NOT NULL,
    segments_json  TEXT NOT NULL,
    model_versions TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);

CREATE TABLE scores (
    id             INTEGER PRIMARY KEY,
    interview_id   INTEGER NOT NULL REFERENCES interviews (id),
    answer_id      INTEGER REFERENCES answers (id),
    dimension_id   INTEGER REFERENCES dimensions (id),
    level          REAL,
    total          REAL,
    band           TEXT CHECK (band IN ('recommend', 'hold', 'not_recommended')),
    evidence_json  TEXT NOT NULL,
    model_versions TEXT NOT NULL,
    rubric_version INTEGER,
    created_at     INTEGER NOT NULL,
    superseded_at  INTEGER
);

CREATE TABLE flags (
    id           INTEGER PRIMARY KEY,
    interview_id INTEGER NOT NULL REFERENCES interviews (id),
    answer_id    INTEGER REFERENCES answers (id),
    kind         TEXT NOT NULL,
    start_ms     INTEGER,
    end_ms       INTEGER,
    detail_json  TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'dismissed')),
    created_at   INTEGER NOT NULL
);

CREATE TABLE ratings (
    id           INTEGER PRIMARY KEY,
    interview_id INTEGER NOT NULL REFERENCES interviews (id),
    dimension_id INTEGER NOT NULL REFERENCES dimensions (id),
    rater_id     INTEGER NOT NULL REFERENCES users (id),
    level        INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    note         TEXT,
    created_at   INTEGER NOT NULL
);

CREATE TABLE decisions (
    id           INTEGER PRIMARY KEY,
    interview_id INTEGER NOT NULL REFERENCES interviews (id),
    decider_id   INTEGER NOT NULL REFERENCES users (id),
    band         TEXT NOT NULL CHECK (band IN ('recommend', 'hold', 'not_recommended')),
    reason       TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);

-- The audit log: append only, hash-chained. Triggers refuse edits and deletions through SQL;
-- the hash chain and the checkpoints detect anything done around them.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at_ms     INTEGER NOT NULL,
    actor_id  INTEGER,
    actor     TEXT NOT NULL,
    role      TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL,
    outcome   TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
    device    TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash      BLOB NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at_ms);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

CREATE TABLE audit_checkpoints (
    seq       INTEGER PRIMARY KEY,
    head_hash BLOB NOT NULL,
    at_ms     INTEGER NOT NULL,
    signature BLOB NOT NULL
);
"#;

/// Version 2: the retention job's record of what it purged, and the indexes the candidate list
/// and the purge need.
const V2: &str = r#"
CREATE TABLE retention_runs (
    id             INTEGER PRIMARY KEY,
    at_ms          INTEGER NOT NULL,
    actor          TEXT NOT NULL,
    retention_days INTEGER NOT NULL,
    cutoff_ms      INTEGER NOT NULL,
    candidates     INTEGER NOT NULL,
    interviews     INTEGER NOT NULL,
    media_files    INTEGER NOT NULL,
    media_bytes    INTEGER NOT NULL,
    transcripts    INTEGER NOT NULL,
    -- JSON array of the purged candidates' ids (ids only: the personal data is gone)
    candidate_ids  TEXT NOT NULL
);
CREATE INDEX interviews_decided ON interviews (decided_at) WHERE decided_at IS NOT NULL;
CREATE INDEX answers_interview ON answers (interview_id);
CREATE INDEX media_answer ON media (answer_id);
CREATE INDEX transcripts_answer ON transcripts (answer_id);
"#;

/// Version 3: the durable scoring queue. A committed answer is queued in the same transaction
/// that commits it, and a finished interview's total likewise, so a restart loses nothing.
const V3: &str = r#"
CREATE TABLE scoring_jobs (
    id           INTEGER PRIMARY KEY,
    interview_id INTEGER NOT NULL REFERENCES interviews (id),
    -- NULL: the interview's total, run once every answer of it is scored
    answer_id    INTEGER REFERENCES answers (id),
    state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    error_code   TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX scoring_jobs_answer ON scoring_jobs (answer_id) WHERE answer_id IS NOT NULL;
CREATE UNIQUE INDEX scoring_jobs_total ON scoring_jobs (interview_id) WHERE answer_id IS NULL;
CREATE INDEX scoring_jobs_state ON scoring_jobs (state, id);
"#;

/// Version 4: tokens for the agency's systems calling the opt-in local API. Only a keyed hash of
/// each token is kept; the token itself is shown once.
const V4: &str = r#"
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    token_hash   BLOB NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES users (id),
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER
);
"#;

/// Version 5: recordings in segments. Each media file of a recorded answer knows its segment,
/// where it lies in the answer (milliseconds from the start of recording, on the capture clock
/// shared by audio and video) and its format: `wav/16k` (what scoring reads), `webm/vp9` (video
/// with the sound in Opus, for playback) and `jpeg` (proctoring stills).
/// Rows written before version 5 have NULLs here and are read as one `wav/16k` segment.
const V5: &str = r#"
ALTER TABLE media ADD COLUMN segment INTEGER;
ALTER TABLE media ADD COLUMN offset_ms INTEGER;
ALTER TABLE media ADD COLUMN duration_ms INTEGER;
ALTER TABLE media ADD COLUMN format TEXT;
CREATE INDEX media_answer_kind ON media (answer_id, kind, seq);
"#;

/// Version 6: signed reports. The organisation's signing identities (the private key lives only
/// here, inside the encrypted database; a replaced identity is retired, never deleted, so older
/// reports still verify), the register of every signed report (id, file hash, signer, the audit
/// entry it was made at) and each answer's delivery metrics for the report.
const V6: &str = r#"
CREATE TABLE signing_identities (
    id               INTEGER PRIMARY KEY,
    key_pkcs8        BLOB NOT NULL,
    -- JSON array of the certificates (hex DER), signing certificate first
    chain_json       TEXT NOT NULL,
    source           TEXT NOT NULL CHECK (source IN ('generated', 'imported')),
    subject          TEXT NOT NULL,
    fingerprint      TEXT NOT NULL,
    root_fingerprint TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    retired_at       INTEGER
);
CREATE TABLE reports (
    id                 TEXT PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('candidate', 'job', 'audit')),
    object             TEXT NOT NULL,
    sha256             BLOB NOT NULL,
    size               INTEGER NOT NULL,
    signer_fingerprint TEXT NOT NULL,
    audit_seq          INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    created_by         INTEGER NOT NULL REFERENCES users (id)
);
CREATE INDEX reports_object ON reports (object);
ALTER TABLE transcripts ADD COLUMN delivery_json TEXT;
"#;

/// Version 7: second raters. A clerk asks a colleague to rate an interview independently; the
/// request is open until that colleague records a rating.
const V7: &str = r#"
CREATE TABLE review_requests (
    id           INTEGER PRIMARY KEY,
    interview_id INTEGER NOT NULL REFERENCES interviews (id),
    rater_id     INTEGER NOT NULL REFERENCES users (id),
    requested_by INTEGER NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    done_at      INTEGER
);
CREATE INDEX review_requests_rater ON review_requests (rater_id, done_at);
"#;

/// Version 8: the candidate list filtered by interview state is driven by the interviews in
/// that state.
const V8: &str = r#"
CREATE INDEX interviews_state_candidate ON interviews (state, candidate_id);
"#;

/// Version 9: a signed report is made by a person or by a system through the local API (the
/// token it used); exactly one of the two.
const V9: &str = r#"
CREATE TABLE reports_v9 (
    id                 TEXT PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('candidate', 'job', 'audit')),
    object             TEXT NOT NULL,
    sha256             BLOB NOT NULL,
    size               INTEGER NOT NULL,
    signer_fingerprint TEXT NOT NULL,
    audit_seq          INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    created_by         INTEGER REFERENCES users (id),
    created_by_token   INTEGER REFERENCES api_tokens (id),
    CHECK ((created_by IS NULL) <> (created_by_token IS NULL))
);
INSERT INTO reports_v9 (id, kind, object, sha256, size, signer_fingerprint, audit_seq, created_at, created_by)
    SELECT id, kind, object, sha256, size, signer_fingerprint, audit_seq, created_at, created_by FROM reports ORDER BY rowid;
DROP TABLE reports;
ALTER TABLE reports_v9 RENAME TO reports;
CREATE INDEX reports_object ON reports (object);
"#;

/// Version 10: the first result of an API call that carried an `Idempotency-Key`, kept a day so
/// that a retried call returns it instead of creating the candidate or invitation again. The
/// response is sealed (an invitation's holds the access code).
const V10: &str = r#"
CREATE TABLE api_idempotency (
    token_id   INTEGER NOT NULL REFERENCES api_tokens (id),
    key        TEXT NOT NULL,
    operation  TEXT NOT NULL,
    request    BLOB NOT NULL,
    response   BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (token_id, key)
);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);
"#;

/// Version 11: the office. A hub is the certificate authority of its stations (`office_authority`:
/// the CA's key, only here); an administrator's one-time enrolment codes (bound to a kiosk
/// account, valid 15 minutes, kept as the key the code derives, never as the code); the enrolled
/// stations (their certificate's SHA-256, revocation, what they last reported, and how far the
/// hub has applied their journal); which answer each station-local answer key became; and the
/// leases under which workers of the office score answers (a job's lease expires, and another
/// worker may take it; every lease ever given is kept, so the first completion under any of them
/// is recorded and a late one dropped).
const V11: &str = r#"
CREATE TABLE office_authority (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    key_pkcs8  BLOB NOT NULL,
    cert_der   BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE enrolment_codes (
    id          INTEGER PRIMARY KEY,
    lookup      TEXT NOT NULL UNIQUE,
    proof_key   BLOB NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    created_by  INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    failures    INTEGER NOT NULL DEFAULT 0,
    used_at     INTEGER
);
CREATE TABLE stations (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    cert_sha256     BLOB NOT NULL UNIQUE,
    code_id         INTEGER NOT NULL REFERENCES enrolment_codes (id),
    enrolled_at     INTEGER NOT NULL,
    revoked_at      INTEGER,
    applied_seq     INTEGER NOT NULL DEFAULT 0,
    last_seen_at    INTEGER,
    clock_offset_ms INTEGER,
    backlog         INTEGER,
    versions        TEXT
);
CREATE TABLE station_answers (
    station_id INTEGER NOT NULL REFERENCES stations (id),
    answer_key INTEGER NOT NULL,
    answer_id  INTEGER NOT NULL UNIQUE REFERENCES answers (id),
    PRIMARY KEY (station_id, answer_key)
);
ALTER TABLE scoring_jobs ADD COLUMN lease_until INTEGER;
CREATE TABLE scoring_leases (
    token     BLOB PRIMARY KEY,
    job_id    INTEGER NOT NULL REFERENCES scoring_jobs (id),
    holder    TEXT NOT NULL,
    leased_at INTEGER NOT NULL,
    until     INTEGER NOT NULL
);
CREATE INDEX scoring_leases_job ON scoring_leases (job_id);
"#;

/// Version 12: staff workstations. An enrolment code, and the machine enrolled with it, is for a
/// kiosk station or a staff workstation. A station's `user_id` is the kiosk account it acts as; a
/// workstation acts as no account (people sign in at it with their own), and its `user_id` is the
/// administrator who made its code. Two people at once: a question carries a revision, moved by
/// every change, with who made the last change and when, so that a save over a change made
/// meanwhile is refused instead of silently undoing it.
const V12: &str = r#"
ALTER TABLE questions ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE questions ADD COLUMN changed_by INTEGER REFERENCES users (id);
ALTER TABLE questions ADD COLUMN changed_at INTEGER;
ALTER TABLE enrolment_codes ADD COLUMN role TEXT NOT NULL DEFAULT 'station' CHECK (role IN ('station', 'workstation'));
ALTER TABLE stations ADD COLUMN role TEXT NOT NULL DEFAULT 'station' CHECK (role IN ('station', 'workstation'));
"#;

/// A decision made while integrity flags were still open records the reason for deciding over
/// them (and the reports print it).
const V13: &str = r#"
ALTER TABLE decisions ADD COLUMN open_flags INTEGER NOT NULL DEFAULT 0;
ALTER TABLE decisions ADD COLUMN over_open_flags TEXT;
"#;

/// Version 14: learning from who did well. Dated outcomes of hired candidates (probation, ratings
/// on a named scale, leaving) from the HRMS import or the API; `after_days` (days from the
/// interview's decision) is kept beside the date so that, once retention purges the candidate
/// and clears the date, the record stays an anonymous number for the statistics. A job's weights
/// are versioned: version 1 is the weights it was created with, each applied suggestion adds
/// one (with the criterion, the suggestion and its fairness replay as JSON, and an
/// administrator's reason when it failed the check), and an interview keeps the version it was
/// invited under. Scores and ratings get an index by interview: a job's statistics read them per
/// interview (without it, a job of 10,000 candidates took 8 s to read, with it well under one).
const V14: &str = r#"
CREATE TABLE outcomes (
    id               INTEGER PRIMARY KEY,
    candidate_id     INTEGER NOT NULL REFERENCES candidates (id),
    kind             TEXT NOT NULL CHECK (kind IN ('probation', 'rating', 'left')),
    day              INTEGER,
    after_days       INTEGER NOT NULL,
    value            INTEGER NOT NULL,
    scale            TEXT CHECK (scale IN ('grades4', 'points5')),
    created_at       INTEGER NOT NULL,
    created_by       INTEGER REFERENCES users (id),
    created_by_token INTEGER REFERENCES api_tokens (id),
    CHECK ((kind = 'rating') = (scale IS NOT NULL)),
    CHECK ((created_by IS NULL) <> (created_by_token IS NULL))
);
CREATE INDEX outcomes_candidate ON outcomes (candidate_id);
CREATE TABLE job_versions (
    job_id          INTEGER NOT NULL REFERENCES jobs (id),
    version         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    created_by      INTEGER REFERENCES users (id),
    criterion       TEXT CHECK (criterion IN ('probation', 'performance', 'retention')),
    basis           TEXT,
    fairness_passed INTEGER,
    reason          TEXT,
    PRIMARY KEY (job_id, version)
);
CREATE TABLE job_version_weights (
    job_id       INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    dimension_id INTEGER NOT NULL REFERENCES dimensions (id),
    weight_bp    INTEGER NOT NULL CHECK (weight_bp BETWEEN 0 AND 10000),
    PRIMARY KEY (job_id, version, dimension_id),
    FOREIGN KEY (job_id, version) REFERENCES job_versions (job_id, version)
);
INSERT INTO job_versions (job_id, version, created_at, created_by) SELECT id, 1, created_at, created_by FROM jobs;
INSERT INTO job_version_weights (job_id, version, dimension_id, weight_bp) SELECT job_id, 1, id, weight_bp FROM dimensions;
ALTER TABLE interviews ADD COLUMN job_version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX scores_interview ON scores (interview_id);
CREATE INDEX ratings_interview ON ratings (interview_id);
"#;

/// Version 15: questions that fit the candidate. A candidate's résumé facts (JSON of
/// `interview::resume::ResumeFacts`, in the encrypted database like everything else; deleted by
/// retention; a revision, so that a clerk's save over someone else's change is refused); a question's condition (NULL: a core question every candidate of the job answers);
/// a job's number of personalised questions (0: none); and each interview's personalised
/// questions, chosen and frozen at invitation with the reasons (cleared by retention; a clerk's
/// removal is kept with who and when).
const V15: &str = r#"
CREATE TABLE candidate_resumes (
    candidate_id INTEGER PRIMARY KEY REFERENCES candidates (id),
    facts_json   TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('import', 'api', 'clerk', 'file')),
    updated_at   INTEGER NOT NULL,
    updated_by   INTEGER REFERENCES users (id),
    revision     INTEGER NOT NULL DEFAULT 1
);
ALTER TABLE questions ADD COLUMN condition_json TEXT;
ALTER TABLE jobs ADD COLUMN personalised_max INTEGER NOT NULL DEFAULT 0 CHECK (personalised_max BETWEEN 0 AND 5);
CREATE TABLE interview_questions (
    interview_id INTEGER NOT NULL REFERENCES interviews (id),
    question_id  INTEGER NOT NULL REFERENCES questions (id),
    reasons_json TEXT,
    removed_at   INTEGER,
    removed_by   INTEGER REFERENCES users (id),
    PRIMARY KEY (interview_id, question_id)
);
"#;

// Follow-up questions: each answer's decision (what was missing, what was asked, the transcript
// it was decided on) and where each asked follow-up's recording starts among its segments.
const V16: &str = r#"
CREATE TABLE answer_follow_ups (
    answer_id     INTEGER NOT NULL REFERENCES answers (id),
    ordinal       INTEGER NOT NULL CHECK (ordinal BETWEEN 1 AND 2),
    outcome       TEXT NOT NULL CHECK (outcome IN ('asked', 'covered', 'no_follow_up', 'late')),
    key_point     TEXT,
    question      TEXT,
    first_segment INTEGER,
    decision_json TEXT,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (answer_id, ordinal)
);
"#;

// Two people at once (staff workstations): a job's settings and a question's condition carry a
// revision, who changed them last and when, so that a save made from an older revision is
// refused naming who changed it (as questions and résumés already were).
const V17: &str = r#"
ALTER TABLE jobs ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE jobs ADD COLUMN changed_by INTEGER REFERENCES users (id);
ALTER TABLE jobs ADD COLUMN changed_at INTEGER;
ALTER TABLE questions ADD COLUMN condition_revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE questions ADD COLUMN condition_changed_by INTEGER REFERENCES users (id);
ALTER TABLE questions ADD COLUMN condition_changed_at INTEGER;
"#;
