//! `Client`: one async method per operation over a pooled HTTP client, each call signed afresh
//! per attempt, retried within a policy and bounded by timeouts.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use cos_batch_model::{
    CreateJobRequest, CreateJobResult, DeleteJobRequest, DeleteJobResult, DescribeJobRequest,
    DescribeJobResult, ErrorCode, ListJobsRequest, ListJobsResult, UpdateJobPriorityRequest,
    UpdateJobPriorityResult, UpdateJobStatusRequest, UpdateJobStatusResult,
};
use cos_batch_proto::{
    CosError, CreateJob, DeleteJob, DescribeJob, Endpoint, ListJobs, Operation, REQUEST_ID,
    ResponseError, UpdateJobPriority, UpdateJobStatus, ensure_client_token, next_page,
};
use cos_sign::SignError;
use http::header::USER_AGENT;
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Request, StatusCode};
use tokio::time::Instant;
use tracing::{Instrument, Span};

use crate::budget::Bucket;
use crate::clock::{Clock, key_times};
use crate::error::{Error, TransportError};
use crate::page_token::repeated_token;
use crate::recovery::RecoveryLimits;
use crate::retry::RetryPolicy;
use crate::retry_after::retry_after;
use crate::signing::{SignerSource, unusable};
use crate::transport::{self, HttpTransport};
use crate::upload::UploadBody;

/// How far before the call's start (by the service's clock, as the client knows it) a job
/// found while recovering a CreateJob may have been created: the clock skew the service
/// allows either way.
const CREATION_TIME_SLACK: Duration = cos_sign::DEFAULT_CLOCK_SKEW;

/// A client of the batch API of one account. Cheap to clone (clones share the connection
/// pool, the credentials cache and the clock offset); `Send + Sync`.
///
/// Its `Debug` shows the endpoint, the secret id and the settings, never a secret key or
/// session token.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// What clones of a client share.
pub(crate) struct Inner {
    pub(crate) endpoint: Endpoint,
    pub(crate) http: Arc<dyn HttpTransport>,
    pub(crate) signer: SignerSource,
    pub(crate) retry: RetryPolicy,
    pub(crate) recovery: RetryPolicy,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) overall_timeout: Option<Duration>,
    pub(crate) user_agent: HeaderValue,
    pub(crate) max_response_body: usize,
    pub(crate) clock: Clock,
    pub(crate) budget: Bucket,
    pub(crate) recovery_limits: RecoveryLimits,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Client")
            .field("endpoint", &inner.endpoint)
            .field("credentials", &inner.signer)
            .field("retry", &inner.retry)
            .field("recovery", &inner.recovery)
            .field("attempt_timeout", &inner.attempt_timeout)
            .field("overall_timeout", &inner.overall_timeout)
            .field("clock_offset_secs", &inner.clock.offset_secs())
            .finish_non_exhaustive()
    }
}

/// How a call reads a response: its output for a 2xx, a [`ResponseError`] otherwise.
pub(crate) type Decode<T> =
    dyn Fn(StatusCode, &HeaderMap, &Bytes) -> Result<T, ResponseError> + Send + Sync;

/// The outcome of sending one call's request, with the number of attempts made.
struct Sent<T> {
    result: Result<T, Error>,
    attempts: u32,
    /// Whether a failed attempt may have reached the service (anything but a failure to
    /// connect, to get credentials or to sign).
    maybe_landed: bool,
}

/// Whether a failed attempt may have reached the service.
fn may_have_landed(error: &Error) -> bool {
    match error {
        Error::Transport(e) => e.kind() != crate::TransportErrorKind::Connect,
        Error::Invalid(_) | Error::Credentials(_) => false,
        _ => true,
    }
}

/// A failed attempt, with the response headers when the service answered with an error
/// (a `RequestTimeTooSkewed` needs its `Date`).
struct Failure {
    error: Error,
    headers: Option<HeaderMap>,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self {
            error,
            headers: None,
        }
    }
}

impl From<TransportError> for Failure {
    fn from(error: TransportError) -> Self {
        Error::Transport(error).into()
    }
}

/// The span of one call. Its fields never include a header value other than the request id.
fn call_span(operation: &'static str) -> Span {
    tracing::info_span!(
        "cos_batch",
        operation,
        attempt = tracing::field::Empty,
        status = tracing::field::Empty,
        request_id = tracing::field::Empty,
    )
}

/// A signing failure: the credentials' fault, or a request that cannot be signed.
fn sign_failure(e: SignError) -> Error {
    match e {
        SignError::InvalidSecretId | SignError::InvalidSessionToken => {
            Error::Credentials(unusable(e))
        }
        other => Error::Sign(other),
    }
}

fn unix_seconds(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl Client {
    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoint
    }

    /// The largest response body the client reads.
    pub(crate) fn max_response_body(&self) -> usize {
        self.inner.max_response_body
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The tokens left in the client's retry budget (shared by its clones).
    pub fn retry_tokens(&self) -> u32 {
        self.inner.budget.available()
    }

    /// The correction applied to the local clock, in seconds (service time minus local
    /// time), learnt from the `Date` of a `RequestTimeTooSkewed` answer; 0 until then.
    pub fn clock_offset_secs(&self) -> i64 {
        self.inner.clock.offset_secs()
    }

    /// CreateJob: `POST /jobs`. Returns the new job's id.
    ///
    /// An absent (`None`) or blank `ClientRequestToken` is filled with a UUID v4 once, before
    /// the first attempt; every attempt sends the same body, and the service makes at most one
    /// job per token.
    /// When an attempt may have made the job without the client learning of it (a lost
    /// response, a 5xx, a timeout), the client recovers, each request of the recovery with its
    /// own retries ([`crate::ClientBuilder::recovery_policy`]):
    ///
    /// - when the attempts ran out on retryable failures, it sends the same request again:
    ///   success means no attempt had made the job (and this one did);
    /// - when a retry (or that request) meets the service's "Duplicate request", an earlier
    ///   attempt made the job: the client finds the job that carries this call's token —
    ///   ListJobs, then DescribeJob of the jobs created since the call started (less the
    ///   clock-skew allowance), newest first — and returns its id. The look-up is bounded by
    ///   [`crate::ClientBuilder::recovery_limits`] (a time window and a page limit): if no job
    ///   it reads within them carries the token (the token belongs to an older job, or the
    ///   bounds ran out), the "Duplicate request" is returned.
    ///
    /// When the recovery cannot decide, the error is [`Error::OutcomeUnknown`], carrying the
    /// token to call again with; the client never creates a second job, and never reports a
    /// failure it could not establish. A "Duplicate request" on the first attempt (a token the
    /// caller used before) is returned as is.
    pub async fn create_job_with(
        &self,
        mut input: CreateJobRequest,
    ) -> Result<CreateJobResult, Error> {
        let token = ensure_client_token(&mut input, || fastrand::u128(..).to_le_bytes()).to_owned();
        let request = CreateJob::encode(&input, &self.inner.endpoint)?;
        // CreateJob is not idempotent by itself; its token makes it so (the service makes at
        // most one job per token), and the token is always set by now.
        let idempotent = CreateJob::IDEMPOTENT || !token.is_empty();
        let span = call_span(CreateJob::NAME);
        let deadline = self.deadline();
        let since = self.inner.clock.now();
        let call = async {
            let sent = self
                .send::<CreateJob>(
                    request.clone(),
                    &span,
                    deadline,
                    &self.inner.retry,
                    idempotent,
                )
                .await;
            let unknown = |last| Error::OutcomeUnknown {
                token: token.clone(),
                last: Box::new(last),
            };
            match sent.result {
                Err(Error::Service(e)) if e.is_duplicate_request() && sent.attempts > 1 => {
                    self.recover_created_job(&token, since, e, deadline).await
                }
                Err(e) if sent.maybe_landed && e.is_retryable() => {
                    tracing::info!(
                        error = &e as &(dyn std::error::Error + 'static),
                        "CreateJob ran out of attempts after one may have made the job: sending it again"
                    );
                    let resent = self
                        .send::<CreateJob>(
                            request,
                            &span,
                            deadline,
                            &self.inner.recovery,
                            idempotent,
                        )
                        .await;
                    match resent.result {
                        Ok(created) => Ok(created),
                        Err(Error::Service(d)) if d.is_duplicate_request() => {
                            self.recover_created_job(&token, since, d, deadline).await
                        }
                        // The service refused the request itself: no attempt made a job.
                        Err(Error::Service(refused)) if !refused.is_retryable() => {
                            Err(Error::Service(refused))
                        }
                        Err(last) => Err(unknown(last)),
                    }
                }
                Err(e) if sent.maybe_landed && is_overall_timeout(&e) => Err(unknown(e)),
                other => other,
            }
        };
        call.instrument(span.clone()).await
    }

    /// DescribeJob: `GET /jobs/{JobId}`.
    pub async fn describe_job_with(
        &self,
        input: DescribeJobRequest,
    ) -> Result<DescribeJobResult, Error> {
        self.call::<DescribeJob>(&input).await
    }

    /// ListJobs: `GET /jobs`, one page. See [`Client::list_jobs_stream`] for all of them.
    pub async fn list_jobs_with(&self, input: ListJobsRequest) -> Result<ListJobsResult, Error> {
        self.call::<ListJobs>(&input).await
    }

    /// UpdateJobStatus: `POST /jobs/{JobId}/status`.
    ///
    /// Retried like the other operations: asking twice for the same target status leaves the
    /// job where asking once does. A retry after a lost response may however meet the
    /// service's `InvalidRequest` for a change it already made (a suspended job asked to be
    /// `Ready` twice, a cancel that completed meanwhile); that error is returned as is.
    pub async fn update_job_status_with(
        &self,
        input: UpdateJobStatusRequest,
    ) -> Result<UpdateJobStatusResult, Error> {
        self.call::<UpdateJobStatus>(&input).await
    }

    /// UpdateJobPriority: `POST /jobs/{JobId}/priority`. Setting the same priority twice is
    /// harmless, so it is retried like a read.
    pub async fn update_job_priority_with(
        &self,
        input: UpdateJobPriorityRequest,
    ) -> Result<UpdateJobPriorityResult, Error> {
        self.call::<UpdateJobPriority>(&input).await
    }

    /// DeleteJob (undocumented, after the Go SDK): `DELETE /jobs/{JobId}`.
    pub async fn delete_job_with(&self, input: DeleteJobRequest) -> Result<DeleteJobResult, Error> {
        self.call::<DeleteJob>(&input).await
    }

    /// Encodes (validating: an invalid input sends nothing), then sends with retries, all
    /// within the overall timeout and one span.
    async fn call<O: Operation>(&self, input: &O::Input) -> Result<O::Output, Error> {
        self.call_until::<O>(input, self.deadline(), &self.inner.retry)
            .await
    }

    /// [`Client::call`] with the deadline of an enclosing call and a retry policy.
    async fn call_until<O: Operation>(
        &self,
        input: &O::Input,
        deadline: Option<Instant>,
        policy: &RetryPolicy,
    ) -> Result<O::Output, Error> {
        let request = O::encode(input, &self.inner.endpoint)?;
        let span = call_span(O::NAME);
        let call = async {
            self.send::<O>(request, &span, deadline, policy, O::IDEMPOTENT)
                .await
                .result
        };
        call.instrument(span.clone()).await
    }

    /// When a call starting now must be done by: now plus the overall timeout.
    fn deadline(&self) -> Option<Instant> {
        self.inner.overall_timeout.map(|d| Instant::now() + d)
    }

    /// Sends `request` until it succeeds, fails for good, or `policy` says stop.
    async fn send<O: Operation>(
        &self,
        request: Request<Bytes>,
        span: &Span,
        deadline: Option<Instant>,
        policy: &RetryPolicy,
        idempotent: bool,
    ) -> Sent<O::Output> {
        let decode = |status, headers: &HeaderMap, body: &Bytes| O::decode(status, headers, body);
        let request = request.map(UploadBody::from);
        self.send_decoded(request, span, deadline, policy, idempotent, &decode)
            .await
    }

    /// One call of the object API (`name` is its span's operation): sent with the client's
    /// retries (only when `idempotent`), timeouts and signing, its response read by `decode`.
    pub(crate) async fn send_object<T>(
        &self,
        name: &'static str,
        request: Request<impl Into<UploadBody>>,
        idempotent: bool,
        decode: &Decode<T>,
    ) -> Result<T, Error> {
        let span = call_span(name);
        let request = request.map(Into::into);
        let call = async {
            self.send_decoded(
                request,
                &span,
                self.deadline(),
                &self.inner.retry,
                idempotent,
                decode,
            )
            .await
            .result
        };
        call.instrument(span.clone()).await
    }

    /// [`Client::send`] with the response decoded by `decode`.
    async fn send_decoded<T>(
        &self,
        request: Request<UploadBody>,
        span: &Span,
        deadline: Option<Instant>,
        policy: &RetryPolicy,
        idempotent: bool,
        decode: &Decode<T>,
    ) -> Sent<T> {
        let started = Instant::now();
        // Tokens this call's retries took from the client's budget.
        let mut withdrawn = 0u32;
        let (head, body) = request.into_parts();
        let mut sent = 0u32;
        // Attempts counted against the policy (the skew correction's retry is not).
        let mut counted = 0u32;
        let mut skew_corrected = false;
        let mut maybe_landed = false;
        loop {
            sent += 1;
            counted += 1;
            span.record("attempt", sent);
            let failure = match self.attempt(&head, &body, span, deadline, decode).await {
                Ok(output) => {
                    self.inner.budget.refund(withdrawn);
                    return Sent {
                        result: Ok(output),
                        attempts: sent,
                        maybe_landed,
                    };
                }
                Err(failure) => failure,
            };
            maybe_landed |= may_have_landed(&failure.error);
            let give_up = |error| Sent {
                result: Err(error),
                attempts: sent,
                maybe_landed,
            };
            if !skew_corrected && is_skew(&failure.error) {
                let offset = failure
                    .headers
                    .as_ref()
                    .and_then(|h| self.inner.clock.correct_from(h, SystemTime::now()));
                if let Some(offset) = offset {
                    tracing::warn!(
                        offset_secs = offset,
                        "RequestTimeTooSkewed: clock offset corrected from the response Date; retrying"
                    );
                    skew_corrected = true;
                    counted -= 1;
                    continue;
                }
            }
            if !may_retry(&failure.error, idempotent) || counted >= policy.max_attempts() {
                return give_up(failure.error);
            }
            let asked = failure
                .headers
                .as_ref()
                .filter(|_| is_throttling(&failure.error))
                .and_then(|h| retry_after(h, SystemTime::now()))
                .map(|d| d.min(policy.max_retry_after()));
            let delay = asked.unwrap_or_else(|| policy.backoff(counted - 1));
            let too_late = policy
                .max_elapsed()
                .is_some_and(|max| started.elapsed().saturating_add(delay) > max)
                || deadline.is_some_and(|d| Instant::now() + delay >= d);
            if too_late {
                return give_up(failure.error);
            }
            let after_timeout = failure.error.transport().is_some_and(|e| e.is_timeout());
            match self.inner.budget.withdraw(after_timeout) {
                Some(cost) => withdrawn += cost,
                None => {
                    tracing::warn!(
                        error = &failure.error as &(dyn std::error::Error + 'static),
                        "the client's retry budget is spent: not retrying"
                    );
                    return give_up(failure.error);
                }
            }
            tracing::debug!(
                error = &failure.error as &(dyn std::error::Error + 'static),
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// One attempt: get credentials, sign afresh, send, read the whole response (all within
    /// the attempt timeout and the call's deadline, whichever ends first), decode.
    async fn attempt<T>(
        &self,
        head: &Parts,
        body: &UploadBody,
        span: &Span,
        deadline: Option<Instant>,
        decode: &Decode<T>,
    ) -> Result<T, Failure> {
        let inner = &*self.inner;
        let exchange = async {
            let signer = inner.signer.signer().await.map_err(Error::Credentials)?;
            let mut request = Request::new(());
            *request.method_mut() = head.method.clone();
            *request.uri_mut() = head.uri.clone();
            *request.headers_mut() = head.headers.clone();
            let (mut parts, ()) = request.into_parts();
            let (sign_time, key_time) = key_times(inner.clock.now());
            signer
                .sign_with_sign_time(&mut parts, sign_time, key_time)
                .map_err(sign_failure)?;
            parts.headers.insert(USER_AGENT, inner.user_agent.clone());
            // Bodies in memory go through `send`; a file (read again for each attempt)
            // through `send_upload`.
            let sent = match body {
                UploadBody::Bytes(bytes) => {
                    let request = Request::from_parts(parts, bytes.clone());
                    inner.http.send(request, inner.max_response_body).await
                }
                file => {
                    let request = Request::from_parts(parts, file.clone());
                    inner
                        .http
                        .send_upload(request, inner.max_response_body)
                        .await
                }
            };
            let response = sent.map_err(Failure::from)?;
            if response.body().len() > inner.max_response_body {
                return Err(Failure::from(
                    transport::too_large(response.headers(), inner.max_response_body)
                        .with_status(response.status()),
                ));
            }
            Ok(response)
        };
        let attempt_end = inner.attempt_timeout.map(|d| Instant::now() + d);
        let limit = match (attempt_end, deadline) {
            (Some(a), Some(d)) if d < a => Some((d, true)),
            (Some(a), _) => Some((a, false)),
            (None, Some(d)) => Some((d, true)),
            (None, None) => None,
        };
        let received = match limit {
            Some((at, overall)) => match tokio::time::timeout_at(at, exchange).await {
                Ok(received) => received,
                Err(_) if overall => Err(TransportError::overall_timeout(
                    inner.overall_timeout.unwrap_or_default(),
                )
                .into()),
                Err(_) => Err(TransportError::attempt_timeout(
                    inner.attempt_timeout.unwrap_or_default(),
                )
                .into()),
            },
            None => exchange.await,
        }?;
        let (parts, body) = received.into_parts();
        span.record("status", parts.status.as_u16());
        if let Some(id) = parts.headers.get(REQUEST_ID).and_then(|v| v.to_str().ok()) {
            span.record("request_id", id);
        }
        decode(parts.status, &parts.headers, &body).map_err(|e| Failure {
            error: e.into(),
            headers: Some(parts.headers),
        })
    }

    /// After a retried CreateJob met "Duplicate request": the job of `token`; the duplicate
    /// error when no job of this call carries it (the token is an older job's);
    /// [`Error::OutcomeUnknown`] when the look-up failed.
    async fn recover_created_job(
        &self,
        token: &str,
        since: SystemTime,
        duplicate: CosError,
        deadline: Option<Instant>,
    ) -> Result<CreateJobResult, Error> {
        tracing::info!(
            "a CreateJob retry met a duplicate request: looking for the job an earlier attempt created"
        );
        let limits = self.inner.recovery_limits;
        let window_end = Instant::now() + limits.window();
        let found = tokio::time::timeout_at(
            window_end,
            self.find_job_by_token_within(token, since, deadline),
        )
        .await
        .unwrap_or_else(|_| {
            tracing::warn!(
                window_ms = u64::try_from(limits.window().as_millis()).unwrap_or(u64::MAX),
                "the recovery window is spent"
            );
            Ok(None)
        });
        match found {
            Ok(Some(job_id)) => {
                tracing::info!(job_id = %job_id, "found the job the earlier attempt created");
                Ok(CreateJobResult::new(job_id))
            }
            Ok(None) => {
                tracing::warn!(
                    "no job found within the recovery's bounds carries the call's ClientRequestToken"
                );
                Err(Error::Service(duplicate))
            }
            Err(e) => {
                tracing::warn!(
                    error = &e as &(dyn std::error::Error + 'static),
                    "looking for the job an earlier attempt created failed"
                );
                Err(Error::OutcomeUnknown {
                    token: token.to_owned(),
                    last: Box::new(e),
                })
            }
        }
    }

    /// The id of the job whose `ClientRequestToken` is `token`, among the jobs created since
    /// `since`, looked for as the client's own CreateJob recovery does and within the same
    /// bounds ([`crate::ClientBuilder::recovery_limits`]): at most its page limit of ListJobs
    /// pages, then DescribeJob of the candidates newest first, all within its time window.
    /// `Ok(None)` when no job within those bounds carries the token (it may still exist on a
    /// later page, or be older than `since`).
    ///
    /// Use it to name the job that holds a token when CreateJob answers a duplicate request
    /// ([`cos_batch_proto::CosError::is_duplicate_request`]).
    ///
    /// ```no_run
    /// # async fn f(client: cos_batch_hyper::Client) -> Result<(), cos_batch_hyper::Error> {
    /// use std::time::{Duration, SystemTime};
    ///
    /// let a_day_ago = SystemTime::now() - Duration::from_secs(86_400);
    /// if let Some(job_id) = client.find_job_by_token("nightly-2026-12-01", a_day_ago).await? {
    ///     println!("the token is job {job_id}'s");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn find_job_by_token(
        &self,
        token: &str,
        since: SystemTime,
    ) -> Result<Option<String>, Error> {
        let window_end = Instant::now() + self.inner.recovery_limits.window();
        tokio::time::timeout_at(
            window_end,
            self.find_job_by_token_within(token, since, None),
        )
        .await
        .unwrap_or(Ok(None))
    }

    /// The id of the job whose `ClientRequestToken` is `token`, among the jobs created since
    /// `since` (less [`CREATION_TIME_SLACK`]; jobs without a creation time are checked last).
    async fn find_job_by_token_within(
        &self,
        token: &str,
        since: SystemTime,
        deadline: Option<Instant>,
    ) -> Result<Option<String>, Error> {
        let floor = unix_seconds(since).saturating_sub(CREATION_TIME_SLACK.as_secs() as i64);
        let recovery = &self.inner.recovery;
        let limits = self.inner.recovery_limits;
        // (creation time, position in the listing, id)
        let mut candidates: Vec<(Option<i64>, usize, String)> = Vec::new();
        let mut request = ListJobsRequest::new();
        request.max_results = Some(limits.page_size());
        let mut seen = HashSet::new();
        for page_number in 1..=limits.max_pages() {
            let page = self
                .call_until::<ListJobs>(&request, deadline, recovery)
                .await?;
            for entry in &page.jobs {
                let Some(id) = &entry.job_id else { continue };
                let created = entry.creation_time.as_ref().map(|t| t.unix_seconds());
                if created.is_none_or(|t| t >= floor) {
                    candidates.push((created, candidates.len(), id.clone()));
                }
            }
            if let Some(e) = repeated_token(&page, &mut seen) {
                return Err(e);
            }
            match next_page(&request, &page) {
                Some(next) if page_number < limits.max_pages() => request = next,
                Some(_) => {
                    tracing::warn!(
                        pages = page_number,
                        "the recovery read its last page: jobs on later pages are not checked"
                    );
                    break;
                }
                None => break,
            }
        }
        // Newest first (later in the listing first among equal times); unknown creation
        // times (`None`) last.
        candidates.sort_by_key(|c| std::cmp::Reverse((c.0, c.1)));
        for (_, _, id) in candidates {
            let describe = DescribeJobRequest::new(id.as_str());
            match self
                .call_until::<DescribeJob>(&describe, deadline, recovery)
                .await
            {
                Ok(found) => {
                    let carries = found
                        .job
                        .as_ref()
                        .and_then(|job| job.client_request_token.as_deref())
                        == Some(token);
                    if carries {
                        return Ok(Some(id));
                    }
                }
                // Deleted meanwhile, or an id DescribeJob cannot take: not ours.
                Err(Error::Service(e)) if e.code() == &ErrorCode::NoSuchJob => {}
                Err(Error::Invalid(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }
}

/// Whether a failed attempt is retried (the one place that decides): a retryable error,
/// and, unless the request is idempotent, one the service cannot have acted on.
fn may_retry(error: &Error, idempotent: bool) -> bool {
    error.is_retryable() && (idempotent || !may_have_landed(error))
}

/// Whether the service asked the client to slow down (503, 429, `SlowDown`), the answers
/// whose `Retry-After` is honoured.
fn is_throttling(error: &Error) -> bool {
    error.service().is_some_and(|e| {
        matches!(e.status().as_u16(), 429 | 503) || e.code() == &ErrorCode::SlowDown
    })
}

/// Whether the call's overall timeout ended it.
fn is_overall_timeout(error: &Error) -> bool {
    error
        .transport()
        .is_some_and(|e| e.kind() == crate::TransportErrorKind::OverallTimeout)
}

/// Whether the service refused the request's time.
fn is_skew(error: &Error) -> bool {
    error
        .service()
        .is_some_and(|e| e.code() == &ErrorCode::RequestTimeTooSkewed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_that_may_have_landed_is_retried_only_when_idempotent() {
        let closed = Error::Transport(TransportError::new(
            crate::TransportErrorKind::Closed,
            "reset",
        ));
        let refused = Error::Transport(TransportError::new(
            crate::TransportErrorKind::Connect,
            "refused",
        ));
        assert!(may_retry(&closed, true));
        assert!(!may_retry(&closed, false));
        assert!(may_retry(&refused, false));
        let busy = Error::Service(CosError::internal_error("busy"));
        assert!(may_retry(&busy, true));
        assert!(!may_retry(&busy, false));
        assert!(!may_retry(
            &Error::Service(CosError::duplicate_request()),
            true
        ));
    }

    #[test]
    fn a_signing_error_keeps_its_type() {
        assert!(matches!(
            sign_failure(SignError::InvalidHost),
            Error::Sign(SignError::InvalidHost)
        ));
        assert!(matches!(
            sign_failure(SignError::InvalidSecretId),
            Error::Credentials(_)
        ));
    }

    #[test]
    fn client_is_send_sync_and_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Client>();
    }

    /// Every operation's future can be spawned on a multi-threaded runtime.
    #[allow(dead_code, clippy::let_underscore_future)]
    fn operation_futures_are_send(client: Client, create: CreateJobRequest) {
        fn send<T: Send>(_: T) {}
        send(client.create_job_with(create));
        send(client.describe_job_with(DescribeJobRequest::new("j")));
        send(client.list_jobs_with(ListJobsRequest::new()));
        send(client.list_jobs_stream(ListJobsRequest::new()));
        send(client.update_job_status_with(UpdateJobStatusRequest::new(
            "j",
            cos_batch_model::RequestedJobStatus::Ready,
        )));
        send(client.update_job_priority_with(UpdateJobPriorityRequest::new("j", 1)));
        send(client.delete_job_with(DeleteJobRequest::new("j")));
    }
}
