//! Sample ids derived from the notification, so a redelivered notification
//! produces the same ids and storage can ignore the duplicate.

/// The namespace of Nephometer's sample ids (a fixed random UUID).
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x5d0c_2a3e_8f71_4b6e_9a2d_1c4e_7f60_b813);

/// A UUID (version 5) for the `index`-th sample named `name` made from the
/// notification `message_id`.
pub fn sample_id(message_id: &str, name: &str, index: usize) -> String {
    uuid::Uuid::new_v5(
        &NAMESPACE,
        format!("{message_id}\u{0}{name}\u{0}{index}").as_bytes(),
    )
    .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_stable_and_distinct() {
        let a = super::sample_id("m1", "cpu", 0);
        assert_eq!(a, super::sample_id("m1", "cpu", 0));
        assert_ne!(a, super::sample_id("m1", "cpu", 1));
        assert_ne!(a, super::sample_id("m2", "cpu", 0));
        assert_eq!(a.len(), 36);
    }
}
