//! The operator's routes: "Scrape now" for a section, and signing a browser in and out.
//!
//! They exist only when an admin token is configured (`server.admin_token` or
//! `SCRAPEFEED_ADMIN_TOKEN`); without one every path here answers `404` like any unknown
//! path, and the index page shows no button. Scripts send the token itself
//! (`Authorization: Bearer`) and get JSON; a browser signs in once with the token and then
//! posts forms with the session cookie and an anti-forgery field (`session`), and is sent
//! back to the index (`303`). A scrape asked for here only wakes the section's loop
//! (`App::scrape_now`): it waits for a permit and obeys the site's politeness like any other.
//!
//! Statuses, in the order they are decided: `404` (no token), `405` (not a POST), `403`
//! (a form from another site's page), `401` (no credentials, or a session that expired or
//! belongs to an old token; with `WWW-Authenticate: Bearer`), `403` (a wrong token or
//! anti-forgery field), `404` (an unknown section), then `202` or `303`. Never a `500`.

mod session;

use std::sync::Arc;

use bytes::{Buf, Bytes};
use futures_util::StreamExt;
use serde_json::json;
use warp::http::{header, HeaderMap, HeaderValue, Method, Response, StatusCode};
use warp::Filter;

use super::pages::link;
use super::{text, Live, Reply};
use crate::app::{App, ScrapeNow};
pub use session::COOKIE;
use session::{same_origin, Keys, SESSION_LIFETIME};

/// Most bytes read of a form: a token and an anti-forgery field fit many times over.
const MAX_FORM: usize = 8 * 1024;

/// Who is looking at the index page, for what it offers them.
pub enum Visitor {
    /// No admin token: no operator features at all.
    Nobody,
    /// A token is set and this browser is not signed in: the sign-in form.
    SignedOut,
    /// Signed in: "Scrape now" buttons carrying this anti-forgery value.
    Operator { csrf: String },
}

impl Visitor {
    /// What the holder of this session cookie (if any) may do.
    pub fn of(app: &App, cookie: Option<&str>) -> Visitor {
        let Some(token) = app.config.server.admin_token.as_deref() else {
            return Visitor::Nobody;
        };
        let keys = Keys::new(token);
        match cookie {
            Some(session) if keys.is_session(session, app.scraper.clock.now()) => {
                Visitor::Operator {
                    csrf: keys.csrf(session),
                }
            }
            _ => Visitor::SignedOut,
        }
    }
}

/// One admin request, read whole.
struct Request {
    method: Method,
    headers: HeaderMap,
    /// `None` when the body was larger than `MAX_FORM` or could not be read.
    body: Option<Bytes>,
}

impl Request {
    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn cookie(&self) -> Option<&str> {
        self.headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == COOKIE)
            .map(|(_, value)| value)
    }

    /// A field of the url-encoded form body.
    fn field(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.body.as_deref()?)
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }
}

/// `/admin/login`, `/admin/logout` and `/admin/sections/{id}/scrape`.
pub fn routes(live: Arc<Live>) -> impl Filter<Extract = (Reply,), Error = warp::Rejection> + Clone {
    let request = warp::method()
        .and(warp::header::headers_cloned())
        .and(warp::body::stream())
        .then(|method, headers, body| async move {
            Request {
                method,
                headers,
                body: read_form(body).await,
            }
        });
    let with_app = warp::any().map(move || live.app());
    let login = warp::path!("admin" / "login")
        .and(request)
        .and(with_app.clone())
        .map(|request, app: Arc<App>| answer(&app, request, sign_in));
    let logout = warp::path!("admin" / "logout")
        .and(request)
        .and(with_app.clone())
        .map(|request, app: Arc<App>| answer(&app, request, sign_out));
    let scrape = warp::path!("admin" / "sections" / String / "scrape")
        .and(request)
        .and(with_app)
        .map(|section: String, request, app: Arc<App>| {
            answer(&app, request, |app, token, request| {
                scrape_now(app, token, request, &section)
            })
        });
    login.or(logout).unify().or(scrape).unify()
}

async fn read_form(
    body: impl futures_util::Stream<Item = Result<impl Buf, warp::Error>>,
) -> Option<Bytes> {
    let mut body = std::pin::pin!(body);
    let mut read = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.ok()?;
        if read.len() + chunk.remaining() > MAX_FORM {
            return None;
        }
        read.extend_from_slice(chunk.chunk());
    }
    Some(Bytes::from(read))
}

/// The checks every admin route shares, then `handle` with the token.
fn answer(
    app: &App,
    request: Request,
    handle: impl FnOnce(&App, &str, &Request) -> Reply,
) -> Reply {
    let Some(token) = app.config.server.admin_token.as_deref() else {
        return text(
            StatusCode::NOT_FOUND,
            "not found: the list of feeds is at /\n".into(),
        );
    };
    if request.method != Method::POST {
        let mut reply = text(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("method {} not allowed: use POST\n", request.method),
        );
        reply
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return reply;
    }
    if request.body.is_none() {
        return text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the form is larger than {MAX_FORM} bytes\n"),
        );
    }
    let origin = request.header(header::ORIGIN);
    let referer = request.header(header::REFERER);
    if !same_origin(
        origin,
        referer,
        request.header(header::HOST),
        app.feeds.public_url(),
    ) {
        let from = origin.or(referer).unwrap_or_default();
        return text(
            StatusCode::FORBIDDEN,
            format!("refused: the form was sent from {from:?}, a page of another site\n"),
        );
    }
    handle(app, token, &request)
}

/// `POST /admin/sections/{id}/scrape`.
fn scrape_now(app: &App, token: &str, request: &Request, section: &str) -> Reply {
    let keys = Keys::new(token);
    let from_form = match request.header(header::AUTHORIZATION) {
        Some(authorization) => {
            // The scheme is case-insensitive (RFC 9110); another scheme is no credential.
            let Some(offered) = authorization
                .split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, offered)| offered.trim())
            else {
                return unauthorized("admin token required: use `Authorization: Bearer TOKEN`");
            };
            if !keys.is_token(offered) {
                return text(
                    StatusCode::FORBIDDEN,
                    "wrong admin token (server.admin_token)\n".into(),
                );
            }
            false
        }
        None => match request.cookie() {
            Some(session) if keys.is_session(session, app.scraper.clock.now()) => {
                let csrf = request.field("csrf").unwrap_or_default();
                if !keys.is_csrf(session, &csrf) {
                    return text(
                        StatusCode::FORBIDDEN,
                        "the form's anti-forgery field is missing or wrong: reload the index page and try again\n".into(),
                    );
                }
                true
            }
            Some(_) => return unauthorized("your operator session has expired or the admin token changed: sign in again on the index page"),
            None => return unauthorized("admin token required: send `Authorization: Bearer TOKEN`, or sign in on the index page"),
        },
    };
    let Some(asked) = app.scrape_now(section) else {
        return text(
            StatusCode::NOT_FOUND,
            format!("no section {section:?} in the config\n"),
        );
    };
    tracing::info!(section, ?asked, "scrape now");
    if from_form {
        return see_other(link(app, &format!("#feed-{section}")), None);
    }
    let body = match asked {
        ScrapeNow::Started => json!({ "section": section, "scrape": "started" }),
        ScrapeNow::Joined { running_since } => json!({
            "section": section,
            "scrape": "joined",
            "running_since": running_since.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        }),
    };
    Response::builder()
        .status(StatusCode::ACCEPTED)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Bytes::from(body.to_string()))
        .expect("static response parts are valid")
}

/// `POST /admin/login` with the form field `token`: the session cookie, then the index.
fn sign_in(app: &App, token: &str, request: &Request) -> Reply {
    let keys = Keys::new(token);
    let offered = request.field("token").unwrap_or_default();
    if !keys.is_token(&offered) {
        return text(
            StatusCode::FORBIDDEN,
            "wrong admin token (server.admin_token): go back and try again\n".into(),
        );
    }
    let session = keys.new_session(app.scraper.clock.now());
    see_other(
        link(app, ""),
        Some(cookie(app, &session, SESSION_LIFETIME.num_seconds())),
    )
}

/// `POST /admin/logout` with the form field `csrf`: the cookie removed, then the index.
fn sign_out(app: &App, token: &str, request: &Request) -> Reply {
    let keys = Keys::new(token);
    if let Some(session) = request.cookie() {
        let csrf = request.field("csrf").unwrap_or_default();
        if keys.is_session(session, app.scraper.clock.now()) && !keys.is_csrf(session, &csrf) {
            return text(
                StatusCode::FORBIDDEN,
                "the form's anti-forgery field is missing or wrong\n".into(),
            );
        }
    }
    see_other(link(app, ""), Some(cookie(app, "", 0)))
}

/// The session cookie: never readable by scripts, never sent with a request another site
/// starts, only over HTTPS when the server is public over HTTPS.
fn cookie(app: &App, value: &str, max_age: i64) -> String {
    let public = app.feeds.public_url();
    let secure = if public.scheme() == "https" {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{COOKIE}={value}; Path={}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}",
        public.path()
    )
}

fn see_other(location: String, set_cookie: Option<String>) -> Reply {
    let mut reply = Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, location)
        .header(header::CACHE_CONTROL, "no-store");
    if let Some(cookie) = set_cookie {
        reply = reply.header(header::SET_COOKIE, cookie);
    }
    reply
        .body(Bytes::new())
        .unwrap_or_else(|_| text(StatusCode::BAD_REQUEST, "bad redirect\n".into()))
}

fn unauthorized(why: &str) -> Reply {
    let mut reply = text(StatusCode::UNAUTHORIZED, format!("{why}\n"));
    reply.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"scrapefeed\""),
    );
    reply
}
