//! `/metrics`: the exposition Prometheus asks for, chosen from `Accept`.
//!
//! `application/openmetrics-text` gets OpenMetrics 1.0 when the client prefers it (by `q`)
//! to `text/plain`; anything else — `text/plain`, `*/*`, no `Accept` at all — gets the
//! Prometheus text format 0.0.4, which every scraper and `promtool` read.

use std::sync::Arc;

use bytes::Bytes;
use warp::http::{header, Response};

use super::Reply;
use crate::app::App;
use crate::metrics::{Exposition, SectionSuccess};

/// The answer to `GET /metrics` with `accept` (the request's `Accept`).
pub fn metrics(app: Arc<App>, accept: Option<String>) -> Reply {
    app.metrics.set_feed_cache_bytes(app.feeds.resident_bytes());
    let format = exposition(accept.as_deref());
    let body = app.metrics.encode(format, &successes(&app));
    Response::builder()
        .header(header::CONTENT_TYPE, format.content_type())
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::VARY, "accept")
        .body(Bytes::from(body))
        .expect("static response parts are valid")
}

/// Each section's last success, from the app's health records; a section that never
/// succeeded since the process started has none.
fn successes(app: &App) -> Vec<SectionSuccess> {
    app.config
        .sections()
        .filter_map(|(site, section)| {
            let at = app.health(&section.id).last_success?;
            Some(SectionSuccess {
                site: site.id.clone(),
                section: section.id.clone(),
                at: at.timestamp_millis() as f64 / 1000.0,
            })
        })
        .collect()
}

/// OpenMetrics when `accept` ranks `application/openmetrics-text` above `text/plain`.
fn exposition(accept: Option<&str>) -> Exposition {
    let Some(accept) = accept else {
        return Exposition::Prometheus;
    };
    let (mut openmetrics, mut plain) = (0.0_f32, 0.0_f32);
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            "application/openmetrics-text" => openmetrics = openmetrics.max(q),
            "text/plain" | "text/*" | "*/*" => plain = plain.max(q),
            _ => {}
        }
    }
    if openmetrics > 0.0 && openmetrics >= plain {
        Exposition::OpenMetrics
    } else {
        Exposition::Prometheus
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openmetrics_only_when_preferred() {
        // What Prometheus 2.x sends.
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(exposition(Some(prometheus)), Exposition::OpenMetrics);
        assert_eq!(
            exposition(Some("application/openmetrics-text")),
            Exposition::OpenMetrics
        );
        for prometheus_text in [
            None,
            Some("text/plain"),
            Some("*/*"),
            Some("text/plain;version=0.0.4"),
            Some("application/openmetrics-text;q=0.2, text/plain;q=0.9"),
            Some("application/openmetrics-text;q=0"),
            Some("application/json"),
        ] {
            assert_eq!(
                exposition(prometheus_text),
                Exposition::Prometheus,
                "{prometheus_text:?}"
            );
        }
    }
}
