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

/// The visible text of an element, whitespace collapsed.
pub fn element_text(element: ElementRef<'_>) -> String {
    let mut raw = String::new();
    for piece in element.text() {
        raw.push_str(piece);
        raw.push(' ');
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
    fn json_text_keeps_angle_brackets() {
        assert_eq!(
            json_text("Lavrov &amp; \"partners\" <agree>\n"),
            "Lavrov & \"partners\" <agree>"
        );
    }
}
