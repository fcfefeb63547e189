//! Who asked: the client behind the trusted proxies, read from `Forwarded` (RFC 7239) or the
//! `X-Forwarded-For` / `-Proto` / `-Host` headers.
//!
//! Anyone can send these headers, so they are believed only when the direct peer is one of
//! `server.trusted_proxies`. The hops are then walked from the nearest (the right end of the
//! list) back towards the client, past every trusted proxy; the first address that is not
//! trusted is the client, as nginx's `real_ip_recursive on` does. An address the client put
//! at the left of the list itself is thus never taken while a real, untrusted hop follows
//! it. `Forwarded` wins over the `X-` headers when both are sent. Scheme and host come from
//! the nearest proxy's word (the last value), and only as an `http`/`https` scheme and a
//! host made of the characters a URL authority allows.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;
use warp::http::HeaderMap;

/// Who sent a request, as far as the server can believe it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Client {
    /// The client's address: the peer's, or the one a trusted proxy reported. `None` when
    /// the connection's peer is unknown.
    pub ip: Option<IpAddr>,
    /// The scheme the client used (`http`/`https`), when a trusted proxy said.
    pub scheme: Option<String>,
    /// The host the client asked for, when a trusted proxy said.
    pub host: Option<String>,
}

/// The client of a request from `peer` carrying `headers`.
pub fn client(peer: Option<SocketAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Client {
    let peer = peer.map(|p| canonical(p.ip()));
    let mut client = Client {
        ip: peer,
        ..Client::default()
    };
    let Some(peer) = peer else { return client };
    if !is_trusted(peer, trusted) {
        return client;
    }
    let said = if headers.contains_key("forwarded") {
        rfc7239(headers)
    } else {
        x_forwarded(headers)
    };
    let mut ip = peer;
    for hop in said.hops.iter().rev() {
        if !is_trusted(ip, trusted) {
            break;
        }
        match hop {
            Some(hop) => ip = canonical(*hop),
            // `unknown` or an obfuscated name: nothing further back can be believed.
            None => break,
        }
    }
    client.ip = Some(ip);
    client.scheme = said
        .proto
        .map(|p| p.to_ascii_lowercase())
        .filter(|p| p == "http" || p == "https");
    client.host = said.host.filter(|h| is_host(h));
    client
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&ip))
}

/// An IPv4 peer on a dual-stack socket shows as `::ffff:a.b.c.d`; it is matched (and
/// logged) as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// What the proxies said: the hops from the client to the nearest proxy (`None` for one
/// that is not an address), and the nearest proxy's scheme and host.
#[derive(Default)]
struct Said {
    hops: Vec<Option<IpAddr>>,
    proto: Option<String>,
    host: Option<String>,
}

/// Every value of `name`, across repeated header lines, split at commas.
fn values<'h>(headers: &'h HeaderMap, name: &str) -> impl Iterator<Item = &'h str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
}

fn x_forwarded(headers: &HeaderMap) -> Said {
    Said {
        hops: values(headers, "x-forwarded-for").map(address).collect(),
        proto: values(headers, "x-forwarded-proto")
            .last()
            .map(String::from),
        host: values(headers, "x-forwarded-host").last().map(String::from),
    }
}

/// `Forwarded: for=192.0.2.60;proto=https;host=example.org, for="[2001:db8::1]:4711"`.
fn rfc7239(headers: &HeaderMap) -> Said {
    let mut said = Said::default();
    for element in values(headers, "forwarded") {
        let mut hop = None;
        for pair in element.split(';') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"');
            match key.trim().to_ascii_lowercase().as_str() {
                "for" => hop = Some(address(value)),
                "proto" => said.proto = Some(value.to_string()),
                "host" => said.host = Some(value.to_string()),
                _ => {}
            }
        }
        said.hops.push(hop.flatten());
    }
    said
}

/// `192.0.2.60`, `192.0.2.60:8080`, `2001:db8::1`, `[2001:db8::1]:4711`; `None` otherwise.
fn address(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            text.strip_prefix('[')
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|t| t.parse().ok())
        })
}

/// A host (with an optional port) made only of what a URL authority may hold, so it can
/// never smuggle a path, a query or markup into a URL or a log line.
fn is_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter()
            .map(|n| {
                n.parse::<IpNet>()
                    .or_else(|_| n.parse::<IpAddr>().map(IpNet::from))
                    .unwrap()
            })
            .collect()
    }

    fn ip_of(peer: &str, pairs: &[(&'static str, &str)], trusted: &[&str]) -> String {
        client(Some(peer.parse().unwrap()), &headers(pairs), &nets(trusted))
            .ip
            .unwrap()
            .to_string()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        let forged = [
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "evil.example"),
        ];
        let c = client(
            Some("198.51.100.7:5000".parse().unwrap()),
            &headers(&forged),
            &nets(&["127.0.0.1/32"]),
        );
        assert_eq!(c.ip, Some("198.51.100.7".parse().unwrap()));
        assert_eq!((c.scheme, c.host), (None, None));
        // Nothing is trusted by default.
        assert_eq!(ip_of("127.0.0.1:5000", &forged, &[]), "127.0.0.1");
    }

    #[test]
    fn a_trusted_peer_names_the_client() {
        let c = client(
            Some("127.0.0.1:5000".parse().unwrap()),
            &headers(&[
                ("x-forwarded-for", "203.0.113.9"),
                ("x-forwarded-proto", "HTTPS"),
                ("x-forwarded-host", "feeds.example:8443"),
            ]),
            &nets(&["127.0.0.1"]),
        );
        assert_eq!(c.ip, Some("203.0.113.9".parse().unwrap()));
        assert_eq!(c.scheme.as_deref(), Some("https"));
        assert_eq!(c.host.as_deref(), Some("feeds.example:8443"));
    }

    #[test]
    fn the_walk_stops_at_the_first_untrusted_hop() {
        // The client forged 1.1.1.1 at the left; the trusted proxy appended the real one.
        let xff = [("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.0.0.2")];
        assert_eq!(ip_of("10.0.0.1:1", &xff, &["10.0.0.0/8"]), "203.0.113.9");
        // Every hop trusted: the leftmost is the client.
        assert_eq!(
            ip_of(
                "10.0.0.1:1",
                &[("x-forwarded-for", "10.0.0.3")],
                &["10.0.0.0/8"]
            ),
            "10.0.0.3"
        );
        // Repeated header lines are one list.
        let split = [
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "203.0.113.9"),
        ];
        assert_eq!(ip_of("10.0.0.1:1", &split, &["10.0.0.0/8"]), "203.0.113.9");
        // A hop that is no address ends the walk at the proxy that reported it.
        let garbled = [("x-forwarded-for", "203.0.113.9, not-an-ip")];
        assert_eq!(ip_of("10.0.0.1:1", &garbled, &["10.0.0.0/8"]), "10.0.0.1");
    }

    #[test]
    fn forwarded_wins_and_reads_ports_and_brackets() {
        let both = [
            (
                "forwarded",
                r#"for="[2001:db8::1]:4711";proto=https;host=feeds.example"#,
            ),
            ("x-forwarded-for", "203.0.113.9"),
        ];
        let c = client(
            Some("[::1]:5000".parse().unwrap()),
            &headers(&both),
            &nets(&["::1"]),
        );
        assert_eq!(c.ip, Some("2001:db8::1".parse().unwrap()));
        assert_eq!(c.scheme.as_deref(), Some("https"));
        assert_eq!(c.host.as_deref(), Some("feeds.example"));
        let v4 = [("forwarded", "for=192.0.2.60:80;by=10.0.0.1, for=10.0.0.5")];
        assert_eq!(ip_of("10.0.0.1:1", &v4, &["10.0.0.0/8"]), "192.0.2.60");
        let unknown = [("forwarded", "for=unknown")];
        assert_eq!(ip_of("10.0.0.1:1", &unknown, &["10.0.0.0/8"]), "10.0.0.1");
    }

    #[test]
    fn mapped_ipv4_peers_match_ipv4_networks() {
        assert_eq!(
            ip_of(
                "[::ffff:127.0.0.1]:5000",
                &[("x-forwarded-for", "203.0.113.9")],
                &["127.0.0.0/8"]
            ),
            "203.0.113.9"
        );
    }

    #[test]
    fn only_plain_schemes_and_hosts_are_taken() {
        let c = client(
            Some("127.0.0.1:1".parse().unwrap()),
            &headers(&[
                ("x-forwarded-proto", "javascript"),
                ("x-forwarded-host", "a.example/<script>"),
            ]),
            &nets(&["127.0.0.1"]),
        );
        assert_eq!((c.scheme, c.host), (None, None));
    }
}
