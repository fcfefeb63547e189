//! Reading feeds back strictly, for the hostile-text tests: a strict XML 1.0 parser
//! (roxmltree rejects any character XML forbids, raw or as a reference, and anything not
//! well-formed), and the strings of each entry as each format carries them.

use scrapefeed::model::Entry;

pub const CONTENT_NS: &str = "http://purl.org/rss/1.0/modules/content/";
pub const DC_NS: &str = "http://purl.org/dc/elements/1.1/";
pub const MEDIA_NS: &str = "http://search.yahoo.com/mrss/";
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

/// The strings of one entry, as written or as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadBack {
    pub title: String,
    pub url: String,
    pub summary: Option<String>,
    pub body: Option<String>,
    pub author: Option<String>,
    pub tags: Vec<String>,
    pub image: Option<String>,
}

impl ReadBack {
    pub fn of(entry: &Entry) -> ReadBack {
        ReadBack {
            title: entry.title.clone(),
            url: entry.url.clone(),
            summary: entry.summary.clone(),
            body: entry.body.clone(),
            author: entry.author.clone(),
            tags: entry.tags.clone(),
            image: entry.image.clone(),
        }
    }
}

/// Parses a document strictly; panics with the parser's error and the text around it.
pub fn strict_xml(bytes: &[u8]) -> roxmltree::Document<'_> {
    let text = std::str::from_utf8(bytes).expect("feeds are UTF-8");
    roxmltree::Document::parse(text).unwrap_or_else(|e| {
        let at = e.pos();
        let line = text.lines().nth(at.row as usize - 1).unwrap_or_default();
        panic!("not well-formed XML: {e}\n{line:?}")
    })
}

/// All the text inside a node (CDATA sections included).
pub fn text_of(node: roxmltree::Node<'_, '_>) -> String {
    node.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect()
}

fn children<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    name: (&'a str, &'a str),
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> + 'a {
    node.children().filter(move |n| {
        n.tag_name().namespace().unwrap_or("") == name.0 && n.tag_name().name() == name.1
    })
}

fn child_text(node: roxmltree::Node<'_, '_>, name: (&str, &str)) -> Option<String> {
    children(node, name).next().map(text_of)
}

/// Every RSS item's strings. The description is HTML: decoded, it is the summary.
pub fn rss_items(doc: &roxmltree::Document<'_>) -> Vec<ReadBack> {
    doc.descendants()
        .filter(|n| n.has_tag_name("item"))
        .map(|item| ReadBack {
            title: child_text(item, ("", "title")).unwrap_or_default(),
            url: child_text(item, ("", "link")).unwrap_or_default(),
            summary: child_text(item, ("", "description"))
                .map(|html| html_escape::decode_html_entities(&html).into_owned()),
            body: child_text(item, (CONTENT_NS, "encoded")),
            author: child_text(item, (DC_NS, "creator")),
            tags: children(item, ("", "category")).map(text_of).collect(),
            // An enclosure when its size is known, Media RSS otherwise.
            image: children(item, ("", "enclosure"))
                .chain(children(item, (MEDIA_NS, "content")))
                .next()
                .and_then(|e| e.attribute("url"))
                .map(String::from),
        })
        .collect()
}

/// Every Atom entry's strings.
pub fn atom_items(doc: &roxmltree::Document<'_>) -> Vec<ReadBack> {
    let link = |entry: roxmltree::Node<'_, '_>, rel: &str| {
        children(entry, (ATOM_NS, "link"))
            .find(|l| l.attribute("rel") == Some(rel))
            .and_then(|l| l.attribute("href"))
            .map(String::from)
    };
    doc.descendants()
        .filter(|n| n.has_tag_name((ATOM_NS, "entry")))
        .map(|entry| ReadBack {
            title: child_text(entry, (ATOM_NS, "title")).unwrap_or_default(),
            url: link(entry, "alternate").unwrap_or_default(),
            summary: child_text(entry, (ATOM_NS, "summary")),
            body: child_text(entry, (ATOM_NS, "content")),
            author: children(entry, (ATOM_NS, "author"))
                .next()
                .and_then(|a| child_text(a, (ATOM_NS, "name"))),
            tags: children(entry, (ATOM_NS, "category"))
                .filter_map(|c| c.attribute("term").map(String::from))
                .collect(),
            image: link(entry, "enclosure").or_else(|| {
                children(entry, (MEDIA_NS, "content"))
                    .next()
                    .and_then(|m| m.attribute("url"))
                    .map(String::from)
            }),
        })
        .collect()
}

/// Every JSON Feed item's strings.
pub fn json_items(bytes: &[u8]) -> Vec<ReadBack> {
    let feed: serde_json::Value = serde_json::from_slice(bytes).expect("valid JSON");
    let text = |v: &serde_json::Value| v.as_str().map(String::from);
    feed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| ReadBack {
            title: text(&item["title"]).unwrap_or_default(),
            url: text(&item["url"]).unwrap_or_default(),
            summary: text(&item["summary"]),
            body: text(&item["content_html"]),
            author: text(&item["authors"][0]["name"]),
            tags: item["tags"]
                .as_array()
                .map(|tags| tags.iter().filter_map(text).collect())
                .unwrap_or_default(),
            image: text(&item["image"]),
        })
        .collect()
}
