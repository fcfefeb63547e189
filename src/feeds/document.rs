//! One rendered document, and its compressed forms made when first asked for.
//!
//! A feed is read far more often than it changes, so each compressed form is produced once
//! per change, not per request. It is produced on the first request that accepts it rather
//! than at render time: most feeds of a large config are never fetched compressed between
//! two changes (or at all), and a scrape should not pay for brotli on every render. Each
//! encoding is a different representation with its own strong ETag (`"…"`, `"…-gz"`,
//! `"…-br"`), derived from the identity digest, so validators are known before compressing.

use std::io::Write;
use std::sync::OnceLock;

use bytes::Bytes;
use sha2::{Digest, Sha256};

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

    fn etag_suffix(self) -> &'static str {
        match self {
            Encoding::Identity => "",
            Encoding::Gzip => "-gz",
            Encoding::Brotli => "-br",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The strong ETag of a document with this identity digest, in this encoding: the quoted
/// text of the header value (ASCII).
pub fn etag(digest: &str, encoding: Encoding) -> Bytes {
    Bytes::from(format!("\"{digest}{}\"", encoding.etag_suffix()))
}

/// The bytes of one representation and its validator.
#[derive(Debug, Clone)]
pub struct Variant {
    pub bytes: Bytes,
    /// Strong ETag, quoted.
    pub etag: Bytes,
}

/// One document: identity bytes, their digest, and compressed forms once made.
#[derive(Debug)]
pub struct Document {
    identity: Bytes,
    /// Hex of the first 16 bytes of the identity's SHA-256.
    digest: String,
    etags: [Bytes; 3],
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
}

/// gzip at its best level: it runs once per change, and `benches/serve.sh` gives nginx these
/// same bytes (`gzip_static`), so both servers send identical bodies.
const GZIP_LEVEL: u32 = 9;
/// Brotli quality 9 with a 4 MiB window: close to 11 in size for feed-sized text, an order of
/// magnitude faster.
const BROTLI_QUALITY: u32 = 9;
const BROTLI_WINDOW: u32 = 22;

impl Document {
    pub fn new(bytes: Vec<u8>) -> Document {
        let digest = hex(&Sha256::digest(&bytes)[..16]);
        let etags =
            [Encoding::Identity, Encoding::Gzip, Encoding::Brotli].map(|e| etag(&digest, e));
        Document {
            identity: Bytes::from(bytes),
            digest,
            etags,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
        }
    }

    /// The identity digest (hex), which names every ETag of the document.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    pub fn etag(&self, encoding: Encoding) -> &Bytes {
        &self.etags[encoding.index()]
    }

    /// The representation if it is ready: always for identity, for a compressed one once
    /// some request made it.
    pub fn ready(&self, encoding: Encoding) -> Option<Variant> {
        let bytes = match encoding {
            Encoding::Identity => Some(&self.identity),
            Encoding::Gzip => self.gzip.get(),
            Encoding::Brotli => self.brotli.get(),
        }?;
        Some(Variant {
            bytes: bytes.clone(),
            etag: self.etag(encoding).clone(),
        })
    }

    /// The representation, compressing now if no request did yet (CPU work: callers on the
    /// async runtime run this on a blocking thread when `ready` says no).
    pub fn get(&self, encoding: Encoding) -> Variant {
        let bytes = match encoding {
            Encoding::Identity => &self.identity,
            Encoding::Gzip => self.gzip.get_or_init(|| Bytes::from(gzip(&self.identity))),
            Encoding::Brotli => self
                .brotli
                .get_or_init(|| Bytes::from(brotli(&self.identity))),
        };
        Variant {
            bytes: bytes.clone(),
            etag: self.etag(encoding).clone(),
        }
    }

    /// The uncompressed bytes: what is written to `feeds/`.
    pub fn identity(&self) -> &Bytes {
        &self.identity
    }

    /// Bytes held now, counting compressed forms already made.
    pub fn held_bytes(&self) -> usize {
        self.identity.len()
            + self.gzip.get().map_or(0, Bytes::len)
            + self.brotli.get().map_or(0, Bytes::len)
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
        assert!(
            doc.ready(Encoding::Gzip).is_none(),
            "compressed on demand only"
        );
        assert!(doc.ready(Encoding::Identity).is_some());
        let mut gunzipped = Vec::new();
        flate2::read::GzDecoder::new(&doc.get(Encoding::Gzip).bytes[..])
            .read_to_end(&mut gunzipped)
            .unwrap();
        assert_eq!(gunzipped, text);
        assert!(doc.ready(Encoding::Gzip).is_some(), "made once, then kept");
        let mut unbrotli = Vec::new();
        brotli::Decompressor::new(&doc.get(Encoding::Brotli).bytes[..], 4096)
            .read_to_end(&mut unbrotli)
            .unwrap();
        assert_eq!(unbrotli, text);
        assert_eq!(doc.identity(), &text);
        assert!(doc.get(Encoding::Gzip).bytes.len() < text.len() / 5);
        assert!(doc.held_bytes() > text.len());
        let tags: Vec<Bytes> = [Encoding::Identity, Encoding::Gzip, Encoding::Brotli]
            .iter()
            .map(|&e| doc.get(e).etag)
            .collect();
        assert!(tags[1].ends_with(b"-gz\""));
        assert!(tags[2].ends_with(b"-br\""));
        assert_ne!(tags[0], tags[1]);
        assert_eq!(*Document::new(text).etag(Encoding::Identity), tags[0]);
        assert_eq!(etag(doc.digest(), Encoding::Gzip), tags[1]);
    }
}
