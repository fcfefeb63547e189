//! Hostile text through all three formats: every class of code point, and any string at all,
//! cleaned as `assemble` cleans an entry, rendered as RSS, Atom and JSON Feed, then read back
//! by a strict XML parser (roxmltree: XML 1.0 `Char`s, well-formedness) and by feed-rs, as a
//! reader would. Each document must be well-formed, and the strings read back must equal the
//! strings after cleaning: nothing is lost on the way out, nothing is left unescaped.

mod support;

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use scrapefeed::assemble::clean;
use scrapefeed::model::{Entry, TextLimits};
use scrapefeed::render::{self, FeedMeta};
use support::hostile::{
    atom_items, json_items, rss_items, strict_xml, ReadBack, CONTENT_NS, DC_NS,
};

/// Limits the corpus does not reach: what is tested is cleaning and escaping.
const ROOMY: TextLimits = TextLimits {
    title: 1 << 20,
    summary: 1 << 20,
    body: 1 << 20,
    tags: 1000,
    tag_chars: 1000,
};

fn meta() -> FeedMeta {
    FeedMeta::for_all(&url::Url::parse("http://127.0.0.1:8080/").unwrap(), None)
}

fn entry(i: usize, text: &str, body: &str, image: Option<&str>) -> Entry {
    let published =
        Utc.with_ymd_and_hms(2025, 6, 13, 12, 0, 0).unwrap() - chrono::Duration::minutes(i as i64);
    Entry {
        url: format!("https://example.com/news/{i}?a=1&b=2"),
        title: format!("title {i} {text}"),
        summary: Some(format!("summary {text}")),
        body: Some(body.to_string()),
        author: Some(format!("author {text}")),
        tags: vec![format!("tag {text}"), "<b>&amp;</b>".into()],
        image: image.map(String::from),
        published: published.fixed_offset(),
        updated: None,
        first_seen: published,
        date_source: "test".into(),
    }
}

/// One string per class of code point, and every code point of the BMP and of each plane's
/// first and last 256, 512 to a string.
fn corpus() -> Vec<String> {
    let classes: [&str; 14] = [
        "\u{0}\u{1}\u{2}\u{3}\u{4}\u{5}\u{6}\u{7}\u{8}\t\n\u{B}\u{C}\r\u{E}\u{F}",
        "\u{10}\u{11}\u{12}\u{13}\u{14}\u{15}\u{16}\u{17}\u{18}\u{19}\u{1A}\u{1B}\u{1C}\u{1D}\u{1E}\u{1F}",
        "DEL \u{7F} C1 \u{80}\u{85}\u{8D}\u{9F}",
        "markup <script>alert(\"x\")</script> & &amp; &#x1; ]]> ]]]]><![CDATA[ 'q'",
        "Latin-1 \u{A0}nbsp \u{AD}shy ©«»",
        "Кириллица 中文 עברית العربية e\u{301}",
        "separators \u{2028}\u{2029} bom \u{FEFF} zwsp \u{200B} rlo \u{202E}x",
        "private \u{E000}\u{F8FF}",
        "noncharacters \u{FDD0}\u{FDEF}\u{FFFE}\u{FFFF}\u{1FFFE}\u{10FFFF}",
        "replacement \u{FFFD}",
        "astral 😀 \u{10000} \u{10FFFD}",
        "line ends a\r\nb\rc\nd",
        "  spaces   and\ttabs  ",
        "",
    ];
    let mut corpus: Vec<String> = classes.iter().map(|s| s.to_string()).collect();
    let mut code_points: Vec<char> = (0..=0xFFFF).filter_map(char::from_u32).collect();
    for plane in 1..=16u32 {
        let base = plane << 16;
        code_points.extend((base..base + 256).filter_map(char::from_u32));
        code_points.extend((base + 0xFF00..=base + 0xFFFF).filter_map(char::from_u32));
    }
    corpus.extend(
        code_points
            .chunks(512)
            .map(|chunk| chunk.iter().collect::<String>()),
    );
    corpus
}

/// The corpus as entries, cleaned as `assemble` cleans them.
fn corpus_entries() -> Vec<Entry> {
    corpus()
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let body = format!(
                "<p>{}</p><pre>{}</pre>",
                html_escape::encode_text(text),
                html_escape::encode_text(text)
            );
            let image = [
                "https://example.com/i.jpg",
                "javascript:alert(1)",
                "data:image/png;base64,AA",
            ][i % 3];
            clean(entry(i, text, &body, Some(image)), &ROOMY).0
        })
        .collect()
}

#[test]
fn every_class_of_code_point_makes_well_formed_feeds_that_read_back_as_cleaned() {
    let entries = corpus_entries();
    assert!(entries.len() > 150, "{} entries", entries.len());
    let expected: Vec<ReadBack> = entries.iter().map(ReadBack::of).collect();
    let meta = meta();

    let rss = render::rss(&meta, &entries);
    assert_eq!(rss_items(&strict_xml(&rss)), expected, "RSS");
    let atom = render::atom(&meta, &entries);
    assert_eq!(atom_items(&strict_xml(&atom)), expected, "Atom");
    let json = render::json(&meta, &entries);
    assert_eq!(json_items(&json), expected, "JSON Feed");

    // A reader (feed-rs) reads every entry of every format with the same strings.
    for (name, bytes) in [("RSS", &rss), ("Atom", &atom), ("JSON Feed", &json)] {
        let feed = support::parse_feed(bytes);
        assert_eq!(feed.entries.len(), entries.len(), "{name}");
        for (read, entry) in feed.entries.iter().zip(&entries) {
            assert_eq!(read.title.as_ref().unwrap().content, entry.title, "{name}");
            assert_eq!(read.links[0].href, entry.url, "{name}");
            let body = read.content.as_ref().and_then(|c| c.body.as_deref());
            assert_eq!(body, entry.body.as_deref(), "{name}");
            let tags: Vec<&str> = read.categories.iter().map(|c| c.term.as_str()).collect();
            assert_eq!(tags, entry.tags, "{name}");
        }
    }
    // The images that were not http(s) are gone from every format.
    for bytes in [&rss, &atom, &json] {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains("javascript:") && !text.contains("data:image"),
            "{text}"
        );
    }
}

#[test]
fn the_rss_description_is_escaped_html_of_the_plain_summary() {
    let e = clean(
        entry(0, "<script>alert(\"sum\")</script>", "<p>x</p>", None),
        &ROOMY,
    )
    .0;
    let rss = String::from_utf8(render::rss(&meta(), &[e])).unwrap();
    assert!(!rss.contains("<script>"), "{rss}");
    let doc = strict_xml(rss.as_bytes());
    let description = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("description") && n.parent().is_some_and(|p| p.has_tag_name("item"))
        })
        .unwrap();
    // What a reader renders as HTML shows the text as it was, tags and all.
    assert_eq!(
        support::hostile::text_of(description),
        "summary &lt;script&gt;alert(\"sum\")&lt;/script&gt;"
    );
    let _ = (CONTENT_NS, DC_NS);
}

/// Strings a scraper might meet: anything at all, and strings dense in what needs cleaning
/// or escaping.
fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zЖ😀 \t\r\n\u{0}-\u{1f}\u{7f}-\u{9f}\u{fdd0}\u{fffe}\u{ffff}\u{2028}<>&'\"\\]\\[;#x]{0,40}",
    ]
}

fn hostile_entry() -> impl Strategy<Value = Entry> {
    let image = prop_oneof![
        Just(None),
        Just(Some("https://example.com/i.png?a=1&b=<2>".to_string())),
        Just(Some("javascript:alert(1)".to_string())),
        hostile_string().prop_map(Some),
    ];
    (
        hostile_string(),
        proptest::option::of(hostile_string()),
        proptest::option::of(hostile_string()),
        proptest::option::of(hostile_string()),
        proptest::collection::vec(hostile_string(), 0..4),
        image,
    )
        .prop_map(|(title, summary, body, author, tags, image)| {
            let mut e = entry(0, "", "", None);
            (e.title, e.summary, e.author, e.tags, e.image) = (title, summary, author, tags, image);
            // The body is sanitized HTML by the time it is an entry: its text escaped.
            e.body = body.map(|b| format!("<p>{}</p>", html_escape::encode_text(&b)));
            clean(e, &ROOMY).0
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        rng_seed: RngSeed::Fixed(0x1313),
        ..ProptestConfig::default()
    })]

    #[test]
    fn rss_is_well_formed_and_reads_back_as_cleaned(entries in proptest::collection::vec(hostile_entry(), 1..4)) {
        let rss = render::rss(&meta(), &entries);
        let expected: Vec<ReadBack> = entries.iter().map(ReadBack::of).collect();
        prop_assert_eq!(rss_items(&strict_xml(&rss)), expected);
    }

    #[test]
    fn atom_is_well_formed_and_reads_back_as_cleaned(entries in proptest::collection::vec(hostile_entry(), 1..4)) {
        let atom = render::atom(&meta(), &entries);
        let expected: Vec<ReadBack> = entries.iter().map(ReadBack::of).collect();
        prop_assert_eq!(atom_items(&strict_xml(&atom)), expected);
    }

    #[test]
    fn json_feed_is_valid_and_reads_back_as_cleaned(entries in proptest::collection::vec(hostile_entry(), 1..4)) {
        let json = render::json(&meta(), &entries);
        let expected: Vec<ReadBack> = entries.iter().map(ReadBack::of).collect();
        prop_assert_eq!(json_items(&json), expected);
    }

    #[test]
    fn cleaning_is_idempotent(entry in hostile_entry()) {
        prop_assert_eq!(clean(entry.clone(), &ROOMY), (entry, Vec::new()));
    }
}
