//! `Accept-Encoding` → the encoding to send (RFC 9110 §12.5.3).
//!
//! We offer brotli, gzip and identity. Each gets the q-value of its own token, else that of
//! `*`, else (identity only) the lowest preference; a q of 0 forbids it. The highest q wins; ties go to the
//! smaller body (br, then gzip, then identity). No header at all means identity, the one
//! encoding every client reads. `None` means the client forbade everything we have.

use crate::feeds::Encoding;

/// Server preference, best first.
const OFFERED: [(Encoding, &[&str]); 3] = [
    (Encoding::Brotli, &["br"]),
    (Encoding::Gzip, &["gzip", "x-gzip"]),
    (Encoding::Identity, &["identity"]),
];

/// Picks the encoding for a response body.
pub fn negotiate(accept_encoding: Option<&str>) -> Option<Encoding> {
    let Some(header) = accept_encoding else {
        return Some(Encoding::Identity);
    };
    let ranges: Vec<(String, f32)> = header.split(',').filter_map(parse_range).collect();
    let q_of = |names: &[&str], encoding: Encoding| -> f32 {
        let own = ranges
            .iter()
            .filter(|(token, _)| names.contains(&token.as_str()))
            .map(|&(_, q)| q)
            .reduce(f32::max);
        let star = ranges.iter().find(|(t, _)| t == "*").map(|&(_, q)| q);
        match (own, star, encoding) {
            (Some(q), _, _) => q,
            (None, Some(q), _) => q,
            // Unmentioned identity stays acceptable, as a last resort: a client that lists
            // `gzip;q=0.9` alone wants gzip.
            (None, None, Encoding::Identity) => f32::MIN_POSITIVE,
            (None, None, _) => 0.0,
        }
    };
    let mut best: Option<(Encoding, f32)> = None;
    for (encoding, names) in OFFERED {
        let q = q_of(names, encoding);
        if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
            best = Some((encoding, q));
        }
    }
    best.map(|(e, _)| e)
}

/// `gzip;q=0.8` → ("gzip", 0.8). A malformed q-value makes the whole range ignored.
fn parse_range(range: &str) -> Option<(String, f32)> {
    let mut parts = range.split(';');
    let token = parts.next()?.trim().to_ascii_lowercase();
    if token.is_empty() {
        return None;
    }
    let mut q = 1.0;
    for param in parts {
        if let Some((name, value)) = param.split_once('=') {
            if name.trim().eq_ignore_ascii_case("q") {
                q = value
                    .trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|q| (0.0..=1.0).contains(q))?;
            }
        }
    }
    Some((token, q))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Encoding::*;

    #[test]
    fn table() {
        let cases: [(Option<&str>, Option<Encoding>); 17] = [
            (None, Some(Identity)),
            (Some(""), Some(Identity)),
            (Some("gzip"), Some(Gzip)),
            (Some("x-gzip"), Some(Gzip)),
            (Some("GZIP, deflate"), Some(Gzip)),
            (Some("gzip, deflate, br"), Some(Brotli)),
            (Some("br;q=0, gzip"), Some(Gzip)),
            (Some("br;q=0.5, gzip;q=0.9"), Some(Gzip)),
            (Some("gzip;q=0.5, br;q=0.5"), Some(Brotli)),
            (Some("deflate"), Some(Identity)),
            (Some("*"), Some(Brotli)),
            (Some("*;q=0.5, br;q=0"), Some(Gzip)),
            (Some("identity"), Some(Identity)),
            (Some("identity;q=0"), None),
            (Some("*;q=0"), None),
            (Some("*;q=0, identity"), Some(Identity)),
            (Some("gzip;q=2, identity;q=0.1"), Some(Identity)),
        ];
        for (header, want) in cases {
            assert_eq!(negotiate(header), want, "{header:?}");
        }
    }
}
