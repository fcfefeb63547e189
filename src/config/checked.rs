//! `Checked<P>`: a config value parsed where it is read, its problem kept for later.
//!
//! A raw struct field of type `Checked<P>` deserializes the TOML value `P::Raw` with its
//! position (`toml::Spanned`) and runs `P::parse` on it at once. The outcome is kept either
//! way: a value that is wrong in itself (`interval = "soon"`) does not abort deserialization,
//! so `validate` can still report it together with every other problem, at its line and
//! column, under the site, section and key it belongs to. Only what TOML itself rejects (bad
//! syntax, an unknown key, a value of the wrong TOML type, an unknown enum variant) stops
//! reading at the first error.
//!
//! Invariants:
//! - a `Checked` never holds a problem unless `P::parse` rejected `raw`;
//! - `validate` reports a problem when it takes the value (`Checker::take`), so a value the
//!   configuration does not use (a `css` in a JSON listing field, which is an error of its
//!   own) is not reported twice;
//! - serializing gives back the raw TOML value, so a default declared with
//!   `#[serde(default = "…")]` shows in the derived schema as the user would write it.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use toml::Spanned;

/// How one kind of value is read from its TOML form (the parsers are in `values`).
pub trait Parse {
    /// The TOML form: a string for most values, a number for counts.
    type Raw: DeserializeOwned + Serialize + JsonSchema + fmt::Debug;
    /// The typed value the rest of the program uses.
    type Value;
    /// The schema's `format` of the raw value, such as `"duration"`.
    const FORMAT: &'static str;

    /// Reads the value, or says in a lower-case sentence why it cannot be used.
    fn parse(raw: &Self::Raw) -> Result<Self::Value, String>;
}

/// A raw value, where the file holds it (none for a default), and the parse outcome.
pub struct Checked<P: Parse> {
    raw: P::Raw,
    span: Option<Range<usize>>,
    value: Result<P::Value, String>,
    parser: PhantomData<P>,
}

impl<P: Parse> Checked<P> {
    /// A value that is not in the file: a default.
    pub fn unspanned(raw: P::Raw) -> Checked<P> {
        Checked::read(raw, None)
    }

    fn read(raw: P::Raw, span: Option<Range<usize>>) -> Checked<P> {
        Checked {
            value: P::parse(&raw),
            raw,
            span,
            parser: PhantomData,
        }
    }

    /// The value as written.
    pub fn raw(&self) -> &P::Raw {
        &self.raw
    }

    /// Byte range of the value in the file.
    pub fn span(&self) -> Option<Range<usize>> {
        self.span.clone()
    }

    /// The parsed value, or the problem with it.
    pub fn into_value(self) -> Result<P::Value, String> {
        self.value
    }

    /// The parsed value of a built-in default, which is valid by construction (checked by
    /// the `defaults` tests).
    pub fn valid(self) -> P::Value {
        match self.value {
            Ok(value) => value,
            Err(problem) => panic!("invalid built-in value {:?}: {problem}", self.raw),
        }
    }
}

impl<'de, P: Parse> Deserialize<'de> for Checked<P> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<P::Raw>::deserialize(deserializer).map_err(|e| {
            // "expected a string" says nothing of what to write; the kind of value does.
            match (
                kind_of(P::FORMAT),
                e.to_string().split_once("invalid type: "),
            ) {
                (Some(kind), Some((_, found))) => {
                    let found = found.split(", expected").next().unwrap_or(found);
                    // Worded like serde's own, so `validate` rewords `found` the same way.
                    serde::de::Error::custom(format!("invalid type: {found}, expected {kind}"))
                }
                _ => e,
            }
        })?;
        let span = spanned.span();
        Ok(Checked::read(spanned.into_inner(), Some(span)))
    }
}

/// The kind of value a `Parse::FORMAT` stands for, as a type error names it.
fn kind_of(format: &str) -> Option<&'static str> {
    Some(match format {
        "duration" => "a duration like \"15m\" or \"1h 30m\"",
        "byte-size" => "a size like \"16 MiB\"",
        "count" => "a whole number",
        "fraction" => "a number like 0.1",
        "css-selector" => "a CSS selector in quotes",
        "regex" => "a regular expression in quotes",
        "iana-time-zone" => "a time zone name like \"Europe/Moscow\"",
        "language-tag" => "a language tag like \"en\"",
        "uri" => "a URL in quotes",
        "slug" => "an id in quotes (lower-case letters, digits, - and _)",
        "socket-address" => "an address like \"127.0.0.1:8080\"",
        "template" => "a template in quotes",
        "keyword-or-regex" => "a keyword or a /regex/ in quotes",
        _ => return None,
    })
}

impl<P: Parse> Serialize for Checked<P> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

impl<P: Parse> JsonSchema for Checked<P> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        P::Raw::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        format!("Checked<{}>", std::any::type_name::<P>()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut schema = generator.subschema_for::<P::Raw>();
        schema.insert("format".into(), P::FORMAT.into());
        schema
    }
}

impl<P: Parse> fmt::Debug for Checked<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checked")
            .field("raw", &self.raw)
            .field("span", &self.span)
            .field("problem", &self.value.as_ref().err())
            .finish()
    }
}
