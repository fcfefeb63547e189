use proptest::prelude::*;
use proptest::test_runner::RngSeed;

use super::*;

/// Characters XML 1.0 allows (its `Char` production).
fn xml_char(c: char) -> bool {
    matches!(c as u32, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

#[test]
fn forbidden_characters_by_class() {
    for c in [
        '\u{0}', '\u{1}', '\u{8}', '\u{B}', '\u{C}', '\u{E}', '\u{1B}', '\u{1F}',
    ] {
        assert!(is_forbidden(c), "C0 {:?}", c);
    }
    for c in ['\u{7F}', '\u{80}', '\u{85}', '\u{9F}'] {
        assert!(is_forbidden(c), "DEL and C1 {:?}", c);
    }
    for c in [
        '\u{FFFE}',
        '\u{FFFF}',
        '\u{FDD0}',
        '\u{FDEF}',
        '\u{1FFFE}',
        '\u{10FFFF}',
    ] {
        assert!(is_forbidden(c), "noncharacter {:?}", c);
    }
    for c in [
        '\t',
        '\n',
        '\r',
        ' ',
        'a',
        '\u{A0}',
        '\u{AD}',
        'Ж',
        '\u{2028}',
        '\u{D7FF}',
        '\u{E000}',
        '\u{FEFF}',
        '\u{FFFD}',
        '\u{10000}',
        '😀',
        '\u{10FFFD}',
    ] {
        assert!(!is_forbidden(c), "allowed {:?}", c);
    }
}

#[test]
fn lines_lose_controls_and_keep_one_space_between_words() {
    assert_eq!(line("Putin\u{1} says\u{1F}"), "Putin says");
    assert_eq!(line(" a\u{FFFE}b\r\n\tc\u{0}  "), "ab c");
    assert_eq!(line("a\u{B}\u{C}b"), "ab");
    assert_eq!(line("\u{1}\u{2}"), "");
    // References a decoder left alone are removed too; C1 ones name windows-1252 characters.
    assert_eq!(
        line("a&#x1;b &#0; &#xFFFE; &#xD800; &#1114112; c&#9;d &#150; &#X1f"),
        "ab c&#9;d &#150;"
    );
    assert_eq!(
        line("&#&#1;x1;"),
        "\u{FFFD}",
        "a reference the removal made is not left"
    );
    assert_eq!(line("&&#1;#1;"), "\u{FFFD}");
    assert!(matches!(line("clean title"), Cow::Borrowed(_)));
    assert!(matches!(line(""), Cow::Borrowed(_)));
}

#[test]
fn html_keeps_tabs_and_newlines_and_makes_line_ends_newlines() {
    assert_eq!(
        html("<p>a\u{1}b</p>\r\n<pre>\tc\rd</pre>"),
        "<p>ab</p>\n<pre>\tc\nd</pre>"
    );
    assert_eq!(html("x\u{85}y\u{9F}z\u{FFFF}"), "xyz");
    let clean = "<p>Мост «в срок» — 1\u{A0}июля 😀</p>\n";
    assert!(matches!(html(clean), Cow::Borrowed(_)));
}

#[test]
fn truncation_cuts_on_character_boundaries_within_the_limit() {
    assert_eq!(truncate("short", 5), "short");
    assert_eq!(truncate("a long title", 8), "a lon…");
    // Cyrillic letters are two bytes: no letter is split.
    let cut = truncate("Мост через Каму", 11);
    assert!(cut.len() <= 11, "{cut}");
    assert_eq!(cut, "Мост…");
    assert_eq!(truncate("😀😀😀", 9), "😀…");
    // A reference is not cut into one naming another code point.
    assert_eq!(truncate("ab &#123; cd", 9), "ab…");
    assert_eq!(truncate_chars("ab &#x7B; cd", 7), "ab…");
    assert_eq!(truncate_chars("abcdef", 6), "abcdef");
    assert_eq!(truncate_chars("abcdef", 4), "abc…");
    assert_eq!(truncate_chars("ab cdef", 4), "ab…");
    assert_eq!(truncate_chars("ЖЖЖЖЖ", 3).chars().count(), 3);
}

#[test]
fn only_absolute_web_urls_pass() {
    assert_eq!(
        web_url("https://example.com/a.jpg").as_deref(),
        Some("https://example.com/a.jpg")
    );
    assert_eq!(
        web_url("HTTP://Example.com").as_deref(),
        Some("http://example.com/")
    );
    for bad in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "vbscript:x",
        "file:///etc/passwd",
        "ftp://example.com/a",
        "/relative.jpg",
        "//example.com/a.jpg",
        "",
        "http://",
    ] {
        assert_eq!(web_url(bad), None, "{bad:?}");
        assert!(!is_web_url(bad), "{bad:?}");
    }
    for good in [
        "https://example.com/a.jpg?x=1&y=\"2\"",
        "http://127.0.0.1:8080/",
        "HTTPS://x.y/",
    ] {
        assert!(is_web_url(good), "{good:?}");
    }
}

#[test]
fn lenient_json_parses_where_strict_json_would_fail() {
    let read = |json: &str| serde_json::from_str::<serde_json::Value>(&lenient_json(json)).unwrap();
    assert_eq!(read(r#"{"t":"a\ud800b"}"#)["t"], "a\u{FFFD}b");
    assert_eq!(read(r#"{"t":"a\udc00b\ud83d"}"#)["t"], "a\u{FFFD}b\u{FFFD}");
    assert_eq!(
        read(r#"{"t":"\ud83d\ude00 \\ud800"}"#)["t"],
        "😀 \\ud800",
        "pairs and escaped backslashes stay"
    );
    assert_eq!(read("{\"t\":\"a\u{1}b\nc\"}")["t"], "a b c");
    let clean = r#"{"t":"\u00e9\"\\"}"#;
    assert!(matches!(lenient_json(clean), Cow::Borrowed(_)));
    // A truncated escape at the end is left to the parser to refuse.
    assert_eq!(lenient_json(r#""\ud8"#), r#""\ud8"#);
}

#[test]
fn bodies_are_cut_between_tags_or_in_text_and_closed() {
    let body = "<p>first paragraph</p><p>second <b>bold &amp; long</b> text</p>";
    assert_eq!(truncate_html(body, 1000), body);
    let cut = truncate_html(body, 40);
    assert!(cut.len() <= 40, "{cut}");
    assert_eq!(cut, "<p>first paragraph</p><p>second…</p>");
    // Never inside an entity, never inside a tag.
    let cut = truncate_html(body, 52);
    assert_eq!(cut, "<p>first paragraph</p><p>second <b>bold…</b></p>");
    let cut = truncate_html(
        r#"<p><a href="https://x/?a>b" rel="noopener">link text</a></p>"#,
        57,
    );
    assert_eq!(
        cut,
        r#"<p><a href="https://x/?a>b" rel="noopener">lin…</a></p>"#
    );
    // Void elements need no end tag.
    assert_eq!(
        truncate_html(
            r#"<p>a<br><img src="https://x/i.jpg">bcdefghijklmn</p>"#,
            44
        ),
        r#"<p>a<br><img src="https://x/i.jpg">bc…</p>"#
    );
}

/// Bodies as the sanitizer writes them: nested allowed elements, text with entities and
/// multi-byte characters, void elements.
fn sanitized_body() -> impl Strategy<Value = String> {
    let text = "[a-z Жж😀<>&\"]{0,12}".prop_map(|t| html_escape::encode_text(&t).into_owned());
    let leaf = prop_oneof![
        text,
        Just("<br>".to_string()),
        Just(r#"<img alt="" src="https://example.com/a.jpg?x=&quot;&gt;&quot;">"#.to_string()),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        (
            prop::sample::select(vec!["div", "b", "em", "span", "blockquote", "section"]),
            prop::collection::vec(inner, 0..6),
        )
            .prop_map(|(name, children)| format!("<{name}>{}</{name}>", children.concat()))
    })
}

/// What html5ever makes of a fragment, written back out.
fn reserialized(fragment: &str) -> String {
    scraper::Html::parse_fragment(fragment)
        .root_element()
        .inner_html()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        rng_seed: RngSeed::Fixed(13),
        ..ProptestConfig::default()
    })]

    #[test]
    fn cleaning_is_idempotent_and_leaves_only_xml_characters(text in any::<String>()) {
        let once = line(&text).into_owned();
        prop_assert_eq!(line(&once), once.as_str());
        prop_assert!(matches!(line(&once), Cow::Borrowed(_)));
        prop_assert!(once.chars().all(|c| xml_char(c) && !c.is_control()));
        let body = html(&text).into_owned();
        prop_assert!(matches!(html(&body), Cow::Borrowed(_)));
        prop_assert!(body.chars().all(|c| xml_char(c) && c != '\r'));
    }

    #[test]
    fn reference_soup_is_clean_after_one_cleaning(text in "[&#xX0-9aAfF; ]{0,40}", max in 4usize..40) {
        let once = line(&text).into_owned();
        prop_assert!(matches!(line(&once), Cow::Borrowed(_)), "{:?} → {:?}", text, once);
        let cut = truncate(&once, max).into_owned();
        prop_assert!(matches!(line(&cut), Cow::Borrowed(_)), "{:?} → {:?}", once, cut);
        let cut = truncate_chars(&once, max).into_owned();
        prop_assert!(matches!(line(&cut), Cow::Borrowed(_)), "{:?} → {:?}", once, cut);
    }

    #[test]
    fn truncation_is_idempotent_and_within_the_limit(text in any::<String>(), max in 0usize..64) {
        let cut = truncate(&text, max.max(ELLIPSIS.len())).into_owned();
        prop_assert!(cut.len() <= max.max(ELLIPSIS.len()));
        prop_assert_eq!(truncate(&cut, max.max(ELLIPSIS.len())), cut.as_str());
        let cut = truncate_chars(&text, max.max(1)).into_owned();
        prop_assert!(cut.chars().count() <= max.max(1));
        prop_assert_eq!(truncate_chars(&cut, max.max(1)), cut.as_str());
    }

    #[test]
    fn sanitizer_output_is_what_the_generator_makes(body in sanitized_body()) {
        prop_assert_eq!(reserialized(&body), body);
    }

    #[test]
    fn cut_bodies_are_well_formed_prefixes(body in sanitized_body(), max in 0usize..400) {
        let cut = truncate_html(&body, max).into_owned();
        prop_assert!(cut.len() <= max.max(ELLIPSIS.len()) || body.len() <= max, "{}", cut);
        prop_assert_eq!(reserialized(&cut), cut.as_str(), "not well-formed: {}", body);
        prop_assert_eq!(truncate_html(&cut, max), cut.as_str());
        let text = |html: &str| -> String {
            scraper::Html::parse_fragment(html).root_element().text().collect()
        };
        let (whole, kept) = (text(&body), text(&cut));
        let kept = kept.trim_end_matches(ELLIPSIS);
        prop_assert!(whole.starts_with(kept.trim_end()), "{} is not a prefix of {}", kept, whole);
    }
}
