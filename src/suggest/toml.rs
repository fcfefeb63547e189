//! The proposed declaration, as commented TOML ready to paste into `config.toml`.

use std::fmt::Write as _;

use url::Url;

use super::{List, Suggestion};

/// A TOML basic string.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Suggestion {
    /// The declaration of list `choice` (0: the proposal), commented.
    pub fn toml(&self, choice: usize) -> String {
        let list = &self.lists[choice.min(self.lists.len() - 1)];
        let url = Url::parse(&self.url).expect("the page's URL");
        let base = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default())
            + &url.port().map(|p| format!(":{p}")).unwrap_or_default();
        let mut out = String::new();
        let _ = writeln!(out, "# Proposed by `scrapefeed suggest {}`.", self.url);
        let _ = writeln!(
            out,
            "# The list: {} items in {} (`{}`).",
            list.count, list.region, list.items
        );
        if !self.feeds.is_empty() {
            let _ = writeln!(
                out,
                "# The page already links to a feed, which may serve you without scrapefeed: {}",
                self.feeds[0].1
            );
        }
        let _ = writeln!(out, "[[site]]");
        let _ = writeln!(out, "id = {}", quoted(&self.site_id));
        if let Some(title) = &self.site_title {
            let _ = writeln!(out, "title = {}  # from the page", quoted(title));
        }
        let _ = writeln!(out, "base_url = {}", quoted(&base));
        if let Some(lang) = &self.language {
            let _ = writeln!(out, "language = {}  # from <html lang>", quoted(lang));
        }
        match &self.timezone {
            Some(zone) => {
                let _ = writeln!(
                    out,
                    "timezone = {}  # guessed from the offsets of the list's dates",
                    quoted(zone)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "# timezone = \"Europe/Berlin\"  # not guessed: set the site's zone if its dates print no offset"
                );
            }
        }
        out.push('\n');
        write_listing(&mut out, list);
        if let Some(next) = &self.next {
            let _ = writeln!(
                out,
                "\n# The page links to its next page; uncomment to read more than one."
            );
            let _ = writeln!(out, "# [site.listing.pagination]\n# pages = 3");
            let _ = writeln!(
                out,
                "# next = {{ css = {}, attr = \"href\" }}",
                quoted(next)
            );
        }
        let _ = writeln!(
            out,
            "\n# No [site.article]: the generic article reader reads title, body, author, image and dates\n# from each article page; declare a field only where `scrapefeed check` shows it missing."
        );
        let _ = writeln!(out, "\n[[site.section]]");
        let _ = writeln!(out, "id = {}", quoted(&self.section_id));
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let _ = writeln!(out, "path = {}", quoted(&path));
        out
    }
}

fn write_listing(out: &mut String, list: &List) {
    let _ = writeln!(
        out,
        "[site.listing]\ntype = \"html\"\nitems = {}\n",
        quoted(&list.items)
    );
    let _ = writeln!(out, "[site.listing.fields]");
    let _ = writeln!(
        out,
        "link = {{ css = {}, attr = \"href\" }}",
        quoted(&list.link)
    );
    match &list.title {
        Some(css) => {
            let _ = writeln!(out, "title = {{ css = {} }}", quoted(css));
        }
        None => {
            let _ = writeln!(out, "title = {{ css = {} }}", quoted(&list.link));
        }
    }
    if let Some(css) = &list.summary {
        let _ = writeln!(out, "summary = {{ css = {} }}", quoted(css));
    }
    if let Some(css) = &list.image {
        let _ = writeln!(out, "image = {{ css = {}, attr = \"src\" }}", quoted(css));
    }
    match &list.published {
        Some((css, true)) => {
            let _ = writeln!(
                out,
                "published = {{ css = {}, attr = \"datetime\" }}",
                quoted(css)
            );
        }
        Some((css, false)) => {
            let _ = writeln!(
                out,
                "published = {{ css = {} }}  # printed text",
                quoted(css)
            );
        }
        None => {}
    }
}
