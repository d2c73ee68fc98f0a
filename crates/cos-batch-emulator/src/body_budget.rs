//! `BodyBudget`: request bodies are read only after the signature checked out, within a
//! memory budget shared by every connection, in bounded time, and must match their
//! `Content-MD5`: a batch request's must be signed, a PUT Object's is checked when present
//! (by its writer, at the end: a PUT Object body is streamed, see [`object_body`]).

pub(crate) mod object_body;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use cos_batch_model::ErrorCode;
use cos_batch_proto::CosError;
use http::{HeaderMap, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Body;
use md5::{Digest, Md5};
use tokio::sync::Semaphore;

use object_body::{CHUNK, ObjectSender};

/// The default of [`crate::Config::with_body_budget`]: 64 MiB.
pub const DEFAULT_BODY_BUDGET: usize = 64 * 1024 * 1024;

/// The largest PUT Object body accepted: 5 GiB, COS's limit for one PUT (larger objects
/// take a multipart upload there, which the emulator does not serve). A larger
/// `Content-Length` is answered `EntityTooLarge` before any byte of the body is read.
///
/// The body is streamed to a temporary file as it arrives, so the memory a PUT takes is a
/// few chunks of the body budget ([`crate::Config::with_body_budget`]), not its size.
pub const MAX_OBJECT_SIZE: u64 = 5 * 1024 * 1024 * 1024;

/// The largest body of a batch API request (and of any request but PUT Object) accepted.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// Why a body was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// Larger than the limit (by its `Content-Length`, or as it arrived).
    TooLarge(u64),
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

/// The answer to a body that could not be taken.
impl From<BodyError> for CosError {
    fn from(e: BodyError) -> Self {
        match e {
            BodyError::TooLarge(limit) => CosError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::Other("EntityTooLarge".into()),
                format!("The request body is larger than {limit} bytes"),
            ),
            BodyError::Busy => CosError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::SlowDown,
                "Too many request bodies are being received. Please reduce your request rate.",
            ),
            BodyError::Unreadable => {
                CosError::invalid_request("The request body could not be read")
            }
            BodyError::TooSlow(d) => CosError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::Other("RequestTimeout".into()),
                format!(
                    "The request body was not received within {} s",
                    d.as_secs_f64()
                ),
            ),
            BodyError::MissingDigest => CosError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::Other("MissingContentMD5".into()),
                "A request with a body must carry a signed Content-MD5 header",
            ),
            BodyError::BadDigest => CosError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::Other("BadDigest".into()),
                "The Content-MD5 you specified did not match what we received",
            ),
        }
    }
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
            return Err(BodyError::TooLarge(MAX_BODY as u64));
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

    /// Streams the body of an authenticated PUT Object into `sender`, chunk by chunk (at
    /// most [`CHUNK`] bytes each), each chunk holding its share of the budget until the
    /// writer has written it: a PUT in flight takes at most [`QUEUE`](object_body::QUEUE) + 2
    /// chunks of the budget (queued, being written, waiting for room), whatever the object's
    /// size. The body is at most `limit` bytes (refused from
    /// its `Content-Length` before any byte is read, else as it arrives); each frame must
    /// arrive, and each share be granted, within the wait. On success the writer is told the
    /// body ended; on an error it is not, so it writes nothing. A writer that stopped early
    /// (its answer decides the response) ends the reading with `Ok`.
    pub(crate) async fn stream_object<B>(
        &self,
        limit: u64,
        body: B,
        sender: ObjectSender,
    ) -> Result<(), BodyError>
    where
        B: Body<Data = Bytes>,
    {
        if body.size_hint().exact().is_some_and(|n| n > limit) {
            return Err(BodyError::TooLarge(limit));
        }
        let mut body = std::pin::pin!(body);
        let mut received = 0u64;
        loop {
            let frame = match tokio::time::timeout(self.wait, body.frame()).await {
                Err(_) => return Err(BodyError::TooSlow(self.wait)),
                Ok(None) => break,
                Ok(Some(Err(_))) => return Err(BodyError::Unreadable),
                Ok(Some(Ok(frame))) => frame,
            };
            // Trailers carry nothing an object keeps.
            let Ok(mut data) = frame.into_data() else {
                continue;
            };
            received = received.saturating_add(data.len() as u64);
            if received > limit {
                return Err(BodyError::TooLarge(limit));
            }
            while !data.is_empty() {
                let chunk = data.split_to(data.len().min(CHUNK));
                let share = u32::try_from(chunk.len()).map_err(|_| BodyError::TooLarge(limit))?;
                let permit =
                    tokio::time::timeout(self.wait, self.bytes.clone().acquire_many_owned(share))
                        .await
                        .map_err(|_| BodyError::Busy)?
                        .map_err(|_| BodyError::Busy)?;
                if !sender.send(chunk, permit).await {
                    return Ok(());
                }
            }
        }
        sender.finish().await;
        Ok(())
    }

    /// Takes a share of the budget and reads a body of at most `limit` bytes into it.
    async fn take<B>(&self, limit: usize, body: B) -> Result<Bytes, BodyError>
    where
        B: Body,
        B::Error: std::error::Error + Send + Sync + 'static,
    {
        let reserve = match body.size_hint().exact() {
            Some(n) if n > limit as u64 => return Err(BodyError::TooLarge(limit as u64)),
            Some(n) => n as usize,
            None => limit,
        };
        let share = u32::try_from(reserve).map_err(|_| BodyError::TooLarge(limit as u64))?;
        let _permit = tokio::time::timeout(self.wait, self.bytes.acquire_many(share))
            .await
            .map_err(|_| BodyError::Busy)?
            .map_err(|_| BodyError::Busy)?;
        let collected = tokio::time::timeout(self.wait, Limited::new(body, limit).collect())
            .await
            .map_err(|_| BodyError::TooSlow(self.wait))?;
        match collected {
            Ok(c) => Ok(c.to_bytes()),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                Err(BodyError::TooLarge(limit as u64))
            }
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

    /// Streams `body` with `limit` through a channel; what the writer received (its chunk
    /// sizes, whether it was told the body ended) and the result.
    async fn stream<B>(
        budget: &BodyBudget,
        limit: u64,
        body: B,
    ) -> (Vec<usize>, bool, Result<(), BodyError>)
    where
        B: Body<Data = Bytes> + Send + 'static,
    {
        let (sender, mut chunks) = object_body::channel();
        let writer = tokio::task::spawn_blocking(move || {
            let mut sizes = Vec::new();
            loop {
                match chunks.recv() {
                    object_body::Received::Chunk(c) => sizes.push(c.len()),
                    object_body::Received::End => return (sizes, true),
                    object_body::Received::Cut => return (sizes, false),
                }
            }
        });
        let result = budget.stream_object(limit, body, sender).await;
        let (sizes, ended) = writer.await.unwrap();
        (sizes, ended, result)
    }

    #[tokio::test]
    async fn object_bodies_are_streamed_in_chunks_within_their_limit() {
        let budget = BodyBudget::new(0, Duration::from_secs(1));
        let big = Bytes::from(vec![1u8; 2 * CHUNK + 5]);
        let (sizes, ended, result) = stream(&budget, 10 * CHUNK as u64, Full::new(big)).await;
        assert_eq!(result, Ok(()));
        assert!(ended);
        assert_eq!(sizes, [CHUNK, CHUNK, 5]);
        // Refused from its length: nothing reaches the writer.
        let big = Bytes::from(vec![1u8; 11]);
        let (sizes, ended, result) = stream(&budget, 10, Full::new(big)).await;
        assert_eq!(result, Err(BodyError::TooLarge(10)));
        assert!(sizes.is_empty() && !ended);
        // A body of unknown length is cut when it passes the limit, the writer not told it
        // ended.
        let (sizes, ended, result) = stream(&budget, 10, Endless(Some(b"12345678"))).await;
        assert_eq!(result, Err(BodyError::TooLarge(10)));
        assert_eq!((sizes, ended), (vec![8], false));
        // An empty body ends at once.
        let (sizes, ended, result) = stream(&budget, 10, Full::new(Bytes::new())).await;
        assert_eq!((sizes.len(), ended, result), (0, true, Ok(())));
        // A body that stalls is cut.
        let (sizes, ended, result) = stream(&budget, 10, STALLED).await;
        assert_eq!(result, Err(BodyError::TooSlow(Duration::from_secs(1))));
        assert!(sizes.is_empty() && !ended);
        // Every share came back.
        assert_eq!(budget.available(), MAX_BODY);
    }

    #[tokio::test]
    async fn the_budget_is_shared_and_returned() {
        let budget = BodyBudget::new(MAX_BODY, Duration::from_millis(100));
        // A body that never ends holds the whole budget (unknown length) until it times out.
        let stalled = STALLED;
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
    const STALLED: Endless = Endless(None);

    /// A body of unknown length: `Some` frame again and again, or (`None`) nothing ever.
    struct Endless(Option<&'static [u8]>);

    impl Body for Endless {
        type Data = Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
            match self.0 {
                Some(frame) => std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(
                    Bytes::from_static(frame),
                )))),
                None => std::task::Poll::Pending,
            }
        }
    }
}
