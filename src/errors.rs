//! Errors shown to people: a typed error and its causes on one line.

/// An error and its causes on one line (`listing request failed: …: HTTP 403`), as
/// `anyhow`'s `{:#}` prints them; for typed errors shown outside `anyhow`.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
