//! Keys whose value is one of a closed set, as serde enums.
//!
//! TOML rejects any other value while reading the file, with the key's line and column and
//! the accepted values ("unknown variant `rss`, expected `html` or `json`"), so nothing past
//! `raw` ever matches these as strings.

use schemars::JsonSchema;
use serde::Deserialize;

/// `[site.listing] type`: what the listing answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ListingType {
    /// A server-rendered page in which each article is an element.
    Html,
    /// An API answering JSON that holds an array of articles.
    Json,
}

/// The HTTP method of a listing request. Upper case is the documented spelling; `get`/`Get`
/// and `post`/`Post` are accepted too, as the method was read case-insensitively before it
/// was an enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
pub enum HttpMethod {
    #[serde(rename = "GET", alias = "get", alias = "Get")]
    Get,
    #[serde(rename = "POST", alias = "post", alias = "Post")]
    Post,
}

impl HttpMethod {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[[site.section]] filter_fields`: an entry field the include / exclude patterns look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FilterField {
    Title,
    Summary,
    Tags,
}
