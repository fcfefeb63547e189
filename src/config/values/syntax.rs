//! Small languages compiled at load: regexes, CSS selectors, templates, filter patterns,
//! and the template values of a section.

use std::borrow::Cow;

use regex::Regex;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use scraper::Selector;
use serde::{Deserialize, Serialize};

use crate::config::checked::Parse;
use crate::config::filter::Pattern;
use crate::config::rules::Css;
use crate::config::template::Template;

/// A regular expression in the `regex` crate's syntax.
pub struct RegexText;

impl Parse for RegexText {
    type Raw = String;
    type Value = Regex;
    const FORMAT: &'static str = "regex";

    fn parse(text: &String) -> Result<Regex, String> {
        Regex::new(text).map_err(|e| format!("{text:?} is not a valid regex: {e}"))
    }
}

/// A CSS selector, compiled once here; the text is kept for messages and for readers that
/// compile it their own way.
pub struct CssSelector;

impl CssSelector {
    /// Also used by `validate` for a listing's `items`, a selector only in HTML listings.
    pub fn compile(text: &str) -> Result<Css, String> {
        Selector::parse(text)
            .map(|selector| Css {
                text: text.to_string(),
                selector,
            })
            .map_err(|_| {
                let why = super::selector_error::explain(text);
                format!("`{text}` is not a valid CSS selector: {why}")
            })
    }
}

impl Parse for CssSelector {
    type Raw = String;
    type Value = Css;
    const FORMAT: &'static str = "css-selector";

    fn parse(text: &String) -> Result<Css, String> {
        CssSelector::compile(text)
    }
}

/// A `{{name}}` template; its names are checked against each section in `validate`.
pub struct TemplateText;

impl Parse for TemplateText {
    type Raw = String;
    type Value = Template;
    const FORMAT: &'static str = "template";

    fn parse(text: &String) -> Result<Template, String> {
        Template::parse(text)
    }
}

/// An include / exclude pattern: a keyword or a `/regex/`.
pub struct FilterPattern;

impl Parse for FilterPattern {
    type Raw = String;
    type Value = Pattern;
    const FORMAT: &'static str = "keyword-or-regex";

    fn parse(text: &String) -> Result<Pattern, String> {
        Pattern::parse(text)
    }
}

/// A section's template value: a string, or a number or boolean written as text.
pub struct ParamValue;

impl Parse for ParamValue {
    type Raw = TomlValue;
    type Value = String;
    const FORMAT: &'static str = "scalar";

    fn parse(value: &Self::Raw) -> Result<String, String> {
        match &value.0 {
            toml::Value::String(s) => Ok(s.clone()),
            toml::Value::Integer(i) => Ok(i.to_string()),
            toml::Value::Float(f) => Ok(f.to_string()),
            toml::Value::Boolean(b) => Ok(b.to_string()),
            other => Err(format!(
                "must be a string or a number, not {}",
                other.type_str()
            )),
        }
    }
}

/// Any TOML value, for keys whose parser decides which types it takes.
#[derive(Debug, Deserialize, Serialize)]
#[serde(transparent)]
pub struct TomlValue(pub toml::Value);

impl JsonSchema for TomlValue {
    fn schema_name() -> Cow<'static, str> {
        "TomlScalar".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "integer", "number", "boolean"] })
    }
}
