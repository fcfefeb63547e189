//! Bytes → text: the charset from `Content-Type`, then `<meta charset>` / `http-equiv`, then a
//! byte-order mark, then detection (chardetng, Firefox's detector) for pages that say nothing
//! and are not UTF-8 — a windows-1251 page without a charset must not turn into mojibake.

use encoding_rs::Encoding;

/// Decodes a body to text.
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> String {
    let declared = content_type
        .and_then(charset_param)
        .and_then(|l| Encoding::for_label(l.as_bytes()))
        .or_else(|| meta_charset(bytes));
    let encoding = declared.unwrap_or_else(|| {
        if Encoding::for_bom(bytes).is_some() || std::str::from_utf8(bytes).is_ok() {
            encoding_rs::UTF_8
        } else {
            let mut detector =
                chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            detector.feed(bytes, true);
            detector.guess(None, chardetng::Utf8Detection::Allow)
        }
    });
    // `decode` honours a BOM over the chosen encoding, as browsers do.
    let (text, _, _) = encoding.decode(bytes);
    text.into_owned()
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

/// Finds `<meta charset=…>` or `<meta http-equiv content="…; charset=…">` in the first 2 KiB,
/// the window the HTML standard gives the prescan.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    let mut rest = head.as_str();
    while let Some(i) = rest.find("charset=") {
        let after = &rest[i + 8..];
        let label: String = after
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
            .collect();
        if let Some(encoding) = Encoding::for_label(label.as_bytes()) {
            return Some(encoding);
        }
        rest = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_charset_wins() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode("Москва");
        assert_eq!(
            decode(&bytes, Some("text/html; charset=windows-1251")),
            "Москва"
        );
    }

    #[test]
    fn meta_charset_is_used_without_a_header_charset() {
        let mut page = b"<html><head><meta charset=\"windows-1251\"></head><body>".to_vec();
        page.extend_from_slice(&encoding_rs::WINDOWS_1251.encode("Привет").0);
        assert!(decode(&page, Some("text/html")).ends_with("Привет"));
    }

    #[test]
    fn http_equiv_koi8() {
        let mut page =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\">".to_vec();
        page.extend_from_slice(&encoding_rs::KOI8_R.encode("Да").0);
        assert!(decode(&page, None).ends_with("Да"));
    }

    #[test]
    fn utf8_bom_is_stripped() {
        assert_eq!(decode(b"\xEF\xBB\xBFhi", None), "hi");
    }

    #[test]
    fn undeclared_windows_1251_is_detected() {
        let text = "<html><body><p>Президент России провёл совещание с членами правительства о развитии транспорта в регионах страны.</p></body></html>";
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        assert_eq!(decode(&bytes, Some("text/html")), text);
    }

    #[test]
    fn undeclared_utf8_stays_utf8() {
        assert_eq!(decode("Привет, мир".as_bytes(), None), "Привет, мир");
    }
}
