//! The HTTP service: one request in, one response out (or a dropped connection).
//!
//! In order: fault injection; the body is collected (at most [`MAX_BODY`]); the signature is
//! verified with `cos-sign` (header or presigned form; failures are 403 with the verifier's
//! code); the request is decoded with `cos-batch-proto`; the `x-cos-appid` must be an account
//! whose secret id signed the request, and a `{uin}.cos-control.{region}...` host must carry
//! that account's UIN (`AccessDenied` otherwise); then the call is served. Every response has
//! `x-cos-request-id`; errors also `x-cos-trace-id`.

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use cos_batch_model::{CreateJobResult, DeleteJobResult, ErrorCode};
use cos_batch_proto::{
    Call, CosError, CreateJob, DeleteJob, DescribeJob, ListJobs, Operation, UpdateJobPriority,
    UpdateJobStatus, decode_request, encode_error,
};
use cos_sign::{KeyLookup, SecretKey, Verifier};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};

use crate::Account;
use crate::core::Core;
use crate::faults::{Fault, FaultInjector};

/// The largest request body accepted.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// What to do with a request.
pub(crate) enum Reply {
    /// Send this response.
    Response(Response<Bytes>),
    /// Close the connection without a response.
    Drop,
}

/// The service shared by all connections.
#[derive(Debug)]
pub(crate) struct Service {
    core: Arc<Core>,
    faults: FaultInjector,
}

fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn error_response(error: CosError, request_id: &str) -> Response<Bytes> {
    encode_error(&error.with_trace_id(new_id()), request_id)
}

impl Service {
    pub(crate) fn new(core: Arc<Core>, faults: FaultInjector) -> Self {
        Self { core, faults }
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
        let body = match Limited::new(body, MAX_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) => {
                let too_large = e.is::<http_body_util::LengthLimitError>();
                let error = if too_large {
                    CosError::new(
                        StatusCode::BAD_REQUEST,
                        ErrorCode::Other("EntityTooLarge".into()),
                        format!("The request body is larger than {MAX_BODY} bytes"),
                    )
                } else {
                    CosError::invalid_request("The request body could not be read")
                };
                return Reply::Response(error_response(error, &request_id));
            }
        };
        let request = Request::from_parts(parts, body);
        let path = request.uri().path().to_owned();
        match self.serve(&request, &request_id) {
            Ok((response, created)) => {
                if created && self.faults.drop_after_create() {
                    Reply::Drop
                } else {
                    Reply::Response(response)
                }
            }
            Err(error) => {
                let error = if error.resource().is_none() {
                    error.with_resource(path)
                } else {
                    error
                };
                Reply::Response(error_response(error, &request_id))
            }
        }
    }

    /// Authenticates and serves a request: the response, and whether it created a job.
    fn serve(
        &self,
        request: &Request<Bytes>,
        request_id: &str,
    ) -> Result<(Response<Bytes>, bool), CosError> {
        let account = self.authenticate(request)?;
        let incoming = decode_request(request)?;
        if incoming.appid != account.appid {
            return Err(access_denied(
                "The x-cos-appid header does not match the account that signed the request",
            ));
        }
        let core = &self.core;
        let appid = account.appid.as_str();
        let response = match incoming.call {
            Call::CreateJob(input) => {
                let id = core.create_job(appid, *input)?;
                return Ok((
                    CreateJob::encode_response(&CreateJobResult::new(id), request_id),
                    true,
                ));
            }
            Call::DescribeJob(input) => DescribeJob::encode_response(
                &cos_batch_model::DescribeJobResult::new(core.describe_job(appid, &input.job_id)?),
                request_id,
            ),
            Call::ListJobs(input) => {
                ListJobs::encode_response(&core.list_jobs(appid, &input)?, request_id)
            }
            Call::UpdateJobStatus(input) => UpdateJobStatus::encode_response(
                &core.update_job_status(appid, &input)?,
                request_id,
            ),
            Call::UpdateJobPriority(input) => UpdateJobPriority::encode_response(
                &core.update_job_priority(appid, &input)?,
                request_id,
            ),
            Call::DeleteJob(input) => {
                core.delete_job(appid, &input.job_id)?;
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

    /// The account that signed the request; checks the signature, the APPID and the host.
    fn authenticate(&self, request: &Request<Bytes>) -> Result<&Account, CosError> {
        let accounts = &self.core.settings.accounts;
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
        Ok(account)
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
fn host_of(request: &Request<Bytes>) -> Option<String> {
    let host = request
        .headers()
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()))?;
    Some(host.to_ascii_lowercase())
}
