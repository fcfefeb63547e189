//! `/feeds/{name}.{ext}`: documents, their headers, encodings, validators and query filters.

use std::collections::BTreeSet;
use std::io::Read;

use super::{routes, titles, titles_of, FEEDS, FORMATS, PUBLIC};

/// Each feed's `Last-Modified`: its newest entry's date, in GMT.
fn last_modified(feed: &str) -> &'static str {
    match feed {
        "world" => "Fri, 12 Jun 2026 05:30:00 GMT",
        "essays" | "weekly" => "Mon, 01 Jun 2026 06:00:00 GMT",
        _ => "Fri, 12 Jun 2026 08:00:00 GMT",
    }
}

#[tokio::test]
async fn every_feed_in_every_format_has_its_entries_headers_and_self_link() {
    let routes = routes().await;
    for (name, cache_control) in FEEDS {
        for (ext, content_type) in FORMATS {
            let path = format!("/feeds/{name}.{ext}");
            let answer = routes.get(&path).await;
            assert_eq!(answer.status, 200, "{path}");
            assert_eq!(answer.header("content-type"), content_type, "{path}");
            assert_eq!(answer.header("cache-control"), cache_control, "{path}");
            assert_eq!(answer.header("vary"), "Accept-Encoding", "{path}");
            assert_eq!(
                answer.header("last-modified"),
                last_modified(name),
                "{path}"
            );
            let etag = answer.header("etag");
            assert!(etag.len() > 2 && etag.starts_with('"') && etag.ends_with('"'));
            assert!(answer.headers.get("content-encoding").is_none(), "{path}");
            // The same entries, in the same order, whatever the format.
            assert_eq!(titles(&answer.body), titles_of(name), "{path}");
            let self_link = format!("{PUBLIC}feeds/{name}.{ext}");
            assert!(
                answer.text().contains(&self_link),
                "{path} names {self_link}"
            );
        }
    }
}

#[tokio::test]
async fn json_feed_is_version_1_1_with_offset_dates_and_a_content_field_per_item() {
    let routes = routes().await;
    let json: serde_json::Value = serde_json::from_slice(&routes.get("/feeds/all.json").await.body)
        .expect("JSON Feed is JSON");
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["feed_url"], format!("{PUBLIC}feeds/all.json"));
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    let date = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$").unwrap();
    for item in items {
        assert_eq!(item["id"], item["url"]);
        assert!(item["content_html"].is_string() != item["content_text"].is_string());
        let published = item["date_published"].as_str().unwrap();
        assert!(date.is_match(published), "{published}");
    }
    // Whole seconds, in the offset the site used.
    assert_eq!(items[0]["date_published"], "2026-06-12T11:00:00+03:00");
    assert_eq!(items[5]["date_published"], "2026-06-01T07:00:00+01:00");
}

/// Decodes a body in `coding` (`gzip` or `br`).
fn decode(coding: &str, body: &[u8]) -> Vec<u8> {
    let mut decoded = Vec::new();
    match coding {
        "gzip" => flate2::read::GzDecoder::new(body).read_to_end(&mut decoded),
        "br" => brotli::Decompressor::new(body, 4096).read_to_end(&mut decoded),
        other => panic!("unexpected coding {other}"),
    }
    .unwrap_or_else(|e| panic!("{coding} body does not decode: {e}"));
    decoded
}

#[tokio::test]
async fn gzip_and_br_decode_to_the_identity_bytes_each_with_its_own_etag() {
    let routes = routes().await;
    let plain = routes.get("/feeds/all.atom").await;
    let mut etags = BTreeSet::from([plain.header("etag").to_string()]);
    for (accept, coding) in [
        ("gzip", "gzip"),
        ("x-gzip", "gzip"),
        ("gzip, deflate, br", "br"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0.5, gzip;q=0.9", "gzip"),
        ("*", "br"),
    ] {
        let answer = routes
            .request("GET", "/feeds/all.atom", &[("accept-encoding", accept)])
            .await;
        assert_eq!(answer.status, 200, "{accept}");
        assert_eq!(answer.header("content-encoding"), coding, "{accept}");
        assert_eq!(answer.header("vary"), "Accept-Encoding");
        assert_eq!(
            answer.header("last-modified"),
            plain.header("last-modified")
        );
        let decoded = decode(coding, &answer.body);
        assert!(
            decoded == plain.body,
            "{accept}: decodes to the identity bytes"
        );
        assert!(
            answer.body.len() < plain.body.len() / 3,
            "{accept}: compressed"
        );
        etags.insert(answer.header("etag").to_string());
    }
    assert_eq!(etags.len(), 3, "identity, gzip and br: {etags:?}");
    for accept in ["identity;q=0", "*;q=0", "gzip;q=0, br;q=0, identity;q=0"] {
        let answer = routes
            .request("GET", "/feeds/all.atom", &[("accept-encoding", accept)])
            .await;
        assert_eq!(answer.status, 406, "{accept}");
        assert!(
            answer.text().contains("Accept-Encoding refuses"),
            "{accept}"
        );
    }
}

#[tokio::test]
async fn a_current_validator_is_answered_304_with_the_same_headers_and_no_body() {
    let routes = routes().await;
    let path = "/feeds/all.atom";
    for accept in ["identity", "gzip", "br"] {
        let full = routes
            .request("GET", path, &[("accept-encoding", accept)])
            .await;
        let etag = full.header("etag");
        for if_none_match in [
            etag.to_string(),
            format!("W/{etag}"),
            format!("\"other\", W/{etag}"),
            "*".into(),
        ] {
            let answer = routes
                .request(
                    "GET",
                    path,
                    &[
                        ("accept-encoding", accept),
                        ("if-none-match", &if_none_match),
                    ],
                )
                .await;
            assert_eq!(answer.status, 304, "{accept}: {if_none_match}");
            assert!(answer.body.is_empty());
            for header in ["etag", "last-modified", "cache-control", "vary"] {
                assert_eq!(answer.header(header), full.header(header), "{header}");
            }
        }
    }
    // A tag validates only the encoding it was given for.
    let identity = routes.get(path).await;
    let gzip_asked = routes
        .request(
            "GET",
            path,
            &[
                ("accept-encoding", "gzip"),
                ("if-none-match", identity.header("etag")),
            ],
        )
        .await;
    assert_eq!(gzip_asked.status, 200);
    assert!(!gzip_asked.body.is_empty());

    // By date, in the three formats RFC 9110 asks recipients to accept.
    assert_eq!(
        identity.header("last-modified"),
        "Fri, 12 Jun 2026 08:00:00 GMT"
    );
    for (since, status) in [
        ("Fri, 12 Jun 2026 08:00:00 GMT", 304),
        ("Friday, 12-Jun-26 08:00:00 GMT", 304),
        ("Fri Jun 12 08:00:00 2026", 304),
        ("Sat, 13 Jun 2026 00:00:00 GMT", 304),
        ("Fri, 12 Jun 2026 07:59:59 GMT", 200),
        ("yesterday", 200),
    ] {
        let answer = routes
            .request("GET", path, &[("if-modified-since", since)])
            .await;
        assert_eq!(answer.status, status, "If-Modified-Since: {since}");
        assert_eq!(
            answer.body.is_empty(),
            status == 304,
            "If-Modified-Since: {since}"
        );
    }
    // If-None-Match decides when present.
    let answer = routes
        .request(
            "GET",
            path,
            &[
                ("if-none-match", "\"other\""),
                ("if-modified-since", "Fri, 12 Jun 2026 08:00:00 GMT"),
            ],
        )
        .await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn queries_filter_with_their_own_self_links_and_validators() {
    let routes = routes().await;
    let newest_two = &titles_of("all")[..2];
    for (ext, _) in FORMATS {
        let path = format!("/feeds/all.{ext}?limit=2");
        let answer = routes.get(&path).await;
        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(titles(&answer.body), newest_two, "{path}");
        assert!(answer
            .text()
            .contains(&format!("{PUBLIC}feeds/all.{ext}?limit=2")));
        assert_eq!(answer.header("cache-control"), "public, max-age=450");
        let unfiltered = routes.get(&format!("/feeds/all.{ext}")).await;
        let etag = answer.header("etag");
        assert_ne!(etag, unfiltered.header("etag"), "{path}");
        let again = routes
            .request("GET", &path, &[("if-none-match", etag)])
            .await;
        assert_eq!((again.status, again.body.len()), (304, 0), "{path}");
    }

    // Keywords match titles and summaries, whatever their case.
    for (query, kept) in [
        (
            "include=STORM",
            &["Prize for storm research", "Storm hits the coast"][..],
        ),
        ("include=wind", &["Storm hits the coast"]),
        (
            "exclude=storm&limit=2",
            &["Election results announced", "Talks resume in Geneva"],
        ),
        (
            "include=storm,comet&exclude=prize%20for",
            &["Storm hits the coast", "New comet discovered"],
        ),
    ] {
        let answer = routes.get(&format!("/feeds/all.rss?{query}")).await;
        assert_eq!(answer.status, 200, "{query}");
        assert_eq!(titles(&answer.body), kept, "{query}");
    }

    // Queries that mean the same share one document, named by its normal form; parameters
    // we do not know are ignored.
    let filtered = routes
        .get("/feeds/all.json?include=storm,comet&exclude=prize%20for")
        .await;
    let same = routes
        .get("/feeds/all.json?exclude=PRIZE+For&include=comet&include=storm&utm_source=x")
        .await;
    assert_eq!(filtered.header("etag"), same.header("etag"));
    assert!(filtered.body == same.body);
    let json: serde_json::Value = serde_json::from_slice(&same.body).unwrap();
    assert_eq!(
        json["feed_url"],
        format!("{PUBLIC}feeds/all.json?include=comet%2Cstorm&exclude=prize+for")
    );

    for bad in ["limit=0", "limit=x", "limit=-3"] {
        let answer = routes.get(&format!("/feeds/all.rss?{bad}")).await;
        assert_eq!(answer.status, 400, "{bad}");
        assert!(
            answer.text().starts_with("bad query: limit"),
            "{bad}: {}",
            answer.text()
        );
    }
}
