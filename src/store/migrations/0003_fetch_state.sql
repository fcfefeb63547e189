-- What a section's last scrape learnt about its listing: the validators for a conditional
-- request next time, and the parameters read from the section page (with when).
CREATE TABLE fetch_state (
    feed             TEXT PRIMARY KEY,
    etag             TEXT,
    last_modified    TEXT,
    page_params      TEXT,           -- JSON object, or NULL
    params_read_ts   INTEGER         -- Unix seconds
) WITHOUT ROWID;
-- Richer run records for the health endpoint.
ALTER TABLE runs ADD COLUMN http_status INTEGER;
ALTER TABLE runs ADD COLUMN updated_entries INTEGER NOT NULL DEFAULT 0;
