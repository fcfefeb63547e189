//! scrapefeed: turns website sections into RSS, Atom and JSON feeds.
//!
//! The stages, in the order data flows (see `STYLE.md`): `config` → `fetch` → `listing` →
//! `extract` → `dates` (via `assemble`) → `store` → `render` / `feeds` → `server`, driven by
//! `pipeline` under the `scheduler`. `app` ties the shared state together; `check` previews a
//! config without storing anything; `backup` exports and imports the stored entries.

pub mod app;
pub mod assemble;
pub mod backup;
pub mod check;
pub mod clock;
pub mod config;
pub mod dates;
pub mod errors;
pub mod extract;
pub mod feeds;
pub mod fetch;
pub mod html;
pub mod identity;
pub mod listing;
pub mod metrics;
pub mod model;
pub mod pipeline;
pub mod reload;
pub mod render;
pub mod scheduler;
pub mod server;
pub mod store;
