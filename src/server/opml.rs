//! `/opml`: every feed as an OPML 2.0 subscription list (<http://opml.org/spec2.opml>).
//!
//! Written with quick-xml, so titles and URLs are escaped by the writer; a site's title is
//! made XML-safe first (`text::line`: a TOML string can hold control characters), as feed
//! titles are when their `FeedMeta` is made. One folder per site
//! holding its merged feed and its sections, then the feed of everything; each feed is one
//! `<outline type="rss">` pointing at its RSS document (readers read Atom behind `type="rss"`
//! too, but one outline per feed keeps an import free of duplicates).

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use crate::app::App;
use crate::feeds::{FeedKind, FeedSpec, Format};
use crate::text;

/// The OPML document listing every feed.
pub fn opml(app: &App) -> Vec<u8> {
    let mut out = Writer::new_with_indent(Vec::new(), b' ', 2);
    write(&mut out, app).expect("writing to a Vec cannot fail");
    let mut bytes = out.into_inner();
    bytes.push(b'\n');
    bytes
}

fn write(out: &mut Writer<Vec<u8>>, app: &App) -> std::io::Result<()> {
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
            FeedKind::Site => f.name == site.id,
            FeedKind::Section { site: s } => *s == site.id,
            FeedKind::All => false,
        });
        for feed in members {
            outline(out, feed)?;
        }
        out.write_event(Event::End(BytesEnd::new("outline")))?;
    }
    if let Some(all) = catalog.get("all") {
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
