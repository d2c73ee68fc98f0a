//! `BodyBudget`: request bodies are read only after the signature checked out, within a
//! memory budget shared by every connection, in bounded time, and must match their
//! `Content-MD5`: a batch request's must be signed, a PUT Object's is checked when present.

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

/// The largest PUT Object body accepted (when the budget is at least as large; else the
/// budget is the limit).
pub const MAX_OBJECT_SIZE: usize = 16 * 1024 * 1024;

/// Why a body was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// Larger than the limit (by its `Content-Length`, or as it arrived).
    TooLarge(usize),
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
    total: usize,
    wait: Duration,
}

impl BodyBudget {
    /// A budget of `total` bytes (at least [`MAX_BODY`]); a body waits at most `wait` for its
    /// share and as long again to arrive.
    pub(crate) fn new(total: usize, wait: Duration) -> Self {
        let total = total.clamp(MAX_BODY, Semaphore::MAX_PERMITS);
        Self {
            bytes: Arc::new(Semaphore::new(total)),
            total,
            wait,
        }
    }

    /// Reads the body of an authenticated batch request whose head is `headers` (at most
    /// [`MAX_BODY`]); `digest_signed` says whether the signature covers its `Content-MD5`,
    /// which a body must have. An empty body is taken as is.
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
        if exact.is_some_and(|n| n > MAX_BODY as u64) {
            return Err(BodyError::TooLarge(MAX_BODY));
        }
        let digest = headers
            .get("content-md5")
            .filter(|_| digest_signed)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .ok_or(BodyError::MissingDigest)?;
        let bytes = self.take(MAX_BODY, body).await?;
        if STANDARD.encode(Md5::digest(&bytes)) != digest {
            return Err(BodyError::BadDigest);
        }
        Ok(bytes)
    }

    /// Reads the body of an authenticated PUT Object (at most [`MAX_OBJECT_SIZE`], and never
    /// more than the whole budget); checks it against `digest` when the client sent one.
    pub(crate) async fn read_object<B>(
        &self,
        digest: Option<[u8; 16]>,
        body: B,
    ) -> Result<Bytes, BodyError>
    where
        B: Body,
        B::Error: std::error::Error + Send + Sync + 'static,
    {
        let bytes = if body.size_hint().exact() == Some(0) || body.is_end_stream() {
            Bytes::new()
        } else {
            self.take(MAX_OBJECT_SIZE.min(self.total), body).await?
        };
        match digest {
            Some(d) if Md5::digest(&bytes).as_slice() != d.as_slice() => Err(BodyError::BadDigest),
            _ => Ok(bytes),
        }
    }

    /// Takes a share of the budget and reads a body of at most `limit` bytes into it.
    async fn take<B>(&self, limit: usize, body: B) -> Result<Bytes, BodyError>
    where
        B: Body,
        B::Error: std::error::Error + Send + Sync + 'static,
    {
        let reserve = match body.size_hint().exact() {
            Some(n) if n > limit as u64 => return Err(BodyError::TooLarge(limit)),
            Some(n) => n as usize,
            None => limit,
        };
        let share = u32::try_from(reserve).map_err(|_| BodyError::TooLarge(limit))?;
        let _permit = tokio::time::timeout(self.wait, self.bytes.acquire_many(share))
            .await
            .map_err(|_| BodyError::Busy)?
            .map_err(|_| BodyError::Busy)?;
        let collected = tokio::time::timeout(self.wait, Limited::new(body, limit).collect())
            .await
            .map_err(|_| BodyError::TooSlow(self.wait))?;
        match collected {
            Ok(c) => Ok(c.to_bytes()),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge(limit)),
            Err(_) => Err(BodyError::Unreadable),
        }
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
    async fn object_bodies_need_no_digest_but_must_match_one() {
        let budget = BodyBudget::new(0, Duration::from_secs(1));
        let read = |digest, b: Bytes| {
            let budget = budget.clone();
            async move { budget.read_object(digest, Full::new(b)).await }
        };
        let abc = Bytes::from_static(b"abc");
        let digest: [u8; 16] = Md5::digest(b"abc").into();
        assert_eq!(read(None, abc.clone()).await.unwrap(), "abc");
        assert_eq!(read(Some(digest), abc).await.unwrap(), "abc");
        assert_eq!(
            read(Some(digest), Bytes::from_static(b"abd")).await,
            Err(BodyError::BadDigest)
        );
        // An empty object must match its digest too.
        assert_eq!(
            read(Some(digest), Bytes::new()).await,
            Err(BodyError::BadDigest)
        );
        // The budget (at its least, MAX_BODY) bounds an object.
        let big = Bytes::from(vec![0u8; MAX_BODY + 1]);
        assert_eq!(read(None, big).await, Err(BodyError::TooLarge(MAX_BODY)));
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
