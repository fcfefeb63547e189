//! One rendered document in every encoding we serve, compressed once when it is made.
//!
//! A feed is read far more often than it changes, so gzip and brotli bytes are produced here,
//! at render time, and a request only picks one. Each encoding is a different representation
//! and gets its own strong ETag (`"…"`, `"…-gz"`, `"…-br"`), kept as a ready header value.

use std::io::Write;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use warp::http::HeaderValue;

/// A content coding we can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// The `Content-Encoding` token; `None` for identity, which is sent without one.
    pub fn token(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }
}

/// The bytes of one representation and its validator.
#[derive(Debug, Clone)]
pub struct Variant {
    pub bytes: Bytes,
    /// Strong ETag, quoted.
    pub etag: HeaderValue,
}

/// One document, in identity, gzip and brotli.
#[derive(Debug, Clone)]
pub struct Document {
    identity: Variant,
    gzip: Variant,
    brotli: Variant,
}

/// gzip at its best level: it runs once per change, and `benches/serve.sh` gives nginx these
/// same bytes (`gzip_static`), so both servers send identical bodies.
const GZIP_LEVEL: u32 = 9;
/// Brotli quality 9 with a 4 MiB window: close to 11 in size for feed-sized text, an order of
/// magnitude faster, which matters when a scrape re-renders several merged feeds.
const BROTLI_QUALITY: u32 = 9;
const BROTLI_WINDOW: u32 = 22;

impl Document {
    pub fn new(bytes: Vec<u8>) -> Document {
        let digest = Sha256::digest(&bytes);
        let tag = hex(&digest[..16]);
        let etag = |suffix: &str| {
            HeaderValue::from_str(&format!("\"{tag}{suffix}\"")).expect("hex is ASCII")
        };
        let gzip = gzip(&bytes);
        let brotli = brotli(&bytes);
        Document {
            gzip: Variant {
                bytes: Bytes::from(gzip),
                etag: etag("-gz"),
            },
            brotli: Variant {
                bytes: Bytes::from(brotli),
                etag: etag("-br"),
            },
            identity: Variant {
                bytes: Bytes::from(bytes),
                etag: etag(""),
            },
        }
    }

    pub fn get(&self, encoding: Encoding) -> &Variant {
        match encoding {
            Encoding::Identity => &self.identity,
            Encoding::Gzip => &self.gzip,
            Encoding::Brotli => &self.brotli,
        }
    }

    /// The uncompressed representation: what is written to `feeds/`.
    pub fn identity(&self) -> &Variant {
        &self.identity
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::new(GZIP_LEVEL),
    );
    encoder
        .write_all(bytes)
        .expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail")
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 4);
    {
        let mut encoder =
            brotli::CompressorWriter::new(&mut out, 64 * 1024, BROTLI_QUALITY, BROTLI_WINDOW);
        encoder
            .write_all(bytes)
            .expect("writing to a Vec cannot fail");
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn every_encoding_decodes_to_the_same_bytes_with_its_own_etag() {
        let text = "<rss>caf\u{e9} &amp; news</rss>\n".repeat(200).into_bytes();
        let doc = Document::new(text.clone());
        let mut gunzipped = Vec::new();
        flate2::read::GzDecoder::new(&doc.get(Encoding::Gzip).bytes[..])
            .read_to_end(&mut gunzipped)
            .unwrap();
        assert_eq!(gunzipped, text);
        let mut unbrotli = Vec::new();
        brotli::Decompressor::new(&doc.get(Encoding::Brotli).bytes[..], 4096)
            .read_to_end(&mut unbrotli)
            .unwrap();
        assert_eq!(unbrotli, text);
        assert_eq!(doc.identity().bytes, text);
        assert!(doc.get(Encoding::Gzip).bytes.len() < text.len() / 5);
        let tags: Vec<&HeaderValue> = [Encoding::Identity, Encoding::Gzip, Encoding::Brotli]
            .iter()
            .map(|&e| &doc.get(e).etag)
            .collect();
        assert!(tags[1].to_str().unwrap().ends_with("-gz\""));
        assert!(tags[2].to_str().unwrap().ends_with("-br\""));
        assert_ne!(tags[0], tags[1]);
        assert_eq!(Document::new(text).identity().etag, *tags[0]);
    }
}
