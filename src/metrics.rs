//! Prometheus metrics (prometheus-client, the official Rust client), served at `/metrics`.
//!
//! One `Metrics` lives for the whole process and survives config reloads, so counters only
//! ever grow, as Prometheus expects. Recorded: scrapes by section and result, scrape and
//! fetch durations, entries stored by section, HTTP answers by status, and config reloads by
//! result; `build_info`; each section's last successful scrape (`encode` is given them,
//! from the app's health records); and the `process_*` metrics (`process`).
//!
//! Two expositions of the same registry: OpenMetrics 1.0 (what Prometheus asks for first)
//! and the Prometheus text format 0.0.4 (what `promtool check metrics`, older scrapers and
//! people with `curl` read). Both come from prometheus-client's own encoders, which know
//! where the formats differ (0.0.4 names a counter's family with `_total` and has no
//! `# UNIT`, `_created` or `# EOF`).

mod process;

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use std::sync::atomic::AtomicU64;

/// The metric name prefix of everything but `process_*`.
const PREFIX: &str = "scrapefeed";

/// Which text exposition `/metrics` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposition {
    /// OpenMetrics 1.0.0, ending with `# EOF`.
    OpenMetrics,
    /// The Prometheus text format, version 0.0.4.
    Prometheus,
}

impl Exposition {
    /// The `Content-Type` of the exposition.
    pub fn content_type(self) -> &'static str {
        match self {
            Exposition::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Exposition::Prometheus => prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
        }
    }
}

/// A section's last successful scrape, for `encode`.
#[derive(Debug, Clone)]
pub struct SectionSuccess {
    pub site: String,
    pub section: String,
    /// Seconds since the epoch.
    pub at: f64,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SiteSectionLabels {
    site: String,
    section: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
    rustc: &'static str,
}

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
        let mut registry = Registry::with_prefix(PREFIX);
        let build = Family::<BuildLabels, Gauge>::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
                rustc: option_env!("SCRAPEFEED_RUSTC").unwrap_or("unknown"),
            })
            .set(1);
        registry.register(
            "build_info",
            "The running build: its version and the compiler that built it, always 1",
            build,
        );
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

    /// The exposition in `format`, with `sections`' last successes and the process's
    /// metrics read now.
    pub fn encode(&self, format: Exposition, sections: &[SectionSuccess]) -> String {
        // The values read for this scrape go in a registry of their own, made per scrape:
        // a section removed by a reload leaves no stale series behind.
        let mut now = Registry::default();
        let successes = Family::<SiteSectionLabels, Gauge<f64, AtomicU64>>::default();
        for s in sections {
            let labels = SiteSectionLabels {
                site: s.site.clone(),
                section: s.section.clone(),
            };
            successes.get_or_create(&labels).set(s.at);
        }
        now.sub_registry_with_prefix(PREFIX).register(
            "section_last_success_timestamp_seconds",
            "When each section's last successful scrape finished, in seconds since the epoch",
            successes,
        );
        now.register_collector(Box::new(process::ProcessCollector));
        let mut out = String::new();
        let written = match format {
            Exposition::OpenMetrics => {
                use prometheus_client::encoding::text;
                text::encode_registry(&mut out, &self.registry)
                    .and_then(|()| text::encode_registry(&mut out, &now))
                    .and_then(|()| text::encode_eof(&mut out))
            }
            Exposition::Prometheus => {
                use prometheus_client::encoding::prometheus_text;
                prometheus_text::encode(&mut out, &self.registry)
                    .and_then(|()| prometheus_text::encode(&mut out, &now))
            }
        };
        // Writing to a `String` fails only if an encoder does; an empty answer is better
        // than a cut one (Prometheus rejects the whole scrape either way).
        if written.is_err() {
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
        let text = m.encode(Exposition::OpenMetrics, &[]);
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

    #[test]
    fn both_expositions_carry_the_build_and_the_sections_last_successes() {
        let m = Metrics::default();
        m.scrape("politics", true, Duration::from_millis(120), 3);
        let sections = [SectionSuccess {
            site: "news".into(),
            section: "politics".into(),
            at: 1_718_000_000.0,
        }];
        let version = env!("CARGO_PKG_VERSION");
        for format in [Exposition::OpenMetrics, Exposition::Prometheus] {
            let text = m.encode(format, &sections);
            assert!(
                text.contains(&format!(
                    "scrapefeed_build_info{{version=\"{version}\",rustc="
                )),
                "{text}"
            );
            assert!(
                text.contains(
                    r#"scrapefeed_section_last_success_timestamp_seconds{site="news",section="politics"} 1718000000"#
                ),
                "{text}"
            );
            assert!(
                text.contains(r#"scrapefeed_scrapes_total{section="politics",result="ok"} 1"#),
                "{text}"
            );
        }
        let om = m.encode(Exposition::OpenMetrics, &sections);
        assert!(om.contains("# TYPE scrapefeed_scrapes counter\n"), "{om}");
        assert_eq!(om.matches("# EOF").count(), 1, "{om}");
        assert!(om.ends_with("# EOF\n"), "{om}");
        let prom = m.encode(Exposition::Prometheus, &sections);
        assert!(
            prom.contains("# TYPE scrapefeed_scrapes_total counter\n"),
            "{prom}"
        );
        assert!(
            !prom.contains("# EOF") && !prom.contains("# UNIT"),
            "{prom}"
        );
    }
}
