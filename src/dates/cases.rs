//! The table of real-world date strings with their expected instant and offset, shared by the
//! unit tests and the criterion bench (which is why it is public and always compiled).
//!
//! Each row is (input, language hint, site zone, now, expected RFC 3339 or error kind). Groups
//! say where the strings come from; strings were taken from those projects' test suites and
//! examples (only the strings; expectations are ours and follow this module's rules).

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;

use super::{DateContext, DateError, Language};

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub input: &'static str,
    pub language: Option<Language>,
    pub timezone: Tz,
    /// Fetch time, RFC 3339.
    pub now: &'static str,
    pub expect: Expect,
}

/// What parsing a [`Case`] must give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// This instant with this offset, as RFC 3339 with whole seconds.
    At(&'static str),
    /// An error of this kind.
    Fails(ErrorKind),
}

/// [`DateError`] variants without their payload, for table rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Empty,
    Unrecognized,
    ImpossibleOffset,
    InvalidDate,
    OutOfRange,
}

impl ErrorKind {
    pub fn of(error: &DateError) -> Self {
        match error {
            DateError::Empty => ErrorKind::Empty,
            DateError::Unrecognized { .. } => ErrorKind::Unrecognized,
            DateError::ImpossibleOffset { .. } => ErrorKind::ImpossibleOffset,
            DateError::InvalidDate { .. } => ErrorKind::InvalidDate,
            DateError::OutOfRange { .. } => ErrorKind::OutOfRange,
        }
    }
}

impl Case {
    /// The context the row is parsed in. Panics only on a malformed `now` in the table itself.
    pub fn context(&self) -> DateContext {
        let now = DateTime::parse_from_rfc3339(self.now)
            .unwrap_or_else(|e| panic!("bad now {:?} in case {:?}: {e}", self.now, self.input));
        DateContext {
            timezone: self.timezone,
            language: self.language,
            now: now.with_timezone(&Utc),
        }
    }

    /// Whether `result` is what the row expects.
    pub fn matches(&self, result: &Result<DateTime<FixedOffset>, DateError>) -> bool {
        match (self.expect, result) {
            (Expect::At(want), Ok(got)) => got.to_rfc3339() == want,
            (Expect::Fails(kind), Err(e)) => ErrorKind::of(e) == kind,
            _ => false,
        }
    }
}

const fn ok(
    input: &'static str,
    language: Option<Language>,
    timezone: Tz,
    now: &'static str,
    want: &'static str,
) -> Case {
    Case {
        input,
        language,
        timezone,
        now,
        expect: Expect::At(want),
    }
}

const fn no(input: &'static str, language: Option<Language>, kind: ErrorKind) -> Case {
    Case {
        input,
        language,
        timezone: UTC,
        now: N23,
        expect: Expect::Fails(kind),
    }
}

const ANY: Option<Language> = None;
const EN: Option<Language> = Some(Language::En);
const RU: Option<Language> = Some(Language::Ru);
const DE: Option<Language> = Some(Language::De);
const FR: Option<Language> = Some(Language::Fr);
const ES: Option<Language> = Some(Language::Es);
const IT: Option<Language> = Some(Language::It);

const UTC: Tz = Tz::UTC;
const MSK: Tz = Tz::Europe__Moscow;
const BER: Tz = Tz::Europe__Berlin;
const PAR: Tz = Tz::Europe__Paris;
const MAD: Tz = Tz::Europe__Madrid;
const ROM: Tz = Tz::Europe__Rome;
const NYC: Tz = Tz::America__New_York;
const LON: Tz = Tz::Europe__London;

/// A day after the June 13, 2019 examples.
const N19: &str = "2019-06-14T12:00:00Z";
/// New Year's morning: "December 31" must go to the previous year.
const NJAN: &str = "2020-01-01T05:00:00Z";
/// A plain fetch time for dated strings.
const N23: &str = "2023-11-15T10:30:00Z";
/// Sunday 2024-03-10 noon UTC: the US switches to DST that morning.
const NREL: &str = "2024-03-10T12:00:00Z";
/// Just after midnight UTC.
const NMID: &str = "2024-03-10T00:20:00Z";

use ErrorKind::{Empty, ImpossibleOffset, InvalidDate, Unrecognized};

/// The table. Kept one row per line, hence `rustfmt::skip`.
#[rustfmt::skip]
pub const CASES: &[Case] = &[
    // ---- scrapefeed issue text (the strings quoted in the date-parsing issue) ----
    ok("June 13, 14:53 UTC+3", EN, UTC, N19, "2019-06-13T14:53:00+03:00"),
    ok("13 June 2019 14:53 MSK", EN, UTC, N19, "2019-06-13T14:53:00+03:00"),
    ok("Updated 2:53 PM EDT, Thu June 13, 2019", EN, NYC, N19, "2019-06-13T14:53:00-04:00"),
    ok("Aug. 16, 2020, 10:57 a.m.", EN, NYC, N23, "2020-08-16T10:57:00-04:00"),
    ok("Mon 20 Jan 2020 06.05 GMT", EN, LON, N23, "2020-01-20T06:05:00+00:00"),
    ok("Updated 2010 GMT (0410 HKT) March 14, 2021", EN, NYC, N23, "2021-03-14T20:10:00+00:00"),
    ok("19 FEB 2020 - 18:37 CET", ANY, BER, N23, "2020-02-19T18:37:00+01:00"),
    ok("13.06.2019, 14:53", RU, MSK, N19, "2019-06-13T14:53:00+03:00"),
    ok("30.10.23", ANY, UTC, N23, "2023-10-30T00:00:00+00:00"),
    ok("13 июня 2019, 14:53", RU, MSK, N19, "2019-06-13T14:53:00+03:00"),
    ok("13 января 2015 г. в 13:34", RU, MSK, N19, "2015-01-13T13:34:00+03:00"),
    ok("15. Mai 2019, 05:28 Uhr", DE, BER, N19, "2019-05-15T05:28:00+02:00"),
    ok("20180619T055000+0900", ANY, UTC, N19, "2018-06-19T05:50:00+09:00"),
    ok("June 13, 2019 14:53, updated 10:15", EN, UTC, N19, "2019-06-13T14:53:00+00:00"),
    ok("Published: \n\t June 13,\u{a0}2019 \u{a0}14:53", EN, LON, N19, "2019-06-13T14:53:00+01:00"),
    ok("Опубликовано 13 июня 2019 в 14:53", RU, MSK, N19, "2019-06-13T14:53:00+03:00"),
    ok("Stand: 14.06.2019 10:15 Uhr", DE, BER, N19, "2019-06-14T10:15:00+02:00"),
    ok("Mis à jour le 13/06/2019 à 14h53", FR, PAR, N19, "2019-06-13T14:53:00+02:00"),
    ok("Actualizado: 15/05/2019 14:53", ES, MAD, N19, "2019-05-15T14:53:00+02:00"),
    ok("13 June 2019 noon", EN, UTC, N19, "2019-06-13T12:00:00+00:00"),

    // ---- relative dates (issue list; dateparser tests/test_freshness_date_parser.py) ----
    ok("5 minutes ago", EN, UTC, NREL, "2024-03-10T11:55:00+00:00"),
    ok("2 hours ago", EN, NYC, NREL, "2024-03-10T06:00:00-04:00"),
    ok("an hour ago", EN, UTC, NREL, "2024-03-10T11:00:00+00:00"),
    ok("just now", EN, UTC, NREL, "2024-03-10T12:00:00+00:00"),
    ok("yesterday, 14:53", EN, LON, NREL, "2024-03-09T14:53:00+00:00"),
    ok("today 09:10", EN, LON, NREL, "2024-03-10T09:10:00+00:00"),
    ok("Published 3 days ago", EN, UTC, NREL, "2024-03-07T12:00:00+00:00"),
    ok("2 weeks ago", ANY, UTC, NREL, "2024-02-25T12:00:00+00:00"),
    ok("1 month ago", EN, UTC, NREL, "2024-02-10T12:00:00+00:00"),
    ok("2 часа назад", RU, MSK, NREL, "2024-03-10T13:00:00+03:00"),
    ok("5 минут назад", RU, MSK, NREL, "2024-03-10T14:55:00+03:00"),
    ok("вчера в 14:53", RU, MSK, NREL, "2024-03-09T14:53:00+03:00"),
    ok("сегодня, 10:00", RU, MSK, NREL, "2024-03-10T10:00:00+03:00"),
    ok("только что", RU, MSK, NREL, "2024-03-10T15:00:00+03:00"),
    ok("час назад", ANY, MSK, NREL, "2024-03-10T14:00:00+03:00"),
    ok("vor 30 Minuten", DE, BER, NREL, "2024-03-10T12:30:00+01:00"),
    ok("vor einer Stunde", DE, BER, NREL, "2024-03-10T12:00:00+01:00"),
    ok("gestern, 14:53", DE, BER, NREL, "2024-03-09T14:53:00+01:00"),
    ok("heute, 09:10 Uhr", ANY, BER, NREL, "2024-03-10T09:10:00+01:00"),
    ok("Hace 28 minutos", ES, MAD, NREL, "2024-03-10T12:32:00+01:00"),
    ok("hace 2 días", ES, MAD, NREL, "2024-03-08T13:00:00+01:00"),
    ok("ayer", ES, MAD, NREL, "2024-03-09T13:00:00+01:00"),
    ok("il y a 3 heures", FR, PAR, NREL, "2024-03-10T10:00:00+01:00"),
    ok("il y a 5 minutes", ANY, PAR, NREL, "2024-03-10T12:55:00+01:00"),
    ok("hier à 14h53", FR, PAR, NREL, "2024-03-09T14:53:00+01:00"),
    ok("3 ore fa", IT, ROM, NREL, "2024-03-10T10:00:00+01:00"),
    ok("un'ora fa", IT, ROM, NREL, "2024-03-10T12:00:00+01:00"),
    ok("ieri alle 14:53", IT, ROM, NREL, "2024-03-09T14:53:00+01:00"),
    ok("l'altro ieri alle 9:15", IT, ROM, NREL, "2024-03-08T09:15:00+01:00"),
    ok("avant-hier à 10h00", FR, PAR, NREL, "2024-03-08T10:00:00+01:00"),
    ok("Aujourd'hui à 10h05", FR, PAR, NREL, "2024-03-10T10:05:00+01:00"),
    ok("позавчера в 10:00", RU, MSK, NREL, "2024-03-08T10:00:00+03:00"),
    ok("2 дня назад", ANY, MSK, NREL, "2024-03-08T15:00:00+03:00"),
    ok("vor 2 Std.", DE, BER, NREL, "2024-03-10T11:00:00+01:00"),
    ok("hace un día", ES, MAD, NREL, "2024-03-09T13:00:00+01:00"),
    ok("Hoy a las 10:00", ES, MAD, NREL, "2024-03-10T10:00:00+01:00"),
    ok("1 hour, 5 minutes ago", EN, UTC, NREL, "2024-03-10T10:55:00+00:00"),
    ok("Monday", EN, UTC, NREL, "2024-03-04T00:00:00+00:00"),

    // ---- time only, weekday only (issue rule 4; dateparser "Jeu 15:12", "Ven 18:23") ----
    ok("14:53", ANY, MSK, NREL, "2024-03-10T14:53:00+03:00"),
    ok("16:30", RU, MSK, NREL, "2024-03-09T16:30:00+03:00"),
    ok("14:53 UTC+3", ANY, UTC, NREL, "2024-03-10T14:53:00+03:00"),
    ok("23:41", EN, UTC, NMID, "2024-03-09T23:41:00+00:00"),
    ok("10:04am EDT", EN, UTC, NREL, "2024-03-09T10:04:00-04:00"),
    ok("Jeu 15:12", FR, PAR, NREL, "2024-03-07T15:12:00+01:00"),
    ok("Ven 18:23", IT, ROM, NREL, "2024-03-08T18:23:00+01:00"),

    // ---- missing year (issue rule 4; dateparser "10 мая", "Dimanche 1er Février à 21:24") ----
    ok("December 31, 23:41 UTC+3", EN, UTC, NJAN, "2019-12-31T23:41:00+03:00"),
    ok("31 декабря, 23:41", RU, MSK, NJAN, "2019-12-31T23:41:00+03:00"),
    ok("January 1, 00:05", EN, UTC, "2019-12-31T23:00:00Z", "2020-01-01T00:05:00+00:00"),
    ok("June 13, 14:53", EN, LON, N19, "2019-06-13T14:53:00+01:00"),
    ok("June 15, 14:53", EN, LON, N19, "2018-06-15T14:53:00+01:00"),
    ok("June 15, 10:00", EN, UTC, N19, "2019-06-15T10:00:00+00:00"),
    ok("Feb 29", EN, UTC, "2023-06-01T00:00:00Z", "2020-02-29T00:00:00+00:00"),
    ok("29 февраля", RU, MSK, "2025-01-15T00:00:00Z", "2024-02-29T00:00:00+03:00"),
    ok("10 мая", RU, MSK, N19, "2019-05-10T00:00:00+03:00"),
    ok("19 август в 16:03", RU, MSK, N19, "2018-08-19T16:03:00+03:00"),
    ok("Dimanche 1er Février à 21:24", FR, PAR, NREL, "2024-02-01T21:24:00+01:00"),

    // ---- DST and historical offsets through chrono-tz (issue rule 3) ----
    ok("2021-03-14 02:30", EN, NYC, N23, "2021-03-14T03:30:00-04:00"),
    ok("2021-11-07 01:30", EN, NYC, N23, "2021-11-07T01:30:00-04:00"),
    ok("31.10.2021 02:30", DE, BER, N23, "2021-10-31T02:30:00+02:00"),
    ok("28.03.2021 02:30", DE, BER, N23, "2021-03-28T03:30:00+02:00"),
    ok("13 июня 2010, 14:53", RU, MSK, N23, "2010-06-13T14:53:00+04:00"),
    ok("1 января 2012, 12:00", RU, MSK, N23, "2012-01-01T12:00:00+04:00"),

    // ---- Unix and compact numbers (araddon/dateparse example/main.go; Miniflux) ----
    ok("1520932969", ANY, UTC, N23, "2018-03-13T09:22:49+00:00"),
    ok("1332151919", ANY, MSK, N23, "2012-03-19T14:11:59+04:00"),
    ok("1384216367189", ANY, UTC, N23, "2013-11-12T00:32:47+00:00"),
    ok("1593378975.0", ANY, UTC, N23, "2020-06-28T21:16:15+00:00"),
    ok("20140722105203", ANY, UTC, N23, "2014-07-22T10:52:03+00:00"),
    ok("20140601", ANY, UTC, N23, "2014-06-01T00:00:00+00:00"),

    // ---- RFC 2822 / RFC 822 (Miniflux internal/reader/date/parser_test.go; feedparser) ----
    ok("Tue, 03 Jun 2003 09:39:21 GMT", ANY, UTC, N23, "2003-06-03T09:39:21+00:00"),
    ok("Wed, 26 Dec 2018 10:00:54 PST", ANY, UTC, N23, "2018-12-26T10:00:54-08:00"),
    ok("Wed, 10 Feb 2021 22:46:00 EST", ANY, UTC, N23, "2021-02-10T22:46:00-05:00"),
    ok("Sun, 28 Oct 2018 13:48:00 +0100", ANY, UTC, N23, "2018-10-28T13:48:00+01:00"),
    ok("Fri, 31 Mar 2023 20:19:00 America/Los_Angeles", ANY, UTC, N23, "2023-03-31T20:19:00-07:00"),
    ok("Thu, 25 Feb 2016 00:00:00 Europe/Brussels", ANY, UTC, N23, "2016-02-25T00:00:00+01:00"),
    ok("Sun, 17 Dec 2017 1:55 PM EST", ANY, UTC, N23, "2017-12-17T13:55:00-05:00"),
    ok("9 Dec 2016 12:00 GMT", ANY, UTC, N23, "2016-12-09T12:00:00+00:00"),
    ok("Mon, 09 Apr 2018, 16:04", ANY, UTC, N23, "2018-04-09T16:04:00+00:00"),
    ok("Di, 23 Jan 2018 00:00:00 +0100", ANY, UTC, N23, "2018-01-23T00:00:00+01:00"),
    ok("Do, 29 Mär 2018 00:00:00 +0200", ANY, UTC, N23, "2018-03-29T00:00:00+02:00"),
    ok("mer, 9 avr 2018 00:00:00 +0200", ANY, UTC, N23, "2018-04-09T00:00:00+02:00"),
    ok("Tue 16 Feb 2016, 23:16:00 EDT", ANY, UTC, N23, "2016-02-16T23:16:00-04:00"),
    ok("Tue, 16 Feb 2016 23:16:00 EDT", ANY, UTC, N23, "2016-02-16T23:16:00-04:00"),
    ok("Tue, Feb 16 2016 23:16:00 EDT", ANY, UTC, N23, "2016-02-16T23:16:00-04:00"),
    ok("Mon, 30 Mar 2020 19:53 +0000", ANY, UTC, N23, "2020-03-30T19:53:00+00:00"),
    ok("Thu, 29 Oct 2020 07:36:03 GMT-07:00", ANY, UTC, N23, "2020-10-29T07:36:03-07:00"),
    ok("ven., 03 juil. 2020 15:09:58 +0000", ANY, UTC, N23, "2020-07-03T15:09:58+00:00"),
    ok("jeu., 02 avril 2020 00:00:00 +0200", ANY, UTC, N23, "2020-04-02T00:00:00+02:00"),
    ok("mar., 01 déc. 2020 16:11:02 +0000", ANY, UTC, N23, "2020-12-01T16:11:02+00:00"),
    ok("Thurs, 15 Oct 2020 00:00:39 +0000", ANY, UTC, N23, "2020-10-15T00:00:39+00:00"),
    ok("Thur, 19 Nov 2020 00:00:39 +0000", ANY, UTC, N23, "2020-11-19T00:00:39+00:00"),
    ok("Mon, 16th Nov 2020 13:16:28 GMT", ANY, UTC, N23, "2020-11-16T13:16:28+00:00"),
    ok("Fri, 23rd Jun 2023 09:32:20 GMT", ANY, UTC, N23, "2023-06-23T09:32:20+00:00"),
    ok("Tue, 11 Jul 2017 16:28:13 +0200 (CEST)", ANY, UTC, N23, "2017-07-11T16:28:13+02:00"),
    ok("Thu, 4 Jan 2018 17:53:36 +0000", ANY, UTC, N23, "2018-01-04T17:53:36+00:00"),
    ok("Mon, 02 Jan 2006 15:04:05 MST", ANY, UTC, N23, "2006-01-02T15:04:05-07:00"),
    ok("Monday, 02-Jan-06 15:04:05 MST", ANY, UTC, N23, "2006-01-02T15:04:05-07:00"),
    ok("Sunday, 06-Nov-94 08:49:37 GMT", ANY, UTC, N23, "1994-11-06T08:49:37+00:00"),
    ok("Sun Nov  6 08:49:37 1994", ANY, UTC, N23, "1994-11-06T08:49:37+00:00"),
    ok("Mon Jan 02 15:04:05 -0700 2006", ANY, UTC, N23, "2006-01-02T15:04:05-07:00"),
    ok("Sat Aug 28 02:29:34 JST 1999", ANY, UTC, N23, "1999-08-28T02:29:34+09:00"),
    ok("Sat Aug 28 02:29:34 GMT-0900 1999", ANY, UTC, N23, "1999-08-28T02:29:34-09:00"),

    // ---- RFC 3339 / ISO 8601 (Miniflux; araddon/dateparse; htmldate) ----
    ok("2017-12-22T22:09:49+00:00", ANY, UTC, N23, "2017-12-22T22:09:49+00:00"),
    ok("2009-08-12T22:15:09-07:00", ANY, UTC, N23, "2009-08-12T22:15:09-07:00"),
    ok("2009-08-12T22:15:09Z", ANY, MSK, N23, "2009-08-12T22:15:09+00:00"),
    ok("2009-08-12T22:15:09", ANY, MSK, N23, "2009-08-12T22:15:09+04:00"),
    ok("2006-01-02T15:04:05+0000", ANY, UTC, N23, "2006-01-02T15:04:05+00:00"),
    ok("2014-04-26 17:24:37.3186369", ANY, UTC, N23, "2014-04-26T17:24:37+00:00"),
    ok("2014-04-26 13:13:43 +0800", ANY, UTC, N23, "2014-04-26T13:13:43+08:00"),
    ok("2014-04-26 13:13:44 +09:00", ANY, UTC, N23, "2014-04-26T13:13:44+09:00"),
    ok("2012-08-03 18:31:59.257000000 +0000 UTC", ANY, UTC, N23, "2012-08-03T18:31:59+00:00"),
    ok("2015-02-08 03:02:00 +0300 MSK m=+0.000000001", ANY, UTC, N23, "2015-02-08T03:02:00+03:00"),
    ok("2017-07-19 03:21:51+00:00", ANY, UTC, N23, "2017-07-19T03:21:51+00:00"),
    ok("2014-12-16 06:20:00 UTC", ANY, MSK, N23, "2014-12-16T06:20:00+00:00"),
    ok("2014-04-26 05:24:37 PM", ANY, UTC, N23, "2014-04-26T17:24:37+00:00"),
    ok("2013-04-01 22:43", ANY, UTC, N23, "2013-04-01T22:43:00+00:00"),
    ok("2018-12-12T12:12", ANY, UTC, N23, "2018-12-12T12:12:00+00:00"),
    ok("2020-11-08T16:20:00-05:00Z", ANY, UTC, N23, "2020-11-08T16:20:00-05:00"),
    ok("2018-10-23 04:07:42 +00:00", ANY, UTC, N23, "2018-10-23T04:07:42+00:00"),
    ok("2014-05-11 08:20:13,787", ANY, UTC, N23, "2014-05-11T08:20:13+00:00"),
    ok("2019-06-13T14:53:00.123456+03:00", ANY, UTC, N23, "2019-06-13T14:53:00+03:00"),
    ok("2019-06-13T14:53:00+03:00   ", ANY, UTC, N23, "2019-06-13T14:53:00+03:00"),
    ok("2019-06-13t14:53:00z", ANY, MSK, N23, "2019-06-13T14:53:00+00:00"),
    ok("2019-06-13", ANY, MSK, N23, "2019-06-13T00:00:00+03:00"),
    ok("2019-06-13T14:53:00+03:00[Europe/Moscow]", ANY, UTC, N23, "2019-06-13T14:53:00+03:00"),
    ok("2019.06.13", ANY, UTC, N23, "2019-06-13T00:00:00+00:00"),
    ok("2014/03/31", ANY, UTC, N23, "2014-03-31T00:00:00+00:00"),
    ok("2012/03/19 10:11:59", ANY, UTC, N23, "2012-03-19T10:11:59+00:00"),

    // ---- numeric day-first / month-first (issue; Miniflux; qddate tests.py; araddon) ----
    ok("12-08-2015 - 09:00", ANY, UTC, N23, "2015-08-12T09:00:00+00:00"),
    ok("01.03.2009 14:53:12", RU, MSK, N23, "2009-03-01T14:53:12+03:00"),
    ok("Mon, 03/30/2020 - 19:19", EN, NYC, N23, "2020-03-30T19:19:00-04:00"),
    ok("09/15/2014 4:20 pm PST", EN, UTC, N23, "2014-09-15T16:20:00-08:00"),
    ok("10/30/23 21:55:58", ANY, UTC, N23, "2023-10-30T21:55:58+00:00"),
    ok("Fri, 26/06/2020", ANY, UTC, N23, "2020-06-26T00:00:00+00:00"),
    ok("3/31/2014", EN, UTC, N23, "2014-03-31T00:00:00+00:00"),
    ok("4/8/2014 22:05", EN, UTC, N23, "2014-04-08T22:05:00+00:00"),
    ok("4/8/2014 22:05", FR, PAR, N23, "2014-08-04T22:05:00+02:00"),
    ok("8/8/1965 12:00 AM", EN, UTC, N23, "1965-08-08T00:00:00+00:00"),
    ok("03.31.2014", ANY, UTC, N23, "2014-03-31T00:00:00+00:00"),
    ok("Sat, 11 04 2020 08:51:49 +0100", ANY, UTC, N23, "2020-04-11T08:51:49+01:00"),
    ok("31/12/2019 23:59", ES, MAD, N23, "2019-12-31T23:59:00+01:00"),

    // ---- English datelines (Miniflux; araddon/dateparse; dateparser tests/test_date_parser.py) ----
    ok("May 8, 2009 5:57:51 PM", EN, UTC, N23, "2009-05-08T17:57:51+00:00"),
    ok("oct 7, 1970", EN, UTC, N23, "1970-10-07T00:00:00+00:00"),
    ok("oct 7, '70", EN, UTC, N23, "1970-10-07T00:00:00+00:00"),
    ok("oct. 7, 70", EN, UTC, N23, "1970-10-07T00:00:00+00:00"),
    ok("7 oct 70", EN, UTC, N23, "1970-10-07T00:00:00+00:00"),
    ok("12 Feb 2006, 19:17", EN, UTC, N23, "2006-02-12T19:17:00+00:00"),
    ok("03 February 2013", EN, UTC, N23, "2013-02-03T00:00:00+00:00"),
    ok("2013-Feb-03", EN, UTC, N23, "2013-02-03T00:00:00+00:00"),
    ok("Friday, December 22, 2017 - 3:09pm", EN, NYC, N23, "2017-12-22T15:09:00-05:00"),
    ok("March 30 2020 07:02:38 PM", EN, NYC, N23, "2020-03-30T19:02:38-04:00"),
    ok("Nov. 16, 2020, 10:57 a.m.", EN, NYC, N23, "2020-11-16T10:57:00-05:00"),
    ok("Friday 06 November 2020", EN, UTC, N23, "2020-11-06T00:00:00+00:00"),
    ok("Mon, November 16, 2020, 11:12 PM EST", EN, UTC, N23, "2020-11-16T23:12:00-05:00"),
    ok("Thu Nov 12 2020 17:00:00 GMT+0000 (Coordinated Universal Time)", EN, NYC, N23, "2020-11-12T17:00:00+00:00"),
    ok("Nov. 2020", EN, UTC, N23, "2020-11-01T00:00:00+00:00"),
    ok("Jan. 4, 2016, 12:37 p.m.", EN, NYC, N23, "2016-01-04T12:37:00-05:00"),
    ok("5 August, 2019", EN, UTC, N23, "2019-08-05T00:00:00+00:00"),
    ok("26 Sep 2022 GMT", EN, NYC, N23, "2022-09-26T00:00:00+00:00"),
    ok("Thu, June 22, 2023 at 01:11 PM EDT", EN, UTC, N23, "2023-06-22T13:11:00-04:00"),
    ok("Apr 16, 2023 08:01 GMT", EN, NYC, N23, "2023-04-16T08:01:00+00:00"),
    ok("Sat, Oct 28 2023 08:28:28 PM", EN, UTC, N23, "2023-10-28T20:28:28+00:00"),
    ok("Monday, October 6, 2023 - 16:29\n", EN, UTC, N23, "2023-10-06T16:29:00+00:00"),
    ok("September 17, 2012 at 10:09am PST-08", EN, UTC, N23, "2012-09-17T10:09:00-08:00"),
    ok("Fri Jul 03 2015 18:04:07 GMT+0100 (GMT Daylight Time)", EN, UTC, N23, "2015-07-03T18:04:07+01:00"),
    ok("Mon Aug 10 15:44:11 UTC+0100 2015", EN, UTC, N23, "2015-08-10T15:44:11+01:00"),
    ok("Wednesday, January 1st 2020", EN, UTC, N23, "2020-01-01T00:00:00+00:00"),
    ok("November 19, 2014 at noon", EN, UTC, N23, "2014-11-19T12:00:00+00:00"),
    ok("December 13, 2014 at midnight", EN, UTC, N23, "2014-12-13T00:00:00+00:00"),
    ok("Nov 25 2014 10:17 pm EST", EN, UTC, N23, "2014-11-25T22:17:00-05:00"),
    ok("10:06am Dec 11, 2014", EN, UTC, N23, "2014-12-11T10:06:00+00:00"),
    ok("2:21 p.m., December 11, 2014", EN, UTC, N23, "2014-12-11T14:21:00+00:00"),
    ok("20 Mar 2013 10h11", EN, UTC, N23, "2013-03-20T10:11:00+00:00"),
    ok("[Sept] 04, 2014.", EN, UTC, N23, "2014-09-04T00:00:00+00:00"),
    ok("Tuesday Jul 22, 2014", EN, UTC, N23, "2014-07-22T00:00:00+00:00"),
    ok("Published: June 13, 2019 at 2:53 pm", EN, NYC, N19, "2019-06-13T14:53:00-04:00"),

    // ---- zone spellings and abbreviations (issue rule 3) ----
    ok("13 June 2019 14:53 IST", EN, UTC, N19, "2019-06-13T14:53:00+05:30"),
    ok("13 June 2019 14:53 AEST", EN, UTC, N19, "2019-06-13T14:53:00+10:00"),
    ok("13 Jan 2019 14:53 AEDT", EN, UTC, N19, "2019-01-13T14:53:00+11:00"),
    ok("13 June 2019 14:53 SGT", EN, UTC, N19, "2019-06-13T14:53:00+08:00"),
    ok("13 June 2019 14:53 WIB", EN, UTC, N19, "2019-06-13T14:53:00+07:00"),
    ok("13 June 2019 14:53 KST", EN, UTC, N19, "2019-06-13T14:53:00+09:00"),
    ok("13 June 2010 14:53 MSD", EN, UTC, N19, "2010-06-13T14:53:00+04:00"),
    ok("13 June 2019 14:53 BST", EN, UTC, N19, "2019-06-13T14:53:00+01:00"),
    ok("13 June 2019 14:53 CDT", EN, UTC, N19, "2019-06-13T14:53:00-05:00"),
    ok("13 Jan 2019 14:53 CST", EN, UTC, N19, "2019-01-13T14:53:00-06:00"),
    ok("13 June 2019 14:53 MDT", EN, UTC, N19, "2019-06-13T14:53:00-06:00"),
    ok("13 June 2019 14:53 PDT", EN, UTC, N19, "2019-06-13T14:53:00-07:00"),
    ok("13 June 2019 14:53 EEST", EN, UTC, N19, "2019-06-13T14:53:00+03:00"),
    ok("13 Jan 2019 14:53 EET", EN, UTC, N19, "2019-01-13T14:53:00+02:00"),
    ok("13 June 2019 14:53 CEST", EN, UTC, N19, "2019-06-13T14:53:00+02:00"),
    ok("13 June 2019 14:53 HKT", EN, UTC, N19, "2019-06-13T14:53:00+08:00"),
    ok("13 June 2019 14:53 UTC+5:30", EN, UTC, N19, "2019-06-13T14:53:00+05:30"),
    ok("13 June 2019 14:53 GMT+03:00", EN, UTC, N19, "2019-06-13T14:53:00+03:00"),
    ok("13 June 2019 14:53 +03", EN, UTC, N19, "2019-06-13T14:53:00+03:00"),
    ok("13 June 2019 14:53 UTC-3", EN, UTC, N19, "2019-06-13T14:53:00-03:00"),
    ok("13 June 2019 2:53 PM UTC\u{2212}03:00", EN, UTC, N19, "2019-06-13T14:53:00-03:00"),
    ok("13 June 2019 14:53 Europe/Moscow", EN, UTC, N19, "2019-06-13T14:53:00+03:00"),
    ok("13 June 2019 14:53 (MSK)", EN, UTC, N19, "2019-06-13T14:53:00+03:00"),

    // ---- Russian (dateparser; qddate tests.py; Sugar date_ru tests) ----
    ok("28 октября 2014 в 07:54", RU, MSK, N23, "2014-10-28T07:54:00+03:00"),
    ok("20 ноября 2013", RU, MSK, N23, "2013-11-20T00:00:00+04:00"),
    ok("3 Января 2003 года", ANY, MSK, N23, "2003-01-03T00:00:00+03:00"),
    ok("2 мая 1989 года", RU, MSK, N23, "1989-05-02T00:00:00+04:00"),
    ok("9 июля 2015 г.", RU, MSK, N23, "2015-07-09T00:00:00+03:00"),
    ok("02 февр. 2016 г.", RU, MSK, N23, "2016-02-02T00:00:00+03:00"),
    ok("Вторник, 18 Август 2015 18:51", ANY, MSK, N23, "2015-08-18T18:51:00+03:00"),
    ok("Июль 16, 2015", RU, MSK, N23, "2015-07-16T00:00:00+03:00"),
    ok("18 Июля 2021 [17:48]", ANY, MSK, N23, "2021-07-18T17:48:00+03:00"),
    ok("15 янв. 2020, 10:00", RU, MSK, N23, "2020-01-15T10:00:00+03:00"),
    ok("09.июля.2015", RU, MSK, N23, "2015-07-09T00:00:00+03:00"),
    ok("13 июня, 14:53", ANY, MSK, N19, "2019-06-13T14:53:00+03:00"),
    ok("Опубликовано: 13.06.2019 в 14:53 (МСК)", RU, UTC, N19, "2019-06-13T14:53:00+03:00"),
    ok("13 июня 2019 года, 14:53", RU, MSK, N19, "2019-06-13T14:53:00+03:00"),
    ok("13.06.19 14:53", RU, MSK, N19, "2019-06-13T14:53:00+03:00"),

    // ---- German (htmldate tests; Miniflux "Do, 29 Mär 2018"; qddate "28. Juli 2015") ----
    ok("28. Juli 2015", DE, BER, N23, "2015-07-28T00:00:00+02:00"),
    ok("1. März 2020", DE, BER, N23, "2020-03-01T00:00:00+01:00"),
    ok("3. Mrz 2020, 14:00", DE, BER, N23, "2020-03-03T14:00:00+01:00"),
    ok("Dienstag, 5. Dezember 2023, 18:30 Uhr", DE, BER, N23, "2023-12-05T18:30:00+01:00"),
    ok("15. Jänner 2020", DE, BER, N23, "2020-01-15T00:00:00+01:00"),
    ok("aktualisiert am 15.05.2019 um 14:53 Uhr", DE, BER, N23, "2019-05-15T14:53:00+02:00"),
    ok("15. Mai 2019, 14 Uhr", DE, BER, N23, "2019-05-15T14:00:00+02:00"),

    // ---- French (dateparser tests/test_date_parser.py; Miniflux) ----
    ok("22 janvier 2015 à 14h40", FR, PAR, N23, "2015-01-22T14:40:00+01:00"),
    ok("Le 11 Décembre 2014 à 09:00", FR, PAR, N23, "2014-12-11T09:00:00+01:00"),
    ok("le 08 Déc 2014 15:11", ANY, PAR, N23, "2014-12-08T15:11:00+01:00"),
    ok("vendredi, décembre 5 2014.", FR, PAR, N23, "2014-12-05T00:00:00+01:00"),
    ok("fév 15, 2013", ANY, PAR, N23, "2013-02-15T00:00:00+01:00"),
    ok("dimanche, 11 Mai 2014", FR, PAR, N23, "2014-05-11T00:00:00+02:00"),
    ok("Lundi, 16. Novembre 2020 - 15:54", ANY, PAR, N23, "2020-11-16T15:54:00+01:00"),
    ok("1er août 2020", FR, PAR, N23, "2020-08-01T00:00:00+02:00"),
    ok("Publié le 3 févr. 2021 à 10h05", FR, PAR, N23, "2021-02-03T10:05:00+01:00"),

    // ---- Spanish (dateparser tests/test_date_parser.py) ----
    ok("Martes 21 de Octubre de 2014", ES, MAD, N23, "2014-10-21T00:00:00+02:00"),
    ok("Miércoles 20 de Noviembre de 2013", ANY, MAD, N23, "2013-11-20T00:00:00+01:00"),
    ok("12 de junio del 2012", ES, MAD, N23, "2012-06-12T00:00:00+02:00"),
    ok("13 Ago, 2014", ES, MAD, N23, "2014-08-13T00:00:00+02:00"),
    ok("13 Septiembre, 2014", ES, MAD, N23, "2014-09-13T00:00:00+02:00"),
    ok("11 Marzo, 2014", ES, MAD, N23, "2014-03-11T00:00:00+01:00"),
    ok("julio 5, 2015 en 1:04 pm", ES, MAD, N23, "2015-07-05T13:04:00+02:00"),
    ok("1 dic. 2020 10:00", ES, MAD, N23, "2020-12-01T10:00:00+01:00"),

    // ---- Italian (dateparser tests/test_date_parser.py) ----
    ok("16 giu 2014", IT, ROM, N23, "2014-06-16T00:00:00+02:00"),
    ok("26 gennaio 2014", ANY, ROM, N23, "2014-01-26T00:00:00+01:00"),
    ok("Aggiornato il 5 maggio 2020 alle ore 14:53", IT, ROM, N23, "2020-05-05T14:53:00+02:00"),
    ok("lunedì 3 febbraio 2020, 10:30", IT, ROM, N23, "2020-02-03T10:30:00+01:00"),
    ok("1 dic 2020", IT, ROM, N23, "2020-12-01T00:00:00+01:00"),

    // ---- errors: typed, never a guess (issue rules; Miniflux TestParseInvalidDate) ----
    no("", ANY, Empty),
    no(" \n\t ", ANY, Empty),
    no("hello", ANY, Unrecognized),
    no("foo bar", EN, Unrecognized),
    no("invalid", ANY, Unrecognized),
    no("Febtember 40", ANY, Unrecognized),
    no("2019", ANY, Unrecognized),
    no("June", EN, Unrecognized),
    no("12345", ANY, Unrecognized),
    no("99999999999999999999999", ANY, Unrecognized),
    no("June 13, 14:53 UTC+25", EN, ImpossibleOffset),
    no("Tue, 03 Jun 2003 09:39:21 +1900", ANY, ImpossibleOffset),
    no("2019-06-13T14:53:00+19:00", ANY, ImpossibleOffset),
    no("13 June 2019 14:53 +0375", EN, ImpossibleOffset),
    no("2023-05-29 00:00:00-13:00", ANY, ImpossibleOffset),
    no("February 30, 2020", EN, InvalidDate),
    no("31.02.2020", ANY, InvalidDate),
    no("13/13/2020", EN, InvalidDate),
    no("25:61", ANY, InvalidDate),
    no("April 31", EN, InvalidDate),
];
