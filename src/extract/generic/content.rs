//! The page's main content: the blocks of the article's own text, without navigation,
//! related stories, share bars and comments.
//!
//! Scoring follows Mozilla Readability's published approach (the reader view of Firefox):
//! every block that holds text of its own scores by its length and commas; the score flows to
//! its parent and, diminishing, to three more ancestors; an ancestor's total is weighed by its
//! tag, by its class and id (`article-body` up, `related` and `share` down) and by how much
//! of its text is links. The best ancestor is the article; its siblings that score close to
//! it (a body split in several containers) join it. Before scoring, the elements that are
//! never content are set aside: scripts, navigation, asides, forms, hidden elements and
//! containers whose class or id says comments, footers, menus or ads.
//!
//! Why our own and not a crate (docs/evaluation.md has the figures): of the Rust ports of
//! Readability and trafilatura, only `dom_smoothie` reached the quality target without a
//! stack overflow on deep nesting, and it reads its own `dom_query` document, so every page
//! would be parsed twice (the other fields are read from scraper's DOM); the trafilatura
//! ports cost 6–30 parses per page, and the others overflow the stack on 10,000 nested
//! `<div>`s. This reader walks scraper's tree, already built and depth-bounded by
//! `flatten`, with explicit stacks only: no page can overflow the stack.
//!
//! Kept from the chosen blocks: paragraphs, headings below the title, lists, tables,
//! figures with their captions, code blocks, quotes, and images, lazy ones included (the real
//! image of a `<noscript>` replaces its placeholder). The markup is then sanitized like any
//! declared body.

use std::sync::LazyLock;

use ego_tree::NodeId;
use regex::Regex;
use scraper::node::Element;
use scraper::{ElementRef, Html, Node};

/// The main content, as markup, and how it was found.
pub(super) struct MainContent {
    pub(super) markup: String,
    pub(super) how: &'static str,
}

/// Why a page has no main content.
#[derive(Debug, thiserror::Error, PartialEq)]
pub(super) enum NoContent {
    #[error("no main content found: the page has no text outside scripts, menus and asides")]
    NoText,
    #[error("no main content found: the best block holds only {0} characters of text")]
    TooShort(usize),
}

/// Less text than this in the best block: not an article body.
const MIN_TEXT: u32 = 80;

/// A block needs this much text of its own to count as a paragraph.
const MIN_PARAGRAPH: u32 = 20;

/// Elements never part of an article's text. (`<form>` is not one: ASP.NET pages wrap the
/// whole page in one; a small form inside the text is clutter, see `markup`.)
const NEVER: [&str; 19] = [
    "script", "style", "template", "nav", "aside", "footer", "button", "select", "input",
    "textarea", "svg", "canvas", "iframe", "object", "embed", "dialog", "menu", "link", "meta",
];

/// Class or id words of containers that are never content, unless they also say content.
static UNLIKELY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)-ad-|^ad-|ads?-(slot|unit|container|wrapper)|advert|banner|breadcrumb|combx|comment|community|cookie|consent|cover-wrap|disqus|footer|gdpr|masthead|menu|modal|newsletter|outbrain|pagination|pager|popup|promo|recirc|related|remark|replies|rss|share|sharing|shoutbox|sidebar|signup|skip-link|skyscraper|social|sponsor|subscribe|taboola|toolbar|more-stories|read-more|most-popular|trending|paywall|navbar|site-header|site-footer|login|signup|sign-up|register|regist")
        .expect("static regex")
});
static MAYBE_CONTENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)and|article|body|column|content|main|shadow|story|entry|post-text")
        .expect("static regex")
});
static POSITIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)article|body|content|entry|hentry|h-entry|main|page|post|text|blog|story|prose",
    )
    .expect("static regex")
});
static NEGATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)-ad-|hidden|^hid$|banner|combx|comment|com-|contact|footer|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|widget|caption|byline|author|dateline|timestamp")
        .expect("static regex")
});
/// Class or id of containers that hold exactly an article's body on many publishing systems.
pub(super) static BODY_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)article[-_]*(body|text|content)|(story|post|entry|news|body)[-_]*(body|text|content)|text[-_]*content|field-+name-+body|mw-content-text|content__article-body")
        .expect("static regex")
});

/// Class or id of the short lines around an article's text that are not its text.
pub(super) static META_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)byline|dateline|timestamp|submitted|posted-on|author|share|social|related|promo|donat|support-pay|newsletter|subscribe|print-only|sr-only|visually-hidden|screen-reader|(^|[-_ ])(info|date|time|meta)([-_ ]|$)|__info|__meta|__date|(post|entry|article)-?meta|report-?(an-?)?error|error-?report|__report")
        .expect("static regex")
});

/// What the scorer knows of one element.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Stat {
    /// Characters of visible text inside, whitespace runs counted once.
    pub(super) text: u32,
    /// Of which inside links.
    link: u32,
    pub(super) commas: u32,
    /// Set aside before scoring (never content).
    pub(super) skip: bool,
    score: f32,
    /// Whether `score` got its tag and class weight yet.
    scored: bool,
}

/// The page's elements in document order with what the scorer knows of each.
pub(super) struct Scores<'h> {
    pub(super) html: &'h Html,
    /// Node ids in the tree's own order (ascending), to index `stats`.
    ids: Vec<NodeId>,
    stats: Vec<Stat>,
    /// The nodes outside set-aside subtrees, in document order.
    order: Vec<NodeId>,
}

impl<'h> Scores<'h> {
    fn at(&self, id: NodeId) -> usize {
        self.ids.binary_search(&id).unwrap_or(0)
    }

    pub(super) fn stat(&self, id: NodeId) -> &Stat {
        &self.stats[self.at(id)]
    }

    fn stat_mut(&mut self, id: NodeId) -> &mut Stat {
        let at = self.at(id);
        &mut self.stats[at]
    }

    pub(super) fn link_density(&self, id: NodeId) -> f32 {
        let s = self.stat(id);
        if s.text == 0 {
            0.0
        } else {
            s.link as f32 / s.text as f32
        }
    }

    /// Counts text, links and commas bottom-up; sets aside what is never content (with
    /// `by_class`, also containers whose class or id names page furniture).
    fn count(html: &'h Html, by_class: bool) -> Scores<'h> {
        let ids: Vec<NodeId> = html.tree.nodes().map(|n| n.id()).collect();
        let mut scores = Scores {
            html,
            stats: vec![Stat::default(); ids.len()],
            ids,
            order: Vec::new(),
        };
        // Pre-order with an explicit stack; set-aside subtrees are not entered.
        let mut order = Vec::new();
        let mut stack = vec![html.tree.root()];
        while let Some(node) = stack.pop() {
            if let Node::Element(e) = node.value() {
                if never_content(e, by_class) {
                    scores.stat_mut(node.id()).skip = true;
                    continue;
                }
            }
            order.push(node.id());
            let mut child = node.last_child();
            while let Some(c) = child {
                stack.push(c);
                child = c.prev_sibling();
            }
        }
        for &id in order.iter().rev() {
            let node = html.tree.get(id).expect("id from the tree");
            let mut sum = Stat::default();
            for child in node.children() {
                match child.value() {
                    Node::Text(t) => {
                        sum.text += visible_len(t);
                        sum.commas += t.matches([',', '，', '、', '،']).count() as u32;
                    }
                    Node::Element(_) => {
                        let c = scores.stat(child.id());
                        if !c.skip {
                            sum.text += c.text;
                            sum.link += c.link;
                            sum.commas += c.commas;
                        }
                    }
                    _ => {}
                }
            }
            if matches!(node.value(), Node::Element(e) if e.name() == "a") {
                sum.link = sum.text;
            }
            let s = scores.stat_mut(id);
            s.text = sum.text;
            s.link = sum.link;
            s.commas = sum.commas;
        }
        scores.order = order;
        scores
    }

    /// Readability's pass: every block with text of its own scores, and so do its ancestors.
    fn score(&mut self) {
        let html = self.html;
        for at in 0..self.order.len() {
            let node = html.tree.get(self.order[at]).expect("id from the tree");
            let Some(element) = ElementRef::wrap(node) else {
                continue;
            };
            if !holds_paragraph(element.value().name()) {
                continue;
            }
            let (own, commas) = own_text(element);
            if own < MIN_PARAGRAPH {
                continue;
            }
            let points = 1.0 + commas as f32 + (own as f32 / 100.0).min(3.0);
            for (level, ancestor) in std::iter::once(node)
                .chain(element.ancestors())
                .take(5)
                .enumerate()
            {
                let Some(a) = ElementRef::wrap(ancestor) else {
                    break;
                };
                if matches!(a.value().name(), "html" | "body") {
                    break;
                }
                let divider = match level {
                    0 | 1 => 1.0,
                    2 => 2.0,
                    n => n as f32 * 3.0,
                };
                let base = weight(a.value());
                let s = self.stat_mut(ancestor.id());
                if !s.scored {
                    s.scored = true;
                    s.score += base;
                }
                s.score += points / divider;
            }
        }
    }

    /// The best-scoring element, its score weighed by its links.
    fn best(&self) -> Option<(NodeId, f32)> {
        self.ids
            .iter()
            .zip(&self.stats)
            .filter(|(_, s)| s.scored && !s.skip)
            .map(|(id, s)| (*id, s.score * (1.0 - self.link_density(*id))))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// Finds the page's main content. Containers are first set aside by their class and id as
/// well; when that leaves too little text (a whole post inside a `widget` container, say),
/// the page is read again without that step, as Readability retries.
pub(super) fn main_content(html: &Html) -> Result<MainContent, NoContent> {
    match read(html, true) {
        Ok(found) if found.text >= RETRY_BELOW => Ok(found.content),
        strict => match (strict, read(html, false)) {
            (Ok(a), Ok(b)) => Ok(if b.text > a.text * 2 { b } else { a }.content),
            (Ok(a), Err(_)) => Ok(a.content),
            (Err(_), Ok(b)) => Ok(b.content),
            (Err(e), Err(_)) => Err(e),
        },
    }
}

/// Less text than this found with class-based setting aside: read again without it.
const RETRY_BELOW: u32 = 500;

struct Read {
    content: MainContent,
    text: u32,
}

fn read(html: &Html, by_class: bool) -> Result<Read, NoContent> {
    let mut scores = Scores::count(html, by_class);
    let body_text = scores.stat(html.tree.root().id()).text;
    if body_text == 0 {
        return Err(NoContent::NoText);
    }
    scores.score();
    let best = scores.best();
    let within = |inner: NodeId, outer: NodeId| {
        html.tree
            .get(inner)
            .is_some_and(|n| n.id() == outer || n.ancestors().any(|a| a.id() == outer))
    };
    // A container the publishing system marks as the article body, holding the best
    // block or at least half its text, is taken whole (its lead and figures with it); with
    // no block long enough to score (a brief), the marked body, else the page's `<article>`.
    let (top, top_score, how) = match (best, marked_body(&scores)) {
        (Some((b, score)), Some(m))
            if within(b, m) || scores.stat(m).text * 2 >= scores.stat(b).text =>
        {
            (m, score, "marked article body")
        }
        (Some((b, score)), _) => (b, score, "scored blocks"),
        (None, Some(m)) => (m, 0.0, "marked article body"),
        (None, None) => match main_article_element(&scores) {
            Some(a) => (a, 0.0, "the page's <article>"),
            None => return Err(NoContent::NoText),
        },
    };
    // The best block's parent, when the block holds a minority of the parent's text in a
    // body split into several blocks, is the article: go up while that grows the text and
    // keeps links rare.
    let mut blocks = vec![top];
    let node = html.tree.get(top).expect("id from the tree");
    if let Some(parent) = node.parent().filter(|p| {
        ElementRef::wrap(*p).is_some_and(|e| !matches!(e.value().name(), "body" | "html"))
    }) {
        let threshold = (top_score * 0.2).max(10.0);
        blocks = parent
            .children()
            .filter(|sibling| {
                if sibling.id() == top {
                    return true;
                }
                let Some(e) = ElementRef::wrap(*sibling) else {
                    return false;
                };
                let s = scores.stat(sibling.id());
                if s.skip || s.text == 0 {
                    return false;
                }
                // A sibling the page calls furniture (a sign-up box under a paywalled lead)
                // does not join, whatever it scores.
                let words = class_and_id(e.value());
                if (UNLIKELY.is_match(&words) || META_LINE.is_match(&words))
                    && !BODY_MARKER.is_match(&words)
                {
                    return false;
                }
                let weighed = s.score * (1.0 - scores.link_density(sibling.id()));
                let paragraph = e.value().name() == "p"
                    && s.text > 80
                    && scores.link_density(sibling.id()) < 0.25;
                (s.scored && weighed >= threshold) || paragraph
            })
            .map(|n| n.id())
            .collect();
    }
    let text: u32 = blocks.iter().map(|b| scores.stat(*b).text).sum();
    // A scored block this short is a caption or a teaser, not an article; a body the page
    // marks as such is taken at any length.
    if text == 0 || (how == "scored blocks" && text < MIN_TEXT) {
        return Err(NoContent::TooShort(text as usize));
    }
    let mut markup = String::new();
    for block in blocks {
        super::markup::write_block(&scores, block, &mut markup);
    }
    Ok(Read {
        content: MainContent { markup, how },
        text,
    })
}

/// The largest container whose class or id marks it as the article body, or that carries
/// `itemprop=articleBody`, with enough text of few links.
fn marked_body(scores: &Scores<'_>) -> Option<NodeId> {
    scores
        .order
        .iter()
        .filter_map(|id| ElementRef::wrap(scores.html.tree.get(*id)?))
        .filter(|e| {
            let v = e.value();
            v.attr("itemprop")
                .is_some_and(|p| p.eq_ignore_ascii_case("articleBody"))
                || BODY_MARKER.is_match(&class_and_id(v))
        })
        .map(|e| e.id())
        .filter(|id| {
            let s = scores.stat(*id);
            !s.skip && s.text > 0 && scores.link_density(*id) < 0.4
        })
        .max_by_key(|id| scores.stat(*id).text)
}

/// The page's `<article>` when no block scored: the only one, else the one holding the
/// page's `<h1>`, else the one with the most text.
fn main_article_element(scores: &Scores<'_>) -> Option<NodeId> {
    let articles: Vec<ElementRef<'_>> = scores
        .order
        .iter()
        .filter_map(|id| ElementRef::wrap(scores.html.tree.get(*id)?))
        .filter(|e| e.value().name() == "article" && scores.stat(e.id()).text > 0)
        .collect();
    let holds_h1 = |a: &&ElementRef<'_>| {
        a.descendants()
            .any(|d| d.value().as_element().is_some_and(|e| e.name() == "h1"))
    };
    articles
        .iter()
        .find(holds_h1)
        .or_else(|| articles.iter().max_by_key(|a| scores.stat(a.id()).text))
        .map(|a| a.id())
}

pub(super) fn class_and_id(e: &Element) -> String {
    let mut both = String::new();
    if let Some(c) = e.attr("class") {
        both.push_str(c);
    }
    if let Some(i) = e.attr("id") {
        both.push(' ');
        both.push_str(i);
    }
    both
}

/// Whether an element is never part of the content: by tag, by being hidden, or by a class
/// or id that names page furniture.
fn never_content(e: &Element, by_class: bool) -> bool {
    let name = e.name();
    if NEVER.contains(&name) {
        return true;
    }
    if e.attr("hidden").is_some()
        || e.attr("aria-hidden") == Some("true")
        || e.attr("style").is_some_and(|s| {
            let s = s.to_ascii_lowercase().replace(' ', "");
            s.contains("display:none") || s.contains("visibility:hidden")
        })
        || e.attr("role").is_some_and(|r| {
            matches!(
                r,
                "navigation" | "complementary" | "banner" | "contentinfo" | "dialog" | "menu"
            )
        })
    {
        return true;
    }
    if !by_class
        || matches!(
            name,
            "html" | "body" | "article" | "main" | "a" | "p" | "table" | "tbody"
        )
    {
        return false;
    }
    let words = class_and_id(e);
    !words.is_empty()
        && UNLIKELY.is_match(&words)
        && !MAYBE_CONTENT.is_match(&words)
        && !BODY_MARKER.is_match(&words)
}

/// Whether an element's own text makes a paragraph.
fn holds_paragraph(name: &str) -> bool {
    matches!(
        name,
        "p" | "pre" | "td" | "blockquote" | "div" | "section" | "article" | "main" | "dd"
    )
}

/// Characters of the element's own text (its text children and inline children), and its
/// commas.
fn own_text(element: ElementRef<'_>) -> (u32, u32) {
    let mut len = 0;
    let mut commas = 0;
    for child in element.children() {
        match child.value() {
            Node::Text(t) => {
                len += visible_len(t);
                commas += t.matches([',', '，', '、', '،']).count() as u32;
            }
            Node::Element(e) if is_inline(e.name()) => {
                if let Some(inner) = ElementRef::wrap(child) {
                    for t in inner.text() {
                        len += visible_len(t);
                        commas += t.matches([',', '，', '、', '،']).count() as u32;
                    }
                }
            }
            _ => {}
        }
    }
    (len, commas)
}

fn is_inline(name: &str) -> bool {
    matches!(
        name,
        "a" | "b"
            | "strong"
            | "i"
            | "em"
            | "span"
            | "u"
            | "s"
            | "sub"
            | "sup"
            | "small"
            | "mark"
            | "abbr"
            | "cite"
            | "q"
            | "code"
            | "time"
            | "font"
            | "br"
    )
}

/// Characters of text, each whitespace run counted once.
fn visible_len(text: &str) -> u32 {
    let mut len = 0;
    let mut space = true;
    for c in text.chars() {
        if c.is_whitespace() {
            if !space {
                len += 1;
            }
            space = true;
        } else {
            len += 1;
            space = false;
        }
    }
    len
}

/// An element's starting score: by tag, and by what its class and id say.
pub(super) fn weight(e: &Element) -> f32 {
    let tag = match e.name() {
        "div" | "article" | "main" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    };
    let words = class_and_id(e);
    let mut class = 0.0;
    if !words.is_empty() {
        if BODY_MARKER.is_match(&words) {
            class += 50.0;
        }
        if POSITIVE.is_match(&words) {
            class += 25.0;
        }
        if NEGATIVE.is_match(&words) {
            class -= 25.0;
        }
    }
    tag + class
}
