//! Article bodies made safe to serve: lazy images given their real source, then ammonia's
//! allow-list with every URL made absolute.

use url::Url;

use crate::html::largest_in_srcset;

/// Sanitizes body HTML: ammonia's allow-list (no scripts, styles, event handlers or
/// `javascript:` URLs), relative URLs rewritten against the article URL, links opened safely.
pub fn sanitize(body: &str, base: &Url) -> String {
    thread_local! {
        // Building ammonia's allow-lists (a dozen hash sets) costs about as much as cleaning
        // a short body, so each thread keeps one builder and only swaps the base URL.
        static SANITIZER: std::cell::RefCell<ammonia::Builder<'static>> = {
            let mut builder = ammonia::Builder::default();
            builder
                .link_rel(Some("noopener noreferrer"))
                // `<noscript>` holds markup as text (the parser runs with scripting on):
                // kept, it would show readers `<img src=…>` as words. Its usual content,
                // the image of a lazy-loading script, is recovered from the script's own
                // attributes instead.
                .add_clean_content_tags(["noscript"]);
            std::cell::RefCell::new(builder)
        };
    }
    let body = resolve_lazy_images(body);
    SANITIZER.with_borrow_mut(|builder| {
        builder.url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()));
        builder.clean(&body).to_string().trim().to_string()
    })
}

/// Gives lazy-loaded images a real `src` (from `data-src` and kin, or the widest `srcset`
/// candidate), as the page's script would in a browser; otherwise the sanitizer, which
/// rightly drops `data:` placeholders and `data-*` attributes, would leave empty images.
/// lol_html rewrites the markup in one streaming pass without re-serializing the rest.
fn resolve_lazy_images(body: &str) -> String {
    use lol_html::{element, rewrite_str, RewriteStrSettings};
    // Every attribute that can stand in for `src` is `srcset` or `data-*`; without one the
    // pass would change nothing, so most bodies skip a tokenizing pass over their markup.
    // Markup straight from the page may spell attribute names in any case.
    let mentions = |needle: &[u8]| {
        body.as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    if !mentions(b"data-") && !mentions(b"srcset") {
        return body.to_string();
    }
    let settings = RewriteStrSettings {
        element_content_handlers: vec![element!("img", |img| {
            let src = img.get_attribute("src");
            if src
                .as_deref()
                .is_some_and(|s| !s.trim().is_empty() && !s.trim().starts_with("data:"))
            {
                return Ok(());
            }
            let lazy = ["data-src", "data-lazy-src", "data-original", "data-url"]
                .iter()
                .find_map(|a| img.get_attribute(a).filter(|v| !v.trim().is_empty()))
                .or_else(|| {
                    ["srcset", "data-srcset"]
                        .iter()
                        .find_map(|a| img.get_attribute(a))
                        .and_then(|set| largest_in_srcset(&set))
                });
            if let Some(url) = lazy {
                img.set_attribute("src", url.trim())?;
            }
            Ok(())
        })],
        ..RewriteStrSettings::new()
    };
    rewrite_str(body, settings).unwrap_or_else(|_| body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noscript_fallbacks_leave_no_markup_as_text() {
        let base = Url::parse("https://example.com/news/1").unwrap();
        let body = sanitize(
            r#"<p>a</p><img data-src="/big.jpg"><noscript><img src="/big.jpg"></noscript><p>b</p>"#,
            &base,
        );
        assert_eq!(
            body,
            r#"<p>a</p><img src="https://example.com/big.jpg"><p>b</p>"#
        );
    }

    #[test]
    fn body_images_get_a_src_before_sanitizing() {
        let base = Url::parse("https://example.com/news/1").unwrap();
        let body = sanitize(
            r#"<p>a</p><img src="data:image/gif;base64,R0" data-src="/big.jpg" alt="x"><img data-srcset="/1.jpg 1x, /2.jpg 2x">"#,
            &base,
        );
        assert!(
            body.contains(r#"src="https://example.com/big.jpg""#),
            "{body}"
        );
        assert!(
            body.contains(r#"src="https://example.com/2.jpg""#),
            "{body}"
        );
        assert!(!body.contains("data:"), "{body}");
    }
}
