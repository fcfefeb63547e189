//! The layers of `docs/architecture.md` hold in the code: every `crate::…` path (and every
//! `super::` that climbs out of its top-level module) in `src/` names a module of a layer
//! above the one it is written in, so the module graph stays acyclic and reads top-down. The
//! layers are read from the document itself, so the page and the code cannot drift apart.
//! Files stay small enough to read: none in `src/` is over 600 lines.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The layers, bottom first: the lines of the ```layers block of docs/architecture.md, each a
/// list of top-level modules.
fn documented_layers() -> Vec<Vec<String>> {
    let doc = std::fs::read_to_string(repo("docs/architecture.md")).unwrap();
    let block = doc
        .split("```layers\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/architecture.md has a ```layers block");
    let mut layers: Vec<Vec<String>> = block
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .map(|line| line.split_whitespace().map(str::to_string).collect())
        .filter(|layer: &Vec<String>| !layer.is_empty())
        .collect();
    // The block lists the top layer first, as the page reads; the rule is simpler bottom-up.
    layers.reverse();
    layers
}

/// The top-level modules `src/lib.rs` declares.
fn declared_modules() -> BTreeSet<String> {
    let lib = std::fs::read_to_string(repo("src/lib.rs")).unwrap();
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src/`: `src/store/sqlite/open.rs` is
/// `["store", "sqlite", "open"]`, `src/store/mod.rs` is `["store"]`.
fn module_path(file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(repo("src")).unwrap();
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    parts
}

/// The code of a file without its line comments (doc comments mention modules they do not
/// use). A `//` inside a string literal is code.
fn code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut previous = '\0';
        let mut end = line.len();
        for (at, c) in line.char_indices() {
            match c {
                '"' if previous != '\\' => in_string = !in_string,
                '/' if !in_string && previous == '/' => {
                    end = at - 1;
                    break;
                }
                _ => {}
            }
            previous = c;
        }
        out.push_str(&line[..end]);
        out.push('\n');
    }
    out
}

/// The top-level modules a file's code refers to through `crate::` (including grouped
/// `use crate::{a, b::c}`) or through `super::` chains that leave its own top-level module.
fn referenced_modules(file: &Path, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file).unwrap();
    references(&text, &module_path(file), modules)
}

/// [`referenced_modules`] of source `text` written in the module at `path`.
fn references(text: &str, path: &[String], modules: &BTreeSet<String>) -> BTreeSet<String> {
    let text = code(text);
    let mut found = BTreeSet::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for item in inner.split(',') {
                found.insert(first_segment(item.trim()));
            }
        } else {
            found.insert(first_segment(after));
        }
        rest = after;
    }
    // `super::super::x` from `["a", "b"]` is the top-level `x`.
    for (at, _) in text.match_indices("super::") {
        let preceded_by_super = text[..at].ends_with("super::");
        if preceded_by_super {
            continue;
        }
        let mut climbs = 0;
        let mut after = &text[at..];
        while let Some(next) = after.strip_prefix("super::") {
            climbs += 1;
            after = next;
        }
        if climbs >= path.len() {
            found.insert(first_segment(after));
        }
    }
    found.retain(|m| modules.contains(m));
    found
}

fn first_segment(path: &str) -> String {
    path.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn every_module_is_placed_in_exactly_one_documented_layer() {
    let layers = documented_layers();
    let mut placed = BTreeSet::new();
    for module in layers.iter().flatten() {
        assert!(
            placed.insert(module.clone()),
            "{module} is in two layers of docs/architecture.md"
        );
    }
    assert_eq!(
        placed,
        declared_modules(),
        "the layers of docs/architecture.md and the modules of src/lib.rs differ"
    );
}

#[test]
fn imports_only_go_down_the_documented_layers() {
    let layers = documented_layers();
    let modules = declared_modules();
    let layer_of = |module: &str| layers.iter().position(|l| l.iter().any(|m| m == module));
    let mut files = Vec::new();
    rust_files(&repo("src"), &mut files);
    let mut checked = 0;
    let mut wrong = Vec::new();
    for file in &files {
        let path = module_path(file);
        let Some(top) = path.first().filter(|m| modules.contains(*m)) else {
            continue; // lib.rs, main.rs: the crate root and the binary sit above every layer
        };
        let own = layer_of(top).unwrap();
        for used in referenced_modules(file, &modules) {
            checked += 1;
            if used != *top && layer_of(&used).unwrap() >= own {
                wrong.push(format!(
                    "{} ({top}) uses {used}, which is not in a layer below",
                    file.strip_prefix(repo("")).unwrap().display()
                ));
            }
        }
    }
    // Guards the reader: a silent parse failure would make this test pass vacuously.
    assert!(checked > 60, "only {checked} imports found");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_reader_finds_what_code_uses() {
    let modules: BTreeSet<String> = ["model", "fetch", "store", "config", "html"]
        .map(String::from)
        .into();
    let text = "//! Mentions crate::config in a comment only.\n\
                use crate::{model::Entry, fetch};\n\
                use super::super::store::Store;\n\
                use super::sibling;\n\
                let x = crate::html::plain_text(\"a\"); // and crate::config again\n";
    let path = ["app".to_string(), "inner".to_string()];
    let found = references(text, &path, &modules);
    let want: BTreeSet<String> = ["model", "fetch", "store", "html"].map(String::from).into();
    assert_eq!(found, want);
    assert_eq!(
        module_path(&repo("src/store/sqlite/open.rs")),
        ["store", "sqlite", "open"]
    );
    assert_eq!(module_path(&repo("src/store/mod.rs")), ["store"]);
}
#[test]
fn no_source_file_is_over_600_lines() {
    let mut files = Vec::new();
    rust_files(&repo("src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let lines = std::fs::read_to_string(file).unwrap().lines().count();
            (lines > 600).then(|| format!("{}: {lines} lines", file.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these by responsibility: {long:?}");
}
