//! JSON-LD: the page's objects (the one describing this page first) and the values at a key
//! path.
//!
//! Pages write JSON-LD in every shape the spec allows and some it does not: one object, an
//! array, a `@graph`, the article nested as a `WebPage`'s `mainEntity`, the script body
//! wrapped in `<![CDATA[ … ]]>` or an HTML comment, raw newlines inside strings. All of them
//! are read; a script that still is not JSON, or is too large to be metadata, is skipped with
//! a problem the caller reports (`check`, the log) instead of failing silently.

use serde_json::Value;
use url::Url;

use crate::html::non_empty;

/// A JSON-LD script longer than this is not read: real article metadata, `articleBody`
/// included, stays far below; beyond it the script is a data dump that would only cost time.
pub(super) const MAX_SCRIPT: usize = 1 << 20;

/// Types that describe an article: every schema.org `*Article` (`NewsArticle`,
/// `ReportageNewsArticle`, `ScholarlyArticle`…) and these.
const POSTING_TYPES: [&str; 5] = [
    "BlogPosting",
    "LiveBlogPosting",
    "SocialMediaPosting",
    "DiscussionForumPosting",
    "Report",
];

/// The page's JSON-LD, read.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct JsonLd {
    /// Every object, arrays, `@graph` and `mainEntity` unfolded, article types first.
    pub(super) objects: Vec<Value>,
    /// Scripts that could not be read, each said in one line.
    pub(super) problems: Vec<String>,
}

/// The JSON-LD objects of the page's scripts, article types first.
pub(super) fn json_ld_objects(scripts: Vec<String>) -> JsonLd {
    let mut read = JsonLd::default();
    for (i, text) in scripts.into_iter().enumerate() {
        if text.len() > MAX_SCRIPT {
            read.problems.push(format!(
                "JSON-LD script {} is {} KiB, over the {} KiB read: skipped",
                i + 1,
                text.len() / 1024,
                MAX_SCRIPT / 1024
            ));
            continue;
        }
        let body = unwrapped(&text);
        if body.is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<Value>(body).or_else(|first| {
            // Hand-written JSON-LD often carries raw newlines inside strings; hostile JSON-LD,
            // other controls or lone surrogates (`"\ud800"`): read as a lenient reader would.
            serde_json::from_str(&crate::text::lenient_json(body)).map_err(|_| first)
        });
        match parsed {
            Ok(value) => unfold(value, &mut read.objects),
            Err(e) => read.problems.push(format!(
                "JSON-LD script {} is not valid JSON ({e}): skipped",
                i + 1
            )),
        }
    }
    read.objects.sort_by_key(|v| !is_article(v));
    read
}

/// The script's JSON, without the `<![CDATA[ … ]]>` or `<!-- … -->` some pages wrap it in
/// (with or without `//` before the markers, as old XHTML habits write it).
fn unwrapped(text: &str) -> &str {
    let mut body = text.trim();
    for (open, close) in [("<![CDATA[", "]]>"), ("<!--", "-->")] {
        let start = body.strip_prefix("//").map(str::trim_start).unwrap_or(body);
        if let Some(rest) = start.strip_prefix(open) {
            let rest = rest.trim_end();
            let rest = rest.strip_suffix(close).unwrap_or(rest).trim_end();
            body = rest.strip_suffix("//").unwrap_or(rest).trim();
        }
    }
    body
}

/// Objects of `value` in document order: arrays and `@graph` spread, an object's
/// `mainEntity` (the article a `WebPage` is about) added after it.
fn unfold(value: Value, out: &mut Vec<Value>) {
    match value {
        Value::Array(items) => items.into_iter().for_each(|v| unfold(v, out)),
        Value::Object(mut map) => {
            let graph = map.remove("@graph");
            let main = match map.get("mainEntity") {
                Some(v @ (Value::Object(_) | Value::Array(_))) => Some(v.clone()),
                _ => None,
            };
            out.push(Value::Object(map));
            if let Some(graph) = graph {
                unfold(graph, out);
            }
            if let Some(main) = main {
                unfold(main, out);
            }
        }
        _ => {}
    }
}

/// The object's `@type`s without a vocabulary prefix (`schema:NewsArticle`,
/// `http://schema.org/NewsArticle`).
fn types(value: &Value) -> Vec<&str> {
    fn short(t: &str) -> &str {
        t.rsplit(['/', ':', '#']).next().unwrap_or(t)
    }
    match value.get("@type") {
        Some(Value::String(t)) => vec![short(t)],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).map(short).collect(),
        _ => Vec::new(),
    }
}

/// Whether the object describes an article (see [`POSTING_TYPES`]).
pub(super) fn is_article(value: &Value) -> bool {
    types(value)
        .iter()
        .any(|t| t.ends_with("Article") || POSTING_TYPES.contains(t))
}

/// The article object that describes the page at `url`: the one whose `url`, `@id` or
/// `mainEntityOfPage` is this page; else the first article. `None` when the page's JSON-LD
/// holds no article.
pub(super) fn main_article<'v>(objects: &'v [Value], url: &Url) -> Option<&'v Value> {
    main_index(objects, url).map(|i| &objects[i])
}

fn main_index(objects: &[Value], url: &Url) -> Option<usize> {
    let this_page = |v: &Value| {
        ["url", "@id", "mainEntityOfPage"].iter().any(|key| {
            let named = match v.get(*key) {
                Some(Value::String(s)) => Some(s.as_str()),
                Some(Value::Object(o)) => o
                    .get("@id")
                    .or_else(|| o.get("url"))
                    .and_then(Value::as_str),
                _ => None,
            };
            named.is_some_and(|n| same_page(n, url))
        })
    };
    let mut articles = objects.iter().enumerate().filter(|(_, v)| is_article(v));
    let first = articles.clone().next().map(|(i, _)| i);
    articles
        .find(|(_, v)| this_page(v))
        .map(|(i, _)| i)
        .or(first)
}

/// Whether `named` (absolute or relative) is the page at `url`, ignoring the scheme, a
/// `www.`, the fragment and a trailing slash.
pub(super) fn same_page(named: &str, url: &Url) -> bool {
    let Ok(named) = url.join(named.trim()) else {
        return false;
    };
    let key = |u: &Url| {
        let host = u.host_str().unwrap_or("");
        let host = host.strip_prefix("www.").unwrap_or(host).to_string();
        let path = u.path().trim_end_matches('/').to_string();
        (host, path, u.query().map(str::to_string))
    };
    key(&named) == key(url)
}

/// Values at a JSON-LD path; arrays on the way fan out (`author.name` over several authors).
pub(super) fn json_values(value: &Value, path: &[String]) -> Vec<String> {
    let Some((head, rest)) = path.split_first() else {
        return match value {
            Value::String(s) => non_empty(s.trim().to_string()).into_iter().collect(),
            Value::Number(n) => vec![n.to_string()],
            Value::Array(items) => items.iter().flat_map(|v| json_values(v, path)).collect(),
            // `"image": {"url": …}`, `"author": {"name": …}` when the path stops one level short.
            Value::Object(map) => ["url", "name", "@id"]
                .iter()
                .find_map(|k| map.get(*k).and_then(|v| v.as_str()))
                .map(|s| vec![s.to_string()])
                .unwrap_or_default(),
            _ => Vec::new(),
        };
    };
    match value {
        Value::Object(map) => map
            .get(head)
            .map(|v| json_values(v, rest))
            .unwrap_or_default(),
        Value::Array(items) => items.iter().flat_map(|v| json_values(v, path)).collect(),
        _ => Vec::new(),
    }
}

/// Puts the page's main article object first, so that declared `json_ld` rules read it
/// before any other article the page describes (related stories, a live blog's posts).
pub(super) fn main_first(objects: &mut [Value], url: &Url) {
    if let Some(at) = main_index(objects, url) {
        objects[..=at].rotate_right(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(scripts: &[&str]) -> JsonLd {
        json_ld_objects(scripts.iter().map(|s| s.to_string()).collect())
    }

    fn page() -> Url {
        Url::parse("https://www.example.com/news/a-story/").unwrap()
    }

    #[test]
    fn cdata_and_comment_wrapped_scripts_are_read() {
        for script in [
            r#"<![CDATA[ {"@type": "NewsArticle", "headline": "H"} ]]>"#,
            "//<![CDATA[\n{\"@type\": \"NewsArticle\", \"headline\": \"H\"}\n//]]>",
            "<!-- {\"@type\": \"NewsArticle\", \"headline\": \"H\"} -->",
        ] {
            let read = read(&[script]);
            assert!(read.problems.is_empty(), "{script}: {:?}", read.problems);
            assert_eq!(read.objects[0]["headline"], "H", "{script}");
        }
    }

    #[test]
    fn invalid_and_enormous_scripts_are_problems_not_silence() {
        let huge = format!(
            r#"{{"@type": "NewsArticle", "articleBody": "{}"}}"#,
            "x".repeat(MAX_SCRIPT)
        );
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let read = read(&[
            "{not json",
            &huge,
            &deep,
            r#"{"@type": "Article", "headline": "ok"}"#,
        ]);
        assert_eq!(read.objects.len(), 1);
        assert_eq!(read.problems.len(), 3, "{:?}", read.problems);
        assert!(read.problems[0].starts_with("JSON-LD script 1 is not valid JSON"));
        assert!(read.problems[1].contains("over the 1024 KiB read"));
        assert!(read.problems[2].starts_with("JSON-LD script 3 is not valid JSON"));
    }

    #[test]
    fn the_article_this_page_describes_is_told_apart() {
        let read = read(&[r#"{"@context": "https://schema.org", "@graph": [
            {"@type": "WebSite", "name": "Example"},
            {"@type": "NewsArticle", "url": "https://example.com/news/other", "headline": "Other"},
            {"@type": ["schema:ReportageNewsArticle"], "mainEntityOfPage": {"@id": "http://example.com/news/a-story"}, "headline": "This"}
        ]}"#]);
        let main = main_article(&read.objects, &page()).unwrap();
        assert_eq!(main["headline"], "This");
        let mut objects = read.objects.clone();
        main_first(&mut objects, &page());
        assert_eq!(objects[0]["headline"], "This");
        assert_eq!(objects[1]["headline"], "Other");
    }

    #[test]
    fn a_web_pages_main_entity_is_an_object_of_its_own() {
        let post = read(&[
            r#"{"@type": "WebPage", "mainEntity": {"@type": "BlogPosting", "headline": "Post"}}"#,
        ]);
        assert_eq!(
            main_article(&post.objects, &page()).unwrap()["headline"],
            "Post"
        );
        let none = read(&[r#"{"@type": "WebPage", "name": "Not an article"}"#]);
        assert!(main_article(&none.objects, &page()).is_none());
    }
}
