//! Table test over [`super::cases::CASES`], plus error messages, language tags and the scan
//! bound. Property tests live in `proptests`.

use chrono::{TimeZone, Utc};

use super::cases::{Expect, CASES};
use super::*;

#[test]
fn table() {
    let mut failures = Vec::new();
    for case in CASES {
        let got = parse(case.input, &case.context());
        if !case.matches(&got) {
            failures.push(format!(
                "{:?} ({:?}, {}): want {:?}, got {:?}",
                case.input,
                case.language,
                case.timezone,
                case.expect,
                got.map(|d| d.to_rfc3339())
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn table_is_big_enough() {
    let ok_rows = CASES
        .iter()
        .filter(|c| matches!(c.expect, Expect::At(_)))
        .count();
    assert!(
        ok_rows >= 120,
        "only {ok_rows} rows with an expected instant"
    );
}

pub(super) fn ctx(language: Option<Language>, timezone: chrono_tz::Tz) -> DateContext {
    DateContext {
        timezone,
        language,
        now: Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).unwrap(),
    }
}

#[test]
fn error_messages_are_lower_case_and_quote_the_input() {
    let c = ctx(None, chrono_tz::UTC);
    let cases = [
        ("foo bar", r#"unrecognized date text "foo bar""#),
        ("   ", "empty date text"),
        (
            "June 13, 14:53 UTC+25",
            r#"impossible utc offset "+25" in date text "June 13, 14:53 UTC+25""#,
        ),
        (
            "February 30, 2020",
            r#"invalid date text "February 30, 2020": 2020-02 has no day 30"#,
        ),
    ];
    for (input, want) in cases {
        let err = parse(input, &c).unwrap_err();
        assert_eq!(err.to_string(), want, "input {input:?}");
    }
}

#[test]
fn language_tags() {
    let cases = [
        ("en", Ok(Language::En)),
        ("en-US", Ok(Language::En)),
        ("EN_gb", Ok(Language::En)),
        ("ru", Ok(Language::Ru)),
        ("ru-RU", Ok(Language::Ru)),
        ("de-AT", Ok(Language::De)),
        ("Fr", Ok(Language::Fr)),
        ("es-419", Ok(Language::Es)),
        ("it", Ok(Language::It)),
        ("pt-BR", Err("pt-BR")),
        ("", Err("")),
    ];
    for (tag, want) in cases {
        let got = tag.parse::<Language>();
        match want {
            Ok(lang) => assert_eq!(got, Ok(lang), "tag {tag:?}"),
            Err(t) => {
                let err = got.unwrap_err();
                assert_eq!(err.to_string(), format!("unsupported language tag {t:?}"));
            }
        }
    }
}

#[test]
fn only_a_bounded_prefix_is_scanned() {
    let c = ctx(None, chrono_tz::UTC);
    let long = format!("13 June 2019 14:53 {}", "x ".repeat(100_000));
    let got = parse(&long, &c).unwrap();
    assert_eq!(got.to_rfc3339(), "2019-06-13T14:53:00+00:00");
    let late = format!("{} 13 June 2019", "x ".repeat(200));
    assert!(
        parse(&late, &c).is_err(),
        "a date past the scan window is not read"
    );
}
