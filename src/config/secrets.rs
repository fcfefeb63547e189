//! `${NAME}` in config string values: secrets (an API token in a header, the admin token)
//! come from the environment instead of the file.
//!
//! Done once, on the parsed document before it becomes the raw structs, so every string
//! value of every key takes variables, and each value's checks (a header, a URL) see the
//! substituted text. Keys (table names, header names) are never substituted.
//!
//! - `${NAME}` is replaced by the variable's value; `NAME` is letters, digits and `_`, not
//!   starting with a digit.
//! - `$${` is a literal `${`; any other `$` is itself (`"$5"`, `"a$b"`).
//! - A variable that is not set, or a `${` that does not form `${NAME}`, is a problem at the
//!   value's line and column naming the key and the variable; all are reported at once.

use std::borrow::Cow;
use std::ops::Range;

use toml::de::{DeArray, DeTable, DeValue};

use super::locate::Env;

/// A value whose variables cannot be substituted.
pub(super) struct Unset {
    pub span: Range<usize>,
    /// The dotted key, `site[0].headers.Authorization`.
    pub key: String,
    pub message: String,
}

/// Substitutes every string value under `table`; `prefix` is its dotted key ("" at the top).
pub(super) fn substitute(table: &mut DeTable<'_>, env: Env<'_>) -> Vec<Unset> {
    let mut problems = Vec::new();
    in_table(table, "", env, &mut problems);
    problems
}

fn in_table(table: &mut DeTable<'_>, prefix: &str, env: Env<'_>, out: &mut Vec<Unset>) {
    for (key, value) in table.iter_mut() {
        let key = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        let span = value.span();
        in_value(value.get_mut(), span, &key, env, out);
    }
}

fn in_array(array: &mut DeArray<'_>, key: &str, env: Env<'_>, out: &mut Vec<Unset>) {
    for (i, value) in array.iter_mut().enumerate() {
        let span = value.span();
        in_value(value.get_mut(), span, &format!("{key}[{i}]"), env, out);
    }
}

fn in_value(
    value: &mut DeValue<'_>,
    span: Range<usize>,
    key: &str,
    env: Env<'_>,
    out: &mut Vec<Unset>,
) {
    match value {
        DeValue::String(text) => match expand(text, env) {
            Ok(Some(expanded)) => *text = Cow::Owned(expanded),
            Ok(None) => {}
            Err(message) => out.push(Unset {
                span,
                key: key.to_string(),
                message,
            }),
        },
        DeValue::Array(array) => in_array(array, key, env, out),
        DeValue::Table(table) => in_table(table, key, env, out),
        _ => {}
    }
}

/// `text` with its variables substituted; `None` when it has none (most values).
fn expand(text: &str, env: Env<'_>) -> Result<Option<String>, String> {
    if !text.contains("${") {
        return Ok(None);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        if let Some(literal) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = literal;
        } else if let Some(open) = after.strip_prefix("${") {
            let Some(close) = open.find('}') else {
                return Err(
                    "`${` starts an environment variable but no `}` ends it; write \
                            `$${` for a literal `${`"
                        .to_string(),
                );
            };
            let name = &open[..close];
            if !is_name(name) {
                return Err(format!(
                    "`${{{name}}}` is not an environment variable name (letters, digits and \
                     `_`); write `$${{` for a literal `${{`"
                ));
            }
            match env(name) {
                Some(value) => out.push_str(&value),
                None => {
                    return Err(format!(
                        "the environment variable `{name}` is not set (or not UTF-8)"
                    ))
                }
            }
            rest = &open[close + 1..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok(Some(out))
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "TOKEN" => Some("s3cr\"et".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn variables_are_replaced_and_escapes_kept() {
        for (text, expected) in [
            ("Bearer ${TOKEN}", Some("Bearer s3cr\"et")),
            ("${TOKEN}${TOKEN}", Some("s3cr\"ets3cr\"et")),
            ("[${EMPTY}]", Some("[]")),
            ("$${TOKEN}", Some("${TOKEN}")),
            ("a $5 $b $${", Some("a $5 $b ${")),
            ("no variables", None),
            ("costs $5", None),
        ] {
            assert_eq!(expand(text, &env).unwrap().as_deref(), expected, "{text}");
        }
    }

    #[test]
    fn unset_and_malformed_variables_are_errors_naming_them() {
        let unset = expand("Bearer ${API_KEY}", &env).unwrap_err();
        assert!(unset.contains("`API_KEY` is not set"), "{unset}");
        let open = expand("${TOKEN", &env).unwrap_err();
        assert!(open.contains("no `}` ends it"), "{open}");
        let bad = expand("${not a name}", &env).unwrap_err();
        assert!(bad.contains("`${not a name}` is not"), "{bad}");
        assert!(bad.contains("$${"), "{bad}");
    }
}
