//! HTTP fetching with politeness, size limits and charset decoding.
//!
//! One `Fetcher` is shared by every scrape. Requests to one host go one at a time and at
//! least the site's `min_delay` apart, whatever the number of sections scraped in parallel:
//! the per-host lock is held for the whole request. Bodies are read in chunks up to a limit
//! (after decompression, so a gzip bomb stops at the limit too) and decoded to UTF-8 from the
//! charset in `Content-Type`, then `<meta charset>`, then a byte-order mark.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use encoding_rs::Encoding;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_TYPE, USER_AGENT};
use reqwest::Method;
use tokio::time::Instant;
use url::Url;

/// The User-Agent sent when a site declares none: honest about who is asking.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "scrapefeed/",
    env!("CARGO_PKG_VERSION"),
    " (self-hosted website-to-feed server)"
);
/// Largest body read, after decompression.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// A request as the pipeline describes it.
#[derive(Debug)]
pub struct Request<'a> {
    pub method: Method,
    pub url: &'a Url,
    /// Site-wide headers, then request-specific ones (which win).
    pub headers: [&'a HeaderMap; 2],
    pub body: Option<String>,
    pub timeout: Duration,
    /// Minimum gap between two requests to the same host.
    pub min_delay: Duration,
}

/// A successful response, decoded.
#[derive(Debug, Clone)]
pub struct Page {
    /// The URL after redirects: relative links resolve against it.
    pub url: Url,
    pub status: u16,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{method} {url}: HTTP {status}")]
    Status {
        method: String,
        url: String,
        status: u16,
    },
    #[error("{url}: timed out after {seconds}s")]
    Timeout { url: String, seconds: u64 },
    #[error("{url}: {message}")]
    Network { url: String, message: String },
    #[error("{url}: body larger than {limit} bytes")]
    TooLarge { url: String, limit: usize },
}

impl FetchError {
    /// HTTP 404 and 410: the resource is gone, retrying will not help.
    pub fn is_gone(&self) -> bool {
        matches!(
            self,
            FetchError::Status {
                status: 404 | 410,
                ..
            }
        )
    }
}

/// Shared HTTP client with per-host politeness.
pub struct Fetcher {
    client: reqwest::Client,
    hosts: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Instant>>>>>,
    max_body: usize,
}

impl Fetcher {
    pub fn new() -> Result<Fetcher, reqwest::Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::limited(10))
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(Fetcher {
            client,
            hosts: Mutex::new(HashMap::new()),
            max_body: MAX_BODY_BYTES,
        })
    }

    fn host_slot(&self, url: &Url) -> Arc<tokio::sync::Mutex<Option<Instant>>> {
        let key = format!(
            "{}:{}",
            url.host_str().unwrap_or(""),
            url.port_or_known_default().unwrap_or(0)
        );
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts.entry(key).or_default().clone()
    }

    /// Sends the request and returns the decoded body of a 2xx answer.
    pub async fn fetch(&self, req: Request<'_>) -> Result<Page, FetchError> {
        let slot = self.host_slot(req.url);
        let mut last = slot.lock().await;
        if let Some(previous) = *last {
            tokio::time::sleep_until(previous + req.min_delay).await;
        }
        let result = self.send(&req).await;
        *last = Some(Instant::now());
        result
    }

    async fn send(&self, req: &Request<'_>) -> Result<Page, FetchError> {
        let url_text = req.url.to_string();
        let network = |e: reqwest::Error| classify(&url_text, req.timeout, e);
        let mut headers = HeaderMap::new();
        headers.insert(USER_AGENT, HeaderValue::from_static(DEFAULT_USER_AGENT));
        headers.insert(
            ACCEPT,
            HeaderValue::from_static(
                "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8",
            ),
        );
        for map in req.headers {
            for (name, value) in map {
                headers.insert(name.clone(), value.clone());
            }
        }
        let mut builder = self
            .client
            .request(req.method.clone(), req.url.clone())
            .headers(headers)
            .timeout(req.timeout);
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        let mut response = builder.send().await.map_err(network)?;
        let status = response.status().as_u16();
        let final_url = response.url().clone();
        if !response.status().is_success() {
            return Err(FetchError::Status {
                method: req.method.to_string(),
                url: url_text,
                status,
            });
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(network)? {
            if bytes.len() + chunk.len() > self.max_body {
                return Err(FetchError::TooLarge {
                    url: url_text,
                    limit: self.max_body,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Page {
            url: final_url,
            status,
            text: decode(&bytes, content_type.as_deref()),
        })
    }
}

fn classify(url: &str, timeout: Duration, error: reqwest::Error) -> FetchError {
    if error.is_timeout() {
        return FetchError::Timeout {
            url: url.to_string(),
            seconds: timeout.as_secs(),
        };
    }
    // reqwest's top-level message is generic ("error sending request"); the cause says why.
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    FetchError::Network {
        url: url.to_string(),
        message,
    }
}

/// Decodes a body to text: header charset, then `<meta>` charset, then BOM, then UTF-8.
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> String {
    let from_header = content_type
        .and_then(charset_param)
        .and_then(|l| Encoding::for_label(l.as_bytes()));
    let encoding = from_header
        .or_else(|| meta_charset(bytes))
        .unwrap_or(encoding_rs::UTF_8);
    // `decode` honours a BOM over the chosen encoding, as browsers do.
    let (text, _, _) = encoding.decode(bytes);
    text.into_owned()
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

/// Finds `<meta charset=…>` or `<meta http-equiv content="…; charset=…">` in the first 2 KiB,
/// the window the HTML standard gives the prescan.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    let mut rest = head.as_str();
    while let Some(i) = rest.find("charset=") {
        let after = &rest[i + 8..];
        let label: String = after
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
            .collect();
        if let Some(encoding) = Encoding::for_label(label.as_bytes()) {
            return Some(encoding);
        }
        rest = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_charset_wins() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode("Москва");
        assert_eq!(
            decode(&bytes, Some("text/html; charset=windows-1251")),
            "Москва"
        );
    }

    #[test]
    fn meta_charset_is_used_without_a_header_charset() {
        let mut page = b"<html><head><meta charset=\"windows-1251\"></head><body>".to_vec();
        page.extend_from_slice(&encoding_rs::WINDOWS_1251.encode("Привет").0);
        assert!(decode(&page, Some("text/html")).ends_with("Привет"));
    }

    #[test]
    fn http_equiv_koi8() {
        let mut page =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\">".to_vec();
        page.extend_from_slice(&encoding_rs::KOI8_R.encode("Да").0);
        assert!(decode(&page, None).ends_with("Да"));
    }

    #[test]
    fn utf8_bom_is_stripped() {
        assert_eq!(decode(b"\xEF\xBB\xBFhi", None), "hi");
    }
}
