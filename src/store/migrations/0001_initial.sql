CREATE TABLE IF NOT EXISTS entries (
    id           INTEGER PRIMARY KEY,
    feed         TEXT NOT NULL,
    url          TEXT NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT,
    body         TEXT,
    author       TEXT,
    tags         TEXT NOT NULL DEFAULT '[]',
    image        TEXT,
    published    TEXT NOT NULL,      -- RFC 3339 in the site's own offset
    published_ts INTEGER NOT NULL,   -- Unix seconds, for ordering
    updated      TEXT,
    first_seen   TEXT NOT NULL,
    date_source  TEXT NOT NULL,
    state        TEXT NOT NULL,      -- complete | retry | gone
    attempts     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (feed, url)
);
CREATE INDEX IF NOT EXISTS entries_by_feed_date ON entries (feed, published_ts DESC, id DESC);
CREATE TABLE IF NOT EXISTS runs (
    id          INTEGER PRIMARY KEY,
    feed        TEXT NOT NULL,
    started     TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    error       TEXT,
    new_entries INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_feed ON runs (feed, id DESC);
