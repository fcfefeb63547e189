//! Names and addresses: URLs, zones, language tags, listen addresses and ids.

use std::net::SocketAddr;

use chrono_tz::Tz;
use url::Url;

use crate::config::checked::Parse;

/// An absolute `http` or `https` URL.
pub struct HttpUrl;

impl Parse for HttpUrl {
    type Raw = String;
    type Value = Url;
    const FORMAT: &'static str = "uri";

    fn parse(text: &String) -> Result<Url, String> {
        match Url::parse(text) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url),
            Ok(_) => Err(format!("{text:?} is not an http(s) URL")),
            Err(e) => Err(format!("{text:?} is not a URL: {e}")),
        }
    }
}

/// The URL readers reach the server at: `http(s)`, no query, fragment or credentials. Its
/// path is the prefix the server is hosted under behind a proxy (`/feeds-app/`); it is
/// stored ending with `/` whether or not it was written so, because links are resolved
/// against it (`feeds/world.rss`) and `Url::join` drops a last segment without one.
pub struct PublicUrl;

impl Parse for PublicUrl {
    type Raw = String;
    type Value = Url;
    const FORMAT: &'static str = "uri";

    fn parse(text: &String) -> Result<Url, String> {
        let mut url = HttpUrl::parse(text)?;
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "{text:?} has a query or fragment: give the base URL only, such as \"https://example.org/feeds/\""
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!(
                "{text:?} holds credentials: they would be written into every feed's links"
            ));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(url)
    }
}

/// One proxy address or network trusted to say who its client is: an IP address
/// (`"127.0.0.1"`, `"::1"`) or a CIDR network (`"10.0.0.0/8"`, `"fd00::/8"`). An address is
/// kept as the network of that one address.
pub struct ProxyNetwork;

impl Parse for ProxyNetwork {
    type Raw = String;
    type Value = ipnet::IpNet;
    const FORMAT: &'static str = "ip-network";

    fn parse(text: &String) -> Result<ipnet::IpNet, String> {
        let trimmed = text.trim();
        if let Ok(ip) = trimmed.parse::<std::net::IpAddr>() {
            return Ok(ipnet::IpNet::from(ip));
        }
        trimmed
            .parse::<ipnet::IpNet>()
            .map(|net| net.trunc())
            .map_err(|_| {
                format!(
                    "{text:?} is neither an IP address nor a CIDR network (like \"10.0.0.0/8\")"
                )
            })
    }
}

/// An IANA time zone name such as `"Europe/Moscow"` (abbreviations are ambiguous).
pub struct TimeZone;

impl Parse for TimeZone {
    type Raw = String;
    type Value = Tz;
    const FORMAT: &'static str = "iana-time-zone";

    fn parse(text: &String) -> Result<Tz, String> {
        text.parse::<Tz>()
            .map_err(|_| format!("{text:?} is not an IANA timezone name (like \"Europe/Moscow\")"))
    }
}

/// `en`, `ru-RU`, `pt_BR`, `zh-Hant-TW`: letters, then letter/digit subtags. Any well-formed
/// tag is accepted for the feeds; the date reader uses it when it knows the language and
/// otherwise tries all it knows.
pub struct LanguageTag;

impl Parse for LanguageTag {
    type Raw = String;
    type Value = String;
    const FORMAT: &'static str = "language-tag";

    fn parse(tag: &String) -> Result<String, String> {
        let mut parts = tag.split(['-', '_']);
        let first_ok = parts.next().is_some_and(|p| {
            (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic())
        });
        let rest_ok = parts
            .all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
        if first_ok && rest_ok {
            Ok(tag.clone())
        } else {
            Err(format!(
                "{tag:?} is not a language tag like \"en\" or \"pt-BR\""
            ))
        }
    }
}

/// The operator's secret for the admin routes ("Scrape now"): at least 16 visible ASCII
/// characters, so it fits an `Authorization: Bearer` header and is not guessable by trying.
/// Problems never quote the value: it is a secret, and config errors are logged.
pub struct AdminToken;

/// Shortest admin token accepted.
pub const MIN_ADMIN_TOKEN: usize = 16;

impl Parse for AdminToken {
    type Raw = String;
    type Value = String;
    const FORMAT: &'static str = "secret";

    fn parse(token: &String) -> Result<String, String> {
        if token.len() < MIN_ADMIN_TOKEN {
            Err(format!(
                "is {} characters long; use at least {MIN_ADMIN_TOKEN} (such as the output of `openssl rand -hex 32`)",
                token.chars().count()
            ))
        } else if !token.bytes().all(|b| b.is_ascii_graphic()) {
            Err("may hold only visible ASCII characters (no spaces), as an `Authorization: Bearer` header carries it".into())
        } else {
            Ok(token.clone())
        }
    }
}

/// An IP address and port to listen on (host names are not resolved).
pub struct ListenAddress;

impl Parse for ListenAddress {
    type Raw = String;
    type Value = SocketAddr;
    const FORMAT: &'static str = "socket-address";

    fn parse(text: &String) -> Result<SocketAddr, String> {
        text.parse()
            .map_err(|e| format!("{text:?} is not an address like \"127.0.0.1:8080\": {e}"))
    }
}

/// A site id: a slug. (That it differs from every section id and `all` is checked in
/// `validate`, which sees them all.)
pub struct SiteId;

impl Parse for SiteId {
    type Raw = String;
    type Value = String;
    const FORMAT: &'static str = "slug";

    fn parse(id: &String) -> Result<String, String> {
        if !is_slug(id) {
            return Err("use lower-case letters, digits, `-` and `_` only".into());
        }
        Ok(id.clone())
    }
}

/// A section id: a slug other than `all`, the name of the feed of every section.
pub struct SectionId;

impl Parse for SectionId {
    type Raw = String;
    type Value = String;
    const FORMAT: &'static str = "slug";

    fn parse(id: &String) -> Result<String, String> {
        if !is_slug(id) || id == "all" {
            return Err(
                "use lower-case letters, digits, `-` and `_` only (and not \"all\")".into(),
            );
        }
        Ok(id.clone())
    }
}

fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}
