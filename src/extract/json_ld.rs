//! JSON-LD: the page's objects (article types first) and the values at a key path.

use crate::html::non_empty;

const ARTICLE_TYPES: [&str; 8] = [
    "NewsArticle",
    "Article",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "BlogPosting",
    "OpinionNewsArticle",
    "LiveBlogPosting",
    "TechArticle",
];

/// The JSON-LD objects of the page's scripts, article types first, `@graph` arrays flattened.
pub(super) fn json_ld_objects(scripts: Vec<String>) -> Vec<serde_json::Value> {
    let mut objects = Vec::new();
    for text in scripts {
        let parsed = serde_json::from_str::<serde_json::Value>(&text).or_else(|_| {
            // Hand-written JSON-LD often carries raw newlines inside strings; hostile JSON-LD,
            // other controls or lone surrogates (`"\ud800"`): read as a lenient reader would.
            serde_json::from_str(&crate::text::lenient_json(&text))
        });
        if let Ok(value) = parsed {
            flatten_json_ld(value, &mut objects);
        }
    }
    let is_article = |v: &serde_json::Value| match v.get("@type") {
        Some(serde_json::Value::String(t)) => ARTICLE_TYPES.contains(&t.as_str()),
        Some(serde_json::Value::Array(ts)) => ts
            .iter()
            .any(|t| t.as_str().is_some_and(|t| ARTICLE_TYPES.contains(&t))),
        _ => false,
    };
    objects.sort_by_key(|v| !is_article(v));
    objects
}

fn flatten_json_ld(value: serde_json::Value, out: &mut Vec<serde_json::Value>) {
    match value {
        serde_json::Value::Array(items) => items.into_iter().for_each(|v| flatten_json_ld(v, out)),
        serde_json::Value::Object(mut map) => {
            if let Some(graph) = map.remove("@graph") {
                flatten_json_ld(graph, out);
            }
            out.push(serde_json::Value::Object(map));
        }
        _ => {}
    }
}

/// Values at a JSON-LD path; arrays on the way fan out (`author.name` over several authors).
pub(super) fn json_values(value: &serde_json::Value, path: &[String]) -> Vec<String> {
    let Some((head, rest)) = path.split_first() else {
        return match value {
            serde_json::Value::String(s) => non_empty(s.trim().to_string()).into_iter().collect(),
            serde_json::Value::Number(n) => vec![n.to_string()],
            serde_json::Value::Array(items) => {
                items.iter().flat_map(|v| json_values(v, path)).collect()
            }
            // `"image": {"url": …}`, `"author": {"name": …}` when the path stops one level short.
            serde_json::Value::Object(map) => ["url", "name", "@id"]
                .iter()
                .find_map(|k| map.get(*k).and_then(|v| v.as_str()))
                .map(|s| vec![s.to_string()])
                .unwrap_or_default(),
            _ => Vec::new(),
        };
    };
    match value {
        serde_json::Value::Object(map) => map
            .get(head)
            .map(|v| json_values(v, rest))
            .unwrap_or_default(),
        serde_json::Value::Array(items) => {
            items.iter().flat_map(|v| json_values(v, path)).collect()
        }
        _ => Vec::new(),
    }
}
