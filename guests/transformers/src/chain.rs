//! [`Chain`]: a sink's transformer list, with `SampleSink` publish/flush semantics.

use serde_json::Value;

use crate::log::Log;
use crate::sample::Sample;
use crate::timestamp::{Micros, utcnow};
use crate::transformer::Transformer;

/// The transformers of one sink, applied in order.
#[derive(Debug, Clone, Default)]
pub struct Chain {
    transformers: Vec<Transformer>,
    log: Log,
}

impl Chain {
    /// A chain of already-built transformers.
    pub fn new(transformers: Vec<Transformer>) -> Chain {
        let mut chain = Chain {
            transformers,
            log: Log::new(),
        };
        for t in &mut chain.transformers {
            chain.log.extend(t.take_log());
        }
        chain
    }

    /// Builds a chain from a sink's `transformers:` list (`[{name, parameters}]`);
    /// `null` is an empty chain.
    pub fn from_config(config: &Value) -> Result<Chain, String> {
        let items = match config {
            Value::Null => return Ok(Chain::default()),
            Value::Array(items) => items,
            _ => return Err("transformers must be a list".to_string()),
        };
        let mut ts = Vec::with_capacity(items.len());
        for item in items {
            let name = item
                .get("name")
                .and_then(Value::as_str)
                .ok_or("transformer without a name")?;
            let params = item.get("parameters").unwrap_or(&Value::Null);
            ts.push(Transformer::from_config(name, params)?);
        }
        Ok(Chain::new(ts))
    }

    /// The transformers, in order.
    pub fn transformers(&self) -> &[Transformer] {
        &self.transformers
    }

    /// `publish_samples`: pushes each sample through every transformer; returns what
    /// reaches the publishers.
    pub fn publish(&mut self, samples: impl IntoIterator<Item = Sample>) -> Vec<Sample> {
        let mut out = Vec::new();
        for s in samples {
            if let Some(s) = self.transform(0, s) {
                out.push(s);
            }
        }
        out
    }

    fn transform(&mut self, start: usize, sample: Sample) -> Option<Sample> {
        let mut cur = sample;
        for t in self.transformers.iter_mut().skip(start) {
            cur = t.handle_sample_into(cur, &mut self.log)?;
        }
        Some(cur)
    }

    /// `flush()` with the system clock.
    pub fn flush(&mut self) -> Vec<Sample> {
        self.flush_at(utcnow())
    }

    /// `flush()`: flushes each transformer in order and pushes its output through the
    /// transformers after it; returns what reaches the publishers, in order.
    pub fn flush_at(&mut self, now: Option<Micros>) -> Vec<Sample> {
        let mut out = Vec::new();
        for i in 0..self.transformers.len() {
            let flushed = self.transformers[i].flush_into(now, &mut self.log);
            for s in flushed {
                if let Some(s) = self.transform(i + 1, s) {
                    out.push(s);
                }
            }
        }
        out
    }

    /// Takes the log records gathered so far.
    pub fn take_log(&mut self) -> Log {
        std::mem::take(&mut self.log)
    }
}
