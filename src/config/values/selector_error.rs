//! A CSS selector that does not compile, said in plain words with the column of the problem.
//!
//! `scraper::Selector::parse` drops where parsing stopped and prints most of the `selectors`
//! crate's errors as "Unexpected error occurred. Please report this to the developer". So a
//! selector that fails is parsed again here with the same parser (scraper's), keeping the
//! `cssparser::Parser`, whose position after the failure is just past the token that was
//! rejected; that token, its column in the selector and the error's kind make the message.

use cssparser::{BasicParseErrorKind, ParseErrorKind};
use selectors::parser::{ParseRelative, SelectorList, SelectorParseErrorKind as Kind};

/// Why `text`, which scraper refused, is not a valid selector: `unexpected `.` at column 5`.
pub fn explain(text: &str) -> String {
    if text.trim().is_empty() {
        return "it is empty".into();
    }
    let Some(kind) = failure(text) else {
        return "it is not a selector scrapefeed can use".into();
    };
    let token = if kind == ParseErrorKind::Basic(BasicParseErrorKind::EndOfInput) {
        None
    } else {
        Token::culprit(text, &kind)
    };
    let unexpected = || match &token {
        Some(t) => format!("unexpected `{}` at column {}", t.text, t.column),
        None => "it is empty".into(),
    };
    let at = || {
        token
            .as_ref()
            .map(|t| format!(" at column {}", t.column))
            .unwrap_or_default()
    };
    match kind {
        ParseErrorKind::Basic(BasicParseErrorKind::EndOfInput) => {
            if text.trim().is_empty() {
                "it is empty".into()
            } else {
                "it ends where more was expected (an unclosed `[` or `(`, or a trailing \
                 combinator?)"
                    .into()
            }
        }
        ParseErrorKind::Basic(BasicParseErrorKind::TooManyNestedBlocks) => {
            "it is nested too deeply".into()
        }
        ParseErrorKind::Basic(_) => unexpected(),
        ParseErrorKind::Custom(kind) => match kind {
            Kind::EmptySelector => format!(
                "one of its comma-separated selectors is empty (a stray comma?){}",
                at()
            ),
            Kind::DanglingCombinator => {
                format!("a combinator (`>`, `+`, `~`) has nothing after it{}", at())
            }
            Kind::ClassNeedsIdent => format!("{}: a class name must follow `.`", unexpected()),
            Kind::NoQualifiedNameInAttributeSelector | Kind::InvalidQualNameInAttr => format!(
                "{}: an attribute name must follow `[`, as in `[href]`",
                unexpected()
            ),
            Kind::UnexpectedTokenInAttributeSelector | Kind::BadValueInAttr => format!(
                "{}: write an attribute test as `[name]`, `[name=value]` or `[name=\"a value\"]`",
                unexpected()
            ),
            Kind::ExpectedBarInAttr | Kind::ExplicitNamespaceUnexpectedToken => {
                format!(
                    "{}: a namespace prefix must be followed by `|`",
                    unexpected()
                )
            }
            Kind::ExpectedNamespace => {
                format!("{}: namespace prefixes are not supported", unexpected())
            }
            Kind::PseudoElementExpectedColon
            | Kind::PseudoElementExpectedIdent
            | Kind::NoIdentForPseudo => format!(
                "{}: a pseudo-class name must follow `:`, as in `:first-child`",
                unexpected()
            ),
            Kind::UnsupportedPseudoClassOrElement => match &token {
                Some(t) => format!(
                    "`:{}` at column {} is not a pseudo-class or pseudo-element scrapefeed knows",
                    t.text, t.column
                ),
                None => "it uses an unknown pseudo-class".into(),
            },
            Kind::NonCompoundSelector => format!(
                "{}: only a simple selector (no combinator) is allowed there",
                unexpected()
            ),
            Kind::UnexpectedIdent => format!("{}: a name is not allowed there", unexpected()),
            Kind::NonPseudoElementAfterSlotted
            | Kind::InvalidPseudoElementAfterSlotted
            | Kind::InvalidPseudoElementInsideWhere
            | Kind::InvalidState => {
                format!("{}: a pseudo-element is not allowed there", unexpected())
            }
        },
    }
}

/// Why scraper's parser refuses `text`, if it does.
fn failure(text: &str) -> Option<ParseErrorKind<Kind>> {
    let mut parser = cssparser::Parser::new(text);
    SelectorList::parse(&scraper::selector::Parser, &mut parser, ParseRelative::No)
        .err()
        .map(|e| e.kind)
}

/// Selectors longer than this are not searched for the culprit (a selector is a line).
const LONGEST_SEARCHED: usize = 1000;

/// The token the parser rejected, as the user wrote it.
struct Token {
    text: String,
    /// In characters from 1, as an editor counts.
    column: usize,
}

impl Token {
    /// The parser's error carries no position (cssparser keeps none, and recovers to the end
    /// of the selector), so the culprit is found as the end of the shortest prefix that fails
    /// the same way: the token before that end is the one rejected. A name (`frist-child`)
    /// is shown whole.
    fn culprit(text: &str, kind: &ParseErrorKind<Kind>) -> Option<Token> {
        if text.len() > LONGEST_SEARCHED {
            return None;
        }
        let end = text
            .char_indices()
            .map(|(i, c)| i + c.len_utf8())
            .find(|&end| failure(&text[..end]).as_ref() == Some(kind))?;
        let head = text[..end].trim_end();
        let last = head.chars().next_back()?;
        let name = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
        let (start, end) = if name(last) {
            let start = head
                .char_indices()
                .rev()
                .take_while(|&(_, c)| name(c))
                .last()
                .map_or(0, |(i, _)| i);
            let end = text[start..]
                .char_indices()
                .find(|&(_, c)| !name(c))
                .map_or(text.len(), |(i, _)| start + i);
            (start, end)
        } else {
            (head.len() - last.len_utf8(), head.len())
        };
        Some(Token {
            text: text[start..end].to_string(),
            column: text[..start].chars().count() + 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::explain;

    #[test]
    fn messages_say_what_is_wrong_where() {
        for (selector, expected) in [
            ("div..lead", "unexpected `.` at column 5"),
            ("div[[", "at column 5"),
            ("a,,b", "is empty"),
            ("div >", "a combinator (`>`, `+`, `~`) has nothing after it"),
            ("p:frist-child", "`:frist-child` at column 3"),
            ("", "it is empty"),
        ] {
            assert!(
                scraper::Selector::parse(selector).is_err(),
                "{selector:?} is valid"
            );
            let message = explain(selector);
            assert!(
                message.contains(expected),
                "{selector:?}: {expected:?} not in {message:?}"
            );
            assert!(!message.contains("report this"), "{message}");
        }
    }
}
