//! The libvirt connection: opened read-only on demand with a time limit,
//! checked before each cycle's use, reopened after a failure, and its state
//! changes logged once each.

use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use virt::connect::Connect;

use crate::StateLog;

/// A connection that closes itself when the last user drops it.
pub struct Conn(Connect);

impl Conn {
    /// The virt connection.
    pub fn get(&self) -> &Connect {
        &self.0
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        let _ = self.0.close();
    }
}

/// An open attempt still under way after the time limit.
type Pending = Receiver<Result<Connect, String>>;

/// The connection to one libvirt URI, shared by the discovery and the pollsters.
pub struct Libvirt {
    uri: String,
    open_timeout: Duration,
    current: Mutex<Option<Arc<Conn>>>,
    pending: Mutex<Option<Pending>>,
    log: StateLog,
}

/// Whether a libvirt error means the connection is gone (Ceilometer's
/// `is_disconnection_exception`).
pub fn is_disconnection(error: &virt::error::Error) -> bool {
    use virt::error::{ErrorDomain, ErrorNumber};
    let code = error.code();
    let domain = error.domain();
    (matches!(code, ErrorNumber::SystemError | ErrorNumber::InternalError)
        && matches!(domain, ErrorDomain::Remote | ErrorDomain::Rpc))
        || (matches!(domain, ErrorDomain::Rpc) && error.message().contains("Broken pipe"))
}

impl Libvirt {
    /// A connection to `uri`, opened on first use; an open that takes
    /// longer than `open_timeout` fails (and is not started again while
    /// it is still under way).
    pub fn new(uri: &str, open_timeout: Duration) -> Self {
        // libvirt prints every error to stderr by default; errors are returned and logged here.
        virt::error::clear_error_callback();
        Libvirt {
            uri: uri.to_owned(),
            open_timeout,
            current: Mutex::new(None),
            pending: Mutex::new(None),
            log: StateLog::new(),
        }
    }

    /// The URI.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The open connection, reconnecting if it was lost.
    pub fn connection(&self) -> Result<Arc<Conn>, String> {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(conn) = current.as_ref() {
            if conn.get().is_alive().unwrap_or(false) {
                return Ok(Arc::clone(conn));
            }
            *current = None;
        }
        match self.open() {
            Ok(conn) => {
                let conn = Arc::new(Conn(conn));
                *current = Some(Arc::clone(&conn));
                if self.log.ok("connection") {
                    tracing::info!(uri = %self.uri, "connected to libvirt again");
                } else {
                    tracing::debug!(uri = %self.uri, "connected to libvirt");
                }
                Ok(conn)
            }
            Err(error) => {
                if self.log.problem("connection", &error) {
                    tracing::warn!(uri = %self.uri, %error, "libvirt is unreachable; retrying every cycle");
                }
                Err(error)
            }
        }
    }

    /// Forgets the connection after an error that says it is gone.
    pub fn lost(&self, error: &virt::error::Error) {
        if is_disconnection(error) {
            *self.current.lock().unwrap_or_else(PoisonError::into_inner) = None;
        }
    }

    fn open(&self) -> Result<Connect, String> {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        let receiver = match pending.take() {
            Some(receiver) => match receiver.try_recv() {
                Ok(result) => return result,
                Err(TryRecvError::Empty) => {
                    *pending = Some(receiver);
                    // Still waiting for the first attempt: the same state as before.
                    return Err(format!(
                        "libvirt at {} did not answer within {:?}",
                        self.uri, self.open_timeout
                    ));
                }
                Err(TryRecvError::Disconnected) => self.start_open()?,
            },
            None => self.start_open()?,
        };
        match receiver.recv_timeout(self.open_timeout) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => {
                *pending = Some(receiver);
                Err(format!(
                    "libvirt at {} did not answer within {:?}",
                    self.uri, self.open_timeout
                ))
            }
            Err(RecvTimeoutError::Disconnected) => {
                Err(format!("connecting to {} failed", self.uri))
            }
        }
    }

    fn start_open(&self) -> Result<Pending, String> {
        let (sender, receiver) = channel();
        let uri = self.uri.clone();
        std::thread::Builder::new()
            .name("libvirt-open".into())
            .spawn(move || {
                let result =
                    Connect::open_read_only(Some(&uri)).map_err(|e| e.message().to_owned());
                let _ = sender.send(result);
            })
            .map_err(|e| format!("cannot start a thread to connect to libvirt: {e}"))?;
        Ok(receiver)
    }
}
