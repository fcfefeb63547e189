//! serde's messages for what TOML itself rejects, reworded for the people who write configs.
//!
//! serde says "invalid type: string \"ten\", expected usize" and "unknown field `intervl`,
//! expected one of `id`, `title`, …": right, but in Rust's terms, and without the one
//! suggestion that fixes a typo. `humanize` keeps the message's facts and changes only its
//! words: Rust type names become the kind of TOML value to write ("a whole number"), and an
//! unknown key gets "did you mean `interval`?" when one expected key is close to it (`strsim`).
//! A message it does not recognise is returned as it is.

/// The message of a serde error, in plain words.
pub(super) fn humanize(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        return unknown(message, rest);
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        return unknown(message, rest);
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        if let Some((found, expected)) = rest.rsplit_once(", expected ") {
            return format!(
                "expected {}, found {}",
                expected_words(expected),
                found_words(found)
            );
        }
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        if let Some((found, expected)) = rest.rsplit_once(", expected ") {
            return format!("expected {}, found {found}", expected_words(expected));
        }
    }
    message.to_string()
}

/// serde's "unknown field `x`, expected one of `a`, `b`" with a suggestion after it; `rest`
/// follows the opening backtick. serde's words stay: they are what people search for.
fn unknown(message: &str, rest: &str) -> String {
    let Some((name, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let choices: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match closest(name, &choices) {
        Some(choice) => format!("{message}; did you mean `{choice}`?"),
        None => message.to_string(),
    }
}

/// The expected name most like `name`, if one is like it at all.
fn closest<'a>(name: &str, choices: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_lowercase();
    choices
        .iter()
        .map(|c| (c, strsim::jaro_winkler(&lower, &c.to_lowercase())))
        .filter(|(_, score)| *score >= 0.8)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| *c)
}

/// What serde expected, as the kind of TOML value to write.
fn expected_words(expected: &str) -> String {
    let words = match expected.trim() {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number (0 or more)",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "a boolean" => "true or false",
        "a string" | "a borrowed string" | "string" => "a quoted string",
        "a sequence" => "a list in brackets, like [\"a\", \"b\"]",
        "a map" => "a table",
        other if other.starts_with("struct ") => "a table",
        other => return other.to_string(),
    };
    words.to_string()
}

/// What serde found, without Rust's names.
fn found_words(found: &str) -> String {
    match found {
        "sequence" => "a list".into(),
        "map" => "a table".into(),
        other => other
            .replace("integer ", "the number ")
            .replace("floating point ", "the number ")
            .replace("string ", "the string ")
            .replace("boolean ", ""),
    }
}

#[cfg(test)]
mod tests {
    use super::humanize;

    #[test]
    fn type_errors_name_toml_values() {
        for (serde, human) in [
            (
                "invalid type: string \"ten\", expected usize",
                "expected a whole number (0 or more), found the string \"ten\"",
            ),
            (
                "invalid type: integer `5`, expected a string",
                "expected a quoted string, found the number `5`",
            ),
            (
                "invalid type: string \"yes\", expected a boolean",
                "expected true or false, found the string \"yes\"",
            ),
            (
                "invalid type: string \"a\", expected a sequence",
                "expected a list in brackets, like [\"a\", \"b\"], found the string \"a\"",
            ),
            (
                "invalid type: integer `1`, expected struct RawListing",
                "expected a table, found the number `1`",
            ),
        ] {
            assert_eq!(humanize(serde), human);
        }
    }

    #[test]
    fn unknown_keys_get_the_closest_expected_one() {
        let message = humanize(
            "unknown field `intervl`, expected one of `id`, `title`, `interval`, `timeout`",
        );
        assert!(
            message.starts_with("unknown field `intervl`, expected one of `id`"),
            "{message}"
        );
        assert!(message.ends_with("; did you mean `interval`?"), "{message}");
        let far = humanize("unknown field `colour`, expected one of `id`, `title`");
        assert!(!far.contains("did you mean"), "{far}");
        let variant = humanize("unknown variant `jsn`, expected `html` or `json`");
        assert!(variant.contains("did you mean `json`?"), "{variant}");
        assert_eq!(humanize("something else"), "something else");
    }
}
