//! `{{name}}` templates for listing URLs and request bodies.
//!
//! A JSON body is full of braces, so placeholders are double-braced identifiers and nothing
//! else: `{"sectionId": {{section_id}}}` has one placeholder. Templates are parsed once at
//! config load, and every name is checked there against what each section will provide, so a
//! render can never meet an unknown name.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Var(String),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    pieces: Vec<Piece>,
}

/// How substituted values are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// Inserted as is (URLs built from trusted config values).
    None,
    /// Escaped for the inside of a JSON string (`"` `\` and control characters), so a value
    /// read from a page cannot break out of the body's structure.
    Json,
}

impl Template {
    /// Parses `text`; fails on an unclosed `{{` or a placeholder that is not an identifier.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                return Err(format!("unclosed \"{{{{\" in template {text:?}"));
            };
            let name = after[..end].trim();
            if !is_identifier(name) {
                // Not ours (for example `{{` inside JSON): keep the braces literally.
                pieces.push(Piece::Literal(rest[..start + 2].to_string()));
                rest = after;
                continue;
            }
            if start > 0 {
                pieces.push(Piece::Literal(rest[..start].to_string()));
            }
            pieces.push(Piece::Var(name.to_string()));
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Literal(rest.to_string()));
        }
        Ok(Template {
            source: text.to_string(),
            pieces,
        })
    }

    /// The placeholder names, in order of appearance.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var(name) => Some(name.as_str()),
            Piece::Literal(_) => None,
        })
    }

    /// Fills the template; `lookup` returns `None` for a name it does not know, which is an
    /// error naming it (config validation makes that unreachable for declared sections).
    pub fn render<'a>(
        &self,
        escape: Escape,
        lookup: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<String, String> {
        let mut out = String::with_capacity(self.source.len() + 16);
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Var(name) => {
                    let value = lookup(name).ok_or_else(|| {
                        format!("no value for {{{{{name}}}}} in {:?}", self.source)
                    })?;
                    match escape {
                        Escape::None => out.push_str(value),
                        Escape::Json => push_json_escaped(&mut out, value),
                    }
                }
            }
        }
        Ok(out)
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn push_json_escaped(out: &mut String, value: &str) {
    // serde_json's string encoder, minus the surrounding quotes.
    let quoted = serde_json::to_string(value).unwrap_or_default();
    out.push_str(&quoted[1..quoted.len().saturating_sub(1)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<&'static str> {
        match name {
            "section_id" => Some("4954"),
            "q" => Some("a\"b"),
            _ => None,
        }
    }

    #[test]
    fn json_body_keeps_its_braces() {
        let t = Template::parse(r#"{"sectionId": {{section_id}}, "limit": 20}"#).unwrap();
        assert_eq!(t.names().collect::<Vec<_>>(), ["section_id"]);
        assert_eq!(
            t.render(Escape::Json, vars).unwrap(),
            r#"{"sectionId": 4954, "limit": 20}"#
        );
    }

    #[test]
    fn nested_json_objects_are_not_placeholders() {
        let t = Template::parse(r#"{"a": {"b": {{ q }}}}"#).unwrap();
        assert_eq!(t.names().collect::<Vec<_>>(), ["q"]);
        assert_eq!(
            t.render(Escape::Json, vars).unwrap(),
            r#"{"a": {"b": a\"b}}"#
        );
    }

    #[test]
    fn unknown_name_is_an_error_naming_it() {
        let t = Template::parse("{{base_url}}/x").unwrap();
        let err = t.render(Escape::None, vars).unwrap_err();
        assert!(err.contains("{{base_url}}"), "{err}");
    }

    #[test]
    fn unclosed_placeholder_is_rejected() {
        assert!(Template::parse("{{base_url/x").is_err());
    }
}
