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

/// Text from a JSON API or an attribute, which may carry HTML entities or tags
/// (`&quot;`, `<b>`): decoded to plain text.
pub fn plain_text(value: &str) -> String {
    if value.contains('<') {
        let fragment = scraper::Html::parse_fragment(value);
        return element_text(fragment.root_element());
    }
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
    }
}
