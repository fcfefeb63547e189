//! The operator's credentials: the token itself (scripts, `Authorization: Bearer`), and for
//! browsers a signed session cookie with an anti-forgery field derived from it.
//!
//! Nothing is stored on the server. A session value is `EXPIRES.NONCE.MAC`, the MAC an
//! HMAC-SHA256 keyed by the admin token, so the cookie never holds the token, outlives a
//! restart, and stops working when the token changes. The anti-forgery value of a form is
//! another HMAC of the session value: a page on another site can neither read the cookie
//! nor compute it, and the cookie is `SameSite=Strict` besides. Every comparison of a secret
//! is constant-time (`subtle`), so timing does not tell how much of a guess was right.

use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// How long a browser stays signed in.
pub const SESSION_LIFETIME: TimeDelta = TimeDelta::days(7);

/// The cookie's name.
pub const COOKIE: &str = "scrapefeed_session";

/// Makes and checks credentials for one admin token.
pub struct Keys<'a> {
    token: &'a str,
}

impl<'a> Keys<'a> {
    pub fn new(token: &'a str) -> Keys<'a> {
        Keys { token }
    }

    /// Whether `offered` is the token. Both are hashed first, so neither the comparison's
    /// time nor its length check depends on how much of the token was guessed.
    pub fn is_token(&self, offered: &str) -> bool {
        let (a, b) = (Sha256::digest(offered), Sha256::digest(self.token));
        a.ct_eq(&b).into()
    }

    /// A new session value, valid until `now + SESSION_LIFETIME`.
    pub fn new_session(&self, now: DateTime<Utc>) -> String {
        let expires = now
            .checked_add_signed(SESSION_LIFETIME)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
            .timestamp();
        let nonce: [u8; 16] = rand::rng().random();
        let body = format!("{expires}.{}", hex(&nonce));
        let mac = self.mac("session", &body);
        format!("{body}.{mac}")
    }

    /// Whether `value` is a session this token signed that has not expired at `now`.
    pub fn is_session(&self, value: &str, now: DateTime<Utc>) -> bool {
        let Some((body, mac)) = value.rsplit_once('.') else {
            return false;
        };
        let Some(expires) = body
            .split_once('.')
            .and_then(|(expires, _)| expires.parse::<i64>().ok())
        else {
            return false;
        };
        let signed: bool = self
            .mac("session", body)
            .as_bytes()
            .ct_eq(mac.as_bytes())
            .into();
        signed && now.timestamp() < expires
    }

    /// The anti-forgery value of the forms shown to the holder of `session`.
    pub fn csrf(&self, session: &str) -> String {
        self.mac("csrf", session)
    }

    /// Whether `offered` is the anti-forgery value of `session`.
    pub fn is_csrf(&self, session: &str, offered: &str) -> bool {
        self.csrf(session)
            .as_bytes()
            .ct_eq(offered.as_bytes())
            .into()
    }

    /// HMAC-SHA256 of `purpose:message` under the token, in hex: one key, separate uses.
    fn mac(&self, purpose: &str, message: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.token.as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(purpose.as_bytes());
        mac.update(b":");
        mac.update(message.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a request with these `Origin` and `Referer` headers comes from a page of this
/// server, reached at `host` (the `Host` header) or at `public` (the configured public URL).
/// Absent headers pass (clients that send neither are not browsers on another site's page,
/// and the cookie is `SameSite=Strict`); `Origin: null` does not.
pub fn same_origin(
    origin: Option<&str>,
    referer: Option<&str>,
    host: Option<&str>,
    public: &url::Url,
) -> bool {
    let Some(claimed) = origin.or(referer) else {
        return true;
    };
    let Ok(claimed) = url::Url::parse(claimed) else {
        return false;
    };
    let authority = |url: &url::Url| {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        }
    };
    let same_as_public = claimed.origin() == public.origin();
    let same_as_host = matches!(claimed.scheme(), "http" | "https")
        && host.is_some_and(|host| host.eq_ignore_ascii_case(&authority(&claimed)));
    same_as_public || same_as_host
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef-operator";

    #[test]
    fn sessions_are_signed_expire_and_die_with_the_token() {
        let keys = Keys::new(TOKEN);
        let now = DateTime::<Utc>::UNIX_EPOCH + TimeDelta::days(20_000);
        let session = keys.new_session(now);
        assert!(!session.contains(TOKEN), "the cookie never holds the token");
        assert!(keys.is_session(&session, now));
        assert!(keys.is_session(&session, now + SESSION_LIFETIME - TimeDelta::seconds(1)));
        assert!(!keys.is_session(&session, now + SESSION_LIFETIME));
        assert!(!Keys::new("another-token-entirely").is_session(&session, now));
        assert_ne!(session, keys.new_session(now), "each sign-in its own nonce");
        // A later expiry with the old signature is refused.
        let (_, rest) = session.split_once('.').unwrap();
        let extended = format!("{}.{rest}", now.timestamp() + 10 * 365 * 86_400);
        assert!(!keys.is_session(&extended, now + SESSION_LIFETIME));
        for junk in ["", ".", "..", "x.y.z", "1.2", &format!("{session}0")] {
            assert!(!keys.is_session(junk, now), "{junk:?}");
        }
    }

    #[test]
    fn the_anti_forgery_value_belongs_to_one_session() {
        let keys = Keys::new(TOKEN);
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let (one, two) = (keys.new_session(now), keys.new_session(now));
        let csrf = keys.csrf(&one);
        assert!(keys.is_csrf(&one, &csrf));
        assert!(!keys.is_csrf(&two, &csrf));
        assert!(!keys.is_csrf(&one, ""));
        assert!(!keys.is_csrf(&one, &csrf[1..]));
    }

    #[test]
    fn the_token_is_compared_whole() {
        let keys = Keys::new(TOKEN);
        assert!(keys.is_token(TOKEN));
        for wrong in ["", "0123456789abcdef", "0123456789abcdef-operatorX", "x"] {
            assert!(!keys.is_token(wrong), "{wrong:?}");
        }
    }

    #[test]
    fn forms_are_accepted_from_this_server_only() {
        let public = url::Url::parse("https://feeds.example.org/sf/").unwrap();
        let host = Some("127.0.0.1:8080");
        let same = |origin, referer| same_origin(origin, referer, host, &public);
        assert!(same(None, None));
        assert!(same(Some("https://feeds.example.org"), None));
        assert!(same(Some("http://127.0.0.1:8080"), None));
        assert!(same(None, Some("http://127.0.0.1:8080/")));
        assert!(same(None, Some("https://feeds.example.org/sf/")));
        assert!(!same(Some("https://evil.example"), None));
        assert!(
            !same(Some("http://feeds.example.org"), None),
            "scheme counts"
        );
        assert!(!same(Some("null"), None));
        assert!(!same(None, Some("https://evil.example/feeds.example.org")));
        assert!(!same(
            Some("https://evil.example"),
            Some("http://127.0.0.1:8080/")
        ));
        assert!(!same_origin(
            Some("http://127.0.0.1:8080"),
            None,
            None,
            &public
        ));
    }
}
