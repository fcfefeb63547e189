//! Big pages made small enough for a DOM: html5ever's tree holds about fourteen times the
//! markup it parses (docs/performance.md, "Big pages"), so a 16 MiB page would cost over
//! 200 MiB while the generic reader reads it. Most of such a page is never content: inline
//! scripts, styles and SVG drawings. Those are dropped in one streaming pass (lol_html)
//! before the parse — JSON-LD scripts are kept, they are metadata — and what is still over
//! [`MAX_DOM_PAGE`] is cut, outside a tag, with a warning.

use lol_html::{element, rewrite_str, RewriteStrSettings};

/// Pages above this are slimmed before the generic reader parses them.
pub(in crate::extract) const SLIM_ABOVE: usize = 2 << 20;

/// The generic reader parses at most this much of a page.
pub(in crate::extract) const MAX_DOM_PAGE: usize = 4 << 20;

/// `page` without its scripts (but JSON-LD), styles and SVG; cut to [`MAX_DOM_PAGE`] if still
/// larger. The warning says what was done, when it changed much.
pub(in crate::extract) fn slimmed(page: &str) -> (String, Option<String>) {
    let settings = RewriteStrSettings {
        element_content_handlers: vec![element!(
            "script:not([type='application/ld+json']), style, svg, template",
            |e| {
                e.remove();
                Ok(())
            }
        )],
        ..RewriteStrSettings::new()
    };
    let mut slim = rewrite_str(page, settings).unwrap_or_else(|_| page.to_string());
    let mib = |bytes: usize| bytes as f64 / (1 << 20) as f64;
    // Said only when it changed the page much: a big page that is mostly text is read as is.
    let mut warning = (slim.len() < page.len() / 10 * 9).then(|| {
        format!(
            "page of {:.1} MiB: scripts, styles and SVG dropped before the generic reader read it ({:.1} MiB left)",
            mib(page.len()),
            mib(slim.len())
        )
    });
    if slim.len() > MAX_DOM_PAGE {
        let mut end = slim.floor_char_boundary(MAX_DOM_PAGE);
        if let Some(lt) = slim[..end].rfind('<') {
            if !slim[lt..end].contains('>') {
                end = lt;
            }
        }
        slim.truncate(end);
        warning = Some(format!(
            "page of {:.1} MiB: the generic reader read its first {:.1} MiB (scripts, styles and SVG dropped)",
            mib(page.len()),
            mib(MAX_DOM_PAGE)
        ));
    }
    (slim, warning)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_go_json_ld_stays_and_the_rest_is_cut_outside_a_tag() {
        let page = format!(
            "<html><head><script type=\"application/ld+json\">{{\"a\": 1}}</script>\
             <script>{}</script><style>{}</style></head><body><p>Text</p><svg>{}</svg></body></html>",
            "x".repeat(1000),
            "y".repeat(1000),
            "z".repeat(1000)
        );
        let (slim, warning) = slimmed(&page);
        assert_eq!(
            slim,
            "<html><head><script type=\"application/ld+json\">{\"a\": 1}</script></head><body><p>Text</p></body></html>"
        );
        assert!(warning.unwrap().contains("scripts, styles and SVG dropped"));

        let big = format!("<p>{}</p>", "word ".repeat(MAX_DOM_PAGE / 4)).repeat(2);
        let (slim, warning) = slimmed(&big);
        assert!(slim.len() <= MAX_DOM_PAGE && slim.len() > MAX_DOM_PAGE - 16);
        assert!(!slim.ends_with('<'));
        assert!(warning.unwrap().contains("read its first 4.0 MiB"));
    }
}
