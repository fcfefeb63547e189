//! `docs/config.md` is the reference a self-hoster declares a site from, so it must keep up
//! with the config structs: every key `src/config/raw.rs` accepts has to appear in it,
//! backticked. The repository's own `config.toml` (the TASS declaration) must stay valid, and
//! so must every complete example in the reference.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use scrapefeed::config::Config;

fn repo_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read(relative: &str) -> String {
    let path = repo_file(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The value of `name = "..."` inside a `#[serde(...)]` attribute line.
fn serde_string(attribute: &str, name: &str) -> Option<String> {
    let start = attribute.find(&format!("{name} = \""))? + name.len() + 4;
    let len = attribute[start..].find('"')?;
    Some(attribute[start..start + len].to_string())
}

/// Every key the `Raw*` structs accept: field names, or their `rename` (`kind` is the key
/// `type`), plus any `alias`. Reads the source text, so no struct can be forgotten.
fn config_keys(raw_rs: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let mut in_raw_struct = false;
    let mut rename = None;
    for line in raw_rs.lines().map(str::trim) {
        if line.starts_with("pub struct Raw") {
            in_raw_struct = true;
            continue;
        }
        if !in_raw_struct {
            continue;
        }
        if line == "}" {
            in_raw_struct = false;
            continue;
        }
        if line.starts_with("#[serde(") {
            assert!(
                !line.contains("rename_all") && !line.contains("flatten"),
                "teach tests/config_docs.rs about {line}"
            );
            if let Some(alias) = serde_string(line, "alias") {
                keys.insert(alias);
            }
            rename = serde_string(line, "rename").or(rename);
            continue;
        }
        if let Some(field) = line.strip_prefix("pub ") {
            let name = field.split(':').next().unwrap_or_default().trim();
            keys.insert(rename.take().unwrap_or_else(|| name.to_string()));
        }
    }
    keys
}

#[test]
fn every_config_key_is_documented() {
    let raw_rs = read("src/config/raw.rs") + &read("src/config/raw/listing.rs");
    let keys = config_keys(&raw_rs);
    // Guards the reader above: a silent parse failure would make the test below pass vacuously.
    for known in [
        "server",
        "base_url",
        "type",
        "page_params",
        "json_ld",
        "params",
    ] {
        assert!(keys.contains(known), "key `{known}` not found in raw.rs");
    }
    assert!(!keys.contains("kind"), "`kind` is renamed to `type`");

    let docs = read("docs/config.md");
    let missing: Vec<&String> = keys
        .iter()
        .filter(|key| !docs.contains(&format!("`{key}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/config.md does not document these keys (as `key`): {missing:?}"
    );
}

#[test]
fn repository_config_declares_the_tass_sections() {
    let config = Config::from_file(&repo_file("config.toml")).unwrap_or_else(|e| panic!("{e}"));
    let tass = config
        .sites
        .iter()
        .find(|site| site.id == "tass")
        .expect("config.toml declares the site `tass`");
    let ids: Vec<&str> = tass.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "politics",
            "world",
            "economy",
            "defense",
            "emergencies",
            "science",
            "society",
            "sports",
            "pressreview"
        ]
    );
}

/// The fenced ```toml blocks of the reference that are whole configs (a `[[site]]` with its
/// `[[site.section]]`s); the others are fragments of one table.
fn complete_examples(markdown: &str) -> Vec<String> {
    let mut examples = Vec::new();
    let mut block: Option<String> = None;
    for line in markdown.lines() {
        match (&mut block, line.trim_end()) {
            (None, "```toml") => block = Some(String::new()),
            (Some(text), "```") => {
                let has = |table: &str| text.lines().any(|l| l.trim() == table);
                if has("[[site]]") && has("[[site.section]]") {
                    examples.push(text.clone());
                }
                block = None;
            }
            (Some(text), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    examples
}

#[test]
fn complete_examples_in_the_reference_are_valid() {
    let examples = complete_examples(&read("docs/config.md"));
    assert!(
        examples.len() >= 2,
        "docs/config.md should hold the TASS and the HTML worked examples"
    );
    for example in examples {
        if let Err(e) = Config::parse(&example, Path::new(".")) {
            panic!("an example in docs/config.md does not validate: {e}\n\n{example}");
        }
    }
}
