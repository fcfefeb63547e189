-- Merged feeds (a site's, `all`) read the newest entries across sections.
CREATE INDEX entries_by_date ON entries (published_ts DESC, id DESC);
-- What each feed's exported files hold, so a restart needs neither to render every feed nor to
-- trust files a crash left behind: `stale` is set in the transaction that changes a feed's
-- entries and cleared once its files are written; `fingerprint` names what the render
-- depends on besides the entries (release, feed metadata); the rest is the feed's head.
CREATE TABLE feed_exports (
    feed        TEXT PRIMARY KEY,
    stale       INTEGER NOT NULL,
    fingerprint TEXT,
    digests     TEXT,                -- JSON array: the identity digest of rss, atom, json
    updated     TEXT,                -- RFC 3339: the feed's own date
    entries     INTEGER
) WITHOUT ROWID;
-- Every feed with entries is stale after the upgrade: its head was never recorded.
INSERT INTO feed_exports (feed, stale) SELECT DISTINCT feed, 1 FROM entries;
