//! A JSON list sent as it is made, for answers too large to hold: a task
//! writes the list's items as text into chunks and sends them through a
//! small channel (so it waits for a slow client instead of piling up), and
//! the response body takes them from there.
//!
//! The status is decided by the first chunk: when the task fails before
//! sending one (a bad query, the database away), the answer is that error
//! as usual. A failure after the list has started cannot change a status
//! already sent: the connection is then cut short, so the client sees a
//! broken answer rather than a short list that looks whole.

use std::future::Future;

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::error::ApiError;

/// Chunks waiting for the client, at most.
const CHUNKS_IN_FLIGHT: usize = 4;

/// How long a chunk waits for the client to take the one before it: the
/// producer may hold a database transaction (and a pooled connection)
/// meanwhile, so a client that stops reading ends the answer.
const CLIENT_PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// Where a producing task sends the list's items: each chunk holds whole
/// items, JSON text, each one preceded by `,` but the first.
pub(crate) struct ListWriter {
    sender: mpsc::Sender<Bytes>,
    started: bool,
}

impl ListWriter {
    /// Appends `item` (written by `write`) to `chunk`, with its separator.
    pub(crate) fn item(&mut self, chunk: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
        chunk.push(if self.started { b',' } else { b'[' });
        self.started = true;
        write(chunk);
    }

    /// A future sending `chunk` (items written by [`ListWriter::item`]);
    /// it fails when the client has gone or has not read for
    /// [`CLIENT_PATIENCE`].
    pub(crate) fn send(
        &self,
        chunk: Vec<u8>,
    ) -> impl Future<Output = Result<(), ClientGone>> + Send + use<> {
        let sender = self.sender.clone();
        async move {
            if chunk.is_empty() {
                return Ok(());
            }
            match tokio::time::timeout(CLIENT_PATIENCE, sender.send(Bytes::from(chunk))).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(_)) => Err(ClientGone::Closed),
                Err(_) => Err(ClientGone::NotReading),
            }
        }
    }
}

/// Why an answer was not taken to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientGone {
    /// The client closed the connection.
    Closed,
    /// The client read nothing for [`CLIENT_PATIENCE`].
    NotReading,
}

impl std::fmt::Display for ClientGone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientGone::Closed => f.write_str("the client closed the connection"),
            ClientGone::NotReading => write!(
                f,
                "the client read nothing for {} s",
                CLIENT_PATIENCE.as_secs()
            ),
        }
    }
}

/// The producing task, stopped when the answer is dropped (a client that
/// leaves mid-answer stops the query at once, not at its next chunk).
struct Producer<E>(JoinHandle<Result<(), E>>);

impl<E> Drop for Producer<E> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `produce` in a task of its own, with a writer for the list's
/// items, and answers with the list as it comes.
pub(crate) async fn json_list_stream<E, Fut>(
    produce: impl FnOnce(ListWriter) -> Fut,
) -> Result<Response, ApiError>
where
    E: Into<ApiError> + std::fmt::Display + Send + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
{
    let (sender, mut receiver) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let mut task = Producer(tokio::spawn(produce(ListWriter {
        sender,
        started: false,
    })));
    let Some(first) = receiver.recv().await else {
        // Done without an item: an empty list, or the error it ended with.
        return match (&mut task.0).await {
            Ok(Ok(())) => Ok(json_response(Body::from("[]"))),
            Ok(Err(e)) => Err(e.into()),
            Err(e) => Err(ApiError::internal(format!("The answer failed: {e}"))),
        };
    };
    let body =
        futures_lite::stream::unfold(Some((Some(first), receiver, task)), |state| async move {
            let (first, mut receiver, task) = state?;
            if let Some(chunk) = first {
                return Some((Ok(chunk), Some((None, receiver, task))));
            }
            if let Some(chunk) = receiver.recv().await {
                return Some((Ok(chunk), Some((None, receiver, task))));
            }
            Some((end_of_list(task).await, None))
        });
    Ok(json_response(Body::from_stream(body)))
}

/// The list's closing bracket, or the error that cut it short.
async fn end_of_list<E: std::fmt::Display>(mut task: Producer<E>) -> Result<Bytes, std::io::Error> {
    let failure = match (&mut task.0).await {
        Ok(Ok(())) => return Ok(Bytes::from_static(b"]")),
        Ok(Err(e)) => e.to_string(),
        Err(e) => e.to_string(),
    };
    tracing::warn!("API: a list answer was cut short: {failure}");
    Err(std::io::Error::other(failure))
}

fn json_response(body: Body) -> Response {
    (StatusCode::OK, [(CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The status and the body as the client reads it (`Err` if cut short).
    fn answer(
        items: &'static [&'static str],
        end: Result<(), &'static str>,
    ) -> Result<(StatusCode, Result<String, String>), ApiError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let response = json_list_stream(|mut list: ListWriter| async move {
                for item in items {
                    let mut chunk = Vec::new();
                    list.item(&mut chunk, |out| out.extend_from_slice(item.as_bytes()));
                    if list.send(chunk).await.is_err() {
                        return Err(ApiError::internal("client gone".to_string()));
                    }
                }
                end.map_err(|e| ApiError::bad_request(e.to_string()))
            })
            .await?;
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .map_err(|e| e.to_string());
            Ok((status, body))
        })
    }

    #[test]
    fn items_make_one_list_and_none_an_empty_one() {
        let (status, body) = answer(&["1", "{\"a\":2}", "\"x\""], Ok(())).unwrap();
        assert_eq!(
            (status, body.unwrap()),
            (StatusCode::OK, "[1,{\"a\":2},\"x\"]".into())
        );
        let (status, body) = answer(&[], Ok(())).unwrap();
        assert_eq!((status, body.unwrap()), (StatusCode::OK, "[]".into()));
    }

    /// Sets its flag when dropped.
    struct Dropped(std::sync::Arc<std::sync::atomic::AtomicBool>);

    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn a_client_that_leaves_stops_the_producer_at_once() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let stopped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stopped.clone();
        rt.block_on(async move {
            let response = json_list_stream(|mut list: ListWriter| async move {
                let _guard = Dropped(flag);
                let mut chunk = Vec::new();
                list.item(&mut chunk, |out| out.push(b'1'));
                let _ = list.send(chunk).await;
                // A long stretch of the query before the next chunk.
                tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                Ok::<(), ApiError>(())
            })
            .await
            .unwrap();
            drop(response);
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        });
        assert!(stopped.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[test]
    fn a_client_that_stops_reading_ends_the_answer() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
        let record = seen.clone();
        rt.block_on(async move {
            let response = json_list_stream(|mut list: ListWriter| async move {
                for _ in 0..20 {
                    let mut chunk = Vec::new();
                    list.item(&mut chunk, |out| out.push(b'1'));
                    if let Err(gone) = list.send(chunk).await {
                        *record.lock().unwrap() = Some(gone);
                        return Err(ApiError::internal(gone.to_string()));
                    }
                }
                Ok(())
            })
            .await
            .unwrap();
            // The answer is held, its body never read: after the
            // patience, the producer gives up.
            tokio::time::sleep(CLIENT_PATIENCE * 2).await;
            drop(response);
        });
        assert_eq!(*seen.lock().unwrap(), Some(ClientGone::NotReading));
    }

    #[test]
    fn a_failure_before_the_first_item_is_the_answer_and_after_it_cuts_the_body() {
        let early = answer(&[], Err("bad query")).unwrap_err();
        assert_eq!(early.status, StatusCode::BAD_REQUEST);
        assert_eq!(early.message, "bad query");
        let (status, body) = answer(&["1", "2"], Err("database gone")).unwrap();
        assert_eq!(status, StatusCode::OK);
        let cut = body.unwrap_err();
        assert!(cut.contains("database gone"), "{cut}");
    }
}
