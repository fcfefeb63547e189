//! The model's stack of open elements and html5ever's list of active formatting elements:
//! scopes, implied closes, pushes, pops and the reopening of formatting elements.

use super::names::{Name, FORMATTING, IMPLIED_END, MARKERS, SPECIAL};
use super::tokens::Tag;
use super::{Model, Ns, Open};

impl Model<'_> {
    /// The adoption agency for `name` (an end tag of a formatting element, or a new `<a>`
    /// or `<nobr>` closing the open one): followed when it only pops; when a special
    /// element inside makes it restructure the tree, the model stops being sure.
    pub(super) fn formatting_end(&mut self, name: &Name) {
        let page = self.page;
        let same = |e: &Open| e.ns == Ns::Html && e.name.same(name, page);
        let marker = self.last_marker();
        let open = self
            .seen
            .iter()
            .rev()
            .map(|&i| (i, &self.stack[i]))
            .take_while(|(_, e)| e.seq > marker || !e.html(MARKERS))
            .find(|(_, e)| same(e))
            .map(|(i, _)| i);
        let Some(at) = open else {
            if let Some(i) = self.pending.iter().rposition(same) {
                // Not open but remembered: html5ever forgets it.
                self.pending.remove(i);
            } else if let Some(at) = self.find(same, |e| e.html(SPECIAL)) {
                // Not a formatting element html5ever knows of: any other end tag.
                self.pop_to(at);
            }
            return;
        };
        if !self.in_scope_at(at, Open::scope) {
            return;
        }
        let special_inside = self
            .seen
            .iter()
            .rev()
            .take_while(|&&i| i > at)
            .any(|&i| self.stack[i].html(SPECIAL));
        if special_inside {
            // The adoption agency would rebuild the tree around the special element.
            self.unsure = true;
            return;
        }
        self.pop_formatting_to(at);
    }

    /// html5ever keeps at most three identical formatting elements in its list; the model
    /// does not compare attributes, so a fourth of a name makes it unsure.
    pub(super) fn noahs_ark(&mut self, name: &Name) {
        let page = self.page;
        let marker = self.last_marker();
        let open = self
            .seen
            .iter()
            .map(|&i| &self.stack[i])
            .filter(|e| e.seq > marker && e.ns == Ns::Html && e.name.same(name, page))
            .count();
        let remembered = self
            .pending
            .iter()
            .filter(|e| e.seq > marker && e.name.same(name, page))
            .count();
        if open + remembered >= 3 {
            self.unsure = true;
        }
    }

    /// The `seq` of the innermost open marker element (0 for none).
    pub(super) fn last_marker(&self) -> u64 {
        self.seen
            .iter()
            .rev()
            .map(|&i| &self.stack[i])
            .find(|e| e.html(MARKERS))
            .map_or(0, |e| e.seq)
    }

    /// `</form>`: html5ever removes the form its pointer names, not what is inside it.
    pub(super) fn form_end(&mut self) {
        if self.in_template() {
            let found = self.in_scope(&[b"form"], Open::scope);
            if let Some(at) = found {
                self.pop_to(at);
            }
            return;
        }
        self.form = false;
        let Some(at) = self.in_scope(&[b"form"], Open::scope) else {
            return;
        };
        self.pop_implied(&[]);
        if self.seen.last() == Some(&at) {
            self.pop_to(at);
        } else {
            // Taken out from under what is open inside it.
            self.remove_seen(at);
        }
    }

    pub(super) fn in_template(&self) -> bool {
        self.tables.iter().any(|table| !table)
    }

    /// "Has an HTML element named one of `names` in scope", `stops` ending the scope:
    /// where it is.
    pub(super) fn in_scope(&self, names: &[&[u8]], stops: impl Fn(&Open) -> bool) -> Option<usize> {
        self.find(|e| e.html(names), stops)
    }

    /// Whether the element at `at` is in the scope `stops` ends.
    pub(super) fn in_scope_at(&self, at: usize, stops: impl Fn(&Open) -> bool) -> bool {
        for &i in self.seen.iter().rev() {
            if i == at {
                return true;
            }
            if stops(&self.stack[i]) {
                return false;
            }
        }
        false
    }

    /// The nearest element the parser sees that `matches` accepts, giving up at one
    /// `stops` accepts (as html5ever's scope checks, all the way down).
    pub(super) fn find(
        &self,
        matches: impl Fn(&Open) -> bool,
        stops: impl Fn(&Open) -> bool,
    ) -> Option<usize> {
        for &i in self.seen.iter().rev() {
            let e = &self.stack[i];
            if matches(e) {
                return Some(i);
            }
            if stops(e) {
                return None;
            }
        }
        None
    }

    pub(super) fn find_select(&self) -> Option<usize> {
        self.in_scope(&[b"select"], Open::scope)
    }

    /// Pops the select in scope and what is inside it; whether there was one.
    pub(super) fn close_select(&mut self) -> bool {
        let found = self.find_select();
        if let Some(at) = found {
            self.pop_to(at);
        }
        found.is_some()
    }

    /// "If the stack has a `p` element in button scope, close a `p` element."
    pub(super) fn close_p(&mut self) {
        if let Some(at) = self.in_scope(&[b"p"], |e| e.scope() || e.html(&[b"button"])) {
            self.pop_to(at);
        }
    }

    /// `<li>` closes an open `<li>` (`<dd>`/`<dt>` either of them) unless a special
    /// element other than `address`, `div` and `p` is in the way.
    pub(super) fn close_list_item(&mut self, names: &[&[u8]]) {
        let found = self.find(
            |e| e.html(names),
            |e| e.html(SPECIAL) && !e.html(&[b"address", b"div", b"p"]),
        );
        if let Some(at) = found {
            self.pop_to(at);
        }
    }

    /// "Generate implied end tags" (but for the elements named in `keep`).
    pub(super) fn pop_implied(&mut self, keep: &[&[u8]]) {
        while self.current_is(IMPLIED_END) && !self.current_is(keep) {
            self.pop_current();
        }
    }

    /// Pops SVG and MathML elements until an HTML element or an integration point is the
    /// current node (a tag that leaves foreign content).
    pub(super) fn leave_foreign(&mut self) {
        while let Some(&at) = self.seen.last() {
            let e = &self.stack[at];
            if !e.foreign() || e.integration() {
                break;
            }
            self.pop_to(at);
        }
    }

    pub(super) fn push(&mut self, tag: &Tag, ns: Ns) {
        self.seq += 1;
        let seen = self.depth() < self.limit;
        if !seen {
            self.cut(tag.range.clone());
            if self.overflow > 0 || self.stack.len() >= self.limit + self.named {
                self.overflow += 1;
                return;
            }
        }
        self.push_open(Open {
            name: tag.name,
            ns,
            seen,
            seq: self.seq,
        });
    }

    pub(super) fn push_open(&mut self, open: Open) {
        if open.seen {
            self.seen.push(self.stack.len());
            if open.html(&[b"table", b"template"]) {
                self.tables.push(open.name.is(&[b"table"]));
            }
        }
        self.stack.push(open);
    }

    pub(super) fn pop_current(&mut self) {
        if let Some(&at) = self.seen.last() {
            self.pop_to(at);
        }
    }

    /// Pops every element from the top down to `at`, inclusive. Formatting elements among
    /// them are remembered for html5ever to reopen; closing a marker forgets those opened
    /// after it.
    pub(super) fn pop_to(&mut self, at: usize) {
        self.pop_keeping(at, false);
    }

    /// [`Model::pop_to`] of a formatting element by its own end tag: it is not reopened.
    pub(super) fn pop_formatting_to(&mut self, at: usize) {
        self.pop_keeping(at, true);
    }

    pub(super) fn pop_keeping(&mut self, at: usize, own_formatting: bool) {
        while self.stack.len() > at {
            let index = self.stack.len() - 1;
            let open = self.stack.pop().expect("the stack is longer than `at`");
            if open.seen {
                self.seen.pop();
                self.forget(&open, own_formatting && index == at);
            }
        }
        self.pending.sort_by_key(|p| p.seq);
    }

    /// Takes the element at `at` (which the parser sees) out of the stack, leaving what is
    /// above it open.
    pub(super) fn remove_seen(&mut self, at: usize) {
        let open = self.stack.remove(at);
        self.seen.retain(|&i| i != at);
        for i in &mut self.seen {
            if *i > at {
                *i -= 1;
            }
        }
        self.forget(&open, false);
    }

    /// Book-keeping for an element the parser no longer has open.
    pub(super) fn forget(&mut self, open: &Open, by_own_end_tag: bool) {
        if open.html(&[b"table", b"template"]) {
            self.tables.pop();
        }
        if open.html(MARKERS) {
            self.pending.retain(|p| p.seq < open.seq);
        } else if open.html(FORMATTING) && !by_own_end_tag {
            self.pending.push(*open);
        }
    }

    /// Reopens the remembered formatting elements, as html5ever does before text and most
    /// tags.
    pub(super) fn reconstruct(&mut self) {
        if self.pending.is_empty() || self.overflow > 0 {
            return;
        }
        for open in std::mem::take(&mut self.pending) {
            self.push_open(open);
        }
    }
}
