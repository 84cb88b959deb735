//! ISO-8601 parsing as `oslo_utils.timeutils.parse_isotime` (the `iso8601` package) does it.
//!
//! A parsed timestamp is the number of microseconds since 1970-01-01T00:00:00 UTC; strings
//! without an offset are UTC (`default_timezone=UTC`). Accepted: `YYYY`, `YYYY-M[M]`,
//! `YYYYMM` (not at the end), `-D[D]` or `DD`, then `T` or a space, `HH`, optional `[:]MM`,
//! optional `[:]S[S]` with optional `.` or `,` fraction, then `Z`, `±HH[[:]MM]`.

/// Microseconds since the Unix epoch, UTC.
pub type Micros = i64;

/// Parses an ISO-8601 timestamp; `Err` carries Ceilometer's message.
pub fn parse_isotime(s: &str) -> Result<Micros, String> {
    parse(s.as_bytes()).ok_or_else(|| format!("Unable to parse date string '{s}'"))
}

/// The current time (Python `utcnow()`), or `None` when the platform has no clock.
pub fn utcnow() -> Option<Micros> {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    i64::try_from(d.as_micros()).ok()
}

/// `timeutils.delta_seconds(before, after)`: `(after - before).total_seconds()`.
pub fn delta_seconds(before: Micros, after: Micros) -> f64 {
    (after.saturating_sub(before)) as f64 / 1e6
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, min: usize, max: usize) -> Option<i64> {
        let start = self.i;
        let mut v: i64 = 0;
        while self.i < self.b.len() && self.i - start < max && self.b[self.i].is_ascii_digit() {
            v = v * 10 + i64::from(self.b[self.i] - b'0');
            self.i += 1;
        }
        if self.i - start < min {
            self.i = start;
            return None;
        }
        Some(v)
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn at_end(&self) -> bool {
        self.i >= self.b.len()
    }
}

fn parse(b: &[u8]) -> Option<Micros> {
    let mut c = Cursor { b, i: 0 };
    let year = c.digits(4, 4)?;
    let (mut month, mut day) = (1, 1);
    let (mut hour, mut minute, mut second, mut micros, mut offset_min) = (0, 0, 0, 0i64, 0i64);
    if !c.at_end() {
        month = if c.eat(b'-') {
            c.digits(1, 2)?
        } else {
            let m = c.digits(2, 2)?;
            if c.at_end() {
                return None; // YYYYMM is not allowed
            }
            m
        };
        if !c.at_end() {
            day = if c.eat(b'-') {
                c.digits(1, 2)?
            } else {
                c.digits(2, 2)?
            };
            if !c.at_end() {
                if !(c.eat(b'T') || c.eat(b' ')) {
                    return None;
                }
                hour = c.digits(2, 2)?;
                let save = c.i;
                c.eat(b':');
                match c.digits(2, 2) {
                    Some(m) => minute = m,
                    None => c.i = save,
                }
                let save = c.i;
                c.eat(b':');
                match c.digits(1, 2) {
                    Some(s) => {
                        second = s;
                        if matches!(c.peek(), Some(b'.') | Some(b',')) {
                            let fs = c.i + 1;
                            c.i += 1;
                            while c.peek().is_some_and(|d| d.is_ascii_digit()) {
                                c.i += 1;
                            }
                            if c.i == fs {
                                return None;
                            }
                            // iso8601 computes int(Decimal("0." + digits) * 10**6):
                            // exact, the seventh digit on truncated.
                            micros = b[fs..c.i]
                                .iter()
                                .chain(std::iter::repeat(&b'0'))
                                .take(6)
                                .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
                        }
                    }
                    None => c.i = save,
                }
                if c.eat(b'Z') {
                } else if let Some(sign @ (b'+' | b'-')) = c.peek() {
                    c.i += 1;
                    let h = c.digits(2, 2)?;
                    c.eat(b':');
                    let m = c.digits(2, 2).unwrap_or(0);
                    offset_min = h * 60 + m;
                    if sign == b'-' {
                        offset_min = -offset_min;
                    }
                }
            }
        }
    }
    if !c.at_end() {
        return None;
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 || offset_min.abs() >= 24 * 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60;
    Some(secs * 1_000_000 + micros)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        let base = parse_isotime("2018-01-01T12:00:00").unwrap();
        assert_eq!(parse_isotime("2018-01-01T12:00:00Z").unwrap(), base);
        assert_eq!(parse_isotime("2018-01-01T13:00:00+01:00").unwrap(), base);
        assert_eq!(
            parse_isotime("2018-01-01 12:00:00.5").unwrap(),
            base + 500_000
        );
        assert_eq!(parse_isotime("2018-01-01T12:00").unwrap(), base);
        assert_eq!(parse_isotime("1970-01-01").unwrap(), 0);
        assert!(parse_isotime("2018-02-30T00:00:00").is_err());
        assert!(parse_isotime("garbage").is_err());
        assert!(parse_isotime("").is_err());
        assert_eq!(delta_seconds(base, base + 60_000_000), 60.0);
    }

    #[test]
    fn fractions_are_exact_microseconds_as_iso8601_computes_them() {
        let base = parse_isotime("2024-06-01T12:20:00").unwrap();
        // 0.260827 * 1e6 is 260826.99999999997 in floating point.
        assert_eq!(
            parse_isotime("2024-06-01T12:20:00.260827").unwrap(),
            base + 260_827
        );
        assert_eq!(
            parse_isotime("2024-06-01T12:20:00.1234569").unwrap(),
            base + 123_456
        );
        assert_eq!(
            parse_isotime("2024-06-01T12:20:00.05").unwrap(),
            base + 50_000
        );
    }
}
