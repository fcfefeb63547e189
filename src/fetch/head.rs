//! `HEAD` requests: what a resource is (its type and size) without its body, for the feeds'
//! enclosures and icons. They go through the same fetcher as pages, so robots.txt and the
//! per-origin gap apply to them as to any request, but are not retried: what they learn is
//! optional, and a failed one is not worth a second turn of the origin's slot.

use reqwest::header::{HeaderMap, CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::Method;
use url::Url;

use super::{Request, RetryPolicy};
use crate::config::Site;

/// What an answer's headers say of its body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentHeaders {
    /// The media type of `Content-Type`, lower case, without parameters; `None` when absent
    /// or not a `type/subtype` token pair.
    pub mime: Option<String>,
    /// `Content-Length`, when present and a number.
    pub length: Option<u64>,
}

impl ContentHeaders {
    pub(super) fn of(headers: &HeaderMap) -> ContentHeaders {
        let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
        ContentHeaders {
            mime: text(CONTENT_TYPE).and_then(media_type),
            length: text(CONTENT_LENGTH).and_then(|n| n.trim().parse().ok()),
        }
    }
}

/// `image/JPEG; charset=x` → `image/jpeg`; `None` unless both halves are RFC 9110 tokens.
fn media_type(value: &str) -> Option<String> {
    let essence = value.split(';').next()?.trim().to_ascii_lowercase();
    let (kind, sub) = essence.split_once('/')?;
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    (token(kind) && token(sub)).then_some(essence)
}

impl<'a> Request<'a> {
    /// A `HEAD` of `url` with `site`'s headers, timeout and politeness, and no retries.
    pub fn head(site: &'a Site, url: &'a Url) -> Request<'a> {
        let mut req = Request::new(site, Method::HEAD, url);
        req.retry = RetryPolicy {
            retries: 0,
            ..req.retry
        };
        req
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_are_read_strictly() {
        assert_eq!(media_type("image/JPEG; q=1").as_deref(), Some("image/jpeg"));
        assert_eq!(
            media_type(" image/svg+xml ").as_deref(),
            Some("image/svg+xml")
        );
        for bad in ["", "image", "image/", "/png", "image/p ng", "<b>/x"] {
            assert_eq!(media_type(bad), None, "{bad:?}");
        }
    }
}
