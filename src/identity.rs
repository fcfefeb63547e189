//! Stable entry identities: the article URL an entry is keyed by, and its guid.
//!
//! The same article reaches a listing under several URLs: with campaign parameters
//! (`?utm_source=…`), click ids (`fbclid`, `gclid`…), an anchor (`#comments`). Keyed
//! literally, each variant would be a new entry — a duplicate in every reader. So every
//! listing link goes through `canonical_url` before it is looked up or stored: tracking
//! parameters and the fragment are dropped by rule, every other parameter is kept, in its
//! order and its exact encoding (a parameter the site needs, such as `?id=42`, must survive).
//!
//! Invariant: `canonical_url` is idempotent, so a stored key canonicalizes to itself.

use url::Url;

/// Query parameters that only track where a click came from. Matched case-insensitively;
/// `utm_*` is matched by prefix.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "gclsrc",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "ysclid",
    "twclid",
    "ttclid",
    "li_fat_id",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "igshid",
    "igsh",
    "ref_src",
    "ref_url",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "oly_anon_id",
    "oly_enc_id",
    "vero_conv",
    "vero_id",
    "wt_mc",
    "at_medium",
    "at_campaign",
    "cmpid",
    "ncid",
    "sr_share",
    "spm",
    "share_source",
    "s_cid",
];

fn is_tracking(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.starts_with("utm_") || TRACKING_PARAMS.contains(&key.as_str())
}

/// The URL an article is known by: `url` without its fragment and tracking parameters.
pub fn canonical_url(url: &Url) -> Url {
    let mut canonical = url.clone();
    canonical.set_fragment(None);
    if let Some(query) = url.query() {
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .filter(|pair| {
                let raw_key = pair.split('=').next().unwrap_or_default();
                let key: String = url::form_urlencoded::parse(raw_key.as_bytes())
                    .map(|(k, _)| k.into_owned())
                    .next()
                    .unwrap_or_default();
                !is_tracking(&key)
            })
            .collect();
        if kept.is_empty() {
            canonical.set_query(None);
        } else {
            canonical.set_query(Some(&kept.join("&")));
        }
    }
    canonical
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_is_stripped_and_the_rest_kept_in_order() {
        let cases = [
            ("https://tass.com/politics/1", "https://tass.com/politics/1"),
            (
                "https://tass.com/politics/1?utm_source=tg&utm_medium=social",
                "https://tass.com/politics/1",
            ),
            (
                "https://e.com/a?id=42&UTM_Campaign=x&page=2&fbclid=abc#comments",
                "https://e.com/a?id=42&page=2",
            ),
            (
                "https://e.com/a?gclid=1&q=caf%C3%A9+au+lait&yclid=2&_ga=3",
                "https://e.com/a?q=caf%C3%A9+au+lait",
            ),
            ("https://e.com/a?&&ref=home&", "https://e.com/a?ref=home"),
            ("https://e.com/a?igshid=x#top", "https://e.com/a"),
            (
                "https://e.com/a?mc_cid=1&mc_eid=2&ref_src=twsrc",
                "https://e.com/a",
            ),
            ("https://e.com/a?utm=1", "https://e.com/a?utm=1"),
            ("https://e.com/a?", "https://e.com/a"),
        ];
        for (input, want) in cases {
            let got = canonical_url(&Url::parse(input).unwrap());
            assert_eq!(got.as_str(), want, "{input}");
            assert_eq!(canonical_url(&got), got, "idempotent on {input}");
        }
    }
}
