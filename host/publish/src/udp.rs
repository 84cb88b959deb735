//! `udp://host[:port]` (default port 4952): one datagram per delivery. Send errors are logged.

use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};

use crate::{Delivery, DeliveryError, OpenError, PublisherUrl, Transport};

/// Ceilometer's `[collector] udp_port` default.
pub(crate) const DEFAULT_PORT: u16 = 4952;

/// Sends each delivery body as one datagram.
pub(crate) struct UdpTransport {
    url: PublisherUrl,
    host: String,
    port: u16,
}

impl UdpTransport {
    /// Checks the host; resolution happens per batch, so a name that does not resolve yet is
    /// logged, not fatal (as Ceilometer creates its socket anyway).
    pub(crate) fn open(url: &PublisherUrl) -> Result<Self, OpenError> {
        if url.host().is_empty() {
            return Err(OpenError::option(
                url,
                "host",
                "the UDP publisher needs a host",
            ));
        }
        let transport = Self {
            url: url.clone(),
            host: url.host().to_string(),
            port: url.port().unwrap_or(DEFAULT_PORT),
        };
        if let Err(error) = transport.resolve() {
            tracing::warn!(url = %url, %error, "cannot resolve the UDP publisher's host yet");
        }
        Ok(transport)
    }

    /// Ceilometer resolves with AF_INET6 first, then AF_INET.
    fn resolve(&self) -> std::io::Result<SocketAddr> {
        let addrs: Vec<SocketAddr> = (self.host.as_str(), self.port).to_socket_addrs()?.collect();
        addrs
            .iter()
            .find(|addr| addr.is_ipv6())
            .or_else(|| addrs.iter().find(|addr| addr.is_ipv4()))
            .copied()
            .ok_or_else(|| std::io::Error::other("the host resolves to no address"))
    }
}

impl Transport for UdpTransport {
    fn deliver(&self, deliveries: &[Delivery]) -> Result<(), DeliveryError> {
        if deliveries.is_empty() {
            return Ok(());
        }
        let target = match self.resolve() {
            Ok(target) => target,
            Err(error) => {
                tracing::warn!(url = %self.url, %error, count = deliveries.len(), "unable to send over UDP: cannot resolve the host");
                return Ok(());
            }
        };
        let bind: SocketAddr = if target.is_ipv6() {
            "[::]:0".parse().unwrap_or(target)
        } else {
            "0.0.0.0:0".parse().unwrap_or(target)
        };
        let socket = match UdpSocket::bind(bind) {
            Ok(socket) => socket,
            Err(error) => {
                tracing::warn!(url = %self.url, %error, "unable to send over UDP: cannot open a socket");
                return Ok(());
            }
        };
        for delivery in deliveries {
            if let Err(error) = socket.send_to(&delivery.body, target) {
                tracing::warn!(url = %self.url, %error, bytes = delivery.body.len(), "unable to send a datagram over UDP");
            }
        }
        Ok(())
    }
}
