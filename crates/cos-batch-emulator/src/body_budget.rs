//! `BodyBudget`: request bodies are read only after the signature checked out, within a
//! memory budget shared by every connection, in bounded time, and must match their signed
//! `Content-MD5`.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::HeaderMap;
use http_body_util::{BodyExt, Limited};
use hyper::body::Body;
use md5::{Digest, Md5};
use tokio::sync::Semaphore;

use crate::service::MAX_BODY;

/// The default of [`crate::Config::with_body_budget`]: 64 MiB.
pub const DEFAULT_BODY_BUDGET: usize = 64 * 1024 * 1024;

/// Why a body was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// Larger than [`MAX_BODY`] (by its `Content-Length`, or as it arrived).
    TooLarge,
    /// The budget stayed spent for the whole wait.
    Busy,
    /// The connection failed while the body was read.
    Unreadable,
    /// The body did not arrive within this time.
    TooSlow(Duration),
    /// A body without a `Content-MD5` the signature covers.
    MissingDigest,
    /// The body does not match its `Content-MD5`.
    BadDigest,
}

/// The memory request bodies in flight may take, all connections together.
#[derive(Debug, Clone)]
pub(crate) struct BodyBudget {
    bytes: Arc<Semaphore>,
    wait: Duration,
}

impl BodyBudget {
    /// A budget of `total` bytes (at least [`MAX_BODY`]); a body waits at most `wait` for its
    /// share and as long again to arrive.
    pub(crate) fn new(total: usize, wait: Duration) -> Self {
        let total = total.clamp(MAX_BODY, Semaphore::MAX_PERMITS);
        Self {
            bytes: Arc::new(Semaphore::new(total)),
            wait,
        }
    }

    /// Reads the body of an authenticated request whose head is `headers`; `digest_signed`
    /// says whether the signature covers its `Content-MD5`. An empty body is taken as is.
    pub(crate) async fn read<B>(
        &self,
        headers: &HeaderMap,
        digest_signed: bool,
        body: B,
    ) -> Result<Bytes, BodyError>
    where
        B: Body,
        B::Error: std::error::Error + Send + Sync + 'static,
    {
        let exact = body.size_hint().exact();
        if exact == Some(0) || body.is_end_stream() {
            return Ok(Bytes::new());
        }
        let reserve = match exact {
            Some(n) if n > MAX_BODY as u64 => return Err(BodyError::TooLarge),
            Some(n) => n as usize,
            None => MAX_BODY,
        };
        let digest = headers
            .get("content-md5")
            .filter(|_| digest_signed)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .ok_or(BodyError::MissingDigest)?;
        let share = u32::try_from(reserve).map_err(|_| BodyError::TooLarge)?;
        let _permit = tokio::time::timeout(self.wait, self.bytes.acquire_many(share))
            .await
            .map_err(|_| BodyError::Busy)?
            .map_err(|_| BodyError::Busy)?;
        let collected = tokio::time::timeout(self.wait, Limited::new(body, MAX_BODY).collect())
            .await
            .map_err(|_| BodyError::TooSlow(self.wait))?;
        let bytes = match collected {
            Ok(c) => c.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                return Err(BodyError::TooLarge);
            }
            Err(_) => return Err(BodyError::Unreadable),
        };
        if STANDARD.encode(Md5::digest(&bytes)) != digest {
            return Err(BodyError::BadDigest);
        }
        Ok(bytes)
    }

    /// The bytes of the budget not taken now.
    #[cfg(test)]
    fn available(&self) -> usize {
        self.bytes.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;

    fn headers_for(body: &[u8]) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "content-md5",
            STANDARD.encode(Md5::digest(body)).parse().unwrap(),
        );
        h
    }

    #[tokio::test]
    async fn bodies_must_match_a_signed_digest() {
        let budget = BodyBudget::new(0, Duration::from_secs(1));
        let body = b"<CreateJobRequest/>";
        let h = headers_for(body);
        let read = |signed, h: HeaderMap, b: &'static [u8]| {
            let budget = budget.clone();
            async move {
                budget
                    .read(&h, signed, Full::new(Bytes::from_static(b)))
                    .await
            }
        };
        assert_eq!(read(true, h.clone(), body).await.unwrap(), &body[..]);
        assert_eq!(
            read(true, h.clone(), b"<Other/>").await,
            Err(BodyError::BadDigest)
        );
        assert_eq!(
            read(false, h.clone(), body).await,
            Err(BodyError::MissingDigest)
        );
        assert_eq!(
            read(true, HeaderMap::new(), body).await,
            Err(BodyError::MissingDigest)
        );
        // No body, no digest needed.
        assert_eq!(read(false, HeaderMap::new(), b"").await.unwrap(), "");
        assert_eq!(budget.available(), MAX_BODY);
    }

    #[tokio::test]
    async fn the_budget_is_shared_and_returned() {
        let budget = BodyBudget::new(MAX_BODY, Duration::from_millis(100));
        // A body that never ends holds the whole budget (unknown length) until it times out.
        let stalled = Stalled;
        let h = headers_for(b"x");
        let held = {
            let (budget, h) = (budget.clone(), h.clone());
            tokio::spawn(async move { budget.read(&h, true, stalled).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(budget.available(), 0);
        // Another body waits for its share meanwhile.
        let waiting = tokio::time::timeout(
            Duration::from_millis(40),
            budget.read(&h, true, Full::new(Bytes::from_static(b"x"))),
        )
        .await;
        assert!(waiting.is_err(), "a body was read beyond the budget");
        assert_eq!(
            held.await.unwrap(),
            Err(BodyError::TooSlow(Duration::from_millis(100)))
        );
        assert_eq!(budget.available(), MAX_BODY);
        assert_eq!(
            budget
                .read(&h, true, Full::new(Bytes::from_static(b"x")))
                .await
                .unwrap(),
            "x"
        );
    }

    /// A body of unknown length whose bytes never come.
    struct Stalled;

    impl Body for Stalled {
        type Data = Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
            std::task::Poll::Pending
        }
    }
}
