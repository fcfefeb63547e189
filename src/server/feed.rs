//! `/feeds/{name}.{ext}`: one feed document, or its preview page.
//!
//! Three steps, each its own function: read the request (`FeedRequest::read`: the feed, the
//! format, the query, the encoding, or the error answer), answer a conditional request from
//! what is known about the feed (`not_modified`), and send the document (`send`). A feed
//! request is answered from bytes `FeedSet` rendered when the feed last changed: negotiate
//! the encoding, compare validators, copy an `Arc`. Work happens on a blocking thread only the
//! first time something is asked for after a change: a compressed form not made yet, a
//! filtered view (`?limit=`, `?include=`, `?exclude=`), or a feed that fell out of the memory
//! budget (a conditional request for it is still answered from its head).

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, FixedOffset, Utc};
use warp::http::{header, HeaderValue, Method, Response, StatusCode};

use super::{get_or_head, html, negotiate, text, Conditions, Pages, Reply};
use crate::app::App;
use crate::feeds::{Document, Encoding, FeedError, FeedQuery, FeedSpec, Format, Head};
use crate::store::{Store, StoreError};

/// The feed handler, for the warp route and the fast path of `hot`.
pub(super) async fn feed(
    file: String,
    method: Method,
    conditions: Conditions,
    query: Vec<(String, String)>,
    app: Arc<App>,
    pages: Arc<Pages>,
) -> Reply {
    let request = match FeedRequest::read(&file, &method, &conditions, query, &app) {
        Ok(request) => request,
        Err(refused) => return refused,
    };
    match request.wants {
        Wants::Preview => preview(&app, &pages, &request.spec).await,
        Wants::Document {
            format,
            query,
            encoding,
        } => {
            let parts = Parts {
                app: &app,
                spec: &request.spec,
                file: &file,
                format,
                encoding,
                conditions: &conditions,
            };
            document(parts, query).await
        }
    }
}

/// A feed request, read.
struct FeedRequest {
    spec: Arc<FeedSpec>,
    wants: Wants,
}

/// What was asked of the feed.
enum Wants {
    /// `{name}.html`.
    Preview,
    Document {
        format: Format,
        query: FeedQuery,
        encoding: Encoding,
    },
}

impl FeedRequest {
    /// The request's feed and form, or the answer that refuses it: `405` for a method other
    /// than GET and HEAD, `404` for an unknown feed or extension, `400` for a bad query, `406`
    /// when no encoding we have is acceptable.
    // The error is the answer itself, made once per refused request: boxing it would only add
    // an allocation.
    #[allow(clippy::result_large_err)]
    fn read(
        file: &str,
        method: &Method,
        conditions: &Conditions,
        query: Vec<(String, String)>,
        app: &App,
    ) -> Result<FeedRequest, Reply> {
        if let Some(refused) = get_or_head(method) {
            return Err(refused);
        }
        let (name, ext) = file.rsplit_once('.').unwrap_or((file, ""));
        let Some(spec) = app.feeds.catalog().get(name).cloned() else {
            return Err(no_feed(name));
        };
        if ext == "html" {
            return Ok(FeedRequest {
                spec,
                wants: Wants::Preview,
            });
        }
        let Some(format) = Format::from_ext(ext) else {
            return Err(text(
                StatusCode::NOT_FOUND,
                format!(
                    "no feed named {file:?}: feeds end in .rss, .atom or .json \
                     (.html for a preview); the list is at /\n"
                ),
            ));
        };
        let query = FeedQuery::from_pairs(query)
            .map_err(|e| text(StatusCode::BAD_REQUEST, format!("bad query: {e}\n")))?;
        let Some(encoding) = negotiate(conditions.accept_encoding.as_deref()) else {
            return Err(text(
                StatusCode::NOT_ACCEPTABLE,
                "not acceptable: Accept-Encoding refuses identity, gzip and br\n".into(),
            ));
        };
        Ok(FeedRequest {
            spec,
            wants: Wants::Document {
                format,
                query,
                encoding,
            },
        })
    }
}

fn no_feed(name: &str) -> Reply {
    text(
        StatusCode::NOT_FOUND,
        format!("no feed named {name:?}: the list of feeds is at /\n"),
    )
}

/// The preview page of a feed.
async fn preview(app: &Arc<App>, pages: &Pages, spec: &FeedSpec) -> Reply {
    let (task_app, name) = (app.clone(), spec.name.clone());
    let loaded = blocking(app, &spec.name, move |store| {
        task_app.feeds.entries(store, &name)
    })
    .await;
    match loaded {
        Ok((_, entries)) => html(pages.preview(app, spec, &entries)),
        Err(reply) => reply,
    }
}

/// What a document answer is about.
struct Parts<'a> {
    app: &'a Arc<App>,
    spec: &'a FeedSpec,
    /// `{name}.{ext}`: the key of the document in memory.
    file: &'a str,
    format: Format,
    encoding: Encoding,
    conditions: &'a Conditions,
}

/// A feed document: `304` when the client's copy is current, else the bytes.
async fn document(parts: Parts<'_>, query: FeedQuery) -> Reply {
    let (app, name, format) = (parts.app, parts.spec.name.as_str(), parts.format);
    // The head alone answers a conditional request for the whole feed, in memory or not.
    let head = app.feeds.head(name);
    if let Some(head) = head.as_ref().filter(|_| query.is_empty()) {
        let cached = app.feeds.cached(parts.file, format, head);
        let etag = match &cached {
            Some(doc) => doc.etag(parts.encoding).clone(),
            None => head.etag(format, parts.encoding),
        };
        if not_modified(parts.conditions, &etag, head.updated) {
            return not_modified_reply(validated(&parts, etag, head));
        }
        if let Some(doc) = cached {
            return send(&parts, validated(&parts, etag, head), &doc).await;
        }
    }
    let found = if query.is_empty() {
        let (task_app, task_name) = (app.clone(), name.to_string());
        blocking(app, name, move |store| {
            task_app.feeds.document(store, &task_name, format)
        })
        .await
    } else {
        let cached = head
            .as_ref()
            .and_then(|h| Some(h.clone()).zip(app.feeds.filtered_cached(name, format, &query, h)));
        match cached {
            Some(found) => Ok(found),
            None => {
                let (task_app, task_name) = (app.clone(), name.to_string());
                blocking(app, name, move |store| {
                    task_app.feeds.filtered(store, &task_name, format, &query)
                })
                .await
            }
        }
    };
    let (head, document) = match found {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let etag = document.etag(parts.encoding).clone();
    if not_modified(parts.conditions, &etag, head.updated) {
        return not_modified_reply(validated(&parts, etag, &head));
    }
    send(&parts, validated(&parts, etag, &head), &document).await
}

/// An empty answer with the feed's validators and caching headers, the same for `304` and
/// `200`. Headers go straight into a map sized for all of them: `Response::builder()` would
/// check each name and value again and grow the map on the way.
fn validated(parts: &Parts<'_>, etag: Bytes, head: &Head) -> Reply {
    let mut response = Response::new(Bytes::new());
    let headers = response.headers_mut();
    headers.reserve(6);
    headers.insert(header::ETAG, value(etag));
    headers.insert(header::LAST_MODIFIED, value(head.last_modified.clone()));
    headers.insert(
        header::CACHE_CONTROL,
        value(parts.spec.cache_control.clone()),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}

/// A header value from text `feeds` made (hex digests, HTTP dates, `public, max-age=N`):
/// shares the bytes, only checks them.
fn value(text: Bytes) -> HeaderValue {
    HeaderValue::from_maybe_shared(text).expect("feeds make ASCII header text")
}

/// `If-None-Match` decides when present; otherwise `If-Modified-Since` (RFC 9110 §13.2.2),
/// in any of the three date formats RFC 9110 asks recipients to accept. Entity tags compare
/// weakly here, as the RFC asks for `If-None-Match`, so a proxy that weakened our tag
/// (`W/"…"`) still revalidates.
fn not_modified(conditions: &Conditions, etag: &[u8], updated: DateTime<FixedOffset>) -> bool {
    if let Some(value) = &conditions.if_none_match {
        return value
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t.as_bytes() == etag);
    }
    let last_modified = updated.with_timezone(&Utc);
    conditions
        .if_modified_since
        .as_deref()
        .and_then(|v| httpdate::parse_http_date(v.trim()).ok())
        .map(DateTime::<Utc>::from)
        .is_some_and(|since| last_modified.timestamp() <= since.timestamp())
}

fn not_modified_reply(mut response: Reply) -> Reply {
    *response.status_mut() = StatusCode::NOT_MODIFIED;
    response
}

/// The `200` answer with the document in the negotiated encoding, compressing it on a
/// blocking thread if no request did yet.
async fn send(parts: &Parts<'_>, mut response: Reply, document: &Arc<Document>) -> Reply {
    let (format, encoding) = (parts.format, parts.encoding);
    let variant = match document.ready(encoding) {
        Some(variant) => variant,
        None => {
            let (app, task_name, document) =
                (parts.app.clone(), parts.spec.name.clone(), document.clone());
            let compressed = tokio::task::spawn_blocking(move || {
                app.feeds.compress(&task_name, format, &document, encoding)
            })
            .await;
            match compressed {
                Ok(variant) => variant,
                Err(e) => {
                    return text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("cannot compress feed {:?}: {e}\n", parts.spec.name),
                    )
                }
            }
        }
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Some(token) = encoding.token() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(token));
    }
    *response.body_mut() = variant.bytes;
    response
}

/// Runs a `FeedSet` call that may read files, SQLite or render, on a blocking thread. The
/// error is the reply to send: `404` when the feed is unknown, `500` when it failed. The
/// log gets the whole cause; the body says what failed without the server's paths or
/// SQLite's words.
async fn blocking<T: Send + 'static>(
    app: &App,
    name: &str,
    work: impl FnOnce(&dyn Store) -> Result<Option<T>, FeedError> + Send + 'static,
) -> Result<T, Reply> {
    let failure = match app.store.run(work).await {
        Ok(Some(found)) => return Ok(found),
        Ok(None) => return Err(no_feed(name)),
        Err(e) => e,
    };
    tracing::error!(feed = name, error = %crate::errors::chain(&failure), "cannot render the feed");
    Err(text(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!(
            "cannot render feed {name:?}: {}; the server's log has the details\n",
            public_cause(&failure)
        ),
    ))
}

/// What failed, for a response body: no paths, no SQL.
fn public_cause(error: &FeedError) -> &'static str {
    match error {
        FeedError::Store(StoreError::Task(_)) => "the render task failed",
        FeedError::Store(_) => "its entries could not be read from the database",
        FeedError::Write { .. } | FeedError::Unwritten { .. } => "its files could not be written",
        FeedError::Unknown(_) => "it is not configured",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn since(date: &str) -> Conditions {
        Conditions {
            accept_encoding: None,
            if_none_match: None,
            if_modified_since: Some(date.to_string()),
        }
    }

    #[test]
    fn if_modified_since_is_read_in_every_format_rfc_9110_accepts() {
        let updated = DateTime::parse_from_rfc3339("1994-11-06T11:49:37+03:00").unwrap();
        for date in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert!(not_modified(&since(date), b"\"x\"", updated), "{date}");
        }
        assert!(!not_modified(
            &since("Sun, 06 Nov 1994 08:49:36 GMT"),
            b"\"x\"",
            updated
        ));
        assert!(!not_modified(&since("yesterday"), b"\"x\"", updated));
    }

    #[test]
    fn if_none_match_decides_and_compares_weakly() {
        let updated = DateTime::parse_from_rfc3339("1994-11-06T08:49:37Z").unwrap();
        let conditions = Conditions {
            accept_encoding: None,
            if_none_match: Some("\"a\", W/\"b\"".into()),
            if_modified_since: Some("Sun, 06 Nov 1994 08:49:37 GMT".into()),
        };
        assert!(not_modified(&conditions, b"\"b\"", updated));
        assert!(!not_modified(&conditions, b"\"c\"", updated));
    }
}
