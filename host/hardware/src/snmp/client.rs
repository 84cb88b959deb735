//! One SNMP session with an agent: GET and GETBULK with a timeout on every
//! request, retries, SNMPv3 discovery and time synchronisation.

use std::fmt;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use snmp2::{Error as WireError, SyncSession, v3};

use super::oid::ObjectId;
use super::url::{AuthProtocol, PrivProtocol, Security, SnmpTarget};
use super::value::SnmpValue;

/// Timeouts and sizes of SNMP requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientSettings {
    /// How long to wait for each answer.
    pub timeout: Duration,
    /// How many times to resend a request that got no answer.
    pub retries: u32,
    /// GETBULK `max-repetitions` of a walk of one column (shared between
    /// columns walked together).
    pub max_repetitions: u32,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            timeout: Duration::from_secs(1),
            retries: 2,
            max_repetitions: 100,
        }
    }
}

/// Why a request to an agent failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnmpError {
    /// No answer within the timeout, after every retry.
    NoAnswer(String),
    /// The agent answered but refused our credentials (SNMPv3).
    Authentication(String),
    /// The agent answered with an error status, or something undecodable.
    Protocol(String),
    /// The address could not be resolved or a socket opened.
    Address(String),
}

impl fmt::Display for SnmpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnmpError::NoAnswer(m)
            | SnmpError::Authentication(m)
            | SnmpError::Protocol(m)
            | SnmpError::Address(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for SnmpError {}

/// A varbind list as the agent answered it.
type Varbinds = Vec<(ObjectId, SnmpValue)>;

/// The SNMP error-status names (RFC 3416).
fn error_status_name(status: u32) -> &'static str {
    match status {
        1 => "tooBig",
        2 => "noSuchName",
        3 => "badValue",
        4 => "readOnly",
        5 => "genErr",
        6 => "noAccess",
        7 => "wrongType",
        8 => "wrongLength",
        9 => "wrongEncoding",
        10 => "wrongValue",
        11 => "noCreation",
        12 => "inconsistentValue",
        13 => "resourceUnavailable",
        14 => "commitFailed",
        15 => "undoFailed",
        16 => "authorizationError",
        17 => "notWritable",
        18 => "inconsistentName",
        _ => "unknown error status",
    }
}

/// The agent's answer to one request.
#[derive(Debug)]
pub struct Answer {
    /// The PDU's error-status (0: none).
    pub error_status: u32,
    /// The PDU's error-index (1-based varbind, 0: none).
    pub error_index: u32,
    /// The varbinds.
    pub varbinds: Varbinds,
}

impl Answer {
    /// Ceilometer's `parse_snmp_return` message for an error status.
    pub fn error_message(&self, asked: &[ObjectId]) -> Option<String> {
        if self.error_status == 0 {
            return None;
        }
        let at = usize::try_from(self.error_index)
            .ok()
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| asked.get(i))
            .map_or_else(|| "?".to_owned(), ToString::to_string);
        Some(format!("{} at {at}", error_status_name(self.error_status)))
    }
}

enum Request<'a> {
    Get(&'a [snmp2::Oid<'static>]),
    Bulk(&'a [snmp2::Oid<'static>], u32),
}

/// A session with one agent.
pub struct SnmpClient {
    session: Box<SyncSession>,
    settings: ClientSettings,
    /// `host:port` and version, for messages.
    peer: String,
    /// Whether the credentials are SNMPv3's.
    v3: bool,
}

impl SnmpClient {
    /// Opens a session (and, for SNMPv3, discovers the agent's engine and
    /// synchronises its clock, with the same timeout and retries).
    pub fn connect(target: &SnmpTarget, settings: ClientSettings) -> Result<SnmpClient, SnmpError> {
        let address = target.socket_address();
        let resolved = resolve(&address, settings.timeout * (settings.retries + 1))?;
        let timeout = Some(settings.timeout.max(Duration::from_millis(1)));
        let start_id = i32::try_from(std::process::id() & 0x3fff_ffff).unwrap_or(1);
        let (session, peer, v3) = match &target.security {
            Security::Community(community) => (
                SyncSession::new_v2c(resolved, community.as_bytes(), timeout, start_id),
                format!("{address} (SNMPv2c)"),
                false,
            ),
            Security::Usm(user) => {
                let security = usm_security(user);
                (
                    SyncSession::new_v3(resolved, timeout, start_id, security),
                    format!("{address} (SNMPv3 user {})", user.user),
                    true,
                )
            }
        };
        let session = session.map_err(|e| SnmpError::Address(format!("{address}: {e}")))?;
        let mut client = SnmpClient {
            session: Box::new(session),
            settings,
            peer,
            v3,
        };
        if v3 {
            client.init()?;
        }
        Ok(client)
    }

    /// SNMPv3 engine discovery, retried like a request.
    fn init(&mut self) -> Result<(), SnmpError> {
        let mut attempt = 0;
        loop {
            match self.session.init() {
                Ok(()) => return Ok(()),
                Err(e) if is_lost(&e) && attempt < self.settings.retries => attempt += 1,
                Err(e) => return Err(self.classify(&e, attempt + 1)),
            }
        }
    }

    /// GET of `oids` in one request.
    pub fn get(&mut self, oids: &[ObjectId]) -> Result<Answer, SnmpError> {
        let wire = to_wire(oids)?;
        self.request(&Request::Get(&wire))
    }

    /// GETBULK (non-repeaters 0) of `oids` with `max_repetitions`.
    pub fn get_bulk(
        &mut self,
        oids: &[ObjectId],
        max_repetitions: u32,
    ) -> Result<Answer, SnmpError> {
        let wire = to_wire(oids)?;
        self.request(&Request::Bulk(&wire, max_repetitions.max(1)))
    }

    /// The walk's repetitions per request for `columns` columns walked together.
    pub fn repetitions_for(&self, columns: usize) -> u32 {
        let columns = u32::try_from(columns.max(1)).unwrap_or(u32::MAX);
        (self.settings.max_repetitions / columns).max(1)
    }

    fn request(&mut self, request: &Request<'_>) -> Result<Answer, SnmpError> {
        let mut lost = 0;
        let mut resynced = 0;
        loop {
            match send(&mut self.session, request) {
                Ok(answer) => return Ok(answer),
                // SNMPv3: the agent told us its engine time; ask again.
                Err(WireError::AuthUpdated) if resynced < 3 => resynced += 1,
                Err(WireError::AuthFailure(
                    v3::AuthErrorKind::EngineTimeMismatch | v3::AuthErrorKind::EngineBootsMismatch,
                )) if self.v3 && resynced < 3 => {
                    resynced += 1;
                    self.init()?;
                }
                Err(e) if is_lost(&e) && lost < self.settings.retries => lost += 1,
                Err(e) => return Err(self.classify(&e, lost + 1)),
            }
        }
    }

    fn classify(&self, error: &WireError, attempts: u32) -> SnmpError {
        let timeout = self.settings.timeout;
        match error {
            WireError::Receive | WireError::Send | WireError::RequestIdMismatch => {
                let hint = if self.v3 {
                    "agent down, wrong port, or wrong privacy password or protocol"
                } else {
                    "agent down, wrong port, or wrong community"
                };
                SnmpError::NoAnswer(format!(
                    "no answer from {} within {timeout:?} ({attempts} attempt{}): {hint}",
                    self.peer,
                    if attempts == 1 { "" } else { "s" }
                ))
            }
            WireError::AuthFailure(kind) => SnmpError::Authentication(format!(
                "{} refused the credentials: {kind} (wrong password, protocol or user?)",
                self.peer
            )),
            WireError::CommunityMismatch => {
                SnmpError::Authentication(format!("{} answered with another community", self.peer))
            }
            other => SnmpError::Protocol(format!("{}: {other}", self.peer)),
        }
    }
}

/// Names whose resolution is still running (at most one thread per name,
/// however long the resolver hangs).
static RESOLVING: std::sync::Mutex<std::collections::BTreeSet<String>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// Resolves `address` (`host:port`), giving up after `limit`: the system
/// resolver has no deadline of its own, so it runs on a thread of its own
/// (left to finish on its own if it hangs; while it does, later cycles fail
/// at once for that name instead of starting another thread).
fn resolve(address: &str, limit: Duration) -> Result<SocketAddr, SnmpError> {
    if let Ok(ip) = address.parse::<SocketAddr>() {
        return Ok(ip);
    }
    let pending = || RESOLVING.lock().unwrap_or_else(|p| p.into_inner());
    if !pending().insert(address.to_owned()) {
        return Err(SnmpError::Address(format!(
            "cannot resolve {address}: the resolver has not answered an earlier request yet"
        )));
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let owned = address.to_owned();
    let spawned = std::thread::Builder::new()
        .name("nepho-snmp-resolve".to_owned())
        .spawn(move || {
            let answer = owned.to_socket_addrs().map(|mut a| a.next());
            RESOLVING
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&owned);
            let _ = tx.send(answer);
        });
    if let Err(e) = spawned {
        pending().remove(address);
        return Err(SnmpError::Address(format!(
            "cannot resolve {address}: no thread for the resolver: {e}"
        )));
    }
    match rx.recv_timeout(limit.max(Duration::from_millis(100))) {
        Ok(Ok(Some(addr))) => Ok(addr),
        Ok(Ok(None)) => Err(SnmpError::Address(format!(
            "{address} resolves to no address"
        ))),
        Ok(Err(e)) => Err(SnmpError::Address(format!("cannot resolve {address}: {e}"))),
        Err(_) => Err(SnmpError::Address(format!(
            "cannot resolve {address}: no answer from the resolver within {limit:?}"
        ))),
    }
}

/// Errors after which resending may help.
fn is_lost(error: &WireError) -> bool {
    matches!(
        error,
        WireError::Receive | WireError::Send | WireError::RequestIdMismatch
    )
}

fn to_wire(oids: &[ObjectId]) -> Result<Vec<snmp2::Oid<'static>>, SnmpError> {
    oids.iter()
        .map(|o| o.to_snmp().map_err(SnmpError::Protocol))
        .collect()
}

fn send(session: &mut SyncSession, request: &Request<'_>) -> Result<Answer, WireError> {
    let pdu = match request {
        Request::Get(oids) => {
            let refs: Vec<&snmp2::Oid<'_>> = oids.iter().collect();
            session.get_many(&refs)?
        }
        Request::Bulk(oids, reps) => {
            let refs: Vec<&snmp2::Oid<'_>> = oids.iter().collect();
            session.getbulk(&refs, 0, *reps)?
        }
    };
    let mut varbinds = Vec::new();
    for (name, value) in pdu.varbinds.clone() {
        let (Some(oid), Some(value)) = (ObjectId::from_snmp(&name), SnmpValue::from_snmp(&value))
        else {
            return Err(WireError::AsnUnsupportedType);
        };
        varbinds.push((oid, value));
    }
    Ok(Answer {
        error_status: pdu.error_status,
        error_index: pdu.error_index,
        varbinds,
    })
}

fn usm_security(user: &super::url::UsmUser) -> v3::Security {
    let password = user.auth.as_ref().map_or(&[][..], |(_, p)| p.as_bytes());
    let mut security = v3::Security::new(user.user.as_bytes(), password);
    security = match &user.auth {
        None => security.with_auth(v3::Auth::NoAuthNoPriv),
        Some((protocol, _)) => {
            let security = security.with_auth_protocol(match protocol {
                AuthProtocol::Md5 => v3::AuthProtocol::Md5,
                AuthProtocol::Sha1 => v3::AuthProtocol::Sha1,
                AuthProtocol::Sha224 => v3::AuthProtocol::Sha224,
                AuthProtocol::Sha256 => v3::AuthProtocol::Sha256,
                AuthProtocol::Sha384 => v3::AuthProtocol::Sha384,
                AuthProtocol::Sha512 => v3::AuthProtocol::Sha512,
            });
            match &user.privacy {
                None => security.with_auth(v3::Auth::AuthNoPriv),
                Some((protocol, password)) => security
                    .with_key_extension_method(v3::KeyExtension::Blumenthal)
                    .with_auth(v3::Auth::AuthPriv {
                        cipher: match protocol {
                            PrivProtocol::Des => v3::Cipher::Des,
                            PrivProtocol::Aes128 => v3::Cipher::Aes128,
                            PrivProtocol::Aes192 => v3::Cipher::Aes192,
                            PrivProtocol::Aes256 => v3::Cipher::Aes256,
                        },
                        privacy_password: password.as_bytes().to_vec(),
                    }),
            }
        }
    };
    security
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_still_resolving_fails_at_once_without_another_thread() {
        let name = "still-resolving.invalid:161";
        RESOLVING
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_owned());
        let started = std::time::Instant::now();
        let error = resolve(name, Duration::from_secs(5)).expect_err("pending");
        assert!(started.elapsed() < Duration::from_secs(1));
        assert!(
            error
                .to_string()
                .contains("has not answered an earlier request"),
            "{error}"
        );
        RESOLVING
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name);
    }

    #[test]
    fn a_resolved_name_can_be_resolved_again() {
        for _ in 0..2 {
            let addr = resolve("localhost:161", Duration::from_secs(5)).expect("localhost");
            assert_eq!(addr.port(), 161);
        }
        assert!(
            !RESOLVING
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains("localhost:161")
        );
    }
}
