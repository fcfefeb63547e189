//! The parsers of values that can be wrong in themselves, one per kind, in one place.
//!
//! Each is a `Parse` marker used as `Checked<Kind>` in the raw structs: `Checked<Interval>`
//! reads a string and yields a `Duration` from 10 seconds to 30 days, or the problem with it. A
//! message says what is wrong with the value as written and how a good one looks; `validate`
//! puts the position, site, section and key in front of it. Checks that need a second key
//! (a listing's `items` is a selector or a JSON path depending on `type`) stay in `validate`,
//! which calls the same functions (`CssSelector::compile`).

mod cluster;
mod connections;
mod lengths;
mod measures;
mod names;
mod selector_error;
mod syntax;

pub use cluster::LeaseExpiry;
pub use connections::{ClientTimeout, GracePeriod};
pub use lengths::{TagCount, TagLength, TextSize};
pub use measures::{
    ArticleCount, CacheSize, Concurrency, ConnectionCount, EntryCount, Interval, Jitter, PageCount,
    PoliteDelay, PoolSize, RequestTimeout, RetentionAge, Retries, RetryDelay, RetryWait,
};
pub use names::{
    AdminToken, HttpUrl, LanguageTag, ListenAddress, ProxyNetwork, PublicUrl, SectionId, SiteId,
    TimeZone,
};
pub use syntax::{CssSelector, FilterPattern, ParamValue, RegexText, TemplateText};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::checked::Parse;

    fn language(tag: &str) -> bool {
        LanguageTag::parse(&tag.to_string()).is_ok()
    }

    #[test]
    fn admin_tokens_are_long_visible_ascii_and_never_quoted() {
        assert!(AdminToken::parse(&"0123456789abcdef".into()).is_ok());
        for (weak, says) in [
            ("hunter2", "is 7 characters long; use at least 16"),
            ("correct horse battery", "only visible ASCII"),
            ("пароль-пароль-пароль", "only visible ASCII"),
        ] {
            let problem = AdminToken::parse(&weak.to_string()).unwrap_err();
            assert!(problem.contains(says), "{problem}");
            assert!(
                !problem.contains(weak),
                "the secret is never quoted: {problem}"
            );
        }
    }

    #[test]
    fn language_tags() {
        for good in ["en", "ru-RU", "pt_BR", "zh-Hant-TW", "ast"] {
            assert!(language(good), "{good}");
        }
        for bad in [
            "English please",
            "e",
            "english",
            "en-",
            "en-toolongsubtag",
            "",
        ] {
            assert!(!language(bad), "{bad}");
        }
    }

    #[test]
    fn bounds_of_checked_numbers_and_durations() {
        assert!(EntryCount::parse(&0).is_err());
        assert_eq!(EntryCount::parse(&1), Ok(1));
        assert!(Jitter::parse(&0.51).is_err());
        assert_eq!(Jitter::parse(&0.5), Ok(0.5));
        assert_eq!(
            Interval::parse(&"9s".into()),
            Err("must be at least 10s".into())
        );
        assert!(Interval::parse(&"10s".into()).is_ok());
        assert!(RetentionAge::parse(&"59m".into())
            .unwrap_err()
            .contains("shorter than an hour"));
        assert_eq!(CacheSize::parse(&" 1 KiB ".into()), Ok(1024));
        assert!(CacheSize::parse(&"65 GiB".into()).is_err());
        assert!(HttpUrl::parse(&"ftp://example.com".into())
            .unwrap_err()
            .contains("not an http(s) URL"));
    }

    #[test]
    fn public_urls_end_with_a_slash_and_carry_nothing_but_a_base() {
        let url = |text: &str| PublicUrl::parse(&text.to_string()).map(String::from);
        assert_eq!(
            url("https://host/feeds-app").as_deref(),
            Ok("https://host/feeds-app/")
        );
        assert_eq!(
            url("https://host/feeds-app/").as_deref(),
            Ok("https://host/feeds-app/")
        );
        assert_eq!(url("https://host").as_deref(), Ok("https://host/"));
        assert!(url("https://host/a?b=c").unwrap_err().contains("query"));
        assert!(url("https://host/#top").unwrap_err().contains("fragment"));
        assert!(url("https://me:pw@host/")
            .unwrap_err()
            .contains("credentials"));
        assert!(url("ftp://host/")
            .unwrap_err()
            .contains("not an http(s) URL"));
    }

    #[test]
    fn proxy_networks_are_addresses_or_cidrs() {
        let net = |text: &str| ProxyNetwork::parse(&text.to_string()).map(|n| n.to_string());
        assert_eq!(net("127.0.0.1").as_deref(), Ok("127.0.0.1/32"));
        assert_eq!(net("::1").as_deref(), Ok("::1/128"));
        assert_eq!(net("10.1.2.3/8").as_deref(), Ok("10.0.0.0/8"));
        assert_eq!(net(" fd00::/8 ").as_deref(), Ok("fd00::/8"));
        for bad in ["localhost", "10.0.0.0/33", "", "10.0.0"] {
            assert!(net(bad).unwrap_err().contains("CIDR"), "{bad}");
        }
    }

    #[test]
    fn ids_are_slugs() {
        assert!(SiteId::parse(&"tass-en_2".into()).is_ok());
        assert!(SiteId::parse(&"TASS".into()).is_err());
        assert!(
            SiteId::parse(&"all".into()).is_ok(),
            "checked against sections later"
        );
        assert!(SectionId::parse(&"all".into()).is_err());
        assert!(SectionId::parse(&"".into()).is_err());
    }
}
