//! `/opml`: the feeds as an OPML 2.0 subscription list (<http://opml.org/spec2.opml>).
//!
//! Written with quick-xml, so titles and URLs are escaped by the writer; a site's title is
//! made XML-safe first (`text::line`: a TOML string can hold control characters), as feed
//! titles are when their `FeedMeta` is made. One folder per site holding its sections; each
//! feed is one `<outline type="rss">` pointing at its RSS document (readers read Atom behind
//! `type="rss"` too, but one outline per feed keeps an import free of duplicates).
//!
//! The merged feeds (a site's, `all`) are left out unless asked for (`/opml?merged=1`): a
//! reader that imports both a section and a merged feed holding the same articles shows each
//! article twice, and marks it read in one place only (newsboat showed every section empty
//! beside a full `all`). Asked for, each site's folder starts with its merged feed and `all`
//! comes last.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use crate::app::App;
use crate::feeds::{FeedKind, FeedSpec, Format};
use crate::text;

/// Which feeds the list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    /// Section feeds only: every article once.
    Sections,
    /// The merged feeds too (`?merged=1`).
    WithMerged,
}

impl Listed {
    /// From the `merged` query parameter: absent, `0`/`false`/`no` or empty for sections
    /// only, `1`/`true`/`yes` for the merged feeds too; anything else is refused, naming it.
    pub fn from_query(merged: Option<&str>) -> Result<Listed, String> {
        match merged.map(str::trim) {
            None | Some("" | "0" | "false" | "no") => Ok(Listed::Sections),
            Some("1" | "true" | "yes") => Ok(Listed::WithMerged),
            Some(other) => Err(format!(
                "merged={other:?} is not a choice: use merged=1 to list the merged feeds too, merged=0 (the default) for section feeds only"
            )),
        }
    }
}

/// The OPML document listing the feeds.
pub fn opml(app: &App, listed: Listed) -> Vec<u8> {
    let mut out = Writer::new_with_indent(Vec::new(), b' ', 2);
    write(&mut out, app, listed).expect("writing to a Vec cannot fail");
    let mut bytes = out.into_inner();
    bytes.push(b'\n');
    bytes
}

fn write(out: &mut Writer<Vec<u8>>, app: &App, listed: Listed) -> std::io::Result<()> {
    let merged = listed == Listed::WithMerged;
    let catalog = app.feeds.catalog();
    out.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    out.write_event(Event::Start(
        BytesStart::new("opml").with_attributes([("version", "2.0")]),
    ))?;
    out.write_event(Event::Start(BytesStart::new("head")))?;
    out.create_element("title")
        .write_text_content(BytesText::new("scrapefeed feeds"))?;
    out.create_element("docs")
        .write_text_content(BytesText::new("http://opml.org/spec2.opml"))?;
    out.write_event(Event::End(BytesEnd::new("head")))?;
    out.write_event(Event::Start(BytesStart::new("body")))?;
    for site in &app.config.sites {
        let title = text::line(&site.title);
        out.write_event(Event::Start(
            BytesStart::new("outline")
                .with_attributes([("text", title.as_ref()), ("title", title.as_ref())]),
        ))?;
        let members = catalog.iter().filter(|f| match &f.kind {
            FeedKind::Site => merged && f.name == site.id,
            FeedKind::Section { site: s } => *s == site.id,
            FeedKind::All => false,
        });
        for feed in members {
            outline(out, feed)?;
        }
        out.write_event(Event::End(BytesEnd::new("outline")))?;
    }
    if let Some(all) = catalog.get("all").filter(|_| merged) {
        outline(out, all)?;
    }
    out.write_event(Event::End(BytesEnd::new("body")))?;
    out.write_event(Event::End(BytesEnd::new("opml")))?;
    Ok(())
}

fn outline(out: &mut Writer<Vec<u8>>, feed: &FeedSpec) -> std::io::Result<()> {
    out.create_element("outline")
        .with_attributes([
            ("type", "rss"),
            ("version", "RSS2"),
            ("text", feed.meta.title.as_str()),
            ("title", feed.meta.title.as_str()),
            ("xmlUrl", feed.url(Format::Rss)),
            ("htmlUrl", feed.meta.link.as_str()),
        ])
        .write_empty()?;
    Ok(())
}
