//! Python's `datetime.utcnow().isoformat()` and `str(datetime.utcnow())`:
//! naive UTC, microseconds, no zone suffix.

use std::time::{SystemTime, UNIX_EPOCH};

/// The broken-down UTC time of a number of microseconds since the epoch.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u64,
    minute: u64,
    second: u64,
    micros: u64,
}

fn civil(micros_since_epoch: u64) -> Civil {
    let secs = micros_since_epoch / 1_000_000;
    let micros = micros_since_epoch % 1_000_000;
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: rem / 3_600,
        minute: rem % 3_600 / 60,
        second: rem % 60,
        micros,
    }
}

fn format(micros_since_epoch: u64, separator: char) -> String {
    let c = civil(micros_since_epoch);
    let mut out = format!(
        "{:04}-{:02}-{:02}{separator}{:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    );
    // Python leaves the fraction out when it is zero.
    if c.micros != 0 {
        out.push_str(&format!(".{:06}", c.micros));
    }
    out
}

/// Microseconds since the epoch now.
pub(crate) fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// `datetime.utcnow().isoformat()` of the given instant: `2024-05-01T12:34:56.789012`.
pub fn isoformat(micros_since_epoch: u64) -> String {
    format(micros_since_epoch, 'T')
}

/// `str(datetime.utcnow())` of the given instant: `2024-05-01 12:34:56.789012`.
pub fn python_str(micros_since_epoch: u64) -> String {
    format(micros_since_epoch, ' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_python_does() {
        // 2024-02-29T23:59:59.000001 UTC
        let t = 1_709_251_199_000_001;
        assert_eq!(isoformat(t), "2024-02-29T23:59:59.000001");
        assert_eq!(python_str(t), "2024-02-29 23:59:59.000001");
        // Whole seconds have no fraction.
        assert_eq!(isoformat(1_709_251_200_000_000), "2024-03-01T00:00:00");
        assert_eq!(isoformat(0), "1970-01-01T00:00:00");
        assert_eq!(isoformat(951_782_400_123_000), "2000-02-29T00:00:00.123000");
    }
}
