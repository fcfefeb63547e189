//! Small helpers over `scraper` shared by the listing and article readers.

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

#[cfg(test)]
mod tests {
    use super::*;

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
