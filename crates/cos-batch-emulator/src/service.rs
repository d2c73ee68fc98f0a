//! The HTTP service: one request in, one response out (or a dropped connection).
//!
//! In order: fault injection; the signature is verified from the request head with `cos-sign`
//! (header or presigned form; failures are 403 with the verifier's code), and the
//! `x-cos-appid` must be an account whose secret id signed the request, and a
//! `{uin}.cos-control.{region}...` host must carry that account's UIN (`AccessDenied`
//! otherwise), all before any byte of the body is read; then the body is read (at most
//! [`MAX_BODY`](crate::body_budget::MAX_BODY), within a memory budget shared by every connection, see [`BodyBudget`]) and
//! must match its `Content-MD5`, which the signature covers; the request is decoded with
//! `cos-batch-proto` and served. Every response has `x-cos-request-id`; errors also
//! `x-cos-trace-id`.
//!
//! Object requests (a `{bucket}-{appid}.cos.{region}.myqcloud.com` host, or a path-style
//! `/{bucket}-{appid}/{key}` on a plain host, see `cos_batch_proto::object::decode_request`) are
//! authenticated the same way (without `x-cos-appid`, the account is the one whose secret id
//! signed), must name a bucket of that account (`AccessDenied`), and are served by
//! [`ObjectApi`]; a PUT Object's body (up to
//! [`MAX_OBJECT_SIZE`], 5 GiB) is streamed to its
//! writer on a blocking thread in chunks that take their share of the same budget while they
//! wait (see [`BodyBudget::stream_object`]), its `Content-MD5` optional and checked at the end.

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use cos_batch_model::{CreateJobResult, DeleteJobResult, ErrorCode};
use cos_batch_proto::object::{ObjectCall, ObjectRequest};
use cos_batch_proto::{
    Call, CosError, CreateJob, DeleteJob, DescribeJob, ListJobs, Operation, UpdateJobPriority,
    UpdateJobStatus, decode_request, encode_error,
};
use cos_sign::{KeyLookup, SecretKey, Verifier};
use http::{Request, Response, StatusCode};

use crate::Account;
use crate::body_budget::{BodyBudget, BodyError, MAX_OBJECT_SIZE, object_body};
use crate::control_plane::{ControlPlane, random_uuid};
use crate::faults::{Fault, FaultInjector};
use crate::object_api::ObjectApi;
use crate::response_body::ResponseBody;

/// What to do with a request.
pub(crate) enum Reply {
    /// Send this response.
    Response(Response<ResponseBody>),
    /// Close the connection without a response.
    Drop,
}

/// The service shared by all connections.
#[derive(Debug)]
pub(crate) struct Service {
    control: Arc<ControlPlane>,
    faults: FaultInjector,
    bodies: BodyBudget,
    objects: Arc<ObjectApi>,
}

fn new_id() -> String {
    random_uuid().simple().to_string()
}

fn error_response(error: CosError, request_id: &str) -> Response<ResponseBody> {
    encode_error(&error.with_trace_id(new_id()), request_id).map(ResponseBody::from)
}

impl Service {
    pub(crate) fn new(
        control: Arc<ControlPlane>,
        faults: FaultInjector,
        bodies: BodyBudget,
        objects: ObjectApi,
    ) -> Self {
        Self {
            control,
            faults,
            bodies,
            objects: Arc::new(objects),
        }
    }

    /// Serves one request.
    pub(crate) async fn handle(&self, request: Request<hyper::body::Incoming>) -> Reply {
        let request_id = new_id();
        match self.faults.error() {
            Fault::None => {}
            Fault::InternalError => {
                return Reply::Response(error_response(
                    CosError::internal_error("We encountered an internal error. Please try again."),
                    &request_id,
                ));
            }
            Fault::Unavailable => {
                return Reply::Response(error_response(
                    CosError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        ErrorCode::ServiceUnavailable,
                        "Service is unavailable. Please try again.",
                    ),
                    &request_id,
                ));
            }
        }
        if let Some(delay) = self.faults.delay() {
            tokio::time::sleep(delay).await;
        }
        let (parts, body) = request.into_parts();
        let path = parts.uri.path().to_owned();
        let with_path = |error: CosError| {
            if error.resource().is_none() {
                error.with_resource(path.clone())
            } else {
                error
            }
        };
        let head = Request::from_parts(parts, ());
        let (account, digest_signed) = match self.authenticate(&head) {
            Ok(authenticated) => authenticated,
            Err(error) => return Reply::Response(error_response(with_path(error), &request_id)),
        };
        match cos_batch_proto::object::decode_request(&head) {
            Ok(None) => {}
            Ok(Some(object)) => {
                let served = self.serve_object(account, object, body, &request_id).await;
                return Reply::Response(
                    served.unwrap_or_else(|error| error_response(with_path(error), &request_id)),
                );
            }
            Err(error) => return Reply::Response(error_response(with_path(error), &request_id)),
        }
        let body = match self.bodies.read(head.headers(), digest_signed, body).await {
            Ok(body) => body,
            Err(e) => {
                return Reply::Response(error_response(with_path(e.into()), &request_id));
            }
        };
        let (parts, ()) = head.into_parts();
        let request = Request::from_parts(parts, body);
        match self.serve(account, &request, &request_id) {
            Ok((response, created)) => {
                if created && self.faults.drop_after_create() {
                    Reply::Drop
                } else {
                    Reply::Response(response.map(ResponseBody::from))
                }
            }
            Err(error) => Reply::Response(error_response(with_path(error), &request_id)),
        }
    }

    /// Serves an object request `account` signed: checks the bucket is the account's and
    /// serves it; a PUT Object's body is streamed to its writer as it is read.
    async fn serve_object(
        &self,
        account: &Account,
        object: ObjectRequest,
        body: hyper::body::Incoming,
        request_id: &str,
    ) -> Result<Response<ResponseBody>, CosError> {
        use hyper::body::Body as _;
        self.objects.check_owner(account, &object.bucket)?;
        let (objects, account, request_id) =
            (self.objects.clone(), account.clone(), request_id.to_owned());
        // File work: on the blocking threads, not the ones that serve connections.
        let served = match object {
            ObjectRequest {
                bucket,
                call: ObjectCall::PutObject(input),
                ..
            } => {
                if body
                    .size_hint()
                    .exact()
                    .is_some_and(|n| n > MAX_OBJECT_SIZE)
                {
                    return Err(BodyError::TooLarge(MAX_OBJECT_SIZE).into());
                }
                let (sender, chunks) = object_body::channel();
                let writer = tokio::task::spawn_blocking(move || {
                    objects.put_object(&bucket, input, chunks, &request_id)
                });
                let read = self
                    .bodies
                    .stream_object(MAX_OBJECT_SIZE, body, sender)
                    .await;
                let written = writer.await;
                // A body that failed is answered why; the writer wrote nothing.
                read?;
                written.map(|r| r.map(|r| r.map(ResponseBody::from)))
            }
            object => {
                tokio::task::spawn_blocking(move || objects.serve(&account, object, &request_id))
                    .await
            }
        };
        served.map_err(|e| {
            tracing::warn!(error = %e, "an object call panicked");
            CosError::internal_error("We encountered an internal error. Please try again.")
        })?
    }

    /// Serves a request `account` signed: the response, and whether it created a job.
    fn serve(
        &self,
        account: &Account,
        request: &Request<Bytes>,
        request_id: &str,
    ) -> Result<(Response<Bytes>, bool), CosError> {
        let incoming = decode_request(request)?;
        if incoming.appid != account.appid {
            return Err(access_denied(
                "The x-cos-appid header does not match the account that signed the request",
            ));
        }
        let control = &self.control;
        let appid = account.appid.as_str();
        let response = match incoming.call {
            Call::CreateJob(input) => {
                let id = control.create_job(appid, *input)?;
                return Ok((
                    CreateJob::encode_response(&CreateJobResult::new(id), request_id),
                    true,
                ));
            }
            Call::DescribeJob(input) => DescribeJob::encode_response(
                &cos_batch_model::DescribeJobResult::new(
                    control.describe_job(appid, &input.job_id)?,
                ),
                request_id,
            ),
            Call::ListJobs(input) => {
                ListJobs::encode_response(&control.list_jobs(appid, &input)?, request_id)
            }
            Call::UpdateJobStatus(input) => UpdateJobStatus::encode_response(
                &control.update_job_status(appid, &input)?,
                request_id,
            ),
            Call::UpdateJobPriority(input) => UpdateJobPriority::encode_response(
                &control.update_job_priority(appid, &input)?,
                request_id,
            ),
            Call::DeleteJob(input) => {
                control.delete_job(appid, &input.job_id)?;
                DeleteJob::encode_response(&DeleteJobResult, request_id)
            }
            other => {
                return Err(CosError::method_not_allowed(format!(
                    "{} is not served",
                    other.name()
                )));
            }
        };
        Ok((response, false))
    }

    /// The account that signed the request, and whether the signature covers `Content-MD5`;
    /// checks the signature, the APPID and the host from the head alone (nothing of the body
    /// is read yet).
    fn authenticate<B>(&self, request: &Request<B>) -> Result<(&Account, bool), CosError> {
        let accounts = &self.control.settings.accounts;
        let verifier = Verifier::with_key_lookup(AccountKeys(accounts));
        let verified = verifier
            .verify(
                request.method(),
                request.uri(),
                request.headers(),
                SystemTime::now(),
            )
            .map_err(|e| CosError::new(e.status(), ErrorCode::from(e.code()), e.to_string()))?;
        let secret_id = verified.authorization.secret_id();
        let appid = request
            .headers()
            .get(cos_batch_proto::APPID)
            .and_then(|v| v.to_str().ok());
        let account = match appid {
            Some(appid) => accounts.iter().find(|a| a.appid == appid).ok_or_else(|| {
                access_denied("The x-cos-appid is not an account of this service")
            })?,
            // decode_request answers a missing APPID with its InvalidArgument.
            None => accounts
                .iter()
                .find(|a| a.secret_id == secret_id)
                .ok_or_else(|| access_denied("Unknown account"))?,
        };
        if account.secret_id != secret_id {
            return Err(access_denied(
                "The secret id that signed the request is not the x-cos-appid account's",
            ));
        }
        if let Some(host) = host_of(request)
            && let Some((uin, _)) = host.split_once(".cos-control.")
            && uin != account.uin
        {
            return Err(access_denied(
                "The host's UIN is not the UIN of the x-cos-appid account",
            ));
        }
        let digest_signed = verified
            .authorization
            .header_list()
            .any(|h| h.eq_ignore_ascii_case("content-md5"));
        Ok((account, digest_signed))
    }
}

/// The accounts' secret keys, by secret id: where the verifier looks keys up.
struct AccountKeys<'a>(&'a [Account]);

impl KeyLookup for AccountKeys<'_> {
    fn secret_key(&self, secret_id: &str) -> Option<SecretKey> {
        let account = self.0.iter().find(|a| a.secret_id == secret_id)?;
        Some(account.secret().clone())
    }
}

fn access_denied(message: &str) -> CosError {
    CosError::new(StatusCode::FORBIDDEN, ErrorCode::AccessDenied, message)
}

/// The request's host name: the `Host` header, else the URI's authority.
fn host_of<B>(request: &Request<B>) -> Option<String> {
    let host = request
        .headers()
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()))?;
    Some(host.to_ascii_lowercase())
}
