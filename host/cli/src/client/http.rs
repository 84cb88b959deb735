//! Requests to the v2 API and its error replies.

use std::time::Duration;

use anyhow::{Context, anyhow};
use serde_json::Value;

use super::ClientArgs;

/// Most bytes of a reply read.
const MAX_REPLY_BYTES: u64 = 256 << 20;

/// A connection to the API for one command.
pub(crate) struct Api {
    agent: ureq::Agent,
    base: String,
    token: Option<String>,
}

impl Api {
    pub(crate) fn new(args: &ClientArgs) -> Api {
        let timeout = Some(Duration::from_secs(args.timeout.max(1)));
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(timeout)
            .build();
        Api {
            agent: ureq::Agent::new_with_config(config),
            base: args.os_endpoint.trim_end_matches('/').to_owned(),
            token: args.os_token.clone(),
        }
    }

    /// `GET path?params`, the reply's JSON.
    pub(crate) fn get(&self, path: &str, params: &[(String, String)]) -> anyhow::Result<Value> {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        for (k, v) in params {
            request = request.query(k, v);
        }
        if let Some(token) = &self.token {
            request = request.header("X-Auth-Token", token);
        }
        let response = request
            .call()
            .with_context(|| format!("GET {}{path}", self.base))?;
        reply(response)
    }

    /// `POST path?params` with a JSON body, the reply's JSON.
    pub(crate) fn post(
        &self,
        path: &str,
        params: &[(String, String)],
        body: &Value,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/json");
        for (k, v) in params {
            request = request.query(k, v);
        }
        if let Some(token) = &self.token {
            request = request.header("X-Auth-Token", token);
        }
        let response = request
            .send(body.to_string().as_bytes())
            .with_context(|| format!("POST {}{path}", self.base))?;
        reply(response)
    }
}

fn reply(mut response: ureq::http::Response<ureq::Body>) -> anyhow::Result<Value> {
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(MAX_REPLY_BYTES)
        .read_to_string()
        .context("reading the reply")?;
    if !(200..300).contains(&status) {
        return Err(anyhow!("HTTP {status}: {}", fault(&text)));
    }
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text).with_context(|| format!("the reply is not JSON: {text:.200}"))
}

/// The message of an error reply: WSME's `error_message.faultstring`, else the body.
fn fault(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let message = parsed.as_ref().and_then(|v| {
        let error = v.get("error_message")?;
        match error {
            Value::String(s) => serde_json::from_str::<Value>(s)
                .ok()
                .and_then(|inner| {
                    inner
                        .get("faultstring")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .or_else(|| Some(s.clone())),
            other => other
                .get("faultstring")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    });
    message.unwrap_or_else(|| body.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::fault;

    #[test]
    fn wsme_faults_are_read_in_both_shapes() {
        assert_eq!(
            fault(
                r#"{"error_message": {"faultstring": "Limit must be positive", "faultcode": "Client"}}"#
            ),
            "Limit must be positive"
        );
        assert_eq!(
            fault(r#"{"error_message": "{\"faultstring\": \"Not Authorized\"}"}"#),
            "Not Authorized"
        );
        assert_eq!(fault("plain text\n"), "plain text");
    }
}
