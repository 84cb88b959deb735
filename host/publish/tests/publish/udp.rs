//! `udp://` against bound sockets.

use std::net::UdpSocket;
use std::time::Duration;

use nepho_publish::{Delivery, PublisherUrl, open};

fn receive(socket: &UdpSocket) -> Vec<u8> {
    let mut buffer = [0u8; 65536];
    let (len, _) = socket.recv_from(&mut buffer).expect("datagram");
    buffer[..len].to_vec()
}

#[test]
fn one_datagram_per_delivery() {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let port = socket.local_addr().expect("addr").port();
    let url = PublisherUrl::parse(&format!("udp://127.0.0.1:{port}")).expect("parse");
    let transport = open(&url).expect("open");
    transport
        .deliver(&[
            Delivery::new("application/msgpack", vec![0x81, 0xa1, b'a', 0x01]),
            Delivery::new("application/msgpack", vec![0xc0]),
        ])
        .expect("deliver");
    assert_eq!(receive(&socket), [0x81, 0xa1, b'a', 0x01]);
    assert_eq!(receive(&socket), [0xc0]);
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let mut buffer = [0u8; 16];
    assert!(
        socket.recv_from(&mut buffer).is_err(),
        "exactly two datagrams"
    );
}

#[test]
fn ipv6_literal_hosts() {
    let Ok(socket) = UdpSocket::bind("[::1]:0") else {
        eprintln!("no IPv6 loopback here; skipping");
        return;
    };
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let port = socket.local_addr().expect("addr").port();
    let url = PublisherUrl::parse(&format!("udp://[::1]:{port}")).expect("parse");
    open(&url)
        .expect("open")
        .deliver(&[Delivery::new("application/msgpack", b"v6".to_vec())])
        .expect("deliver");
    assert_eq!(receive(&socket), b"v6");
}

#[test]
fn an_unresolvable_host_is_logged_not_raised() {
    let url = PublisherUrl::parse("udp://no-such-host.invalid:4952").expect("parse");
    let transport = open(&url).expect("open");
    transport
        .deliver(&[Delivery::new("application/msgpack", b"x".to_vec())])
        .expect("logged, not raised");
}
