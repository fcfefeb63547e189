//! When to re-read the config while serving (on SIGHUP, and when the file changes), and
//! what a reload changed (`Changes`, logged in one line).
//!
//! The file is polled (modification time and size, every `POLL`), not watched with inotify:
//! polling also works for configs on network file systems and for editors and deploy tools
//! that replace the file instead of writing it in place, and it needs no extra crate.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::config::{Config, ServerSettings, Site};

/// How often the config file is checked.
pub const POLL: Duration = Duration::from_secs(2);

/// What identifies one version of the config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp {
        modified: meta.modified().ok(),
        len: meta.len(),
    })
}

/// Waits for reload requests on one config file.
pub struct Reloads {
    path: PathBuf,
    last: Option<Stamp>,
    #[cfg(unix)]
    hangup: Option<tokio::signal::unix::Signal>,
}

impl Reloads {
    pub fn new(path: &Path) -> Reloads {
        Reloads {
            path: path.to_path_buf(),
            last: stamp(path),
            #[cfg(unix)]
            hangup: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok(),
        }
    }

    /// Resolves at the next SIGHUP or change of the file (a file that disappears is not a
    /// change: an editor may be replacing it).
    pub async fn next(&mut self) -> &'static str {
        loop {
            #[cfg(unix)]
            let hangup = async {
                match self.hangup.as_mut() {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            #[cfg(not(unix))]
            let hangup = std::future::pending::<()>();
            tokio::select! {
                _ = hangup => {
                    self.last = stamp(&self.path);
                    return "SIGHUP";
                }
                _ = tokio::time::sleep(POLL) => {
                    let now = stamp(&self.path);
                    if now.is_some() && now != self.last {
                        self.last = now;
                        return "config file changed";
                    }
                }
            }
        }
    }
}

/// What a reload changed, section by section (`site/section`), for the log:
/// `reload: 2 sections added (a/x, a/y), 1 removed (b/z), 1 changed (a/w)`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Sections whose own settings or whose site's settings differ.
    pub changed: Vec<String>,
    /// The top-level tables that differ (`server`, `storage`, `scheduler`).
    pub tables: Vec<&'static str>,
}

/// Most section names a line lists for each kind of change; the count says the rest.
const LISTED: usize = 10;

impl Changes {
    /// The difference from `old` to `new`.
    ///
    /// The typed config has no `PartialEq` (compiled selectors and regexes have none), so
    /// settings are compared by their `Debug` form: the same settings always print the same
    /// way (the config holds no hash maps, whose order could differ).
    pub fn between(old: &Config, new: &Config) -> Changes {
        let (old_sections, new_sections) = (settings(old), settings(new));
        let (before, after): (BTreeMap<_, _>, BTreeMap<_, _>) = (
            old_sections.iter().cloned().collect(),
            new_sections.iter().cloned().collect(),
        );
        let mut changes = Changes::default();
        for (name, settings) in &old_sections {
            match after.get(name) {
                None => changes.removed.push(name.clone()),
                Some(now) if now != settings => changes.changed.push(name.clone()),
                Some(_) => {}
            }
        }
        changes.added = new_sections
            .into_iter()
            .filter(|(name, _)| !before.contains_key(name))
            .map(|(name, _)| name)
            .collect();
        let tables = [
            ("server", debug(&old.server) != debug(&new.server)),
            ("storage", debug(&old.storage) != debug(&new.storage)),
            ("scheduler", debug(&old.scheduler) != debug(&new.scheduler)),
        ];
        changes.tables = tables
            .into_iter()
            .filter_map(|(table, differs)| differs.then_some(table))
            .collect();
        changes
    }
}

impl fmt::Display for Changes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kinds = [
            ("added", &self.added),
            ("removed", &self.removed),
            ("changed", &self.changed),
        ];
        let mut first = true;
        for (verb, names) in kinds.into_iter().filter(|(_, names)| !names.is_empty()) {
            if !first {
                f.write_str(", ")?;
            }
            let noun = match (first, names.len()) {
                (false, _) => "",
                (true, 1) => " section",
                (true, _) => " sections",
            };
            write!(f, "{}{noun} {verb} ({})", names.len(), listed(names))?;
            first = false;
        }
        if first {
            f.write_str("no section added, removed or changed")?;
        }
        if !self.tables.is_empty() {
            let tables: Vec<String> = self.tables.iter().map(|t| format!("[{t}]")).collect();
            write!(f, "; {} changed", tables.join(", "))?;
        }
        Ok(())
    }
}

/// The first `LISTED` names, and how many more.
fn listed(names: &[String]) -> String {
    let mut text = names[..names.len().min(LISTED)].join(", ");
    if names.len() > LISTED {
        text.push_str(&format!(", and {} more", names.len() - LISTED));
    }
    text
}

fn debug(value: &impl fmt::Debug) -> String {
    format!("{value:?}")
}

/// Each section's settings with its site's, by `site/section`, in config order.
fn settings(config: &Config) -> Vec<(String, String)> {
    let mut all = Vec::new();
    for site in &config.sites {
        let site_settings = site_without_sections(site);
        for section in &site.sections {
            let name = format!("{}/{}", site.id, section.id);
            all.push((name, format!("{site_settings} {section:?}")));
        }
    }
    all
}

/// A site's `Debug` form without its sections, so that a change to one section does not
/// count as a change to all of its site's (`sections: […]` is printed as its field's value).
fn site_without_sections(site: &Site) -> String {
    debug(site).replacen(&format!("sections: {:?}", site.sections), "", 1)
}

/// The `[server]` keys read only at start that differ between `old` and `new`
/// (`listen` not when `--listen` overrides it).
pub fn restart_only_changes(
    old: &ServerSettings,
    new: &ServerSettings,
    listen_overridden: bool,
) -> Vec<&'static str> {
    let c = (&old.connections, &new.connections);
    [
        ("listen", old.listen != new.listen && !listen_overridden),
        ("header_timeout", c.0.header_timeout != c.1.header_timeout),
        (
            "keep_alive_timeout",
            c.0.keep_alive_timeout != c.1.keep_alive_timeout,
        ),
        ("send_timeout", c.0.send_timeout != c.1.send_timeout),
        (
            "max_connections",
            c.0.max_connections != c.1.max_connections,
        ),
        ("shutdown_grace", old.shutdown_grace != new.shutdown_grace),
    ]
    .into_iter()
    .filter_map(|(key, changed)| changed.then_some(key))
    .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// A config of sites `(id, base URL suffix, [section ids])`.
    fn config(sites: &[(&str, &str, &[&str])]) -> Config {
        let mut text = String::new();
        for (id, host, sections) in sites {
            text.push_str(&format!(
                "[[site]]\nid = \"{id}\"\nbase_url = \"https://{host}\"\n\
                 [site.listing]\ntype = \"html\"\nitems = \"li\"\n\
                 [site.listing.fields]\nlink = {{ css = \"a\", attr = \"href\" }}\n"
            ));
            for section in *sections {
                text.push_str(&format!(
                    "[[site.section]]\nid = \"{section}\"\npath = \"/{section}\"\n"
                ));
            }
        }
        Config::parse(&text, Path::new(".")).unwrap()
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_unchanged_config_changes_nothing() {
        let sites: &[(&str, &str, &[&str])] = &[("a", "a.example", &["x", "y"])];
        let changes = Changes::between(&config(sites), &config(sites));
        assert_eq!(changes, Changes::default());
        assert_eq!(changes.to_string(), "no section added, removed or changed");
    }

    #[test]
    fn sections_added_removed_and_changed_by_site_and_section() {
        let old = config(&[
            ("a", "a.example", &["w", "x"]),
            ("b", "b.example", &["z", "k"]),
        ]);
        let mut new = config(&[
            ("a", "a.example", &["w", "x", "y"]),
            ("b", "b.example", &["k"]),
        ]);
        // A section's own setting.
        let a = Arc::get_mut(&mut new.sites[0]).unwrap();
        a.sections[0].title = "renamed".into();
        let changes = Changes::between(&old, &new);
        assert_eq!(changes.added, names(&["a/y"]));
        assert_eq!(changes.removed, names(&["b/z"]));
        assert_eq!(
            changes.changed,
            names(&["a/w"]),
            "only the section that changed"
        );
        assert_eq!(
            changes.to_string(),
            "1 section added (a/y), 1 removed (b/z), 1 changed (a/w)"
        );
    }

    #[test]
    fn a_site_setting_changes_each_of_its_sections() {
        let old = config(&[("a", "a.example", &["x", "y"]), ("b", "b.example", &["z"])]);
        let new = config(&[("a", "a2.example", &["x", "y"]), ("b", "b.example", &["z"])]);
        let changes = Changes::between(&old, &new);
        assert_eq!(changes.changed, names(&["a/x", "a/y"]));
        assert_eq!(changes.to_string(), "2 sections changed (a/x, a/y)");
    }

    #[test]
    fn a_section_moved_to_another_site_is_removed_and_added() {
        let old = config(&[
            ("a", "a.example", &["x", "ka"]),
            ("b", "b.example", &["kb"]),
        ]);
        let new = config(&[
            ("a", "a.example", &["ka"]),
            ("b", "b.example", &["x", "kb"]),
        ]);
        let changes = Changes::between(&old, &new);
        assert_eq!(
            changes.to_string(),
            "1 section added (b/x), 1 removed (a/x)"
        );
    }

    #[test]
    fn long_lists_are_cut_and_tables_named() {
        let many: Vec<String> = ["k".to_string()]
            .into_iter()
            .chain((0..12).map(|i| format!("s{i}")))
            .collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let old = config(&[("a", "a.example", &["k"])]);
        let mut new = config(&[("a", "a.example", &many)]);
        new.scheduler.concurrency += 1;
        let text = Changes::between(&old, &new).to_string();
        assert!(
            text.starts_with("12 sections added (a/s0, a/s1, a/s2,"),
            "{text}"
        );
        assert!(
            text.ends_with(", and 2 more); [scheduler] changed"),
            "{text}"
        );
    }
}
