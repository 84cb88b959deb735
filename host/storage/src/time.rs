//! Timestamps: ISO 8601 in, microseconds since the Unix epoch (UTC) stored,
//! Ceilometer's naive-UTC `isoformat()` out.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A UTC instant with microsecond precision, as stored (BIGINT microseconds
/// since 1970-01-01T00:00:00Z in both backends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Microseconds since the epoch.
    pub fn micros(self) -> i64 {
        self.0
    }

    /// The current time.
    pub fn now() -> Timestamp {
        let d = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
    }

    /// Parses ISO 8601 as Ceilometer accepts it (`oslo_utils.timeutils.parse_isotime`):
    /// `YYYY-MM-DD`, then optionally `T` or a space and `HH:MM[:SS[.ffffff]]`, then
    /// optionally `Z` or `±HH[:MM]`. A time without a zone is UTC. Digits past
    /// microseconds are truncated.
    pub fn parse(text: &str) -> Result<Timestamp, String> {
        let s = text.trim();
        let b = s.as_bytes();
        let bad = || format!("not an ISO 8601 timestamp: {text:?}");
        let num = |from: usize, len: usize| -> Result<i64, String> {
            let part = b.get(from..from + len).ok_or_else(bad)?;
            if !part.iter().all(u8::is_ascii_digit) {
                return Err(bad());
            }
            Ok(part.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
        };
        let year = num(0, 4)?;
        if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return Err(bad());
        }
        let month = num(5, 2)?;
        let day = num(8, 2)?;
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return Err(bad());
        }
        let (mut hour, mut minute, mut second, mut micro) = (0, 0, 0, 0);
        let mut i = 10;
        let mut offset_secs = 0i64;
        if i < b.len() && (b[i] == b'T' || b[i] == b't' || b[i] == b' ') {
            hour = num(i + 1, 2)?;
            if b.get(i + 3) != Some(&b':') {
                return Err(bad());
            }
            minute = num(i + 4, 2)?;
            i += 6;
            if b.get(i) == Some(&b':') {
                second = num(i + 1, 2)?;
                i += 3;
                if matches!(b.get(i), Some(b'.') | Some(b',')) {
                    i += 1;
                    let start = i;
                    while i < b.len() && b[i].is_ascii_digit() {
                        if i - start < 6 {
                            micro = micro * 10 + i64::from(b[i] - b'0');
                        }
                        i += 1;
                    }
                    let digits = i - start;
                    if digits == 0 {
                        return Err(bad());
                    }
                    for _ in digits..6 {
                        micro *= 10;
                    }
                }
            }
            if hour > 23 || minute > 59 || second > 60 {
                return Err(bad());
            }
            match b.get(i) {
                None => {}
                Some(b'Z') | Some(b'z') if i + 1 == b.len() => i += 1,
                Some(sign @ (b'+' | b'-')) => {
                    let sign = if *sign == b'-' { -1 } else { 1 };
                    let oh = num(i + 1, 2)?;
                    let om = match b.get(i + 3) {
                        None => 0,
                        Some(b':') => num(i + 4, 2)?,
                        Some(_) => num(i + 3, 2)?,
                    };
                    if oh > 23 || om > 59 {
                        return Err(bad());
                    }
                    offset_secs = sign * (oh * 3600 + om * 60);
                    i = b.len();
                }
                Some(_) => return Err(bad()),
            }
        }
        if i != b.len() {
            return Err(bad());
        }
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
        Ok(Timestamp(secs * 1_000_000 + micro))
    }

    /// Seconds from `self` to `later` (negative if `later` is earlier).
    pub fn seconds_until(self, later: Timestamp) -> f64 {
        (later.0 - self.0) as f64 / 1e6
    }
}

impl Timestamp {
    /// Appends Python's naive `isoformat()` (as [`fmt::Display`]) to `out`,
    /// without the formatting machinery: statistics answers write four per
    /// row, millions of rows.
    pub fn write_isoformat(self, out: &mut Vec<u8>) {
        match self.iso_digits() {
            Some((text, len)) => out.extend_from_slice(&text[..len]),
            None => {
                use std::io::Write as _;
                let _ = write!(out, "{self}");
            }
        }
    }

    /// The `isoformat()` text and its length, for years 0 to 9999 (those
    /// with four digits).
    fn iso_digits(self) -> Option<([u8; 26], usize)> {
        let secs = self.0.div_euclid(1_000_000);
        let micro = self.0.rem_euclid(1_000_000);
        let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
        if !(0..=9999).contains(&y) {
            return None;
        }
        let rem = secs.rem_euclid(86_400);
        let mut text = *b"0000-00-00T00:00:00.000000";
        let mut put = |at: usize, width: usize, mut v: i64| {
            for i in (at..at + width).rev() {
                text[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, 4, y);
        put(5, 2, m);
        put(8, 2, d);
        put(11, 2, rem / 3600);
        put(14, 2, rem % 3600 / 60);
        put(17, 2, rem % 60);
        if micro == 0 {
            return Some((text, 19));
        }
        put(20, 6, micro);
        Some((text, 26))
    }
}

impl fmt::Display for Timestamp {
    /// Python's naive `isoformat()`: `YYYY-MM-DDTHH:MM:SS[.ffffff]`, UTC, no zone.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.iso_digits() {
            // ASCII digits and separators only.
            Some((text, len)) => {
                f.write_str(std::str::from_utf8(&text[..len]).map_err(|_| fmt::Error)?)
            }
            None => self.write_formatted(f),
        }
    }
}

impl Timestamp {
    /// `isoformat()` through the formatting machinery, for any year.
    fn write_formatted(self, f: &mut impl fmt::Write) -> fmt::Result {
        let secs = self.0.div_euclid(1_000_000);
        let micro = self.0.rem_euclid(1_000_000);
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )?;
        if micro != 0 {
            write!(f, ".{micro:06}")?;
        }
        Ok(())
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn parses_and_formats() {
        let t = Timestamp::parse("2015-04-23T12:00:00.123456").unwrap();
        assert_eq!(t.0, 1_429_790_400_123_456);
        assert_eq!(t.to_string(), "2015-04-23T12:00:00.123456");
        let z = Timestamp::parse("2015-04-23T14:00:00+02:00").unwrap();
        assert_eq!(z.to_string(), "2015-04-23T12:00:00");
        assert_eq!(
            Timestamp::parse("2015-04-23 12:00:00Z").unwrap().0 % 1_000_000,
            0
        );
        assert_eq!(
            Timestamp::parse("1969-12-31T23:59:59.5").unwrap().0,
            -500_000
        );
        assert_eq!(
            Timestamp(-500_000).to_string(),
            "1969-12-31T23:59:59.500000"
        );
        assert_eq!(
            Timestamp::parse("2016-02-29").unwrap().to_string(),
            "2016-02-29T00:00:00"
        );
    }

    #[test]
    fn the_fast_isoformat_is_the_formatted_one() {
        // Around the epoch, leap days, the ends of the four-digit years,
        // whole seconds and not, and years outside them (formatted).
        let day = 86_400_000_000i64;
        let mut times = vec![0, -1, 1, -500_000, 999_999, i64::MIN / 2, i64::MAX / 2];
        for base in [
            "0000-01-01T00:00:00",
            "0001-03-01T00:00:00",
            "1969-12-31T23:59:59",
            "2016-02-29T12:34:56",
            "2100-03-01T00:00:00",
            "9999-12-31T23:59:59",
        ] {
            let t = Timestamp::parse(base).map_or_else(|_| 0, |t| t.0);
            for delta in [0, 1, 999_999, 1_000_000, day - 1, -1, -day] {
                times.push(t.saturating_add(delta));
            }
        }
        let mut out = Vec::new();
        let mut fast = 0;
        for t in times {
            let mut formatted = String::new();
            Timestamp(t).write_formatted(&mut formatted).unwrap();
            out.clear();
            Timestamp(t).write_isoformat(&mut out);
            assert_eq!(String::from_utf8(out.clone()).unwrap(), formatted, "{t}");
            assert_eq!(Timestamp(t).to_string(), formatted, "{t}");
            fast += usize::from(Timestamp(t).iso_digits().is_some());
        }
        assert!(fast > 40, "{fast} written without the formatter");
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00");
        assert_eq!(Timestamp(-1).to_string(), "1969-12-31T23:59:59.999999");
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "2015-02-29T00:00:00",
            "2015-04-23T25:00:00",
            "2015-04-23T12:00:00junk",
            "'; DROP TABLE samples; --",
            "2014-05-1510: 24: 56.335612",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }
}
