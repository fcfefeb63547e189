//! Tag names as the model compares them, and the standard's sets of them.

/// A tag name, lower-cased: the first 16 bytes kept, longer names compared in the page.
#[derive(Debug, Clone, Copy)]
pub(super) struct Name {
    short: [u8; 16],
    len: usize,
    at: usize,
}

impl Name {
    pub(super) fn read(page: &[u8], at: usize, len: usize) -> Name {
        let mut short = [0u8; 16];
        for (slot, byte) in short.iter_mut().zip(&page[at..at + len]) {
            *slot = byte.to_ascii_lowercase();
        }
        Name { short, len, at }
    }

    /// The name when it can be one of the standard's (all are shorter than 16 bytes).
    pub(super) fn known(&self) -> &[u8] {
        if self.len > 16 {
            return &[];
        }
        &self.short[..self.len]
    }

    pub(super) fn same(&self, other: &Name, page: &[u8]) -> bool {
        self.len == other.len
            && self.short == other.short
            && (self.len <= 16
                || page[self.at..self.at + self.len]
                    .eq_ignore_ascii_case(&page[other.at..other.at + other.len]))
    }

    pub(super) fn is(&self, names: &[&[u8]]) -> bool {
        let known = self.known();
        names.contains(&known)
    }
}

/// Elements with no content and no end tag.
#[rustfmt::skip]
pub(super) const VOID: &[&[u8]] = &[
    b"area", b"base", b"basefont", b"bgsound", b"br", b"col", b"embed", b"frame", b"hr",
    b"image", b"img", b"input", b"keygen", b"link", b"meta", b"param", b"source", b"track",
    b"wbr",
];

/// Start tags after which the tokenizer reads text up to the matching end tag.
#[rustfmt::skip]
pub(super) const RAW_TEXT: &[&[u8]] = &[
    b"script", b"style", b"xmp", b"iframe", b"noembed", b"noframes", b"noscript", b"textarea",
    b"title", b"plaintext",
];

#[rustfmt::skip]
pub(super) const FORMATTING: &[&[u8]] = &[
    b"a", b"b", b"big", b"code", b"em", b"font", b"i", b"nobr", b"s", b"small", b"strike",
    b"strong", b"tt", b"u",
];

/// Elements whose close forgets the formatting elements opened inside them (they put a
/// marker in html5ever's list of active formatting elements).
#[rustfmt::skip]
pub(super) const MARKERS: &[&[u8]] = &[
    b"applet", b"caption", b"marquee", b"object", b"td", b"template", b"th",
];

/// html5ever's "special" HTML elements (its `special_tag` set).
#[rustfmt::skip]
pub(super) const SPECIAL: &[&[u8]] = &[
    b"address", b"applet", b"area", b"article", b"aside", b"base", b"basefont", b"bgsound",
    b"blockquote", b"body", b"br", b"button", b"caption", b"center", b"col", b"colgroup", b"dd",
    b"details", b"dir", b"div", b"dl", b"dt", b"embed", b"fieldset", b"figcaption", b"figure",
    b"footer", b"form", b"frame", b"frameset", b"h1", b"h2", b"h3", b"h4", b"h5", b"h6",
    b"head", b"header", b"hgroup", b"hr", b"html", b"iframe", b"img", b"input", b"isindex",
    b"li", b"link", b"listing", b"main", b"marquee", b"menu", b"meta", b"nav", b"noembed",
    b"noframes", b"noscript", b"object", b"ol", b"p", b"param", b"plaintext", b"pre", b"script",
    b"section", b"select", b"source", b"style", b"summary", b"table", b"tbody", b"td",
    b"template", b"textarea", b"tfoot", b"th", b"thead", b"title", b"tr", b"track", b"ul",
    b"wbr", b"xmp",
];

/// HTML elements where "has an element in scope" stops looking (with the integration
/// points of SVG and MathML); a select is one since html5ever 0.40.
#[rustfmt::skip]
pub(super) const SCOPE: &[&[u8]] = &[
    b"applet", b"caption", b"html", b"table", b"td", b"th", b"marquee", b"object", b"select",
    b"template",
];

pub(super) const TABLE_SCOPE: &[&[u8]] = &[b"html", b"table", b"template"];

/// End tags that close everything opened inside their element, when it is in scope.
#[rustfmt::skip]
pub(super) const BLOCK_END: &[&[u8]] = &[
    b"address", b"applet", b"article", b"aside", b"blockquote", b"button", b"center",
    b"details", b"dialog", b"dir", b"div", b"dl", b"fieldset", b"figcaption", b"figure",
    b"footer", b"header", b"hgroup", b"listing", b"main", b"marquee", b"menu", b"nav",
    b"object", b"ol", b"pre", b"search", b"section", b"select", b"summary", b"ul",
];

/// Table parts: html5ever ignores their start tags outside a table.
#[rustfmt::skip]
pub(super) const TABLE_PARTS: &[&[u8]] = &[
    b"caption", b"col", b"colgroup", b"tbody", b"td", b"tfoot", b"th", b"thead", b"tr",
];

/// The elements that decide how a table part is read (the table insertion modes).
#[rustfmt::skip]
pub(super) const TABLE_CONTEXT: &[&[u8]] = &[
    b"caption", b"colgroup", b"table", b"tbody", b"td", b"template", b"tfoot", b"th", b"thead",
    b"tr",
];

/// What "generate implied end tags" pops while it is the current node.
#[rustfmt::skip]
pub(super) const IMPLIED_END: &[&[u8]] = &[
    b"dd", b"dt", b"li", b"option", b"optgroup", b"p", b"rb", b"rp", b"rt", b"rtc",
];

/// Start tags that close an open `<p>` first.
#[rustfmt::skip]
pub(super) const CLOSES_P: &[&[u8]] = &[
    b"address", b"article", b"aside", b"blockquote", b"center", b"details", b"dialog",
    b"dir", b"div", b"dl", b"fieldset", b"figcaption", b"figure", b"footer", b"header",
    b"hgroup", b"main", b"menu", b"nav", b"ol", b"p", b"search", b"section", b"summary", b"ul",
    b"h1", b"h2", b"h3", b"h4", b"h5", b"h6", b"pre", b"listing", b"li", b"dd", b"dt",
];

/// Start tags before which html5ever does not reopen formatting elements (in body; every
/// other start tag it reads as HTML, it does).
#[rustfmt::skip]
pub(super) const NO_RECONSTRUCT: &[&[u8]] = &[
    b"address", b"article", b"aside", b"blockquote", b"center", b"details", b"dialog", b"dir",
    b"div", b"dl", b"fieldset", b"figcaption", b"figure", b"footer", b"header", b"hgroup",
    b"main", b"nav", b"ol", b"p", b"search", b"section", b"summary", b"ul", b"menu", b"h1",
    b"h2", b"h3", b"h4", b"h5", b"h6", b"pre", b"listing", b"form", b"li", b"dd", b"dt",
    b"plaintext", b"table", b"hr", b"param", b"source", b"track", b"textarea", b"iframe",
    b"noembed", b"noscript", b"rb", b"rtc", b"rp", b"rt", b"base", b"basefont", b"bgsound",
    b"link", b"meta", b"noframes", b"script", b"style", b"template", b"title", b"html",
    b"body", b"head", b"frameset", b"caption", b"col", b"colgroup", b"frame", b"tbody",
    b"td", b"tfoot", b"th", b"thead", b"tr",
];

pub(super) const HEADINGS: &[&[u8]] = &[b"h1", b"h2", b"h3", b"h4", b"h5", b"h6"];

/// Start tags that leave SVG and MathML content for HTML (and `<font>` with `color`,
/// `face` or `size`).
#[rustfmt::skip]
pub(super) const BREAKOUT: &[&[u8]] = &[
    b"b", b"big", b"blockquote", b"body", b"br", b"center", b"code", b"dd", b"div", b"dl",
    b"dt", b"em", b"embed", b"h1", b"h2", b"h3", b"h4", b"h5", b"h6", b"head", b"hr", b"i",
    b"img", b"li", b"listing", b"menu", b"meta", b"nobr", b"ol", b"p", b"pre", b"ruby", b"s",
    b"small", b"span", b"strong", b"strike", b"sub", b"sup", b"table", b"tt", b"u", b"ul",
    b"var",
];

/// SVG elements whose content is read as HTML.
pub(super) const SVG_INTEGRATION: &[&[u8]] = &[b"foreignobject", b"desc", b"title"];

/// MathML elements whose content is read as HTML, but for `mglyph` and `malignmark`.
pub(super) const MATH_TEXT_INTEGRATION: &[&[u8]] = &[b"mi", b"mo", b"mn", b"ms", b"mtext"];

pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}
