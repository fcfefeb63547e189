//! The log: what every command says on standard error, through `tracing`.
//!
//! Two forms, chosen once at start (`--log-format`, `SCRAPEFEED_LOG_FORMAT`): `text` for
//! people (a terminal, journald) and `json`, one object per line with the event's fields at
//! the top level, for log collectors.
//!
//! Invariants: every event is exactly one line in both forms, so `grep`, journald and log
//! shippers never split one: a value holding line breaks (a config error with its source
//! snippet, a `Debug`-formatted error) has them escaped as `\n` in text, and JSON escapes
//! them itself. Colour only when standard error is a terminal and `NO_COLOR` is unset
//! (<https://no-color.org>): a file, a pipe or the journal gets plain text.

use std::fmt;
use std::io::IsTerminal;

use tracing::field::Field;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::format::{debug_fn, Writer};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// How log events are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Readable lines: time, level, message, `key=value` fields.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Installs the process's log on standard error: `RUST_LOG` filters it (default `info`).
/// A `RUST_LOG` that does not parse is said in the log, not silently replaced.
pub fn init(format: LogFormat) {
    let ansi = colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    subscriber(format, ansi, std::io::stderr).init();
    if let Some(problem) = filter_problem(std::env::var("RUST_LOG").ok().as_deref()) {
        tracing::warn!("{problem}");
    }
}

/// Why a `RUST_LOG` value is not used (the log then shows `info` and above).
pub fn filter_problem(value: Option<&str>) -> Option<String> {
    let value = value?;
    EnvFilter::try_new(value).err().map(|e| {
        format!("RUST_LOG={value:?} is not a valid filter ({e}); logging at `info` instead")
    })
}

/// Whether to colour the log: only for a terminal, and never when `NO_COLOR` is set to
/// anything but the empty string (as no-color.org says).
pub fn colour(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|value| value.is_empty())
}

/// The subscriber `init` installs, writing to `writer` (tests give it a buffer).
pub fn subscriber<W>(
    format: LogFormat,
    ansi: bool,
    writer: W,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Text => Box::new(
            builder
                .with_ansi(ansi)
                .fmt_fields(debug_fn(one_line_field).delimited(" "))
                .finish(),
        ),
        LogFormat::Json => Box::new(builder.with_ansi(false).json().flatten_event(true).finish()),
    }
}

/// Writes one field of a text event as the default formatter does (the message bare, others
/// `name=value`), with line breaks escaped.
fn one_line_field(writer: &mut Writer<'_>, field: &Field, value: &dyn fmt::Debug) -> fmt::Result {
    let name = field.name();
    // Fields that the `log` crate bridge adds (its target, file, line): the default
    // formatter leaves them out too.
    if name.starts_with("log.") {
        return Ok(());
    }
    let text = if name == "message" {
        format!("{value:?}")
    } else {
        format!("{}={value:?}", name.trim_start_matches("r#"))
    };
    writer.write_str(&one_line(&text))
}

/// `text` with its line breaks written as `\n` and `\r`.
pub fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['\n', '\r']) {
        return text.into();
    }
    text.replace('\r', "\\r").replace('\n', "\\n").into()
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn a_rust_log_that_does_not_parse_is_named() {
        assert_eq!(filter_problem(None), None);
        assert_eq!(filter_problem(Some("debug,scrapefeed::access=debug")), None);
        let problem = filter_problem(Some("scrapefeed=loud")).unwrap();
        assert!(
            problem.contains("RUST_LOG=\"scrapefeed=loud\""),
            "{problem}"
        );
        assert!(problem.contains("logging at `info`"), "{problem}");
    }

    /// A log written to memory.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'w self) -> Buffer {
            self.clone()
        }
    }

    /// What `log` writes in `format`, uncoloured.
    fn logged(format: LogFormat, log: impl FnOnce()) -> String {
        let buffer = Buffer::default();
        tracing::subscriber::with_default(subscriber(format, false, buffer.clone()), log);
        let bytes = buffer.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    /// A config error as toml prints it: a snippet over several lines.
    const SNIPPET: &str = "TOML parse error at line 3, column 12\n  |\n3 | timezone = \"Mars\"\n  |            ^^^^^^\nunknown timezone\n";

    #[test]
    fn a_text_event_is_one_line_whatever_its_values_hold() {
        let error = std::io::Error::other("first\nsecond");
        let text = logged(LogFormat::Text, || {
            tracing::error!(error = %SNIPPET, debug = ?error, reason = "SIGHUP", "the new\r\nconfig is invalid");
        });
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(
            text.contains(r#"the new\r\nconfig is invalid error=TOML parse error at line 3, column 12\n  |\n3 |"#),
            "{text}"
        );
        assert!(text.contains(r#"reason="SIGHUP""#), "{text}");
        assert!(!text.contains('\x1b'), "{text}");
    }

    #[test]
    fn a_json_event_is_one_object_on_one_line_with_its_fields() {
        let text = logged(LogFormat::Json, || {
            tracing::warn!(error = %SNIPPET, section = "tass/politics", "scrape failed");
            tracing::info!(count = 3, "stored");
        });
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(first["level"], "WARN");
        assert_eq!(first["message"], "scrape failed");
        assert_eq!(first["section"], "tass/politics");
        assert_eq!(first["error"], SNIPPET);
        let second: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(second["count"], 3);
    }

    #[test]
    fn colour_only_for_a_terminal_without_no_color() {
        let set = Some(std::ffi::OsStr::new("1"));
        let empty = Some(std::ffi::OsStr::new(""));
        assert!(colour(true, None));
        assert!(colour(true, empty), "an empty NO_COLOR is unset");
        assert!(!colour(true, set));
        assert!(!colour(false, None));
        assert!(!colour(false, set));
    }

    #[test]
    fn one_line_leaves_a_line_alone() {
        assert!(matches!(
            one_line("plain"),
            std::borrow::Cow::Borrowed("plain")
        ));
        assert_eq!(one_line("a\nb\r\n"), r"a\nb\r\n");
    }
}
