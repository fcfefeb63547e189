//! The chosen blocks written back as markup, without the clutter inside them: link lists,
//! containers whose class says they are not text, byline and share lines, the page's `<h1>`
//! (the entry has its title), placeholder images. The real image a `<noscript>` holds
//! replaces its lazy-loading placeholder. Explicit stacks only, like the scorer.

use std::fmt::Write as _;
use std::sync::LazyLock;

use ego_tree::NodeId;
use scraper::node::Element;
use scraper::{Html, Node};

use super::content::{class_and_id, weight, Scores, BODY_MARKER, META_LINE};

/// Writes one chosen block, without what is never content and without the clutter inside
/// it: link lists, negative containers, the page's `<h1>`, placeholder images.
pub(super) fn write_block(scores: &Scores<'_>, block: NodeId, out: &mut String) {
    enum Step<'a> {
        Open(ego_tree::NodeRef<'a, Node>),
        Close(&'a str),
    }
    let html = scores.html;
    let root = html.tree.get(block).expect("id from the tree");
    // A container's own tag (`<article>`, `<div class="story-body">`) says nothing to a
    // reader: its content is written; a block that is content itself (a paragraph, a
    // table joining as a sibling) is written whole.
    let container = root.value().as_element().is_some_and(|e| {
        matches!(
            e.name(),
            "div" | "article" | "section" | "main" | "span" | "td" | "font" | "center"
        )
    });
    let mut stack = if container {
        let mut children: Vec<Step<'_>> = root.children().map(Step::Open).collect();
        children.reverse();
        children
    } else {
        vec![Step::Open(root)]
    };
    while let Some(step) = stack.pop() {
        let node = match step {
            Step::Close(name) => {
                let _ = write!(out, "</{name}>");
                continue;
            }
            Step::Open(node) => node,
        };
        match node.value() {
            Node::Text(t) => {
                html_escape::encode_text_to_string(&**t, out);
            }
            Node::Element(e) => {
                if scores.stat(node.id()).skip || is_clutter(scores, node.id(), e) {
                    continue;
                }
                if e.name() == "noscript" {
                    noscript_images(node, out);
                    continue;
                }
                if e.name() == "img" && is_placeholder(e) {
                    continue;
                }
                out.push('<');
                out.push_str(e.name());
                for (name, value) in e.attrs() {
                    out.push(' ');
                    out.push_str(name);
                    out.push_str("=\"");
                    html_escape::encode_double_quoted_attribute_to_string(value, out);
                    out.push('"');
                }
                out.push('>');
                if is_void(e.name()) {
                    continue;
                }
                stack.push(Step::Close(e.name()));
                let mut child = node.last_child();
                while let Some(c) = child {
                    stack.push(Step::Open(c));
                    child = c.prev_sibling();
                }
            }
            _ => {}
        }
    }
}

/// Clutter inside a chosen block: the title (`<h1>`), lists and containers that are mostly
/// links (related stories, tag clouds), containers whose class says they are not text, and
/// short lines whose class says byline, date or sharing.
fn is_clutter(scores: &Scores<'_>, id: NodeId, e: &Element) -> bool {
    let s = scores.stat(id);
    if s.text < 400 && e.name() != "a" {
        let words = class_and_id(e);
        if !words.is_empty() && META_LINE.is_match(&words) && !BODY_MARKER.is_match(&words) {
            return true;
        }
    }
    match e.name() {
        "h1" => true,
        "form" => s.text < 300,
        "ul" | "ol" | "div" | "section" | "table" | "header" | "dl" => {
            let density = scores.link_density(id);
            (density > 0.5 && s.text < 600)
                || (weight(e) < -10.0 && s.commas < 10)
                || (e.name() == "header" && s.text < 300)
        }
        _ => false,
    }
}

/// The images a `<noscript>` holds (its markup is text in a DOM parsed with scripting on),
/// written as images: the real image behind a lazy-loading placeholder.
fn noscript_images(node: ego_tree::NodeRef<'_, Node>, out: &mut String) {
    let text: String = node
        .children()
        .filter_map(|c| c.value().as_text().map(|t| t.to_string()))
        .collect();
    if !text.contains("<img") {
        return;
    }
    let fragment = Html::parse_fragment(&text);
    static IMG: LazyLock<scraper::Selector> =
        LazyLock::new(|| scraper::Selector::parse("img").expect("static selector"));
    for img in fragment.select(&IMG) {
        let e = img.value();
        if is_placeholder(e) {
            continue;
        }
        out.push_str("<img");
        for (name, value) in e.attrs() {
            let _ = write!(out, " {name}=\"");
            html_escape::encode_double_quoted_attribute_to_string(value, out);
            out.push('"');
        }
        out.push('>');
    }
}

/// An image with no real source: no `src` and no lazy source, or only a `data:` one.
fn is_placeholder(e: &Element) -> bool {
    crate::html::attribute_of("img", "src", |a| e.attr(a))
        .is_none_or(|src| src.starts_with("data:"))
}

fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
    )
}
