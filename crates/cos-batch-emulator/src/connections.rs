//! `Connections`: the open HTTP connections, bounded in number and in idle time.
//!
//! - A connection that has not completed a request head within the header-read timeout of
//!   being opened is closed (connections that send nothing, or a head byte by byte).
//! - A kept-alive connection with no request in flight for the idle timeout is closed (this
//!   also bounds a next request head sent slowly); a request in flight may take both timeouts
//!   together (a client that never reads its response is cut off too).
//! - At most `max` connections are open. At the cap, accepting a new one closes the oldest
//!   connection that has no request in flight; when every one has, the new one is closed
//!   at once. So a flood of idle connections cannot keep a real client out.

use std::collections::BTreeMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::response_body::ResponseBody;

/// The defaults of [`crate::Config::with_header_read_timeout`].
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// The default of [`crate::Config::with_idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(20);
/// The default of [`crate::Config::with_max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// The limits connections are held to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// One open connection, as the watchdog sees it.
#[derive(Debug)]
pub(crate) struct Connection {
    in_flight: AtomicUsize,
    served: AtomicBool,
    last_activity: Mutex<Instant>,
    close: Notify,
    activity: Notify,
}

impl Connection {
    fn new() -> Self {
        Self {
            in_flight: AtomicUsize::new(0),
            served: AtomicBool::new(false),
            last_activity: Mutex::new(Instant::now()),
            close: Notify::new(),
            activity: Notify::new(),
        }
    }

    fn last_activity(&self) -> MutexGuard<'_, Instant> {
        self.last_activity.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn is_idle(&self) -> bool {
        self.in_flight.load(Ordering::SeqCst) == 0
    }

    /// Marks a request in flight until the returned guard is dropped.
    pub(crate) fn begin_request(self: &Arc<Self>) -> RequestGuard {
        *self.last_activity() = Instant::now();
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        self.activity.notify_one();
        RequestGuard(self.clone())
    }

    /// When the connection is to be closed if nothing happens meanwhile. A request in flight
    /// (its body read, its response written) may take the header-read and the idle timeouts
    /// together: a client that does not read its response cannot hold the connection.
    fn deadline(&self, limits: &Limits) -> Instant {
        let allowed = if !self.is_idle() {
            limits
                .header_read_timeout
                .saturating_add(limits.idle_timeout)
        } else if self.served.load(Ordering::SeqCst) {
            limits.idle_timeout
        } else {
            limits.header_read_timeout
        };
        *self.last_activity() + allowed
    }

    /// Resolves when the connection must close: evicted, or idle past its deadline.
    pub(crate) async fn closed(&self, limits: Limits) {
        loop {
            let wake_at = self.deadline(&limits);
            tokio::select! {
                () = self.close.notified() => return,
                () = self.activity.notified() => {}
                () = tokio::time::sleep_until(wake_at) => {
                    if self.deadline(&limits) <= Instant::now() {
                        return;
                    }
                }
            }
        }
    }
}

/// A request in flight on a connection; dropping it ends the request.
#[derive(Debug)]
pub(crate) struct RequestGuard(Arc<Connection>);

/// A response body that keeps its request in flight until hyper has taken all of it, so a
/// connection is never closed as idle while its response is being written.
#[derive(Debug)]
pub(crate) struct InFlightBody {
    body: ResponseBody,
    _request: RequestGuard,
}

impl InFlightBody {
    pub(crate) fn new(body: impl Into<ResponseBody>, request: RequestGuard) -> Self {
        Self {
            body: body.into(),
            _request: request,
        }
    }
}

impl Body for InFlightBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        *self.0.last_activity() = Instant::now();
        self.0.served.store(true, Ordering::SeqCst);
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.0.activity.notify_one();
    }
}

/// Every open connection, oldest first.
#[derive(Debug)]
pub(crate) struct Connections {
    limits: Limits,
    open: Mutex<BTreeMap<u64, Arc<Connection>>>,
    next_id: AtomicU64,
}

/// An admitted connection; dropping it forgets the connection.
#[derive(Debug)]
pub(crate) struct Admitted {
    connections: Arc<Connections>,
    id: u64,
    pub connection: Arc<Connection>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.connections.open().remove(&self.id);
    }
}

impl Connections {
    pub(crate) fn new(limits: Limits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            open: Mutex::new(BTreeMap::new()),
            next_id: AtomicU64::new(0),
        })
    }

    pub(crate) fn limits(&self) -> Limits {
        self.limits
    }

    fn open(&self) -> MutexGuard<'_, BTreeMap<u64, Arc<Connection>>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many connections are open.
    pub(crate) fn count(&self) -> usize {
        self.open().len()
    }

    /// Admits a new connection, closing the oldest idle one at the cap; `None` when the cap
    /// is reached and every connection has a request in flight.
    pub(crate) fn admit(self: &Arc<Self>) -> Option<Admitted> {
        let mut open = self.open();
        if open.len() >= self.limits.max.max(1) {
            let oldest_idle = open.iter().find(|(_, c)| c.is_idle()).map(|(id, _)| *id)?;
            if let Some(evicted) = open.remove(&oldest_idle) {
                tracing::debug!("connection cap reached: closing the oldest idle connection");
                evicted.close.notify_one();
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let connection = Arc::new(Connection::new());
        open.insert(id, connection.clone());
        Some(Admitted {
            connections: self.clone(),
            id,
            connection,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max: usize) -> Limits {
        Limits {
            header_read_timeout: Duration::from_millis(50),
            idle_timeout: Duration::from_millis(100),
            max,
        }
    }

    #[tokio::test]
    async fn the_cap_evicts_the_oldest_idle_connection_or_refuses() {
        let all = Connections::new(limits(2));
        let first = all.admit().unwrap();
        let second = all.admit().unwrap();
        let _busy = second.connection.begin_request();
        let third = all.admit().unwrap();
        assert_eq!(all.count(), 2);
        // The first (idle) was told to close at once.
        tokio::time::timeout(
            Duration::from_millis(40),
            first.connection.closed(all.limits()),
        )
        .await
        .unwrap();
        // Now both open ones are busy: a fourth is refused.
        let _busy_third = third.connection.begin_request();
        assert!(all.admit().is_none());
        drop(third);
        assert_eq!(all.count(), 1);
    }

    #[tokio::test]
    async fn a_response_body_keeps_its_request_in_flight_until_taken() {
        use http_body_util::BodyExt as _;
        let all = Connections::new(limits(1));
        let open = all.admit().unwrap();
        let body = InFlightBody::new(
            Bytes::from_static(b"<Done/>"),
            open.connection.begin_request(),
        );
        // The response is not written yet: the connection is not idle, so a newcomer at the
        // cap is refused rather than evicting it.
        assert!(all.admit().is_none());
        assert_eq!(body.collect().await.unwrap().to_bytes(), "<Done/>");
        assert!(open.connection.is_idle());
    }

    #[tokio::test]
    async fn idle_connections_time_out_but_not_during_a_request() {
        let all = Connections::new(limits(8));
        let quiet = all.admit().unwrap();
        let start = Instant::now();
        quiet.connection.closed(all.limits()).await;
        assert!(start.elapsed() >= Duration::from_millis(50));

        let busy = all.admit().unwrap();
        let request = busy.connection.begin_request();
        let held = tokio::time::timeout(
            Duration::from_millis(120),
            busy.connection.closed(all.limits()),
        )
        .await;
        assert!(held.is_err(), "closed during a request");
        drop(request);
        let start = Instant::now();
        busy.connection.closed(all.limits()).await;
        // After a request, the (longer) idle timeout applies.
        assert!(start.elapsed() >= Duration::from_millis(90));

        // A request that never ends is cut after both timeouts (150 ms).
        let stuck = all.admit().unwrap();
        let _request = stuck.connection.begin_request();
        let start = Instant::now();
        stuck.connection.closed(all.limits()).await;
        assert!(start.elapsed() >= Duration::from_millis(140));
    }
}
