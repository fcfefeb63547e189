-- What feeds say beyond their entries, learnt from the sites themselves: each site's icons
-- (looked for at most daily) and the size and type of each entry's lead image (one HEAD per
-- image URL, ever), so enclosures state a real length or are not written.
CREATE TABLE site_icons (
    site       TEXT PRIMARY KEY,
    icon       TEXT,                 -- small square icon (favicon), or NULL
    logo       TEXT,                 -- larger picture (apple-touch-icon, og:image), or NULL
    checked_ts INTEGER NOT NULL      -- Unix seconds of the last look
) WITHOUT ROWID;
CREATE TABLE images (
    url        TEXT PRIMARY KEY,
    length     INTEGER,              -- Content-Length of the HEAD, NULL when unknown
    mime       TEXT,                 -- its media type, NULL when unknown
    checked_ts INTEGER NOT NULL      -- Unix seconds of the HEAD (or of its failure)
) WITHOUT ROWID;
