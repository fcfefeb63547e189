//! Lengths of an entry's values (`[limits]`): a text size in bytes, a number of tags, the
//! characters of one tag.
//!
//! Each has a floor below which a limit would cut every value to nothing useful and a cap
//! above which it no longer protects anything (a page is at most 16 MiB when fetched).

use crate::config::checked::Parse;

const MIN_TEXT: u64 = 64;
const MAX_TEXT: u64 = 16 << 20;
const MAX_TAGS: usize = 1000;
const MAX_TAG_CHARS: usize = 1000;

/// The longest a text value may be, in bytes: `"1 KiB"`, `"8KiB"`, `"1 MiB"`, `"300 B"`;
/// from 64 B to 16 MiB.
pub struct TextSize;

impl Parse for TextSize {
    type Raw = String;
    type Value = usize;
    const FORMAT: &'static str = "byte-size";

    fn parse(text: &String) -> Result<usize, String> {
        match text.trim().parse::<bytesize::ByteSize>() {
            Ok(size) if (MIN_TEXT..=MAX_TEXT).contains(&size.as_u64()) => {
                Ok(size.as_u64() as usize)
            }
            Ok(_) => Err(format!("{text:?} must be at least 64 B and at most 16 MiB")),
            Err(e) => Err(format!(
                "{text:?} is not a size like \"1 KiB\" or \"300 B\": {e}"
            )),
        }
    }
}

/// How many tags an entry keeps: 0 (none) to 1000.
pub struct TagCount;

impl Parse for TagCount {
    type Raw = usize;
    type Value = usize;
    const FORMAT: &'static str = "count";

    fn parse(count: &usize) -> Result<usize, String> {
        if *count > MAX_TAGS {
            return Err(format!("{count} is more than {MAX_TAGS}"));
        }
        Ok(*count)
    }
}

/// How many characters one tag keeps: 1 to 1000.
pub struct TagLength;

impl Parse for TagLength {
    type Raw = usize;
    type Value = usize;
    const FORMAT: &'static str = "count";

    fn parse(length: &usize) -> Result<usize, String> {
        if !(1..=MAX_TAG_CHARS).contains(length) {
            return Err(format!("{length} is not between 1 and {MAX_TAG_CHARS}"));
        }
        Ok(*length)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(TextSize::parse(&"1 KiB".into()), Ok(1024));
        assert_eq!(TextSize::parse(&" 300 B ".into()), Ok(300));
        assert_eq!(TextSize::parse(&"16 MiB".into()), Ok(16 << 20));
        assert!(TextSize::parse(&"63 B".into())
            .unwrap_err()
            .contains("at least 64 B and at most 16 MiB"));
        assert!(TextSize::parse(&"17 MiB".into()).is_err());
        assert!(TextSize::parse(&"lots".into())
            .unwrap_err()
            .contains("is not a size"));
        assert_eq!(TagCount::parse(&0), Ok(0));
        assert!(TagCount::parse(&1001).is_err());
        assert!(TagLength::parse(&0).is_err());
        assert_eq!(TagLength::parse(&100), Ok(100));
    }
}
