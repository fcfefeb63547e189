//! html5ever's DOM of a flattened page, with a guard behind the model.
//!
//! The model in `flatten` follows html5ever's tree construction closely but not entirely
//! (the adoption agency, foreign content after a cut, tables around SVG…), and a page
//! crafted against the gaps could still nest deep. This parse watches the depth html5ever
//! actually builds: if it passes [`GUARD`] (far beyond what the model lets through on any
//! page it follows), the parse stops at the next chunk and the page is read again after
//! [`super::flatten_counting`], which needs no model of html5ever to be sound. The cost of a
//! stopped parse is bounded by the chunk size, so a hostile page still costs linear time.
//!
//! Written here, not found in a crate: html5ever has no depth limit, and its tree builder
//! reports only node operations to its sink, which is where the depth can be seen.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};

use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName};
use rustc_hash::FxHashMap;
use scraper::{Html, HtmlTreeSink};

use super::{flatten_counting, MAX_DEPTH};

/// scraper's node handle.
type NodeId = <HtmlTreeSink as TreeSink>::Handle;

/// The depth past which the parse gives up on the model's output.
const GUARD: u32 = 4 * MAX_DEPTH as u32;

/// How much of the page html5ever reads between two looks at the depth: a stopped parse
/// costs at most this many bytes of tags past the guard.
const CHUNK: usize = 16 * 1024;

/// html5ever's DOM of `flat`, the page `page` after [`super::flatten`]; of the page read
/// flat past its first elements if `flat` still nests past the guard.
pub fn parse(page: &str, flat: &str) -> Html {
    parse_guarded(page, flat, MAX_DEPTH, GUARD)
}

/// [`parse`] with another limit and guard (tests use small ones).
pub(crate) fn parse_guarded(page: &str, flat: &str, limit: usize, guard: u32) -> Html {
    if let Some(html) = try_parse(flat, guard) {
        return html;
    }
    tracing::debug!("page nests past the flattening model: read flat after its first elements");
    let flat = flatten_counting(page, limit);
    try_parse(&flat, u32::MAX).unwrap_or_else(|| Html::parse_document(&flat))
}

/// Whether [`parse`] would have to read the page flat (for tests).
#[cfg(test)]
pub(crate) fn trips(page: &str, limit: usize, guard: u32) -> bool {
    try_parse(&super::flatten_to(page, limit), guard).is_none()
}

/// Parses in chunks, `None` as soon as an element opens deeper than `guard`.
fn try_parse(page: &str, guard: u32) -> Option<Html> {
    let sink = Guarded {
        inner: HtmlTreeSink::new(Html::new_document()),
        depths: RefCell::new(FxHashMap::default()),
        guard,
        tripped: Cell::new(false),
    };
    let mut parser = html5ever::parse_document(sink, Default::default());
    let mut rest = page;
    while !rest.is_empty() {
        let mut at = rest.len().min(CHUNK);
        while !rest.is_char_boundary(at) {
            at += 1;
        }
        let (chunk, next) = rest.split_at(at);
        parser.process(StrTendril::from_slice(chunk));
        if parser.tokenizer.sink.sink.tripped.get() {
            return None;
        }
        rest = next;
    }
    let html = parser.finish();
    Some(html)
}

/// scraper's sink, and the depth of every element it is given.
struct Guarded {
    inner: HtmlTreeSink,
    /// Elements' depths in the tree as inserted (the document at 0). html5ever's stack of
    /// open elements is a chain of insertions, which is what the guard follows; a move by
    /// the adoption agency updates the moved children, not their descendants.
    depths: RefCell<FxHashMap<NodeId, u32>>,
    guard: u32,
    tripped: Cell<bool>,
}

impl Guarded {
    fn depth(&self, node: &NodeId) -> u32 {
        self.depths.borrow().get(node).copied().unwrap_or(0)
    }

    fn placed(&self, child: &NodeOrText<NodeId>, depth: u32) {
        if let NodeOrText::AppendNode(id) = child {
            self.depths.borrow_mut().insert(*id, depth);
            if depth > self.guard {
                self.tripped.set(true);
            }
        }
    }
}

impl TreeSink for Guarded {
    type Handle = NodeId;
    type Output = Html;
    type ElemName<'a> = <HtmlTreeSink as TreeSink>::ElemName<'a>;

    fn finish(self) -> Html {
        self.inner.finish()
    }

    fn parse_error(&self, msg: Cow<'static, str>) {
        self.inner.parse_error(msg);
    }

    fn get_document(&self) -> NodeId {
        self.inner.get_document()
    }

    fn elem_name<'a>(&'a self, target: &'a NodeId) -> Self::ElemName<'a> {
        self.inner.elem_name(target)
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> NodeId {
        self.inner.create_element(name, attrs, flags)
    }

    fn create_comment(&self, text: StrTendril) -> NodeId {
        self.inner.create_comment(text)
    }

    fn create_pi(&self, target: StrTendril, data: StrTendril) -> NodeId {
        self.inner.create_pi(target, data)
    }

    fn append(&self, parent: &NodeId, child: NodeOrText<NodeId>) {
        self.placed(&child, self.depth(parent) + 1);
        self.inner.append(parent, child);
    }

    fn append_based_on_parent_node(
        &self,
        element: &NodeId,
        prev_element: &NodeId,
        child: NodeOrText<NodeId>,
    ) {
        // Either beside `element` or in `prev_element`: the deeper of the two, to be safe.
        let depth = self.depth(element).max(self.depth(prev_element) + 1);
        self.placed(&child, depth);
        self.inner
            .append_based_on_parent_node(element, prev_element, child);
    }

    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        self.inner
            .append_doctype_to_document(name, public_id, system_id);
    }

    fn attach_declarative_shadow(
        &self,
        location: &NodeId,
        template: &NodeId,
        attrs: &[Attribute],
    ) -> bool {
        self.inner
            .attach_declarative_shadow(location, template, attrs)
    }

    fn mark_script_already_started(&self, node: &NodeId) {
        self.inner.mark_script_already_started(node);
    }

    fn pop(&self, node: &NodeId) {
        self.inner.pop(node);
    }

    fn get_template_contents(&self, target: &NodeId) -> NodeId {
        let contents = self.inner.get_template_contents(target);
        // scraper keeps a template's contents as its first child.
        let depth = self.depth(target) + 1;
        self.depths.borrow_mut().insert(contents, depth);
        contents
    }

    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        self.inner.same_node(x, y)
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode);
    }

    fn append_before_sibling(&self, sibling: &NodeId, new_node: NodeOrText<NodeId>) {
        self.placed(&new_node, self.depth(sibling));
        self.inner.append_before_sibling(sibling, new_node);
    }

    fn add_attrs_if_missing(&self, target: &NodeId, attrs: Vec<Attribute>) {
        self.inner.add_attrs_if_missing(target, attrs);
    }

    fn associate_with_form(
        &self,
        target: &NodeId,
        form: &NodeId,
        nodes: (&NodeId, Option<&NodeId>),
    ) {
        self.inner.associate_with_form(target, form, nodes);
    }

    fn remove_from_parent(&self, target: &NodeId) {
        self.inner.remove_from_parent(target);
    }

    fn reparent_children(&self, node: &NodeId, new_parent: &NodeId) {
        self.inner.reparent_children(node, new_parent);
        // The adoption agency moves them one level down: what the parser appends to them
        // next goes deeper (their own descendants keep their depth, a level short at most
        // for each move above them).
        let depth = self.depth(new_parent) + 1;
        let html = self.inner.0.borrow();
        if let Some(parent) = html.tree.get(*new_parent) {
            let mut depths = self.depths.borrow_mut();
            for child in parent.children() {
                depths.insert(child.id(), depth);
            }
        }
    }

    fn is_mathml_annotation_xml_integration_point(&self, handle: &NodeId) -> bool {
        self.inner
            .is_mathml_annotation_xml_integration_point(handle)
    }

    fn set_current_line(&self, line_number: u64) {
        self.inner.set_current_line(line_number);
    }

    fn allow_declarative_shadow_roots(&self, intended_parent: &NodeId) -> bool {
        self.inner.allow_declarative_shadow_roots(intended_parent)
    }

    fn maybe_clone_an_option_into_selectedcontent(&self, option: &NodeId) {
        self.inner
            .maybe_clone_an_option_into_selectedcontent(option);
    }
}
