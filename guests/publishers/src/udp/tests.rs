use super::*;
use crate::fixtures::{event, sample_a, sample_b};

fn encoder(url: &str, secret: &str) -> UdpEncoder {
    let mut settings = Settings::for_url(url);
    settings.telemetry_secret = secret.into();
    UdpEncoder::from_settings(&settings).unwrap()
}

#[test]
fn one_signed_msgpack_datagram_per_sample() {
    let out = encoder("udp://collector:4952", "secret")
        .samples(&[sample_a(), sample_b()], 0)
        .unwrap();
    assert_eq!(out.deliveries.len(), 2);
    let d = &out.deliveries[0];
    assert_eq!(d.content_type, "application/msgpack");
    assert!(d.headers.is_empty());
    let message = sample_a().meter_message("secret");
    assert!(nepho_signing::verify_signature(&message, "secret"));
    assert_eq!(d.body, msgpack::dumps(&message));
    // A map of 15 entries: fixmap header, then "source" as a fixstr.
    assert_eq!(
        &d.body[..8],
        &[0x8f, 0xa6, b's', b'o', b'u', b'r', b'c', b'e']
    );
    // The signature is the last entry: a 64-hex-digit str8.
    let tail = &d.body[d.body.len() - 66..];
    assert_eq!(&tail[..2], &[0xd9, 64]);
    let signature = std::str::from_utf8(&tail[2..]).unwrap();
    assert_eq!(
        signature,
        nepho_signing::compute_signature(&message, "secret")
    );
}

#[test]
fn the_volume_is_a_float64() {
    let out = encoder("udp://h", "").samples(&[sample_a()], 0).unwrap();
    let body = &out.deliveries[0].body;
    let needle = [
        &[0xae][..],
        b"counter_volume",
        &[0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0],
    ]
    .concat();
    assert!(body.windows(needle.len()).any(|w| w == needle.as_slice()));
    // Empty secret: empty signature, a fixstr of length 0 at the very end.
    assert_eq!(body.last(), Some(&0xa0));
}

#[test]
fn events_are_rejected_and_hosts_required() {
    assert!(matches!(
        encoder("udp://h", "s").events(&[event()], 0),
        Err(PublishError::Reject(_))
    ));
    assert!(UdpEncoder::from_settings(&Settings::for_url("udp://")).is_err());
    assert!(UdpEncoder::from_settings(&Settings::for_url("udp://h:x")).is_err());
}
