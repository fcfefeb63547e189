//! Reading an article page through html5ever's DOM: the fallback of the streaming reader, and
//! the reference it is tested against.

use std::collections::HashMap;
use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};

use super::json_ld::{json_ld_objects, JsonLd};
use super::{indexed_values, PageView};
use crate::config::{Css, Source, Take};
use crate::html::{attribute, element_text, non_empty};

/// A parsed page with its JSON-LD objects and meta tags indexed.
pub(super) struct DomPage<'a> {
    pub(super) html: &'a Html,
    pub(super) json_ld: JsonLd,
    pub(super) meta: HashMap<String, Vec<String>>,
}

impl<'a> DomPage<'a> {
    pub(super) fn new(html: &'a Html) -> DomPage<'a> {
        static SCRIPTS: LazyLock<Selector> = LazyLock::new(|| {
            Selector::parse(r#"script[type="application/ld+json"]"#).expect("static selector")
        });
        let scripts = html.select(&SCRIPTS).map(|s| s.text().collect()).collect();
        DomPage {
            html,
            json_ld: json_ld_objects(scripts),
            meta: meta_tags(html),
        }
    }
}

impl PageView for DomPage<'_> {
    fn values(&self, source: &Source, many: bool) -> Vec<String> {
        let limit = if many { usize::MAX } else { 1 };
        match source {
            // From the root element, not `Html::select`: that walks every node ever
            // parsed, including clutter `remove` detached, which must not be found.
            Source::Css { selector, take, .. } => self
                .html
                .root_element()
                .select(selector)
                .filter_map(|e| take_from(e, take))
                .take(limit)
                .collect(),
            _ => indexed_values(source, limit, &self.json_ld.objects, &self.meta),
        }
    }
}

fn take_from(element: ElementRef<'_>, take: &Take) -> Option<String> {
    match take {
        Take::Text => non_empty(element_text(element)),
        Take::Html => non_empty(element.inner_html().trim().to_string()),
        Take::Attr(name) => attribute(element, name),
    }
}

/// `<meta property|name|itemprop=… content=…>`, keys lower-cased, values in page order.
fn meta_tags(html: &Html) -> HashMap<String, Vec<String>> {
    static METAS: LazyLock<Selector> =
        LazyLock::new(|| Selector::parse("meta[content]").expect("static selector"));
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for meta in html.select(&METAS) {
        let element = meta.value();
        let Some(content) = element
            .attr("content")
            .map(str::trim)
            .filter(|c| !c.is_empty())
        else {
            continue;
        };
        for key in ["property", "name", "itemprop"] {
            if let Some(name) = element.attr(key) {
                map.entry(name.to_ascii_lowercase())
                    .or_default()
                    .push(content.to_string());
            }
        }
    }
    map
}

pub(super) fn remove_matching(html: &mut Html, clutter: &[Css]) {
    for css in clutter {
        let ids: Vec<_> = html.select(&css.selector).map(|e| e.id()).collect();
        for id in ids {
            if let Some(mut node) = html.tree.get_mut(id) {
                node.detach();
            }
        }
    }
}
