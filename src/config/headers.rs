//! A table of request headers, each entry checked where it is read.
//!
//! Header names are the table's keys, so a per-value `Checked` cannot see them; this table
//! parses every name and value when it is deserialized and keeps the bad entries aside, so
//! `validate` reports each under its own key (`headers.User-Agent`) with the value's position,
//! together with every other problem.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use toml::Spanned;

/// Request headers as written, parsed.
#[derive(Debug, Default)]
pub struct Headers {
    written: BTreeMap<String, String>,
    map: HeaderMap,
    invalid: Vec<InvalidHeader>,
}

/// An entry that is not a valid HTTP header.
#[derive(Debug)]
pub struct InvalidHeader {
    pub name: String,
    pub span: Range<usize>,
    pub message: String,
}

impl Headers {
    /// The valid headers and the entries that are not.
    pub fn into_parts(self) -> (HeaderMap, Vec<InvalidHeader>) {
        (self.map, self.invalid)
    }
}

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let table = BTreeMap::<String, Spanned<String>>::deserialize(deserializer)?;
        let mut headers = Headers::default();
        for (name, value) in table {
            match (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value.get_ref()),
            ) {
                (Ok(n), Ok(v)) => {
                    headers.map.insert(n, v);
                }
                _ => headers.invalid.push(InvalidHeader {
                    message: format!("{name:?}: {:?} is not a valid HTTP header", value.get_ref()),
                    name: name.clone(),
                    span: value.span(),
                }),
            }
            headers.written.insert(name, value.into_inner());
        }
        Ok(headers)
    }
}

impl Serialize for Headers {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.written.serialize(serializer)
    }
}

impl JsonSchema for Headers {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Headers".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<BTreeMap<String, String>>()
    }
}
