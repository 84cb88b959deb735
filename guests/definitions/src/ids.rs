//! Sample ids derived from the notification, so a redelivered notification
//! produces the same ids and storage can ignore the duplicate, and ordered
//! by sample time, so the storage's unique index takes new ids near its
//! end instead of all over it.

use crate::timeutil::parse_isotime;

/// 1970-01-01 in `timeutil`'s microseconds since 0001-01-01 (719,162 days).
const UNIX_EPOCH_MICROS: i64 = 719_162 * 86_400 * 1_000_000;

/// The namespace of Nephometer's sample ids (a fixed random UUID).
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x5d0c_2a3e_8f71_4b6e_9a2d_1c4e_7f60_b813);

/// The id of the `index`-th sample named `name` made from the notification
/// `message_id`, whose time is `timestamp`: a UUID of version 8 (RFC 9562's
/// custom layout) whose first 48 bits are the sample time in milliseconds
/// since the epoch (as in version 7; 0 when the time does not parse or is
/// before 1970) and whose other 74 free bits are those of the version 5
/// UUID of the message id, name and index.
pub fn sample_id(message_id: &str, name: &str, index: usize, timestamp: &str) -> String {
    let digest = uuid::Uuid::new_v5(
        &NAMESPACE,
        format!("{message_id}\u{0}{name}\u{0}{index}").as_bytes(),
    );
    let millis = parse_isotime(timestamp)
        .map(|t| (t.utc_micros() - UNIX_EPOCH_MICROS).div_euclid(1000))
        .unwrap_or(0)
        .clamp(0, (1 << 48) - 1);
    let mut bytes = digest.into_bytes();
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    uuid::Uuid::new_v8(bytes).to_string()
}

#[cfg(test)]
mod tests {
    use super::sample_id;

    const T: &str = "2012-05-08T20:23:48.028195";

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = sample_id("m1", "cpu", 0, T);
        assert_eq!(a, sample_id("m1", "cpu", 0, T));
        assert_ne!(a, sample_id("m1", "cpu", 1, T));
        assert_ne!(a, sample_id("m2", "cpu", 0, T));
        assert_ne!(a, sample_id("m1", "disk", 0, T));
        assert_eq!(a.len(), 36);
        let parsed = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(parsed.get_version_num(), 8);
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
    }

    #[test]
    fn ids_begin_with_the_sample_time_and_sort_by_it() {
        // 2012-05-08T20:23:48.028Z is 1,336,508,628,028 ms since the epoch.
        let a = sample_id("m1", "cpu", 0, T);
        assert_eq!(&a.replace('-', "")[..12], "01372e1f3c3c", "{a}");
        let later = sample_id("m0", "cpu", 0, "2012-05-08T20:23:48.029");
        let much_later = sample_id("m0", "cpu", 0, "2026-12-03 16:00:00");
        assert!(a < later && later < much_later, "{a} {later} {much_later}");
        // A time that does not parse gives 0 there, still distinct ids.
        let none = sample_id("m1", "cpu", 0, "not a time");
        assert!(none.starts_with("00000000-0000-8"), "{none}");
        assert_ne!(none, sample_id("m1", "cpu", 1, "not a time"));
    }
}
