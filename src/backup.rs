//! The `export` and `import` commands: a database's entries as JSON lines, for backups and
//! for moving scrapefeed to another machine or another storage.
//!
//! The format and the idempotent insert live in the store (`store::ExportRecord`); this is
//! the command edge: files or standard streams, atomic output, context on errors. A damaged
//! database is refused when it is opened, before a byte is written; an export that fails
//! part-way says what became of its output (no file, or an incomplete standard output).

use std::io::{BufReader, BufWriter};
use std::path::Path;

use anyhow::Context;

use crate::config::StorageSettings;
use crate::store::{Backend, ExportOutcome, ImportOutcome};

/// `-` as a path means standard input or output.
fn is_std(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The store `storage` names; a PostgreSQL server that is down is waited for until Ctrl-C
/// (which stops the command, as it always did).
fn open(storage: &StorageSettings) -> anyhow::Result<Backend> {
    let never = tokio_util::sync::CancellationToken::new();
    crate::store::open(storage, &never)?
        .context("gave up waiting for the database: it is not reachable")
}

/// Writes every entry of the database `storage` names to `output`. A file is written beside
/// its final name and renamed into place, so an interrupted export never leaves a truncated
/// backup that looks complete.
pub fn export(storage: &StorageSettings, output: &Path) -> anyhow::Result<ExportOutcome> {
    let store = open(storage)?;
    if is_std(output) {
        let stdout = std::io::stdout();
        let mut out = BufWriter::new(stdout);
        return store.export(&mut out).context(
            "the export stopped part-way: what standard output received is incomplete, do not \
             keep it as a backup",
        );
    }
    let dir = output
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    let mut out = BufWriter::new(tmp);
    let written = store.export(&mut out).with_context(|| {
        format!(
            "the export stopped part-way; {} was left as it was",
            output.display()
        )
    })?;
    let tmp = out
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("cannot write {}", output.display()))?;
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("cannot write {}", output.display()))?;
    tmp.persist(output)
        .with_context(|| format!("cannot write {}", output.display()))?;
    Ok(written)
}

/// Stores the entries read from `input` (`-`: standard input) that the database `storage`
/// names lacks.
pub fn import(storage: &StorageSettings, input: &Path) -> anyhow::Result<ImportOutcome> {
    let store = open(storage)?;
    let outcome = if is_std(input) {
        store.import(&mut BufReader::new(std::io::stdin()))?
    } else {
        let file = std::fs::File::open(input)
            .with_context(|| format!("cannot open {}", input.display()))?;
        store
            .import(&mut BufReader::new(file))
            .with_context(|| format!("import from {}", input.display()))?
    };
    Ok(outcome)
}
