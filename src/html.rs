//! Small helpers over `scraper` shared by the listing and article readers: visible text,
//! text from JSON, and attributes as a browser's scripts would leave them (lazy images).

use scraper::ElementRef;

/// Collapses runs of whitespace (including non-breaking spaces) into one space and trims.
pub fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace() || c == '\u{a0}') {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Elements that break a line when rendered: their edges separate words.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// The visible text of an element, whitespace collapsed. Inline markup joins its text
/// as a browser shows it (`Putin<b>'s</b>` is `Putin's`); block edges separate words.
pub fn element_text(element: ElementRef<'_>) -> String {
    use ego_tree::iter::Edge;
    let mut raw = String::new();
    for edge in element.traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                scraper::Node::Text(text) => raw.push_str(text),
                scraper::Node::Element(e) if BLOCKS.contains(&e.name()) => raw.push(' '),
                _ => {}
            },
            Edge::Close(node) => {
                if matches!(node.value(), scraper::Node::Element(e) if BLOCKS.contains(&e.name())) {
                    raw.push(' ');
                }
            }
        }
    }
    collapse_whitespace(&raw)
}

/// An HTML fragment (`<b>Putin</b> &amp; co`) as plain text.
pub fn plain_text(markup: &str) -> String {
    let fragment = scraper::Html::parse_fragment(markup);
    element_text(fragment.root_element())
}

/// Text from JSON (an API field, JSON-LD), where sites often leave HTML entities
/// (`&quot;`): entities decoded, whitespace collapsed. Angle brackets stay: in JSON they
/// are the text's own (`<agree>` is a word in a title, not markup).
pub fn json_text(value: &str) -> String {
    collapse_whitespace(&html_escape::decode_html_entities(value))
}

/// `Some(text)` unless it is empty.
pub fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

/// An attribute's value; for an image's `src`, the lazy-loading attributes stand in when
/// `src` is missing or a placeholder (`data:` URI), as browsers' scripts would make them.
pub fn attribute(element: ElementRef<'_>, name: &str) -> Option<String> {
    let e = element.value();
    attribute_of(e.name(), name, |a| e.attr(a))
}

/// [`attribute`] over any element: its tag name and a lookup of its (decoded) attributes.
pub fn attribute_of<'a>(
    tag: &str,
    name: &str,
    attr: impl Fn(&str) -> Option<&'a str>,
) -> Option<String> {
    let value = attr(name).map(str::trim).filter(|v| !v.is_empty());
    let is_placeholder = value.is_none_or(|v| v.starts_with("data:"));
    if name == "src" && tag == "img" && is_placeholder {
        let lazy = ["data-src", "data-lazy-src", "data-original", "data-url"]
            .iter()
            .find_map(|a| attr(a).map(str::trim).filter(|v| !v.is_empty()))
            .map(str::to_string)
            .or_else(|| {
                ["srcset", "data-srcset"]
                    .iter()
                    .find_map(|a| attr(a))
                    .and_then(largest_in_srcset)
            });
        if lazy.is_some() {
            return lazy;
        }
    }
    value.map(str::to_string)
}

/// The widest candidate of a `srcset` (`a.jpg 480w, b.jpg 1080w` → `b.jpg`).
pub fn largest_in_srcset(srcset: &str) -> Option<String> {
    srcset
        .split(',')
        .filter_map(|candidate| {
            let mut parts = candidate.split_whitespace();
            let url = parts.next()?;
            let width = parts
                .next()
                .and_then(|d| d.trim_end_matches(['w', 'x']).parse::<f64>().ok())
                .unwrap_or(1.0);
            Some((url.to_string(), width))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(url, _)| url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(markup: &str) -> Option<String> {
        let html = scraper::Html::parse_fragment(markup);
        let selector = scraper::Selector::parse("img").unwrap();
        let element = html.select(&selector).next().unwrap();
        attribute(element, "src")
    }

    #[test]
    fn lazy_images_resolve_to_their_real_source() {
        assert_eq!(img(r#"<img src="/a.jpg">"#).as_deref(), Some("/a.jpg"));
        assert_eq!(
            img(r#"<img src="data:image/gif;base64,R0" data-src="/b.jpg">"#).as_deref(),
            Some("/b.jpg")
        );
        assert_eq!(
            img(r#"<img data-lazy-src="/c.jpg">"#).as_deref(),
            Some("/c.jpg")
        );
        assert_eq!(
            img(r#"<img srcset="/s.jpg 480w, /l.jpg 1080w, /m.jpg 720w">"#).as_deref(),
            Some("/l.jpg")
        );
        assert_eq!(
            img(r#"<img src="data:x">"#).as_deref(),
            Some("data:x"),
            "nothing better: kept"
        );
    }

    #[test]
    fn plain_text_decodes_entities_and_tags() {
        assert_eq!(plain_text("AT&amp;T  &quot;deal&quot;"), "AT&T \"deal\"");
        assert_eq!(plain_text("<b>Putin</b>\u{a0}says"), "Putin says");
        assert_eq!(plain_text("5 < 6"), "5 < 6");
    }

    #[test]
    fn inline_markup_does_not_split_words() {
        let html = scraper::Html::parse_fragment(
            "<h1>Putin<b>'s</b> <i>New</i>\nYear</h1><p>a</p><p>b<br>c</p>",
        );
        assert_eq!(element_text(html.root_element()), "Putin's New Year a b c");
    }

    #[test]
    fn json_text_keeps_angle_brackets() {
        assert_eq!(
            json_text("Lavrov &amp; \"partners\" <agree>\n"),
            "Lavrov & \"partners\" <agree>"
        );
    }
}
