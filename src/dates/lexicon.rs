//! Per-language words: month and weekday names (full, abbreviated, Russian genitive and
//! nominative), relative-date words, and the filler words that surround datelines.
//!
//! Why per language and not one merged table: the same spelling means different things in
//! different languages (`mar` is March in English but Tuesday in French, `hier` is yesterday in
//! French but "here" in German). The caller tries the site's language first and scores the
//! others by how many words stayed unknown. Words are matched lower-cased, after the tokenizer
//! split off trailing dots (`janv.` → `janv`). This file is a data table, hence its length.

use chrono::Weekday;

use super::Language;

/// What a known word means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lex {
    Month(u32),
    Weekday(Weekday),
    /// A unit of a relative date ("minutes", "часа").
    Unit(Unit),
    /// Marks the text as relative to now ("ago", "назад", "vor", "hace", "il y a", "fa").
    Ago,
    /// "just now", "только что".
    JustNow,
    /// "today" (0), "yesterday" (−1), "the day before yesterday" (−2).
    DayShift(i64),
    /// "a", "an", "одну", "einer": a quantity of one before a unit.
    One,
    /// Known filler ("published", "г", "Uhr", "de", ordinal suffixes): ignored.
    Noise,
}

/// Units of relative dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// Meaning of `word` (lower-cased) in `lang`, if any.
pub(super) fn lookup(lang: Language, word: &str) -> Option<Lex> {
    match lang {
        Language::En => english(word),
        Language::Ru => russian(word),
        Language::De => german(word),
        Language::Fr => french(word),
        Language::Es => spanish(word),
        Language::It => italian(word),
    }
}

use Lex::{Ago, DayShift, JustNow, Month as M, Noise, One, Unit as U, Weekday as W};
use Weekday::{Fri, Mon, Sat, Sun, Thu, Tue, Wed};

fn english(w: &str) -> Option<Lex> {
    Some(match w {
        "january" | "jan" => M(1),
        "february" | "feb" => M(2),
        "march" | "mar" => M(3),
        "april" | "apr" => M(4),
        "may" => M(5),
        "june" | "jun" => M(6),
        "july" | "jul" => M(7),
        "august" | "aug" => M(8),
        "september" | "sep" | "sept" => M(9),
        "october" | "oct" => M(10),
        "november" | "nov" => M(11),
        "december" | "dec" => M(12),
        "monday" | "mon" => W(Mon),
        "tuesday" | "tue" | "tues" => W(Tue),
        "wednesday" | "wed" => W(Wed),
        "thursday" | "thu" | "thur" | "thurs" => W(Thu),
        "friday" | "fri" => W(Fri),
        "saturday" | "sat" => W(Sat),
        "sunday" | "sun" => W(Sun),
        "second" | "seconds" | "sec" | "secs" => U(Unit::Second),
        "minute" | "minutes" | "min" | "mins" => U(Unit::Minute),
        "hour" | "hours" | "hr" | "hrs" => U(Unit::Hour),
        "day" | "days" => U(Unit::Day),
        "week" | "weeks" => U(Unit::Week),
        "month" | "months" => U(Unit::Month),
        "year" | "years" => U(Unit::Year),
        "ago" => Ago,
        "just" | "now" => JustNow,
        "today" => DayShift(0),
        "yesterday" => DayShift(-1),
        "a" | "an" | "one" => One,
        "st" | "nd" | "rd" | "th" | "on" | "at" | "of" | "the" | "published" | "updated"
        | "posted" | "modified" | "last" | "date" | "by" | "and" => Noise,
        _ => return None,
    })
}

fn russian(w: &str) -> Option<Lex> {
    Some(match w {
        "января" | "январь" | "янв" => M(1),
        "февраля" | "февраль" | "фев" | "февр" => M(2),
        "марта" | "март" | "мар" => M(3),
        "апреля" | "апрель" | "апр" => M(4),
        "мая" | "май" => M(5),
        "июня" | "июнь" | "июн" => M(6),
        "июля" | "июль" | "июл" => M(7),
        "августа" | "август" | "авг" => M(8),
        "сентября" | "сентябрь" | "сен" | "сент" => M(9),
        "октября" | "октябрь" | "окт" => M(10),
        "ноября" | "ноябрь" | "ноя" | "нояб" => M(11),
        "декабря" | "декабрь" | "дек" => M(12),
        "понедельник" | "пн" => W(Mon),
        "вторник" | "вт" => W(Tue),
        "среда" | "среду" | "ср" => W(Wed),
        "четверг" | "чт" => W(Thu),
        "пятница" | "пятницу" | "пт" => W(Fri),
        "суббота" | "субботу" | "сб" => W(Sat),
        "воскресенье" | "вс" => W(Sun),
        "секунду" | "секунды" | "секунд" | "сек" => U(Unit::Second),
        "минуту" | "минуты" | "минут" | "мин" => U(Unit::Minute),
        "час" | "часа" | "часов" | "ч" => U(Unit::Hour),
        "день" | "дня" | "дней" => U(Unit::Day),
        "неделю" | "недели" | "недель" => U(Unit::Week),
        "месяц" | "месяца" | "месяцев" => U(Unit::Month),
        // "года" is both "of the year" after a year and "years" in "2 года назад"; units only
        // count next to "назад", so it is safe to read it as a unit.
        "год" | "года" | "лет" => U(Unit::Year),
        "назад" => Ago,
        "только" | "что" | "сейчас" => JustNow,
        "сегодня" => DayShift(0),
        "вчера" => DayShift(-1),
        "позавчера" => DayShift(-2),
        "один" | "одну" | "одна" => One,
        "г"
        | "гг"
        | "в"
        | "опубликовано"
        | "обновлено"
        | "изменено"
        | "дата"
        | "публикации"
        | "обновления"
        | "от"
        | "го" => Noise,
        _ => return None,
    })
}

fn german(w: &str) -> Option<Lex> {
    Some(match w {
        "januar" | "jänner" | "jan" | "jän" => M(1),
        "februar" | "feb" | "febr" => M(2),
        "märz" | "maerz" | "mär" | "mrz" => M(3),
        "april" | "apr" => M(4),
        "mai" => M(5),
        "juni" | "jun" => M(6),
        "juli" | "jul" => M(7),
        "august" | "aug" => M(8),
        "september" | "sep" | "sept" => M(9),
        "oktober" | "okt" => M(10),
        "november" | "nov" => M(11),
        "dezember" | "dez" => M(12),
        "montag" | "mo" => W(Mon),
        "dienstag" | "di" => W(Tue),
        "mittwoch" | "mi" => W(Wed),
        "donnerstag" | "do" => W(Thu),
        "freitag" | "fr" => W(Fri),
        "samstag" | "sonnabend" | "sa" => W(Sat),
        "sonntag" | "so" => W(Sun),
        "sekunde" | "sekunden" | "sek" => U(Unit::Second),
        "minute" | "minuten" | "min" => U(Unit::Minute),
        "stunde" | "stunden" | "std" => U(Unit::Hour),
        "tag" | "tagen" => U(Unit::Day),
        "woche" | "wochen" => U(Unit::Week),
        "monat" | "monaten" => U(Unit::Month),
        "jahr" | "jahren" => U(Unit::Year),
        "vor" => Ago,
        "gerade" | "eben" | "soeben" => JustNow,
        "heute" => DayShift(0),
        "gestern" => DayShift(-1),
        "vorgestern" => DayShift(-2),
        "einer" | "einem" | "eine" | "ein" => One,
        "uhr" | "am" | "um" | "stand" | "aktualisiert" | "veröffentlicht" | "zuletzt" | "den"
        | "vom" | "erstellt" | "datum" => Noise,
        _ => return None,
    })
}

fn french(w: &str) -> Option<Lex> {
    Some(match w {
        "janvier" | "janv" | "jan" => M(1),
        "février" | "fevrier" | "févr" | "fevr" | "fév" | "fev" => M(2),
        "mars" => M(3),
        "avril" | "avr" => M(4),
        "mai" => M(5),
        "juin" => M(6),
        "juillet" | "juil" => M(7),
        "août" | "aout" => M(8),
        "septembre" | "sept" | "sep" => M(9),
        "octobre" | "oct" => M(10),
        "novembre" | "nov" => M(11),
        "décembre" | "decembre" | "déc" | "dec" => M(12),
        "lundi" | "lun" => W(Mon),
        "mardi" | "mar" => W(Tue),
        "mercredi" | "mer" => W(Wed),
        "jeudi" | "jeu" => W(Thu),
        "vendredi" | "ven" => W(Fri),
        "samedi" | "sam" => W(Sat),
        "dimanche" | "dim" => W(Sun),
        "seconde" | "secondes" | "sec" => U(Unit::Second),
        "minute" | "minutes" | "min" => U(Unit::Minute),
        "heure" | "heures" => U(Unit::Hour),
        "jour" | "jours" => U(Unit::Day),
        "semaine" | "semaines" => U(Unit::Week),
        "mois" => U(Unit::Month),
        "an" | "ans" | "année" | "années" => U(Unit::Year),
        // "il y a": "il" alone is enough to mark the direction.
        "il" => Ago,
        "instant" | "maintenant" => JustNow,
        "aujourd" | "hui" => DayShift(0),
        "hier" => DayShift(-1),
        "un" | "une" => One,
        "er" | "le" | "à" | "a" | "y" | "mis" | "publié" | "modifié" | "mise" | "l" | "du"
        | "depuis" | "avant" => Noise,
        _ => return None,
    })
}

fn spanish(w: &str) -> Option<Lex> {
    Some(match w {
        "enero" | "ene" => M(1),
        "febrero" | "feb" => M(2),
        "marzo" | "mar" => M(3),
        "abril" | "abr" => M(4),
        "mayo" | "may" => M(5),
        "junio" | "jun" => M(6),
        "julio" | "jul" => M(7),
        "agosto" | "ago" => M(8),
        "septiembre" | "setiembre" | "sep" | "sept" | "set" => M(9),
        "octubre" | "oct" => M(10),
        "noviembre" | "nov" => M(11),
        "diciembre" | "dic" => M(12),
        "lunes" | "lun" => W(Mon),
        "martes" => W(Tue),
        "miércoles" | "miercoles" | "mié" | "mie" => W(Wed),
        "jueves" | "jue" => W(Thu),
        "viernes" | "vie" => W(Fri),
        "sábado" | "sabado" | "sáb" | "sab" => W(Sat),
        "domingo" | "dom" => W(Sun),
        "segundo" | "segundos" | "seg" => U(Unit::Second),
        "minuto" | "minutos" | "min" => U(Unit::Minute),
        "hora" | "horas" => U(Unit::Hour),
        "día" | "días" | "dia" | "dias" => U(Unit::Day),
        "semana" | "semanas" => U(Unit::Week),
        "mes" | "meses" => U(Unit::Month),
        "año" | "años" => U(Unit::Year),
        "hace" | "atrás" => Ago,
        "ahora" => JustNow,
        "hoy" => DayShift(0),
        "ayer" => DayShift(-1),
        "anteayer" => DayShift(-2),
        "un" | "una" => One,
        "de" | "del" | "el" | "a" | "las" | "la" | "en" | "actualizado" | "publicado" | "hrs"
        | "h" | "º" | "mismo" => Noise,
        _ => return None,
    })
}

fn italian(w: &str) -> Option<Lex> {
    Some(match w {
        "gennaio" | "gen" => M(1),
        "febbraio" | "feb" => M(2),
        "marzo" | "mar" => M(3),
        "aprile" | "apr" => M(4),
        "maggio" | "mag" => M(5),
        "giugno" | "giu" => M(6),
        "luglio" | "lug" => M(7),
        "agosto" | "ago" => M(8),
        "settembre" | "set" | "sett" => M(9),
        "ottobre" | "ott" => M(10),
        "novembre" | "nov" => M(11),
        "dicembre" | "dic" => M(12),
        "lunedì" | "lunedi" | "lun" => W(Mon),
        "martedì" | "martedi" => W(Tue),
        "mercoledì" | "mercoledi" | "mer" => W(Wed),
        "giovedì" | "giovedi" | "gio" => W(Thu),
        "venerdì" | "venerdi" | "ven" => W(Fri),
        "sabato" | "sab" => W(Sat),
        "domenica" | "dom" => W(Sun),
        "secondo" | "secondi" => U(Unit::Second),
        "minuto" | "minuti" | "min" => U(Unit::Minute),
        // "ore" is also "o'clock" in "alle ore 14:53"; units only count next to "fa".
        "ora" | "ore" => U(Unit::Hour),
        "giorno" | "giorni" => U(Unit::Day),
        "settimana" | "settimane" => U(Unit::Week),
        "mese" | "mesi" => U(Unit::Month),
        "anno" | "anni" => U(Unit::Year),
        "fa" => Ago,
        "adesso" | "poco" => JustNow,
        "oggi" => DayShift(0),
        "ieri" => DayShift(-1),
        "un" | "una" | "uno" => One,
        "alle" | "il" | "del" | "di" | "altro" | "aggiornato" | "pubblicato" | "aggiornamento"
        | "º" | "h" => Noise,
        _ => return None,
    })
}
