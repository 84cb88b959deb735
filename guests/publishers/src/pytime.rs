//! Python's `repr()` and `str()` of the naive UTC `datetime` Ceilometer
//! holds for an event's `generated` and its datetime traits.

use nepho_definitions::timeutil::{NaiveDateTime, parse_isotime};

/// The naive UTC datetime of an ISO 8601 text (`normalize_time(parse_isotime())`).
fn parse(text: &str) -> Option<NaiveDateTime> {
    parse_isotime(text).ok()?.normalize().ok()
}

/// `repr(datetime)`: `datetime.datetime(2015, 4, 23, 12, 0, 0, 123456)`,
/// dropping the microseconds when zero and then the seconds when zero.
/// Text that is not a datetime is rendered as a Python string.
pub fn datetime_repr(text: &str) -> String {
    let Some(dt) = parse(text) else {
        return nepho_definitions::events::python::repr_str(text);
    };
    let mut fields = vec![
        dt.year as i64,
        dt.month.into(),
        dt.day.into(),
        dt.hour.into(),
        dt.minute.into(),
    ];
    if dt.second != 0 || dt.microsecond != 0 {
        fields.push(dt.second.into());
    }
    if dt.microsecond != 0 {
        fields.push(dt.microsecond.into());
    }
    let fields: Vec<String> = fields.iter().map(i64::to_string).collect();
    format!("datetime.datetime({})", fields.join(", "))
}

/// `str(datetime)`: `2015-04-23 12:00:00.123456` (microseconds omitted when
/// zero). Text that is not a datetime is returned unchanged.
pub fn datetime_str(text: &str) -> String {
    match parse(text) {
        Some(dt) => dt.isoformat().replacen('T', " ", 1),
        None => text.to_owned(),
    }
}

/// `str(utcnow())` for `nanos` since the Unix epoch.
pub fn utc_str_from_unix_nanos(nanos: u64) -> String {
    const MICROS_TO_1970: i64 = 62_135_596_800 * 1_000_000;
    let micros = (nanos / 1_000) as i64 + MICROS_TO_1970;
    match NaiveDateTime::from_micros(micros) {
        Ok(dt) => dt.isoformat().replacen('T', " ", 1),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_drops_zero_trailing_fields_like_python() {
        assert_eq!(
            datetime_repr("2015-04-23T12:00:00.123456"),
            "datetime.datetime(2015, 4, 23, 12, 0, 0, 123456)"
        );
        assert_eq!(
            datetime_repr("2015-04-23T12:00:05"),
            "datetime.datetime(2015, 4, 23, 12, 0, 5)"
        );
        assert_eq!(
            datetime_repr("2015-04-23T12:00:00"),
            "datetime.datetime(2015, 4, 23, 12, 0)"
        );
        assert_eq!(
            datetime_repr("2015-04-23T14:30:00+02:00"),
            "datetime.datetime(2015, 4, 23, 12, 30)"
        );
        assert_eq!(datetime_repr("not a date"), "'not a date'");
    }

    #[test]
    fn str_uses_a_space() {
        assert_eq!(
            datetime_str("2015-04-23T12:00:00.123456"),
            "2015-04-23 12:00:00.123456"
        );
        assert_eq!(datetime_str("2015-04-23T12:00:00"), "2015-04-23 12:00:00");
        assert_eq!(datetime_str("garbage"), "garbage");
        // 2026-11-23T12:00:00.5Z
        assert_eq!(
            utc_str_from_unix_nanos(1_795_435_200_500_000_000),
            "2026-11-23 12:00:00.500000"
        );
    }
}
