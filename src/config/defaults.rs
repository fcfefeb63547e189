//! The generic article rules used for any field a site does not declare.
//!
//! They follow the metadata conventions most news sites share (JSON-LD `NewsArticle`,
//! Open Graph, `article:*` meta tags, `<time datetime>`), so a site that publishes them
//! needs only a listing declaration.

use scraper::Selector;

use super::{Source, Take};

fn css(selector: &str, take: Take) -> Source {
    Source::Css {
        selector: Selector::parse(selector).expect("default selectors are valid"),
        css: selector.to_string(),
        take,
    }
}

fn json_ld(path: &str) -> Source {
    Source::JsonLd(path.split('.').map(str::to_string).collect())
}

/// Returns a function giving the default sources of an article field by name.
pub(super) fn article_sources() -> impl Fn(&str) -> Vec<Source> {
    |field| match field {
        "title" => vec![
            json_ld("headline"),
            Source::Meta("og:title".into()),
            css("h1", Take::Text),
            css("title", Take::Text),
        ],
        "summary" => vec![
            json_ld("description"),
            Source::Meta("og:description".into()),
            Source::Meta("description".into()),
        ],
        "body" => vec![
            css("[itemprop=articleBody]", Take::Html),
            css("article", Take::Html),
        ],
        "author" => vec![
            json_ld("author.name"),
            Source::Meta("author".into()),
            Source::Meta("article:author".into()),
        ],
        "tags" => vec![Source::Meta("article:tag".into()), json_ld("keywords")],
        "image" => vec![
            Source::Meta("og:image".into()),
            json_ld("image.url"),
            json_ld("image"),
        ],
        "published" => vec![
            json_ld("datePublished"),
            Source::Meta("article:published_time".into()),
            css("time[datetime]", Take::Attr("datetime".into())),
        ],
        "updated" => vec![
            json_ld("dateModified"),
            Source::Meta("article:modified_time".into()),
        ],
        _ => Vec::new(),
    }
}
