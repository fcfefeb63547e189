//! Property tests: every layout the parser claims (RFC 2822, RFC 3339 variants, ISO with a
//! space or compact, day-first numeric, long forms in all six languages, Unix seconds and
//! milliseconds) round-trips random instants and offsets (−12:00..=+14:00) exactly; and
//! arbitrary or date-like noisy strings with any `now` never panic. The latter stands in for a
//! fuzzer: cargo fuzz needs nightly, which is not available.

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeZone, Timelike, Utc};
use proptest::prelude::*;

use super::tests::ctx;
use super::*;

// ---- round trips ---------------------------------------------------------------------------

const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const RU_MONTHS: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];
const DE_MONTHS: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const FR_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const ES_MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];
const IT_MONTHS: [&str; 12] = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
];
const ZONES: [chrono_tz::Tz; 6] = [
    chrono_tz::UTC,
    chrono_tz::Europe::Moscow,
    chrono_tz::America::New_York,
    chrono_tz::Asia::Kolkata,
    chrono_tz::Australia::Sydney,
    chrono_tz::Pacific::Kiritimati,
];

/// Offset spelled four ways: `+0530`, `+05:30`, `+5:30` / `+5`, `+05`.
fn offset_text(off: FixedOffset, style: u8) -> String {
    let secs = off.local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let (h, m) = (secs.abs() / 3600, secs.abs() % 3600 / 60);
    match (style % 4, m) {
        (0, _) => format!("{sign}{h:02}{m:02}"),
        (1, _) => format!("{sign}{h:02}:{m:02}"),
        (2, 0) => format!("{sign}{h}"),
        (2, _) => format!("{sign}{h}:{m:02}"),
        (_, 0) => format!("{sign}{h:02}"),
        (_, _) => format!("{sign}{h:02}:{m:02}"),
    }
}

/// `dt` written in layout `layout`; the second value says whether the layout has seconds.
fn render(dt: DateTime<FixedOffset>, layout: u8, style: u8) -> (String, Option<Language>) {
    let off = offset_text(*dt.offset(), style);
    let m = dt.format("%m").to_string().parse::<usize>().unwrap() - 1;
    let (d, y, hms) = (dt.format("%-d"), dt.format("%Y"), dt.format("%H:%M:%S"));
    match layout {
        0 => (dt.to_rfc2822(), None),
        1 => (dt.to_rfc3339(), None),
        2 => (dt.to_rfc3339_opts(SecondsFormat::Millis, true), None),
        3 => (dt.format("%Y-%m-%d %H:%M:%S %:z  ").to_string(), None),
        4 => (dt.format("%Y-%m-%dT%H:%M:%S%z").to_string(), None),
        5 => (dt.format("%Y%m%dT%H%M%S%z").to_string(), None),
        6 => (format!("{}, {hms} UTC{off}", dt.format("%d.%m.%Y")), None),
        7 => {
            let (h12, ampm) = (dt.format("%-I:%M:%S"), dt.format("%p"));
            let text = format!("Updated {} {d}, {y}, {h12} {ampm} GMT{off}", EN_MONTHS[m]);
            (text, Some(Language::En))
        }
        8 => (
            format!("{d} {} {y} г. в {hms} UTC{off}", RU_MONTHS[m]),
            Some(Language::Ru),
        ),
        9 => (
            format!("{d}. {} {y}, {hms} Uhr {off}", DE_MONTHS[m]),
            Some(Language::De),
        ),
        10 => (
            format!("le {d} {} {y} à {hms} UTC{off}", FR_MONTHS[m]),
            Some(Language::Fr),
        ),
        11 => (
            format!("{d} de {} de {y}, {hms} GMT{off}", ES_MONTHS[m]),
            Some(Language::Es),
        ),
        _ => (
            format!("{d} {} {y} alle {hms} UTC{off}", IT_MONTHS[m]),
            Some(Language::It),
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn layouts_round_trip(
        secs in 0i64..4_102_444_800,
        offset_minutes in -720i32..=840,
        layout in 0u8..13,
        style in 0u8..4,
        hinted in any::<bool>(),
        zone in 0usize..ZONES.len(),
    ) {
        let off = FixedOffset::east_opt(offset_minutes * 60).unwrap();
        let dt = off.timestamp_opt(secs, 0).unwrap();
        let (text, lang) = render(dt, layout, style);
        let c = DateContext { language: lang.filter(|_| hinted), ..ctx(None, ZONES[zone]) };
        let got = parse(&text, &c);
        prop_assert_eq!(got, Ok(dt), "text {:?}", text);
    }

    #[test]
    fn unix_seconds_and_millis_round_trip(
        // Up to year 2286: beyond it milliseconds take 14 digits, which read as a compact
        // `YYYYMMDDhhmmss` date whenever they form a plausible one (by design).
        secs in 100_000_000i64..10_000_000_000,
        millis in 0i64..1000,
        zone in 0usize..ZONES.len(),
    ) {
        let c = ctx(None, ZONES[zone]);
        let want = Utc.timestamp_opt(secs, 0).unwrap();
        let want = want.with_timezone(&ZONES[zone]).fixed_offset();
        prop_assert_eq!(parse(&secs.to_string(), &c), Ok(want));
        let ms = (secs * 1000 + millis).to_string();
        if ms.len() <= 14 {
            prop_assert_eq!(parse(&ms, &c), Ok(want));
        }
    }

    #[test]
    fn results_are_whole_seconds(text in "[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\\.[0-9]{1,9}Z") {
        if let Ok(dt) = parse(&text, &ctx(None, chrono_tz::UTC)) {
            prop_assert_eq!(dt.nanosecond(), 0);
        }
    }
}

// ---- no panic, no hang (fuzz substitute: cargo fuzz needs nightly) --------------------------

const FRAGMENTS: &[&str] = &[
    "13",
    "06",
    "2019",
    "1",
    "31",
    "29",
    "99",
    "0",
    "00",
    "9999999999999",
    "20180619",
    ":",
    ".",
    "/",
    "-",
    "+",
    "(",
    ")",
    "[",
    "'",
    ",",
    "T",
    "Z",
    "14:53",
    "14:53:07.123",
    "2:53",
    "PM",
    "a.m.",
    "p",
    "m",
    "am",
    "UTC",
    "GMT+",
    "+25",
    "+0375",
    "-13:00",
    "MSK",
    "EDT",
    "IST",
    "June",
    "Feb",
    "февраля",
    "июня",
    "Mai",
    "Mrz",
    "févr",
    "août",
    "dic",
    "ago",
    "назад",
    "vor",
    "il",
    "y",
    "a",
    "fa",
    "hace",
    "ago",
    "minutes",
    "часа",
    "ore",
    "yesterday",
    "вчера",
    "hier",
    "h",
    "Uhr",
    "г",
    "noon",
    "Europe/",
    "Europe/Moscow",
    "America/Argentina/Buenos_Aires",
    "Mon",
    "Jeu",
    "\u{a0}",
    "\u{2212}",
    "\u{200b}",
    "ß",
    "İ",
    "🙂",
    "1er",
    "16th",
];

fn noisy_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(FRAGMENTS).prop_map(str::to_string),
        1 => "\\PC{0,6}",
        1 => "[0-9]{1,20}",
    ];
    let sep = proptest::sample::select(&["", " ", ", ", "\n", ".", "-", ":", "+"][..]);
    proptest::collection::vec((piece, sep), 0..40)
        .prop_map(|parts| parts.into_iter().map(|(p, s)| p + s).collect())
}

fn any_context() -> impl Strategy<Value = DateContext> {
    let now = prop_oneof![
        Just(DateTime::<Utc>::MIN_UTC),
        Just(DateTime::<Utc>::MAX_UTC),
        (-100_000_000_000i64..100_000_000_000)
            .prop_map(|s| DateTime::from_timestamp(s, 0).unwrap()),
    ];
    let lang = proptest::option::of(proptest::sample::select(&Language::ALL[..]));
    (now, lang, 0usize..ZONES.len()).prop_map(|(now, language, z)| DateContext {
        timezone: ZONES[z],
        language,
        now,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>(), c in any_context()) {
        let _ = parse(&text, &c);
    }

    #[test]
    fn date_like_noise_never_panics(text in noisy_text(), c in any_context()) {
        if let Ok(dt) = parse(&text, &c) {
            prop_assert_eq!(dt.nanosecond(), 0);
            let off = dt.offset().local_minus_utc();
            prop_assert!((-12 * 3600..=14 * 3600).contains(&off), "offset {} for {:?}", off, text);
        }
    }
}
