//! `docs/config.md` is the reference a self-hoster declares a site from, so it must keep up
//! with the config structs. The schema derived from them (`Config::schema`, schemars on
//! `src/config/raw*`) lists every key the file accepts, the values of every closed set and
//! every default declared on a field; the reference must name each key backticked, quote
//! each enum value, and state each default where it documents the key. The repository's own
//! `config.toml` (the TASS declaration) must stay valid, and so must every complete example
//! in the reference.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use scrapefeed::config::Config;
use serde_json::{Map, Value};

fn repo_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read(relative: &str) -> String {
    let path = repo_file(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// One key of the file as the schema describes it.
#[derive(Debug)]
struct Key {
    name: String,
    /// The table it belongs to as the reference heads it (`[server]`, `[[site]]`), read
    /// from the raw struct's doc; empty for tables without one (sources, the top level).
    table: String,
    default: Option<Value>,
}

/// What the schema says the reference must cover.
#[derive(Default)]
struct Schema {
    keys: Vec<Key>,
    enum_values: BTreeSet<String>,
}

impl Schema {
    fn derive() -> Schema {
        let root = Config::schema().as_value().clone();
        let defs = root
            .get("$defs")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut schema = Schema::default();
        let mut walk = Walk {
            defs: &defs,
            visited: BTreeSet::new(),
            out: &mut schema,
        };
        walk.node(&root, "");
        schema
    }

    fn has_key(&self, name: &str) -> bool {
        self.keys.iter().any(|k| k.name == name)
    }
}

/// Follows objects, `$ref`s into `$defs`, arrays, maps (`additionalProperties`, as
/// `page_params`) and unions (`anyOf`/`oneOf`, as `Option`s and documented enums).
struct Walk<'a> {
    defs: &'a Map<String, Value>,
    visited: BTreeSet<String>,
    out: &'a mut Schema,
}

impl Walk<'_> {
    fn node(&mut self, node: &Value, table: &str) {
        let Some(node) = node.as_object() else {
            return;
        };
        if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
            let name = reference.trim_start_matches("#/$defs/");
            let def = self
                .defs
                .get(name)
                .unwrap_or_else(|| panic!("no $defs entry {name}"));
            if self.visited.insert(name.to_string()) {
                self.node(def, table);
            }
        }
        // A struct names its own table; anything else belongs to the enclosing one.
        let table = if node.contains_key("properties") {
            table_of(node)
        } else {
            table.to_string()
        };
        if let Some(properties) = node.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                self.out.keys.push(Key {
                    name: name.clone(),
                    table: table.clone(),
                    default: property.get("default").cloned(),
                });
                self.node(property, &table);
            }
        }
        for values in ["enum", "anyOf", "oneOf", "allOf"]
            .iter()
            .filter_map(|k| node.get(*k).and_then(Value::as_array))
        {
            for value in values {
                match value {
                    Value::String(text) => {
                        self.out.enum_values.insert(text.clone());
                    }
                    other => self.node(other, &table),
                }
            }
        }
        if let Some(text) = node.get("const").and_then(Value::as_str) {
            self.out.enum_values.insert(text.to_string());
        }
        for inner in ["items", "additionalProperties"] {
            if let Some(inner) = node.get(inner) {
                self.node(inner, &table);
            }
        }
    }
}

/// The table heading a raw struct's doc starts with: "`[site.listing]`: where…" → `[site.listing]`.
fn table_of(def: &Map<String, Value>) -> String {
    let doc = def.get("description").and_then(Value::as_str).unwrap_or("");
    doc.strip_prefix('`')
        .and_then(|rest| rest.split('`').next())
        .filter(|name| name.starts_with('['))
        .unwrap_or("")
        .to_string()
}

/// A default as the reference writes it: `"15m"`, `100`, `true`, `["title", "summary"]`,
/// and "none" for an empty table or list.
fn written(default: &Value) -> String {
    match default {
        Value::Array(items) if items.is_empty() => "none".into(),
        Value::Object(map) if map.is_empty() => "none".into(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(|i| i.to_string()).collect();
            format!("`[{}]`", items.join(", "))
        }
        other => format!("`{other}`"),
    }
}

/// The reference's text under the heading naming `table`, down to the next heading of the
/// same or a higher level. Lines in fenced blocks are not headings (`# comment` in TOML).
fn section<'a>(docs: &'a str, table: &str) -> Option<&'a str> {
    let mut start = None;
    let mut offset = 0;
    let mut fenced = false;
    for line in docs.split_inclusive('\n') {
        fenced ^= line.trim_start().starts_with("```");
        let level = line.len() - line.trim_start_matches('#').len();
        if !fenced && level > 0 {
            match start {
                None if line.contains(&format!("`{table}`")) => start = Some((offset, level)),
                Some((from, open)) if level <= open => return Some(&docs[from..offset]),
                _ => {}
            }
        }
        offset += line.len();
    }
    start.map(|(from, _)| &docs[from..])
}

/// The table row (`| `key` | … |`) or list item (`- `key`: …`) documenting `key`.
fn entries<'a>(section: &'a str, key: &str) -> Vec<&'a str> {
    let row = format!("| `{key}` |");
    let item = format!("- `{key}`");
    section
        .lines()
        .filter(|line| line.starts_with(&row) || line.starts_with(&item))
        .collect()
}

#[test]
fn every_config_key_is_documented() {
    let schema = Schema::derive();
    // Guards the walk above: a silent failure would make the checks below pass vacuously.
    for known in [
        "server",
        "listen",
        "base_url",
        "type",
        "page_params",
        "css",
        "json_ld",
        "params",
        "pages",
        "filter_fields",
    ] {
        assert!(
            schema.has_key(known),
            "key `{known}` not found in the schema"
        );
    }
    assert!(!schema.has_key("kind"), "`kind` is renamed to `type`");
    for value in ["html", "json", "GET", "POST", "title", "summary", "tags"] {
        assert!(
            schema.enum_values.contains(value),
            "enum value {value:?} not found in the schema"
        );
    }

    let docs = read("docs/config.md");
    let missing: BTreeSet<&str> = schema
        .keys
        .iter()
        .map(|key| key.name.as_str())
        .filter(|key| !docs.contains(&format!("`{key}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/config.md does not document these keys (as `key`): {missing:?}"
    );
    let unquoted: Vec<&String> = schema
        .enum_values
        .iter()
        .filter(|value| !docs.contains(&format!("\"{value}\"")))
        .collect();
    assert!(
        unquoted.is_empty(),
        "docs/config.md does not give these values (as \"value\"): {unquoted:?}"
    );
}

#[test]
fn every_default_is_stated_next_to_its_key() {
    let schema = Schema::derive();
    let defaults: BTreeMap<(&str, &str), &Value> = schema
        .keys
        .iter()
        .filter_map(|k| Some(((k.table.as_str(), k.name.as_str()), k.default.as_ref()?)))
        .collect();
    // Guards the walk: these defaults are declared on their fields.
    for (table, key, value) in [
        ("[server]", "listen", r#""127.0.0.1:8080""#),
        ("[storage]", "max_entries", "100"),
        ("[scheduler]", "jitter", "0.1"),
        ("[[site]]", "interval", r#""15m""#),
        ("[[site]]", "obey_robots", "true"),
        ("[site.listing]", "method", r#""GET""#),
        ("[site.listing.pagination]", "pages", "1"),
        (
            "[[site.section]]",
            "filter_fields",
            r#"["title","summary","tags"]"#,
        ),
    ] {
        let found = defaults.get(&(table, key)).map(|v| v.to_string());
        assert_eq!(
            found.as_deref(),
            Some(value),
            "default of `{key}` in {table}"
        );
    }

    let docs = read("docs/config.md");
    let mut problems = Vec::new();
    for ((table, key), default) in &defaults {
        let Some(text) = section(&docs, table) else {
            problems.push(format!("no heading names `{table}` (for its key `{key}`)"));
            continue;
        };
        let expected = written(default);
        let lines = entries(text, key);
        if !lines.iter().any(|line| line.contains(&expected)) {
            problems.push(format!(
                "under `{table}`, the row or item of `{key}` does not state its default {expected}: {lines:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
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
