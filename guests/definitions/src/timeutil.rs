//! Timestamps as Ceilometer handles them: oslo.utils' `timeutils.parse_isotime`
//! (the `iso8601` library), `normalize_time`, and Python's
//! `datetime.isoformat()`.
//!
//! ```
//! use nepho_definitions::timeutil::parse_isotime;
//! let t = parse_isotime("2012-05-08 20:23:48.028195").unwrap();
//! assert_eq!(t.isoformat(), "2012-05-08T20:23:48.028195+00:00");
//! let t = parse_isotime("2012-05-08T22:23:48+02:00").unwrap();
//! assert_eq!(t.isoformat(), "2012-05-08T22:23:48+02:00");
//! assert_eq!(t.normalize().unwrap().isoformat(), "2012-05-08T20:23:48");
//! ```

use std::sync::OnceLock;

use fancy_regex::Regex;
use serde_json::Value;

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// A date and time without a UTC offset (Python's naive `datetime`), with
/// microsecond precision, years 1 to 9999 of the proleptic Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NaiveDateTime {
    /// Year, 1..=9999.
    pub year: i32,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of the month, 1..=31.
    pub day: u32,
    /// Hour, 0..=23.
    pub hour: u32,
    /// Minute, 0..=59.
    pub minute: u32,
    /// Second, 0..=59.
    pub second: u32,
    /// Microsecond, 0..=999_999.
    pub microsecond: u32,
}

/// A date and time with the UTC offset it was written with (Python's aware
/// `datetime` with a fixed offset, as `iso8601.parse_date` returns it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AwareDateTime {
    /// The local date and time.
    pub local: NaiveDateTime,
    /// The UTC offset in seconds, strictly between -86400 and 86400.
    pub offset_seconds: i32,
}

impl NaiveDateTime {
    /// Builds a value, checking every field as Python's `datetime()` does
    /// (with its error messages).
    pub fn new(
        year: i64,
        month: i64,
        day: i64,
        (hour, minute, second, microsecond): (i64, i64, i64, i64),
    ) -> Result<NaiveDateTime, String> {
        if !(1..=9999).contains(&year) {
            return Err(format!("year {year} is out of range"));
        }
        if !(1..=12).contains(&month) {
            return Err("month must be in 1..12".into());
        }
        if day < 1 || day > i64::from(days_in_month(year as i32, month as u32)) {
            return Err("day is out of range for month".into());
        }
        if !(0..=23).contains(&hour) {
            return Err("hour must be in 0..23".into());
        }
        if !(0..=59).contains(&minute) {
            return Err("minute must be in 0..59".into());
        }
        if !(0..=59).contains(&second) {
            return Err("second must be in 0..59".into());
        }
        if !(0..=999_999).contains(&microsecond) {
            return Err("microsecond must be in 0..999999".into());
        }
        Ok(NaiveDateTime {
            year: year as i32,
            month: month as u32,
            day: day as u32,
            hour: hour as u32,
            minute: minute as u32,
            second: second as u32,
            microsecond: microsecond as u32,
        })
    }

    /// Microseconds since 0001-01-01T00:00:00.
    pub fn to_micros(&self) -> i64 {
        let days = days_from_civil(self.year, self.month, self.day);
        let seconds =
            i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second);
        days * MICROS_PER_DAY + seconds * MICROS_PER_SECOND + i64::from(self.microsecond)
    }

    /// The value `micros` microseconds after 0001-01-01T00:00:00, or an error
    /// (Python's `OverflowError` text) outside years 1..=9999.
    pub fn from_micros(micros: i64) -> Result<NaiveDateTime, String> {
        let days = micros.div_euclid(MICROS_PER_DAY);
        let rest = micros.rem_euclid(MICROS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        if !(1..=9999).contains(&year) {
            return Err("date value out of range".into());
        }
        let seconds = rest / MICROS_PER_SECOND;
        Ok(NaiveDateTime {
            year,
            month,
            day,
            hour: (seconds / 3600) as u32,
            minute: (seconds / 60 % 60) as u32,
            second: (seconds % 60) as u32,
            microsecond: (rest % MICROS_PER_SECOND) as u32,
        })
    }

    /// Python's `datetime.isoformat()` of a naive value:
    /// `2012-05-08T20:23:48.028195`, microseconds omitted when zero.
    pub fn isoformat(&self) -> String {
        let mut out = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        if self.microsecond != 0 {
            out.push_str(&format!(".{:06}", self.microsecond));
        }
        out
    }
}

impl AwareDateTime {
    /// The same instant in UTC, as a naive value (oslo's `normalize_time`).
    /// Fails, as Python does, when the result leaves years 1..=9999.
    pub fn normalize(&self) -> Result<NaiveDateTime, String> {
        NaiveDateTime::from_micros(self.utc_micros())
    }

    /// The same instant with offset zero (`+00:00`).
    pub fn to_utc(&self) -> Result<AwareDateTime, String> {
        Ok(AwareDateTime {
            local: self.normalize()?,
            offset_seconds: 0,
        })
    }

    /// Microseconds since 0001-01-01T00:00:00 UTC.
    pub fn utc_micros(&self) -> i64 {
        self.local.to_micros() - i64::from(self.offset_seconds) * MICROS_PER_SECOND
    }

    /// Python's `datetime.isoformat()` of an aware value, keeping its offset:
    /// `2012-05-08T20:23:48.028195+00:00`, microseconds omitted when zero.
    pub fn isoformat(&self) -> String {
        let sign = if self.offset_seconds < 0 { '-' } else { '+' };
        let offset = self.offset_seconds.unsigned_abs();
        let mut out = format!(
            "{}{sign}{:02}:{:02}",
            self.local.isoformat(),
            offset / 3600,
            offset / 60 % 60
        );
        if !offset.is_multiple_of(60) {
            out.push_str(&format!(":{:02}", offset % 60));
        }
        out
    }
}

/// Python's `(end - start).total_seconds()` for two aware values.
pub fn total_seconds_between(start: &AwareDateTime, end: &AwareDateTime) -> f64 {
    let micros = end.utc_micros() - start.utc_micros();
    if micros % MICROS_PER_SECOND == 0 {
        (micros / MICROS_PER_SECOND) as f64
    } else {
        micros as f64 / MICROS_PER_SECOND as f64
    }
}

/// Python's `datetime.isoformat()` of `instant` converted to UTC
/// (`2012-05-08T20:23:48.028195+00:00`).
pub fn isoformat_utc(instant: &AwareDateTime) -> Result<String, String> {
    Ok(instant.to_utc()?.isoformat())
}

/// oslo.utils' `timeutils.parse_isotime`: the `iso8601` library's grammar
/// (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `YYYYMMDD`, then optionally `T` or a
/// space, `hh`, `[:]mm`, `[:]ss`, `.`/`,` fraction, `Z` or `±hh[[:]mm]`).
/// Without an offset the time is UTC. Fractions beyond microseconds are
/// truncated. Errors carry the library's messages.
pub fn parse_isotime(text: &str) -> Result<AwareDateTime, String> {
    parse_common(text).unwrap_or_else(|| parse_with_grammar(text))
}

/// [`parse_isotime`] by the `iso8601` library's full grammar.
fn parse_with_grammar(text: &str) -> Result<AwareDateTime, String> {
    let unparseable = || {
        format!(
            "Unable to parse date string {}",
            crate::events::python::repr_str(text)
        )
    };
    let captures = iso8601_regex()
        .captures(text)
        .ok()
        .flatten()
        .ok_or_else(unparseable)?;
    let group = |name: &str| captures.name(name).map(|m| m.as_str());
    let number = |name: &str, default: i64| -> i64 {
        group(name).map_or(default, |digits| digits.parse::<i64>().unwrap_or(default))
    };
    let year = number("year", 0);
    let month = group("month")
        .or(group("monthdash"))
        .map_or(1, |d| d.parse::<i64>().unwrap_or(1));
    let day = group("day")
        .or(group("daydash"))
        .map_or(1, |d| d.parse::<i64>().unwrap_or(1));
    let microsecond = group("fraction").map_or(0, fraction_to_micros);
    let time = (
        number("hour", 0),
        number("minute", 0),
        number("second", 0),
        microsecond,
    );
    let local = NaiveDateTime::new(year, month, day, time)?;
    let offset_seconds = match group("timezone") {
        None | Some("Z") => 0,
        Some(_) => {
            let minutes = number("tz_hour", 0) * 60 + number("tz_minute", 0);
            let seconds = if group("tz_sign") == Some("-") {
                -minutes * 60
            } else {
                minutes * 60
            };
            if seconds.abs() >= 86_400 {
                return Err(format!(
                    "offset must be a timedelta strictly between -timedelta(hours=24) and \
                     timedelta(hours=24), not {seconds} seconds"
                ));
            }
            seconds as i32
        }
    };
    Ok(AwareDateTime {
        local,
        offset_seconds,
    })
}

/// Digits of `bytes[range]` as a number, if they are all ASCII digits.
fn digits(bytes: &[u8], range: std::ops::Range<usize>) -> Option<i64> {
    let slice = bytes.get(range)?;
    slice.iter().try_fold(0i64, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
    })
}

/// The fast path of [`parse_isotime`] for the form nearly every notification
/// uses, `YYYY-MM-DD[T ]hh:mm:ss[.fraction][Z|±hh[:mm]]`; `None` means "use
/// the full grammar", which gives the same result for these inputs.
fn parse_common(text: &str) -> Option<Result<AwareDateTime, String>> {
    let b = text.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (digits(b, 0..4)?, digits(b, 5..7)?, digits(b, 8..10)?);
    let (hour, minute, second) = (digits(b, 11..13)?, digits(b, 14..16)?, digits(b, 17..19)?);
    let mut at = 19;
    let mut microsecond = 0;
    if matches!(b.get(at), Some(b'.' | b',')) {
        let start = at + 1;
        let end = start + b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
        if end == start {
            return None;
        }
        microsecond = fraction_to_micros(&text[start..end]);
        at = end;
    }
    let offset_seconds = match b.get(at) {
        None => 0,
        Some(b'Z') if at + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) => {
            let hours = digits(b, at + 1..at + 3)?;
            let minutes = match &b[at + 3..] {
                [] => 0,
                [b':', _, _] => digits(b, at + 4..at + 6)?,
                [_, _] => digits(b, at + 3..at + 5)?,
                _ => return None,
            };
            let seconds = (hours * 60 + minutes) * 60;
            if seconds >= 86_400 {
                return None;
            }
            if *sign == b'-' {
                -seconds as i32
            } else {
                seconds as i32
            }
        }
        _ => return None,
    };
    Some(
        NaiveDateTime::new(year, month, day, (hour, minute, second, microsecond)).map(|local| {
            AwareDateTime {
                local,
                offset_seconds,
            }
        }),
    )
}

/// `parse_isotime(value).isoformat()` of a JSON value, as Ceilometer
/// re-serialises notification timestamps (the offset is kept; no offset
/// means `+00:00`). Non-strings fail as they do in Python.
pub fn isotime_of(value: &Value) -> Result<String, String> {
    Ok(parse_isotime_value(value)?.isoformat())
}

/// `normalize_time(parse_isotime(value)).isoformat()` of a JSON value: the
/// naive UTC form of events' `generated` and of datetime traits.
pub fn normalized_isotime_of(value: &Value) -> Result<String, String> {
    Ok(parse_isotime_value(value)?.normalize()?.isoformat())
}

/// `parse_isotime` of a JSON value; only strings parse.
pub fn parse_isotime_value(value: &Value) -> Result<AwareDateTime, String> {
    match value {
        Value::String(text) => parse_isotime(text),
        other => Err(format!(
            "expected string or bytes-like object, got '{}'",
            crate::events::python::type_name(other)
        )),
    }
}

/// The `iso8601` 2.x regular expression. Python's `$` also matches before a
/// final newline, hence `\n?\z`.
fn iso8601_regex() -> &'static Regex {
    static REGEX: OnceLock<Regex> = OnceLock::new();
    REGEX.get_or_init(|| {
        let source = r"(?x)^
            (?P<year>[0-9]{4})
            (
                (
                    (-(?P<monthdash>[0-9]{1,2}))
                    |
                    (?P<month>[0-9]{2})
                    (?!\n?\z)
                )
                (
                    (
                        (-(?P<daydash>[0-9]{1,2}))
                        |
                        (?P<day>[0-9]{2})
                    )
                    (
                        (
                            [\ T]
                            (?P<hour>[0-9]{2})
                            (:?(?P<minute>[0-9]{2}))?
                            (
                                :?(?P<second>[0-9]{1,2})
                                ([.,](?P<fraction>[0-9]+))?
                            )?
                            (?P<timezone>
                                Z
                                |
                                (
                                    (?P<tz_sign>[-+])
                                    (?P<tz_hour>[0-9]{2})
                                    :?
                                    (?P<tz_minute>[0-9]{2})?
                                )
                            )?
                        )?
                    )
                )?
            )?
            \n?\z";
        Regex::new(source).expect("the iso8601 regex is valid")
    })
}

/// `int(Decimal("0." + digits) * Decimal("1000000.0"))` with Python's default
/// decimal context (28 significant digits, half-even rounding): the first six
/// digits, plus one when rounding the product to 28 digits carries into them.
fn fraction_to_micros(digits: &str) -> i64 {
    let bytes = digits.as_bytes();
    let six: i64 = (0..6)
        .map(|i| i64::from(bytes.get(i).map_or(0, |b| b - b'0')))
        .fold(0, |acc, d| acc * 10 + d);
    let Some(first_significant) = bytes.iter().position(|&b| b != b'0') else {
        return six;
    };
    let cut = first_significant + 28;
    let carries = bytes.len() > cut
        && bytes[cut] >= b'5'
        && bytes[6.min(cut)..cut].iter().all(|&b| b == b'9');
    six + i64::from(carries)
}

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 0001-01-01 to the given date (proleptic Gregorian).
fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    // `era * 146_097 + doe` counts from 0000-03-01, 306 days before 0001-01-01.
    era * 146_097 + doe - 306
}

/// The date `days` days after 0001-01-01.
fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 306;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
        month,
        day,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fast_path_agrees_with_the_full_grammar() {
        let inputs = [
            "2012-05-08 20:23:48.028195",
            "2012-05-08T20:23:48.028195+00:00",
            "2012-05-08T20:23:48Z",
            "2012-05-08T20:23:48.1234567-05:30",
            "2012-05-08T20:23:48+0200",
            "2012-05-08T20:23:48,5",
            "2012-05-08T20:23:48.",
            "2012-02-30T20:23:48",
            "2012-05-08T20:23:48+24:00",
            "2015-06-1909:19:35.786893",
        ];
        let mut fast_taken = 0;
        for text in inputs {
            if let Some(fast) = super::parse_common(text) {
                fast_taken += 1;
                let full = super::parse_with_grammar(text);
                assert_eq!(
                    fast.map(|t| t.isoformat()),
                    full.map(|t| t.isoformat()),
                    "{text}"
                );
            }
        }
        assert!(fast_taken >= 6, "the fast path handles the common forms");
    }

    use super::*;
    use serde_json::json;

    fn iso(text: &str) -> String {
        parse_isotime(text)
            .map(|t| t.isoformat())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn parses_the_forms_iso8601_accepts() {
        assert_eq!(
            iso("2012-05-08 20:23:48.028195"),
            "2012-05-08T20:23:48.028195+00:00"
        );
        assert_eq!(iso("2012-05-08T20:23:48Z"), "2012-05-08T20:23:48+00:00");
        assert_eq!(
            iso("2012-05-08T20:23:48.000000"),
            "2012-05-08T20:23:48+00:00"
        );
        assert_eq!(
            iso("2012-05-08T20:23:48,5-05:30"),
            "2012-05-08T20:23:48.500000-05:30"
        );
        assert_eq!(iso("2012-05-08T20:23:48+0200"), "2012-05-08T20:23:48+02:00");
        assert_eq!(iso("2012-05-08T20:23:48+02"), "2012-05-08T20:23:48+02:00");
        assert_eq!(
            iso("2012-05-08T20:23:48-00:00"),
            "2012-05-08T20:23:48+00:00"
        );
        assert_eq!(iso("2012-05-08T20:23"), "2012-05-08T20:23:00+00:00");
        assert_eq!(iso("2012-05-08T20"), "2012-05-08T20:00:00+00:00");
        assert_eq!(iso("20120508T202348"), "2012-05-08T20:23:48+00:00");
        assert_eq!(iso("2012-05-08"), "2012-05-08T00:00:00+00:00");
        assert_eq!(iso("2012-5-8"), "2012-05-08T00:00:00+00:00");
        assert_eq!(iso("2012-05"), "2012-05-01T00:00:00+00:00");
        assert_eq!(iso("2012"), "2012-01-01T00:00:00+00:00");
        assert_eq!(iso("2012-05-08T20:23:48\n"), "2012-05-08T20:23:48+00:00");
        assert_eq!(
            iso("2012-05-08T20:23:48.1234567"),
            "2012-05-08T20:23:48.123456+00:00"
        );
    }

    #[test]
    fn rejects_what_iso8601_rejects_with_its_messages() {
        assert_eq!(
            iso("2014-05-1510: 24: 56.335612"),
            "error: Unable to parse date string '2014-05-1510: 24: 56.335612'"
        );
        assert_eq!(iso("201205"), "error: Unable to parse date string '201205'");
        assert_eq!(iso(""), "error: Unable to parse date string ''");
        assert_eq!(
            iso("2012-05-08T20:23:48 "),
            "error: Unable to parse date string '2012-05-08T20:23:48 '"
        );
        assert_eq!(iso("2012-13-01"), "error: month must be in 1..12");
        assert_eq!(iso("2013-02-29"), "error: day is out of range for month");
        assert_eq!(iso("2012-05-08T24:00"), "error: hour must be in 0..23");
        assert_eq!(iso("2012-05-08T23:00:60"), "error: second must be in 0..59");
        assert_eq!(iso("0000-01-01"), "error: year 0 is out of range");
        assert!(iso("2012-05-08T20:23:48+24:00").starts_with("error: offset must be"));
        assert_eq!(
            iso("2012-05-08T20:23:48.9999999999999999999999999999999"),
            "error: microsecond must be in 0..999999"
        );
        assert_eq!(
            iso("2012-05-08T20:23:48.99999999999999999999999999994"),
            "2012-05-08T20:23:48.999999+00:00"
        );
    }

    #[test]
    fn normalizes_to_naive_utc() {
        let t = parse_isotime("2012-05-08T01:00:00.5+02:00").unwrap();
        assert_eq!(
            t.normalize().unwrap().isoformat(),
            "2012-05-07T23:00:00.500000"
        );
        assert_eq!(
            isoformat_utc(&t).unwrap(),
            "2012-05-07T23:00:00.500000+00:00"
        );
        let t = parse_isotime("2000-02-28T23:30:00-01:00").unwrap();
        assert_eq!(t.normalize().unwrap().isoformat(), "2000-02-29T00:30:00");
        assert_eq!(
            parse_isotime("0001-01-01T00:00:00+01:00")
                .unwrap()
                .normalize(),
            Err("date value out of range".into())
        );
        assert_eq!(
            normalized_isotime_of(&json!("2012-05-08 20:23:48.028195")).unwrap(),
            "2012-05-08T20:23:48.028195"
        );
        assert!(normalized_isotime_of(&json!(12)).is_err());
        assert_eq!(
            isotime_of(&json!("2012-05-08T20:23:48Z")).unwrap(),
            "2012-05-08T20:23:48+00:00"
        );
    }

    #[test]
    fn days_round_trip() {
        for micros in [
            0,
            1,
            MICROS_PER_DAY * 59,
            MICROS_PER_DAY * 730_000 + 12_345,
            MICROS_PER_DAY * 3_652_058,
        ] {
            let t = NaiveDateTime::from_micros(micros).unwrap();
            assert_eq!(t.to_micros(), micros, "{t:?}");
        }
        assert_eq!(
            NaiveDateTime::from_micros(0).unwrap().isoformat(),
            "0001-01-01T00:00:00"
        );
        assert_eq!(
            NaiveDateTime::from_micros(MICROS_PER_DAY * 3_652_058)
                .unwrap()
                .isoformat(),
            "9999-12-31T00:00:00"
        );
        let epoch = parse_isotime("1970-01-01").unwrap();
        assert_eq!(epoch.utc_micros() / MICROS_PER_DAY, 719_162);
    }

    #[test]
    fn total_seconds_matches_python() {
        let a = parse_isotime("2012-05-08T20:23:41").unwrap();
        let b = parse_isotime("2012-05-08T20:23:47.985999").unwrap();
        assert_eq!(total_seconds_between(&a, &b), 6.985999);
        assert_eq!(total_seconds_between(&b, &a), -6.985999);
        let c = parse_isotime("2012-05-08T22:23:41+02:00").unwrap();
        assert_eq!(total_seconds_between(&a, &c), 0.0);
    }
}
