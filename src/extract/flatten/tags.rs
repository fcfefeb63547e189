//! Start and end tags as html5ever's tree construction handles them in the model: what each
//! closes, reopens and opens.

use super::names::{
    BLOCK_END, BREAKOUT, CLOSES_P, FORMATTING, HEADINGS, NO_RECONSTRUCT, RAW_TEXT, SPECIAL,
    TABLE_CONTEXT, TABLE_PARTS, TABLE_SCOPE, VOID,
};
use super::tokens::Tag;
use super::{Model, Ns, Open, WINDOW};

impl Model<'_> {
    pub(super) fn start_tag(&mut self, tag: &Tag) -> Option<usize> {
        let end = tag.range.end;
        let name = &tag.name;
        if name.is(&[b"frameset"]) {
            self.cut(tag.range.clone());
            return Some(end);
        }
        if self.overflow > 0 {
            return self.start_counting(tag);
        }
        if self.in_foreign(Some(name)) {
            let ns = self.current().map_or(Ns::Html, |e| e.ns);
            if ns == Ns::Math && name.is(&[b"annotation-xml"]) && tag.html_encoding {
                // An HTML integration point to ammonia's tree but not to scraper's: the two
                // parsers would read what follows differently, so neither sees it.
                self.cut(tag.range.clone());
                return Some(end);
            }
            if !tag.breaks_out() {
                if !tag.self_closing {
                    // In the namespace of the element it is in.
                    self.push(tag, ns);
                }
                return Some(end);
            }
            self.leave_foreign();
        }
        self.start_in_html(tag)
    }

    /// A start tag while the model only counts, deep below the named cut elements: every
    /// element that may open counts and nothing closes. (A model no longer sure of
    /// html5ever's state reads no more tags: [`Model::count_rest`] takes the rest.)
    pub(super) fn start_counting(&mut self, tag: &Tag) -> Option<usize> {
        let end = tag.range.end;
        let name = &tag.name;
        if !self.in_foreign(Some(name)) && name.is(RAW_TEXT) {
            if name.is(&[b"plaintext"]) {
                return None;
            }
            return self.raw_text_end(end, name);
        }
        if tag.breaks_out() && self.in_foreign(Some(name)) {
            // It would take the parser out of SVG or MathML, which the model does not
            // follow while counting: the parser does not see it either.
            if name.is(VOID) {
                self.cut(tag.range.clone());
            } else {
                self.push(tag, Ns::Html);
            }
            return Some(end);
        }
        // Void HTML elements never open; in SVG or MathML (where a cut tag that would have
        // left them keeps the parser) the model counts every other tag (there, they open).
        let void = name.is(VOID) && (name.is(BREAKOUT) || !self.in_foreign(Some(name)));
        if !void {
            self.push(tag, Ns::Html);
        }
        Some(end)
    }

    /// A start tag read as HTML: what it closes first, then the formatting elements
    /// html5ever reopens before it, then the element itself.
    pub(super) fn start_in_html(&mut self, tag: &Tag) -> Option<usize> {
        let end = tag.range.end;
        let name = &tag.name;
        if name.is(TABLE_PARTS) {
            return self.table_part(tag);
        }
        if name.is(&[b"xmp", b"plaintext"]) || (name.is(CLOSES_P) && !name.is(&[b"form"])) {
            if name.is(&[b"li"]) {
                self.close_list_item(&[b"li"]);
            } else if name.is(&[b"dd", b"dt"]) {
                self.close_list_item(&[b"dd", b"dt"]);
            }
            self.close_p();
            if name.is(HEADINGS) && self.current_is(HEADINGS) {
                self.pop_current();
            }
        } else if name.is(&[b"form"]) {
            if self.form && !self.in_template() {
                return Some(end);
            }
            self.close_p();
            if !self.in_template() {
                self.form = true;
            }
        } else if name.is(&[b"hr"]) {
            self.close_p();
            if self.find_select().is_some() {
                self.pop_implied(&[]);
            }
        } else if name.is(&[b"select"]) {
            if self.close_select() {
                // A select inside a select closes it and is not opened.
                return Some(end);
            }
        } else if name.is(&[b"input"]) {
            self.close_select();
        } else if name.is(&[b"option", b"optgroup"]) {
            if self.find_select().is_some() {
                let keep: &[&[u8]] = if name.is(&[b"option"]) {
                    &[b"optgroup"]
                } else {
                    &[]
                };
                self.pop_implied(keep);
            } else if self.current_is(&[b"option"]) {
                self.pop_current();
            }
        } else if name.is(&[b"button"]) {
            if let Some(at) = self.in_scope(&[b"button"], Open::scope) {
                self.pop_to(at);
            }
        } else if name.is(&[b"rb", b"rtc", b"rp", b"rt"]) {
            if self.in_scope(&[b"ruby"], Open::scope).is_some() {
                let keep: &[&[u8]] = if name.is(&[b"rp", b"rt"]) {
                    &[b"rtc"]
                } else {
                    &[]
                };
                self.pop_implied(keep);
            }
        } else if name.is(&[b"a"]) {
            self.formatting_end(name);
        } else if name.is(&[b"nobr"]) {
            self.reconstruct();
            if self.in_scope(&[b"nobr"], Open::scope).is_some() {
                self.formatting_end(name);
            }
        } else if name.is(FORMATTING) {
            self.noahs_ark(name);
        }
        if !name.is(NO_RECONSTRUCT) {
            self.reconstruct();
        }
        if name.is(RAW_TEXT) {
            if name.is(&[b"plaintext"]) {
                return None;
            }
            return self.raw_text_end(end, name);
        }
        if name.is(VOID) {
            return Some(end);
        }
        if name.is(&[b"svg", b"math"]) {
            if !tag.self_closing {
                let ns = if name.is(&[b"svg"]) {
                    Ns::Svg
                } else {
                    Ns::Math
                };
                self.push(tag, ns);
            }
            return Some(end);
        }
        self.push(tag, Ns::Html);
        Some(end)
    }

    /// `<caption>`, `<tr>`, `<td>`… : ignored outside a table; inside one, they close the
    /// row or cell they end, as the table insertion modes do.
    pub(super) fn table_part(&mut self, tag: &Tag) -> Option<usize> {
        let end = tag.range.end;
        let name = &tag.name;
        if name.is(&[b"col"]) && self.current_is(&[b"template"]) {
            // It may switch the template to column-group parsing, which ignores nearly
            // every tag after it (raw-text ones too): the model does not follow that mode,
            // so the parser must not enter it.
            self.cut(tag.range.clone());
            return Some(end);
        }
        if self.tables.last() != Some(&true) {
            // Outside a table html5ever ignores them. (Right inside a template it takes
            // them, as rows and cells of a table to come: three levels at most for each
            // template, which the model counts once, a bounded factor.)
            return Some(end);
        }
        // The table modes first clear the stack back to a table context: whatever is open
        // above it (foster-parented content) closes. The model follows that for HTML
        // elements; SVG or MathML in between is beyond it.
        let context = self.seen.iter().rev().map(|&i| &self.stack[i]);
        let mut above = Vec::new();
        for e in context {
            if e.html(TABLE_CONTEXT) {
                break;
            }
            above.push(e.foreign());
        }
        if above.iter().any(|&foreign| foreign) {
            self.unsure = true;
            return self.start_counting(tag);
        }
        let closes: &[&[u8]] = if name.is(&[b"td", b"th"]) {
            &[b"td", b"th"]
        } else if name.is(&[b"tr"]) {
            &[b"tr"]
        } else if name.is(&[b"tbody", b"thead", b"tfoot"]) {
            &[b"tbody", b"thead", b"tfoot"]
        } else if name.is(&[b"caption"]) {
            &[b"caption"]
        } else {
            &[]
        };
        if let Some(at) = self.in_scope(closes, |e| e.html(TABLE_SCOPE)) {
            self.pop_to(at);
        }
        if !name.is(VOID) {
            self.push(tag, Ns::Html);
        }
        Some(end)
    }

    pub(super) fn end_tag(&mut self, tag: &Tag) {
        let name = &tag.name;
        if self.overflow > 0 {
            // Taken to close the deepest counted element.
            self.overflow -= 1;
            self.cut(tag.range.clone());
            return;
        }
        // The end tag of an element whose start tag was cut goes too.
        let page = self.page;
        let cut = self
            .stack
            .iter()
            .enumerate()
            .rev()
            .take_while(|(_, e)| !e.seen)
            .take(WINDOW)
            .find(|(_, e)| e.name.same(name, page))
            .map(|(i, _)| i);
        if let Some(at) = cut {
            self.cut(tag.range.clone());
            self.pop_to(at);
            return;
        }
        if self.current().is_some_and(|e| e.foreign()) {
            if name.is(&[b"br", b"p"]) {
                self.leave_foreign();
            } else {
                // The nearest SVG or MathML element of the name, before any HTML one.
                for &i in self.seen.iter().rev() {
                    let e = &self.stack[i];
                    if !e.foreign() {
                        break;
                    }
                    if e.name.same(name, page) {
                        self.pop_to(i);
                        return;
                    }
                }
            }
        }
        self.end_in_html(tag);
    }

    pub(super) fn end_in_html(&mut self, tag: &Tag) {
        let name = &tag.name;
        let page = self.page;
        let same = |e: &Open| e.ns == Ns::Html && e.name.same(name, page);
        if name.is(FORMATTING) {
            return self.formatting_end(name);
        }
        let found = if name.is(BLOCK_END) || name.is(&[b"dd", b"dt"]) {
            self.find(same, Open::scope)
        } else if name.is(&[b"p"]) {
            self.find(same, |e| e.scope() || e.html(&[b"button"]))
        } else if name.is(&[b"li"]) {
            self.find(same, |e| e.scope() || e.html(&[b"ol", b"ul"]))
        } else if name.is(HEADINGS) {
            self.find(|e| e.html(HEADINGS), Open::scope)
        } else if name.is(&[b"template"]) {
            self.find(same, |_| false)
        } else if name.is(&[b"form"]) {
            return self.form_end();
        } else if name.is(&[b"head"]) {
            self.current_is(&[b"head"])
                .then(|| self.seen.last().copied())
                .flatten()
        } else if name.is(TABLE_PARTS) || name.is(&[b"table"]) {
            self.find(same, |e| e.html(TABLE_SCOPE))
        } else if name.is(&[b"br"]) {
            // Read as `<br>`, before which html5ever reopens formatting elements.
            self.reconstruct();
            None
        } else if name.is(&[b"body", b"html", b"frameset"]) {
            None
        } else {
            self.find(same, |e| e.html(SPECIAL))
        };
        if let Some(at) = found {
            self.pop_to(at);
        }
    }
}
