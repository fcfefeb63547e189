//! Prometheus metrics (prometheus-client, the official Rust client), served at `/metrics`.
//!
//! One `Metrics` lives for the whole process and survives config reloads, so counters only
//! ever grow, as Prometheus expects. Recorded: scrapes by section and result, scrape and
//! fetch durations, entries stored by section, HTTP answers by status, and config reloads by
//! result.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ScrapeLabels {
    section: String,
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SectionLabels {
    section: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RenderLabels {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReloadLabels {
    result: &'static str,
}

/// How a config reload requested while serving ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReloadResult {
    /// The new config runs.
    Applied,
    /// The new config (or its templates) did not validate; the running one stays.
    Invalid,
    /// The new config validated but could not be opened (its database, its feeds); the
    /// running one stays.
    Failed,
}

impl ReloadResult {
    fn label(self) -> &'static str {
        match self {
            ReloadResult::Applied => "applied",
            ReloadResult::Invalid => "invalid",
            ReloadResult::Failed => "failed",
        }
    }
}

/// The process's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    scrapes: Family<ScrapeLabels, Counter>,
    scrape_seconds: Histogram,
    fetch_seconds: Histogram,
    entries: Family<SectionLabels, Counter>,
    responses: Family<StatusLabels, Counter>,
    renders: Family<RenderLabels, Counter>,
    reloads: Family<ReloadLabels, Counter>,
    file_reads: Counter,
    feed_cache_bytes: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("scrapefeed");
        let scrapes = Family::<ScrapeLabels, Counter>::default();
        registry.register(
            "scrapes",
            "Scrapes of a section, by result",
            scrapes.clone(),
        );
        let scrape_seconds = Histogram::new(exponential_buckets(0.05, 2.0, 14));
        registry.register(
            "scrape_duration_seconds",
            "Duration of a section's scrape",
            scrape_seconds.clone(),
        );
        let fetch_seconds = Histogram::new(exponential_buckets(0.005, 2.0, 14));
        registry.register(
            "fetch_duration_seconds",
            "Duration of one HTTP request to a site",
            fetch_seconds.clone(),
        );
        let entries = Family::<SectionLabels, Counter>::default();
        registry.register(
            "entries_stored",
            "New entries stored, by section",
            entries.clone(),
        );
        let responses = Family::<StatusLabels, Counter>::default();
        registry.register(
            "http_responses",
            "Answers of this server, by status",
            responses.clone(),
        );
        let renders = Family::<RenderLabels, Counter>::default();
        registry.register(
            "feed_renders",
            "Feeds rendered: `changed` (entries changed), `repaired` (a file missing or altered)",
            renders.clone(),
        );
        let reloads = Family::<ReloadLabels, Counter>::default();
        registry.register(
            "config_reloads",
            "Config reloads while serving: `applied`, `invalid` or `failed` (the running one stays)",
            reloads.clone(),
        );
        let file_reads = Counter::default();
        registry.register(
            "feed_file_reads",
            "Feed documents read back from their files into memory",
            file_reads.clone(),
        );
        let feed_cache_bytes = Gauge::default();
        registry.register(
            "feed_cache_bytes",
            "Bytes of rendered feeds held in memory",
            feed_cache_bytes.clone(),
        );
        Metrics {
            registry,
            renders,
            reloads,
            file_reads,
            feed_cache_bytes,
            scrapes,
            scrape_seconds,
            fetch_seconds,
            entries,
            responses,
        }
    }
}

impl Metrics {
    pub fn scrape(&self, section: &str, ok: bool, took: Duration, new_entries: usize) {
        let result = if ok { "ok" } else { "error" };
        self.scrapes
            .get_or_create(&ScrapeLabels {
                section: section.to_string(),
                result,
            })
            .inc();
        self.scrape_seconds.observe(took.as_secs_f64());
        let labels = SectionLabels {
            section: section.to_string(),
        };
        self.entries
            .get_or_create(&labels)
            .inc_by(new_entries as u64);
    }

    pub fn fetch(&self, took: Duration) {
        self.fetch_seconds.observe(took.as_secs_f64());
    }

    pub fn response(&self, status: u16) {
        self.responses.get_or_create(&StatusLabels { status }).inc();
    }

    /// A feed was rendered; `changed` unless only its files needed writing again.
    pub fn render(&self, changed: bool) {
        let reason = if changed { "changed" } else { "repaired" };
        self.renders.get_or_create(&RenderLabels { reason }).inc();
    }

    /// A config reload was handled.
    pub fn reload(&self, result: ReloadResult) {
        let result = result.label();
        self.reloads.get_or_create(&ReloadLabels { result }).inc();
    }

    pub fn file_read(&self) {
        self.file_reads.inc();
    }

    pub fn set_feed_cache_bytes(&self, bytes: usize) {
        self.feed_cache_bytes.set(bytes as i64);
    }

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_show_in_the_exposition() {
        let m = Metrics::default();
        m.scrape("politics", true, Duration::from_millis(120), 3);
        m.scrape("politics", false, Duration::from_millis(80), 0);
        m.response(200);
        m.response(304);
        m.fetch(Duration::from_millis(10));
        m.render(true);
        m.render(false);
        m.render(false);
        m.set_feed_cache_bytes(1234);
        m.file_read();
        m.reload(ReloadResult::Invalid);
        m.reload(ReloadResult::Applied);
        m.reload(ReloadResult::Applied);
        let text = m.encode();
        assert!(
            text.contains(r#"scrapefeed_feed_renders_total{reason="repaired"} 2"#),
            "{text}"
        );
        assert!(text.contains("scrapefeed_feed_cache_bytes 1234"), "{text}");
        assert!(
            text.contains(r#"scrapefeed_config_reloads_total{result="applied"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(r#"scrapefeed_config_reloads_total{result="invalid"} 1"#),
            "{text}"
        );
        assert!(!text.contains(r#"result="failed""#), "{text}");
        assert!(
            text.contains("scrapefeed_feed_file_reads_total 1"),
            "{text}"
        );
        assert!(
            text.contains(r#"scrapefeed_scrapes_total{section="politics",result="ok"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"scrapefeed_scrapes_total{section="politics",result="error"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"scrapefeed_entries_stored_total{section="politics"} 3"#),
            "{text}"
        );
        assert!(
            text.contains(r#"scrapefeed_http_responses_total{status="304"} 1"#),
            "{text}"
        );
        assert!(
            text.contains("scrapefeed_fetch_duration_seconds_count 1"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"));
    }
}
