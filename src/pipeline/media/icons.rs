//! Finding a site's icons: what its home page declares (`<link rel="icon">`,
//! `"shortcut icon"`, `"apple-touch-icon"`, `og:image`), else `/favicon.ico` if it answers
//! with an image. Pure reading in [`declared`]; the requests in [`find`].

use scraper::{Html, Selector};
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::config::Site;
use crate::fetch::{Fetcher, Request};
use crate::model::SiteIcons;
use crate::text;

/// The site's icons, or `None` if `cancel` fired (nothing learnt, nothing to record).
/// A page or favicon that cannot be had is no error: the site then has fewer icons.
pub async fn find(fetcher: &Fetcher, site: &Site, cancel: &CancellationToken) -> Option<SiteIcons> {
    let home = &site.base_url;
    let mut icons = match fetcher.fetch(Request::get(site, home), cancel).await {
        Ok(page) => {
            let (text, base) = (page.text, page.url);
            // html5ever on a whole home page: off the async threads, as article pages are.
            tokio::task::spawn_blocking(move || declared(&text, &base))
                .await
                .unwrap_or_default()
        }
        Err(error) if error.is_cancelled() => return None,
        Err(error) => {
            tracing::debug!(site = %site.id, %error, "home page unreadable; looking for /favicon.ico only");
            SiteIcons::default()
        }
    };
    if icons.icon.is_none() {
        let Ok(favicon) = home.join("/favicon.ico") else {
            return Some(icons);
        };
        match fetcher.fetch(Request::head(site, &favicon), cancel).await {
            Ok(answer)
                if answer
                    .content
                    .mime
                    .as_deref()
                    .is_some_and(|m| m.starts_with("image/")) =>
            {
                icons.icon = Some(favicon.to_string());
            }
            Ok(_) => {}
            Err(error) if error.is_cancelled() => return None,
            Err(error) => tracing::debug!(site = %site.id, %error, "no /favicon.ico"),
        }
    }
    Some(icons)
}

/// The icons `html` (a page at `base`) declares: the largest `rel="icon"` (or `"shortcut
/// icon"`) as the icon; `apple-touch-icon`, else `og:image`, as the logo. Only absolute
/// `http(s)` URLs are kept.
pub fn declared(html: &str, base: &Url) -> SiteIcons {
    let page = Html::parse_document(html);
    let links = Selector::parse("link[rel][href]").expect("static selector");
    let og = Selector::parse(r#"meta[property="og:image"][content]"#).expect("static selector");
    let resolve = |href: &str| {
        base.join(href.trim())
            .ok()
            .and_then(|u| text::web_url(u.as_str()).map(|u| u.into_owned()))
    };
    let mut icon: Option<(u32, String)> = None;
    let mut touch: Option<String> = None;
    for link in page.select(&links) {
        let el = link.value();
        let rel = el.attr("rel").unwrap_or_default().to_ascii_lowercase();
        let Some(url) = el.attr("href").and_then(resolve) else {
            continue;
        };
        let mut tokens = rel.split_ascii_whitespace();
        if tokens.clone().any(|t| t.starts_with("apple-touch-icon")) {
            touch.get_or_insert(url);
        } else if tokens.any(|t| t == "icon") {
            let size = side(el.attr("sizes"));
            if icon.as_ref().is_none_or(|(best, _)| size > *best) {
                icon = Some((size, url));
            }
        }
    }
    let og_image = || {
        page.select(&og)
            .find_map(|m| m.value().attr("content").and_then(resolve))
    };
    SiteIcons {
        icon: icon.map(|(_, url)| url),
        logo: touch.or_else(og_image),
    }
}

/// The side of a `sizes` attribute (`"32x32"` → 32, `"any"` → largest); 0 when absent.
fn side(sizes: Option<&str>) -> u32 {
    sizes
        .unwrap_or_default()
        .split_ascii_whitespace()
        .map(|s| match s.to_ascii_lowercase().as_str() {
            "any" => u32::MAX,
            s => s
                .split('x')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://news.example/en/").unwrap()
    }

    #[test]
    fn the_largest_icon_and_the_touch_icon_are_taken_resolved() {
        let page = r#"<html><head>
            <link rel="stylesheet" href="/s.css">
            <link rel="icon" sizes="16x16" href="/i16.png">
            <link rel="Shortcut Icon" href="/favicon.ico">
            <link rel="icon" sizes="32x32" href="i32.png">
            <link rel="mask-icon" href="/mask.svg">
            <link rel="apple-touch-icon" sizes="180x180" href="//cdn.example/touch.png">
            <meta property="og:image" content="https://news.example/og.jpg">
        </head></html>"#;
        assert_eq!(
            declared(page, &base()),
            SiteIcons {
                icon: Some("https://news.example/en/i32.png".into()),
                logo: Some("https://cdn.example/touch.png".into()),
            }
        );
    }

    #[test]
    fn og_image_stands_in_and_hostile_urls_are_dropped() {
        let page = r#"<link rel="icon" href="javascript:alert(1)">
            <link rel="icon" href="data:image/png;base64,AAAA">
            <meta property="og:image" content="/og.jpg?a=1&amp;b=2">"#;
        assert_eq!(
            declared(page, &base()),
            SiteIcons {
                icon: None,
                logo: Some("https://news.example/og.jpg?a=1&b=2".into()),
            }
        );
        assert_eq!(declared("", &base()), SiteIcons::default());
    }
}
