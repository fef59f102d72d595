-- Canonical tables (design §3). The contract every metric relies on.
-- Identifiers here are the only identifiers SQL ever uses; CSV headers never become SQL.

CREATE TABLE IF NOT EXISTS imports (
    import_id      BIGINT PRIMARY KEY,
    sha256         VARCHAR NOT NULL,
    file_name      VARCHAR,
    table_name     VARCHAR NOT NULL,
    preset         VARCHAR,
    rows_read      BIGINT NOT NULL,
    rows_inserted  BIGINT NOT NULL,
    rows_duplicate BIGINT NOT NULL,
    rows_rejected  BIGINT NOT NULL,
    rows_skipped   BIGINT NOT NULL DEFAULT 0,  -- left out by a preset's row filter
    imported_by    VARCHAR,
    imported_at    TIMESTAMP NOT NULL,
    status         VARCHAR NOT NULL,         -- 'committed' | 'undone' | 'interrupted'
    -- sha256 while committed, NULL once undone: the same bytes are never imported twice
    -- (two concurrent imports of one file: the second fails at COMMIT), yet an undone file
    -- may be imported again.
    active_sha256  VARCHAR UNIQUE
);
CREATE SEQUENCE IF NOT EXISTS import_id_seq START 1;

-- Databases made before rows_skipped existed gain it (a no-op on new ones).
ALTER TABLE imports ADD COLUMN IF NOT EXISTS rows_skipped BIGINT DEFAULT 0;
-- Column mappings saved from the Upload page (or the CLI), found again by the file's header
-- signature (warehouse.mapping.header_signature); body is the Preset as JSON.
CREATE TABLE IF NOT EXISTS presets (
    name             VARCHAR PRIMARY KEY,
    header_signature VARCHAR,
    table_name       VARCHAR NOT NULL,
    body             VARCHAR NOT NULL,
    saved_by         VARCHAR,
    saved_at         TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS rejects (
    import_id BIGINT NOT NULL,
    line      BIGINT,
    "column"  VARCHAR,
    reason    VARCHAR,
    raw       VARCHAR
);

CREATE TABLE IF NOT EXISTS clients (
    client_id     VARCHAR NOT NULL,
    client_name   VARCHAR,
    manager       VARCHAR,
    segment       VARCHAR,
    signed_at     TIMESTAMP,
    churned_at    TIMESTAMP,
    budget_amount DOUBLE,
    import_id     BIGINT,
    row_key       VARCHAR   -- NULL where the id column is the key (sha256 of the values otherwise)
);

CREATE TABLE IF NOT EXISTS managers (
    manager      VARCHAR NOT NULL,
    team         VARCHAR,
    lead         VARCHAR,
    hired_at     TIMESTAMP,
    left_at      TIMESTAMP,
    weekly_hours DOUBLE,
    import_id    BIGINT,
    row_key      VARCHAR   -- NULL where the id column is the key (sha256 of the values otherwise)
);

CREATE TABLE IF NOT EXISTS interactions (
    interaction_id     VARCHAR,
    occurred_at        TIMESTAMP NOT NULL,
    client_id          VARCHAR NOT NULL,
    manager            VARCHAR,
    channel            VARCHAR,   -- call/email/meeting/chat/messenger/other
    direction          VARCHAR,   -- inbound/outbound
    kind               VARCHAR,   -- request/complaint/upsell/cross_sell/renewal/report/meeting/other
    duration_min       DOUBLE,
    first_response_min DOUBLE,
    resolution_min     DOUBLE,
    is_missed          BOOLEAN,
    is_resolved        BOOLEAN,
    import_id          BIGINT,
    row_key            VARCHAR   -- NULL where the id column is the key (sha256 of the values otherwise)
);

CREATE TABLE IF NOT EXISTS payments (
    payment_id  VARCHAR,
    paid_at     TIMESTAMP NOT NULL,
    client_id   VARCHAR NOT NULL,
    amount      DOUBLE NOT NULL,
    cost_amount DOUBLE,
    product     VARCHAR,
    kind        VARCHAR,   -- new/renewal/upsell/cross_sell
    manager     VARCHAR,
    import_id   BIGINT,
    row_key     VARCHAR   -- NULL where the id column is the key (sha256 of the values otherwise)
);

CREATE TABLE IF NOT EXISTS nps_responses (
    response_id VARCHAR,
    answered_at TIMESTAMP NOT NULL,
    client_id   VARCHAR NOT NULL,
    score       INTEGER NOT NULL,
    comment     VARCHAR,
    manager     VARCHAR,
    import_id   BIGINT,
    row_key     VARCHAR   -- NULL where the id column is the key (sha256 of the values otherwise)
);
-- Append-only audit log (warehouse/audit.py only ever INSERTs): sign-ins, sign-outs, uploads,
-- undos, exports, backups, settings and user changes — who, from where, when, what.
CREATE SEQUENCE IF NOT EXISTS audit_id_seq START 1;
CREATE TABLE IF NOT EXISTS audit_log (
    event_id  BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    happened_at TIMESTAMP NOT NULL,
    user_name VARCHAR,
    address   VARCHAR,
    action    VARCHAR NOT NULL,
    detail    VARCHAR
);
-- Per-user preferences (the interface language), kept across sign-ins.
CREATE TABLE IF NOT EXISTS user_prefs (
    user_name  VARCHAR PRIMARY KEY,
    lang       VARCHAR,
    updated_at TIMESTAMP NOT NULL
);
-- Decisions taken in the weekly meeting (issue 4): against a client, a manager or a metric, with
-- an owner and a due date; ``baseline_value`` is the related metric's value when decided, so the
-- next meeting can show what it did since.
CREATE SEQUENCE IF NOT EXISTS decision_id_seq START 1;
CREATE TABLE IF NOT EXISTS decisions (
    decision_id    BIGINT PRIMARY KEY DEFAULT nextval('decision_id_seq'),
    week           VARCHAR NOT NULL,          -- ISO week of the meeting, e.g. 2026-W47
    subject_kind   VARCHAR NOT NULL,          -- 'client' | 'manager' | 'metric'
    subject        VARCHAR NOT NULL,          -- client_id, manager name or metric name
    metric         VARCHAR,                   -- the registry metric that tells whether it worked
    baseline_value DOUBLE,
    owner          VARCHAR NOT NULL,
    due_on         DATE,
    body           VARCHAR NOT NULL,
    status         VARCHAR NOT NULL DEFAULT 'open',  -- 'open' | 'done' | 'dropped'
    created_by     VARCHAR,
    created_at     TIMESTAMP NOT NULL,
    closed_by      VARCHAR,
    closed_at      TIMESTAMP
);
