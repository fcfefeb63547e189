//! Defaults: the value of every key the file may leave out, and the generic article rules
//! used for any field a site does not declare.
//!
//! The raw structs name these functions in `#[serde(default = "…")]` next to the field, so
//! a key's doc, type and default are read in one place, and the derived schema carries the
//! default (`tests/config_docs.rs` checks that the reference states it). Values inherited
//! from the level above (a section's `interval`) are not here: `validate` resolves them.
//!
//! The article rules follow the metadata conventions most news sites share (JSON-LD
//! `NewsArticle`, Open Graph, `article:*` meta tags, `<time datetime>`), so a site that
//! publishes them needs only a listing declaration.

use serde::de::DeserializeOwned;

use super::checked::Checked;
use super::choices::{FilterField, HttpMethod};
use super::raw::{RawCluster, RawLimits, RawScheduler, RawServer, RawStorage};
use super::values::{
    ArticleCount, CacheSize, ClientTimeout, Concurrency, EntryCount, GracePeriod, Interval, Jitter,
    LeaseExpiry, ListenAddress, PageCount, PoliteDelay, PoolSize, RequestTimeout, Retries,
    RetryDelay, RetryWait, TagCount, TagLength, TemplateText, TextSize, TimeZone,
};

/// A table whose keys all have defaults, as if written empty (`[server]` with nothing in it),
/// so the defaults declared on its fields apply.
fn empty_table<T: DeserializeOwned>() -> T {
    toml::from_str("").expect("every key of the table has a default")
}

pub(super) fn server() -> RawServer {
    empty_table()
}

pub(super) fn storage() -> RawStorage {
    empty_table()
}

pub(super) fn scheduler() -> RawScheduler {
    empty_table()
}

pub(super) fn cluster() -> RawCluster {
    empty_table()
}

/// Long enough that a slow database never takes a live instance's sections (it renews
/// every third of it), short enough that a lost machine's feeds pause for minutes only.
pub(super) fn lease_expiry() -> Checked<LeaseExpiry> {
    Checked::unspanned("2m".into())
}

pub(super) fn limits() -> RawLimits {
    empty_table()
}

pub(super) fn listen() -> Checked<ListenAddress> {
    Checked::unspanned("127.0.0.1:8080".into())
}

pub(super) fn templates() -> String {
    "templates".into()
}

/// Enough for every feed of a few dozen sections; a large config keeps its most requested
/// feeds and renders the others again when asked (see `feeds`).
pub(super) fn feed_cache() -> Checked<CacheSize> {
    Checked::unspanned("16 MiB".into())
}

/// nginx's `client_header_timeout`.
pub(super) fn header_timeout() -> Checked<ClientTimeout> {
    Checked::unspanned("60s".into())
}

/// nginx's `keepalive_timeout`.
pub(super) fn keep_alive_timeout() -> Checked<ClientTimeout> {
    Checked::unspanned("75s".into())
}

/// nginx's `send_timeout`.
pub(super) fn send_timeout() -> Checked<ClientTimeout> {
    Checked::unspanned("60s".into())
}

/// Long enough for any answer served from memory or disk, short enough for a service
/// manager's stop (systemd waits 90 s before SIGKILL).
pub(super) fn shutdown_grace() -> Checked<GracePeriod> {
    Checked::unspanned("10s".into())
}

// `storage.database` has no fixed default: it depends on the environment (systemd's
// `STATE_DIRECTORY`) and the config file's place, so `data_dir::default_database` makes it.

/// Where feed files go when `storage.feeds_dir` is not set: `feeds` beside the config with
/// SQLite (one instance, whose files a static server may publish); nowhere with PostgreSQL,
/// where several instances share the store and each serves from memory, so an instance
/// writes files only when its operator asks for them.
pub(super) fn feeds_dir(postgres: bool) -> Option<&'static str> {
    (!postgres).then_some("feeds")
}

pub(super) fn max_entries() -> Checked<EntryCount> {
    Checked::unspanned(100)
}

pub(super) fn pool_size() -> Checked<PoolSize> {
    Checked::unspanned(8)
}

pub(super) fn concurrency() -> Checked<Concurrency> {
    Checked::unspanned(4)
}

pub(super) fn jitter() -> Checked<Jitter> {
    Checked::unspanned(0.1)
}

pub(super) fn timezone() -> Checked<TimeZone> {
    Checked::unspanned("UTC".into())
}

pub(super) fn interval() -> Checked<Interval> {
    Checked::unspanned("15m".into())
}

pub(super) fn min_delay() -> Checked<PoliteDelay> {
    Checked::unspanned("1s".into())
}

pub(super) fn timeout() -> Checked<RequestTimeout> {
    Checked::unspanned("30s".into())
}

pub(super) fn max_articles() -> Checked<ArticleCount> {
    Checked::unspanned(30)
}

pub(super) fn retries() -> Checked<Retries> {
    Checked::unspanned(2)
}

pub(super) fn retry_delay() -> Checked<RetryDelay> {
    Checked::unspanned("1s".into())
}

pub(super) fn max_retry_wait() -> Checked<RetryWait> {
    Checked::unspanned("60s".into())
}

/// The server fetches no URL a visitor gives unless the operator says so.
pub(super) fn suggest() -> bool {
    false
}

pub(super) fn obey_robots() -> bool {
    true
}

/// A title is a line: 1 KiB is several times the longest a reader shows.
pub(super) fn title_limit() -> Checked<TextSize> {
    Checked::unspanned("1 KiB".into())
}

/// A lead is a paragraph or two.
pub(super) fn summary_limit() -> Checked<TextSize> {
    Checked::unspanned("8 KiB".into())
}

/// A long read is a few hundred KiB of HTML; more is a page the rules read wrongly.
pub(super) fn body_limit() -> Checked<TextSize> {
    Checked::unspanned("1 MiB".into())
}

pub(super) fn tags_limit() -> Checked<TagCount> {
    Checked::unspanned(50)
}

pub(super) fn tag_length_limit() -> Checked<TagLength> {
    Checked::unspanned(100)
}

/// The section page itself is the listing.
pub(super) fn listing_url() -> Checked<TemplateText> {
    Checked::unspanned("{{section_url}}".into())
}

pub(super) fn listing_method() -> HttpMethod {
    HttpMethod::Get
}

pub(super) fn pages() -> Checked<PageCount> {
    Checked::unspanned(1)
}

pub(super) fn filter_fields() -> Vec<FilterField> {
    vec![FilterField::Title, FilterField::Summary, FilterField::Tags]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in values parse: `Checked::valid` may rely on it.
    #[test]
    fn defaults_are_valid() {
        listen().valid();
        feed_cache().valid();
        header_timeout().valid();
        keep_alive_timeout().valid();
        send_timeout().valid();
        shutdown_grace().valid();
        max_entries().valid();
        concurrency().valid();
        jitter().valid();
        lease_expiry().valid();
        timezone().valid();
        interval().valid();
        min_delay().valid();
        timeout().valid();
        max_articles().valid();
        retries().valid();
        retry_delay().valid();
        max_retry_wait().valid();
        title_limit().valid();
        summary_limit().valid();
        body_limit().valid();
        tags_limit().valid();
        tag_length_limit().valid();
        listing_url().valid();
        pages().valid();
    }
}
