//! `udp://host:port`: one `application/msgpack` delivery per sample, the
//! MessagePack of the signed meter message (as Ceilometer's
//! `UDPPublisher`: `msgpack.dumps(meter_message_from_counter(sample,
//! telemetry_secret), use_bin_type=True)`). Events are not supported
//! (Ceilometer raises `NotImplementedError`): such batches are rejected.

use crate::encoder::{Encoder, Settings};
use crate::model::finite_samples;
use crate::url::PublisherUrl;
use crate::{Delivery, Event, Output, PublishError, Sample, msgpack};

/// The content type of a UDP delivery.
pub const CONTENT_TYPE: &str = "application/msgpack";

/// Ceilometer's default UDP port.
pub const DEFAULT_PORT: u16 = 4952;

/// The UDP publisher's encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpEncoder {
    secret: String,
}

impl Encoder for UdpEncoder {
    fn from_settings(settings: &Settings) -> Result<Self, String> {
        let url = PublisherUrl::parse(&settings.url);
        url.expect_scheme(&["udp"])?;
        if url.hostname().is_none() {
            return Err("udp publisher: a host is required (udp://host:port)".into());
        }
        url.port()
            .map_err(|e| format!("udp publisher: port: {e}"))?;
        Ok(UdpEncoder {
            secret: settings.telemetry_secret.clone(),
        })
    }

    fn samples(&mut self, samples: &[Sample], _now: u64) -> Result<Output, PublishError> {
        let mut output = Output::default();
        for sample in finite_samples(samples, &mut output.warnings) {
            let body = msgpack::dumps(&sample.meter_message(&self.secret));
            output.deliveries.push(Delivery::new(CONTENT_TYPE, body));
        }
        Ok(output)
    }

    fn events(&mut self, events: &[Event], _now: u64) -> Result<Output, PublishError> {
        if events.is_empty() {
            return Ok(Output::default());
        }
        Err(PublishError::Reject(
            "the udp publisher does not publish events".into(),
        ))
    }
}

#[cfg(test)]
mod tests;
