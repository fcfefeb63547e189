//! The flattening pass: real pages untouched, deep ones bounded, and no markup trick that
//! makes html5ever nest deeper than the model thinks (the property test hunts for one).

use proptest::prelude::*;

use super::*;

/// The deepest element of the page as html5ever builds it (what the tree builder's stack
/// and every walk over the tree pay for).
fn depth(page: &str) -> usize {
    dom_depth(&scraper::Html::parse_document(page))
}

fn dom_depth(html: &scraper::Html) -> usize {
    html.tree
        .nodes()
        .map(|node| node.ancestors().count())
        .max()
        .unwrap_or(0)
}

/// The depth html5ever reaches on the flattened page never exceeds this for `limit`: a
/// constant factor (tables imply `tbody` and `tr`; `html` and `body` are implied) but
/// nothing that grows with the page.
fn bound(limit: usize) -> usize {
    3 * limit + 8
}

/// The guard the tests use with a limit of 6: past it, html5ever has gone deeper than the
/// model on any page it follows (within [`bound`]).
const GUARD: u32 = 24;

/// A unit the model misreads (a CDATA section it takes for a bogus comment, once the tags
/// that would have left SVG are cut), found by the property test: with a limit of 6, each
/// repeat nests deeper. The guard catches it, and the page is read flat.
#[test]
fn the_guard_catches_what_the_model_misses() {
    let unit = "<optgroup><mi><button><svg><th></form><foreignObject></noembed><div><div>\
        <div><div>]]>--><div>--></button></object></p><div></textarea><form><![CDATA[<div>\
        <optgroup><b><div></dl><div>";
    let page = format!("{}<h1>Title</h1>", unit.repeat(200));
    let flat = flatten_naming(&page, 6, 0);
    assert!(depth(&flat) > 1000, "the model's gap this test is about");
    assert!(bounded::trips(&page, 6, GUARD));
    let html = bounded::parse_guarded(&page, &flat, 6, GUARD);
    assert!(dom_depth(&html) <= bound(6), "{}", dom_depth(&html));
    // Read flat: the heading's tags are cut, its text stays.
    assert!(html.root_element().text().any(|t| t.contains("Title")));
}

#[test]
fn real_pages_never_trip_the_guard() {
    for (path, page) in fixtures() {
        assert!(
            !bounded::trips(&page, MAX_DEPTH, 4 * MAX_DEPTH as u32),
            "{}",
            path.display()
        );
        let flat = flatten(&page);
        let html = bounded::parse(&page, &flat);
        assert_eq!(
            html.html(),
            scraper::Html::parse_document(&page).html(),
            "{}",
            path.display()
        );
    }
}

fn text_of(page: &str) -> String {
    let html = scraper::Html::parse_document(page);
    crate::html::element_text(html.root_element())
}

/// Every HTML page of the test fixtures (some in windows-1251: read lossily, the markup is
/// ASCII).
fn fixtures() -> Vec<(std::path::PathBuf, String)> {
    let mut pages = Vec::new();
    let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
                pages.push((path, text));
            }
        }
    }
    assert!(pages.len() >= 9);
    pages
}

#[test]
fn real_pages_come_back_as_they_are() {
    for (path, page) in fixtures() {
        assert!(
            matches!(flatten(&page), Cow::Borrowed(_)),
            "{}",
            path.display()
        );
        // Even a tight limit leaves a real page's structure mostly alone.
        assert!(depth(&flatten_to(&page, 40)) <= depth(&page));
    }
    let ordinary = "<!doctype html><html><head><title>t</title><style>p > a {}</style>\
        <script>if (a < b && c > d) document.write('<div><div>')</script></head><body>\
        <ul><li>one<li>two</ul><p>para<p>para<table><tr><td>a<td>b<tr><td>c</table>\
        <svg><style>.x{}</style><g><path/></g></svg><select><option>a<option>b</select>\
        <!-- <div><div> --></body></html>";
    assert!(matches!(flatten_to(ordinary, 8), Cow::Borrowed(_)));
}

#[test]
fn deep_nesting_is_flattened_keeping_the_text() {
    let deep = format!(
        "<html><body><article><h1>Title</h1>{}<p>deep text</p>{}<p>after</p></article></body></html>",
        "<div class=x>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    let flat = flatten(&deep);
    assert!(flat.len() < deep.len() / 100, "{}", flat.len());
    assert!(depth(&flat) <= MAX_DEPTH + 8, "{}", depth(&flat));
    assert_eq!(text_of(&flat), "Title deep text after");
    // Past the deep part, markup is markup again.
    let html = scraper::Html::parse_document(&flat);
    let paragraphs = scraper::Selector::parse("article > p").unwrap();
    assert_eq!(
        html.select(&paragraphs).count(),
        1,
        "the one after the deep part"
    );
    // Counted beyond the named ones, the model comes back all the same.
    for named in [0, 3] {
        let flat = flatten_naming(&deep, 16, named);
        assert!(depth(&flat) <= bound(16));
        assert_eq!(text_of(&flat), "Title deep text after");
        let html = scraper::Html::parse_document(&flat);
        assert_eq!(html.select(&paragraphs).count(), 1);
    }
}

/// Markup where html5ever keeps elements open that a naive count would close, or opens
/// elements no tag opens: each is nested far deeper than the limit once repeated, and the
/// flattened page stays within the bound.
#[test]
fn tricks_that_nest_without_looking_like_it_are_bounded() {
    let limit = 8;
    let cases: &[(&str, &str, &str)] = &[
        ("plain", "<div>", ""),
        (
            "end tag of an inline across a block",
            "<span><div></span>",
            "",
        ),
        ("misnested formatting", "<b><div></b>", ""),
        ("stray end tags", "<div></i></x>", ""),
        (
            "table parts outside a table",
            "<tr><div></tr><td><div></td>",
            "",
        ),
        (
            "formatting reopened after its block closed",
            "<div><b id=a></div>x",
            "",
        ),
        (
            "formatting with distinct attributes",
            "<p><i class=q></p>t",
            "",
        ),
        ("nested tables", "<table><tr><td>", ""),
        ("foreign content", "<svg><g><td><foreignObject><div>", ""),
        (
            "select ignoring end tags",
            "<div><select></div><style></select>",
            "<div>",
        ),
        (
            "script escapes",
            "<div><script><!--<script></script></div>--></script>",
            "",
        ),
        ("quotes in attribute names", "<div x\"y>", ""),
        ("comments with end tags", "<div><!-- </div> -->", ""),
        (
            "raw text with end tags",
            "<div><title></div></title><textarea></div></textarea>",
            "",
        ),
        ("cdata in svg", "<svg><![CDATA[</svg>]]><g>", ""),
        ("frameset", "<frameset><style>", "<frameset>"),
        ("buttons and paragraphs", "<p><button><p>", ""),
        ("options and groups", "<option><optgroup>", ""),
        ("headings", "<h1><span><h2>", ""),
        ("list items in lists", "<li><ul><li>", ""),
        ("definitions", "<dl><dd><dl><dt>", ""),
        ("objects and markers", "<object><b>", ""),
        ("templates", "<template><div></template>", "<template>"),
    ];
    for (what, unit, tail) in cases {
        let page = format!("<body>{}{}", unit.repeat(400), tail.repeat(400));
        let flat = flatten_to(&page, limit);
        let got = depth(&flat);
        assert!(got <= bound(limit), "{what}: depth {got} from {page:.80}…");
    }
}

#[test]
fn tokens_are_read_as_the_standard_reads_them() {
    // A `>` inside a quoted value does not end the tag; quotes count only after `=`.
    let tag = read_tag(b"<a title='>' href=\"x>\" b>rest", 0, 1).unwrap();
    assert_eq!(tag.range, 0..25);
    let tag = read_tag(b"<a x\"y>z", 0, 1).unwrap();
    assert_eq!(tag.range, 0..7);
    assert!(read_tag(b"<a title='>", 0, 1).is_none(), "unfinished");
    let tag = read_tag(b"<br/>", 0, 1).unwrap();
    assert!(tag.self_closing);
    // Script data: escapes and a script inside them.
    let script = b"a<!--<script>x</script>y</script>z";
    assert_eq!(script_end(script, 0), Some(24));
    assert_eq!(script_end(b"<!-->x</script>", 0), Some(6));
    assert_eq!(script_end(b"x</scripty></SCRIPT >", 0), Some(11));
    assert_eq!(script_end(b"no end", 0), None);
}

/// Pieces of markup that together exercise every rule of the model: tags of every kind,
/// raw text, comments, foreign content, tables, select, stray and misnested end tags.
#[rustfmt::skip]
const PIECES: &[&str] = &[
    "<div>", "</div>", "<span>", "</span>", "<p>", "</p>", "<b>", "</b>", "<i id=1>", "</i>",
    "<a href=x>", "</a>", "<nobr>", "</nobr>", "<li>", "</li>", "<ul>", "</ul>", "<dd>", "<dt>",
    "</dl>", "<dl>", "<h1>", "</h2>", "<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>",
    "<th>", "<tbody>", "</tbody>", "<caption>", "</caption>", "<colgroup>", "<col>", "<svg>",
    "</svg>", "<math>", "</math>", "<g>", "</g>", "<foreignObject>", "</foreignObject>", "<mi>",
    "<desc>", "<![CDATA[", "]]>", "<select>", "</select>", "<option>", "</option>",
    "<optgroup>", "<input>", "<textarea>", "</textarea>", "<title>", "</title>", "<style>",
    "</style>", "<script>", "</script>", "<!--", "-->", "<xmp>", "</xmp>", "<template>",
    "</template>", "<button>", "</button>", "<object>", "</object>", "<form>", "</form>",
    "<br>", "</br>", "<hr>", "<img>", "<frameset>", "<frame>", "<body>", "</body>", "<html>",
    "<head>", "</head>", "<noscript>", "</noscript>", "<iframe>", "</iframe>", "<plaintext>",
    "<x-a>", "</x-a>", "text", " ", "<", ">", "\"", "'", "=", "<div title='", "'>", "<marquee>",
    "</marquee>", "<font>", "</font>", "<s>", "</s>", "<!doctype html>", "</>", "<?x>",
    "<annotation-xml encoding='text/html'>", "<annotation-xml>", "</annotation-xml>",
    "<mglyph>", "<mtext>", "</mtext>", "<mo>", "<foreignobject>", "<desc>", "</desc>",
    "<font color=red>", "<ruby>", "<rb>", "<rt>", "</ruby>", "<svg/>", "<g/>", "<applet>",
    "</applet>", "<listing>", "<pre>", "</pre>", "<em>", "</em>", "<noembed>", "</noembed>",
    "<div/>", "</br >", "<![CDATA[x]]>", "<h3>", "</h3>", "<code>", "</code>", "<section>",
    "</section>", "<thead>", "</thead>",
];

fn soup() -> impl Strategy<Value = String> {
    let piece = proptest::sample::select(PIECES);
    proptest::collection::vec(piece, 0..300).prop_map(|pieces| pieces.concat())
}

proptest! {
    // `FLATTEN_SOUPS=20000 FLATTEN_RANDOM=1 cargo test --release --lib flatten` hunts with
    // fresh seeds; the default is a fixed, quick run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("FLATTEN_SOUPS").ok().and_then(|n| n.parse().ok()).unwrap_or(600),
        rng_seed: if std::env::var_os("FLATTEN_RANDOM").is_some() {
            proptest::test_runner::RngSeed::Random
        } else {
            proptest::test_runner::RngSeed::Fixed(13)
        },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Whatever the markup, the DOM read from a page nests within the bound: where the model
    /// is shallower than html5ever (repeating the soup makes any leak add up), the guard
    /// catches it and the page is read flat.
    #[test]
    fn no_markup_nests_past_the_bound(unit in soup(), repeat in 1usize..30, named in 0usize..8) {
        let page = unit.repeat(repeat);
        let limit = 6;
        // Few cut elements remembered by name, so the counted ones are exercised too.
        let flat = flatten_naming(&page, limit, named);
        let html = bounded::parse_guarded(&page, &flat, limit, GUARD);
        let got = dom_depth(&html);
        prop_assert!(got <= bound(limit), "depth {} for {:?}", got, unit);
    }

    /// The fallback needs no model of html5ever: counting alone keeps any markup within
    /// the bound.
    #[test]
    fn counting_alone_nests_within_the_bound(unit in soup(), repeat in 1usize..30) {
        let page = unit.repeat(repeat);
        let got = depth(&flatten_counting(&page, 6));
        prop_assert!(got <= bound(6), "depth {} for {:?}", got, unit);
    }
}
