//! `/suggest?url=…`: `scrapefeed suggest` for visitors, read-only. Off unless
//! `server.suggest = true`, since it makes the server fetch URLs its visitors give it; it
//! shows the proposed declaration and never writes the config.

use std::sync::Arc;

use bytes::Bytes;
use warp::http::{header, Method, Response, StatusCode};

use super::{get_or_head, text, Reply};
use crate::app::App;

/// The answer to `/suggest`, with the query's pairs.
pub(super) async fn suggest(method: Method, query: Vec<(String, String)>, app: Arc<App>) -> Reply {
    if let Some(refused) = get_or_head(&method) {
        return refused;
    }
    if !app.config.server.suggest {
        return text(
            StatusCode::NOT_FOUND,
            "not found: /suggest is off (set `server.suggest = true` to offer it)\n".into(),
        );
    }
    let Some(url) = query
        .iter()
        .find(|(k, _)| k == "url")
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
    else {
        return page(StatusCode::OK, "Add a site", &form(""));
    };
    // The scraper's own fetcher: one HTTP client, one robots.txt cache, and one politeness
    // gap per host shared with the scrapes.
    match crate::suggest::propose(&app.scraper.fetcher, url, None).await {
        Ok(suggestion) => {
            let mut body = form(url);
            for (name, feed) in &suggestion.feeds {
                body.push_str(&format!(
                    "<p>The site already publishes a feed: <a href=\"{0}\">{0}</a> ({1})</p>",
                    escape(feed),
                    escape(name)
                ));
            }
            body.push_str(&format!(
                "<p>Paste this into <code>config.toml</code>, then run <code>scrapefeed check</code>:</p><pre>{}</pre>",
                escape(&suggestion.toml(0))
            ));
            page(StatusCode::OK, "Proposed declaration", &body)
        }
        Err(e) => {
            let body = format!(
                "{}<p class=\"error\">{}</p>",
                form(url),
                escape(&format!("{e:#}"))
            );
            page(StatusCode::UNPROCESSABLE_ENTITY, "No declaration", &body)
        }
    }
}

fn form(url: &str) -> String {
    format!(
        "<form method=\"get\"><label>Section page <input type=\"url\" name=\"url\" required value=\"{}\"></label> <button>Propose a declaration</button></form>",
        escape(url)
    )
}

fn escape(text: &str) -> String {
    html_escape::encode_double_quoted_attribute(text).into_owned()
}

fn page(status: StatusCode, title: &str, body: &str) -> Reply {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} — scrapefeed</title></head><body><h1>{title}</h1>{body}<p><a href=\"./\">All feeds</a></p></body></html>"
    );
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Bytes::from(html))
        .expect("static response parts are valid")
}
