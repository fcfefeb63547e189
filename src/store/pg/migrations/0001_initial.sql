-- The shared store's schema: the SQLite store's tables at its version 5 (store/migrations/),
-- in PostgreSQL's types. Text columns hold what SQLite's hold, in the same forms (RFC 3339
-- dates, JSON lists), so an export from either store imports into the other unchanged.
CREATE TABLE entries (
    id           BIGSERIAL PRIMARY KEY,
    feed         TEXT NOT NULL,
    url          TEXT NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT,
    body         TEXT,
    author       TEXT,
    tags         TEXT NOT NULL DEFAULT '[]',
    image        TEXT,
    published    TEXT NOT NULL,      -- RFC 3339 in the site's own offset
    published_ts BIGINT NOT NULL,    -- Unix seconds, for ordering
    updated      TEXT,
    first_seen   TEXT NOT NULL,
    date_source  TEXT NOT NULL,
    state        TEXT NOT NULL,      -- complete | retry | gone
    attempts     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (feed, url)
);
CREATE INDEX entries_by_feed_date ON entries (feed, published_ts DESC, id DESC);
CREATE INDEX entries_by_date ON entries (published_ts DESC, id DESC);
CREATE INDEX entries_by_image ON entries (image) WHERE image IS NOT NULL;
CREATE TABLE runs (
    id              BIGSERIAL PRIMARY KEY,
    feed            TEXT NOT NULL,
    started         TEXT NOT NULL,
    duration_ms     BIGINT NOT NULL,
    error           TEXT,
    new_entries     BIGINT NOT NULL,
    http_status     INTEGER,
    updated_entries BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_feed ON runs (feed, id DESC);
CREATE TABLE pruned (
    feed      TEXT NOT NULL,
    url       TEXT NOT NULL,
    pruned_ts BIGINT NOT NULL,       -- Unix seconds
    PRIMARY KEY (feed, url)
);
CREATE INDEX pruned_by_time ON pruned (pruned_ts);
CREATE TABLE fetch_state (
    feed           TEXT PRIMARY KEY,
    etag           TEXT,
    last_modified  TEXT,
    page_params    TEXT,             -- JSON object, or NULL
    params_read_ts BIGINT            -- Unix seconds
);
CREATE TABLE feed_exports (
    feed        TEXT PRIMARY KEY,
    stale       BOOLEAN NOT NULL,
    fingerprint TEXT,
    digests     TEXT,                -- JSON array: the identity digest of rss, atom, json
    updated     TEXT,                -- RFC 3339: the feed's own date
    entries     BIGINT
);
CREATE TABLE site_icons (
    site       TEXT PRIMARY KEY,
    icon       TEXT,
    logo       TEXT,
    checked_ts BIGINT NOT NULL
);
CREATE TABLE images (
    url        TEXT PRIMARY KEY,
    length     BIGINT,
    mime       TEXT,
    checked_ts BIGINT NOT NULL
);
