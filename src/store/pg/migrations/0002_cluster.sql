-- The cluster's tables (`cluster`): the instances alive, the sections each declares, one
-- lease per section (its schedule and who scrapes it), the per-origin politeness slot and
-- robots.txt every instance shares. Every time in here is the database's clock.
CREATE TABLE instances (
    id        TEXT PRIMARY KEY,
    hostname  TEXT NOT NULL,
    pid       BIGINT NOT NULL,
    version   TEXT NOT NULL,
    started   TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    heartbeat TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE declarations (
    instance TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    section  TEXT NOT NULL,
    PRIMARY KEY (instance, section)
);
CREATE INDEX declarations_by_section ON declarations (section);
CREATE TABLE leases (
    section       TEXT PRIMARY KEY,
    next_due      TIMESTAMPTZ NOT NULL,
    owner         TEXT,
    lease_until   TIMESTAMPTZ,
    failures      INTEGER NOT NULL DEFAULT 0,
    last_started  TIMESTAMPTZ,
    last_finished TIMESTAMPTZ
);
CREATE INDEX leases_by_due ON leases (next_due);
CREATE TABLE host_slots (
    origin       TEXT PRIMARY KEY,
    holder       TEXT,
    held_until   TIMESTAMPTZ,
    next_allowed TIMESTAMPTZ NOT NULL
);
CREATE TABLE robots (
    origin  TEXT PRIMARY KEY,
    body    TEXT NOT NULL,
    fetched TIMESTAMPTZ NOT NULL
);
