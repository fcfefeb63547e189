//! scrapefeed: turns website sections into RSS, Atom and JSON feeds.
//!
//! `docs/architecture.md` draws the pipeline and its layers: a module may use only modules of
//! the layers below its own (`tests/architecture.rs` holds every import to that). The
//! modules are declared below by group, bottom first.

// Foundation: values and helpers every layer shares.
pub mod clock;
pub mod errors;
pub mod html;
pub mod identity;
pub mod logs;
pub mod metrics;
pub mod model;
pub mod shutdown;
pub mod text;

// Plain typed settings.
pub mod config;

// The stages, each on the layers before it: dates, fetch, listing, extract, assemble, store,
// render, feeds.
pub mod assemble;
pub mod cluster;
pub mod dates;
pub mod extract;
pub mod feeds;
pub mod fetch;
pub mod listing;
pub mod render;
pub mod store;

// One scrape, a preview of one, and the running process.
pub mod app;
pub mod backup;
pub mod check;
pub mod pipeline;
pub mod reload;
pub mod scheduler;
pub mod server;
pub mod suggest;
