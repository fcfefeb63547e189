-- Tombstones of entries removed by retention, so an article still on the listing is not
-- stored again with a new first-seen time. Bounded by age (see `retention`).
CREATE TABLE pruned (
    feed      TEXT NOT NULL,
    url       TEXT NOT NULL,
    pruned_ts INTEGER NOT NULL,      -- Unix seconds
    PRIMARY KEY (feed, url)
) WITHOUT ROWID;
CREATE INDEX pruned_by_time ON pruned (pruned_ts);
