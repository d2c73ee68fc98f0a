//! The server side: a request decoded into one of the six calls, or the error the service would
//! answer with; and error responses.

use bytes::Bytes;
use cos_batch_model::{
    CreateJobRequest, DecodeErrorKind, DeleteJobRequest, DescribeJobRequest, JobStatus,
    ListJobsRequest, MAX_PRIORITY, RequestedJobStatus, UpdateJobPriorityRequest,
    UpdateJobStatusRequest, ValidationErrors, XmlDocument,
};
use http::{Method, Request, Response, StatusCode};

use crate::body::{CONTENT_MD5, content_md5};
use crate::error::{CosError, TRACE_ID};
use crate::operation::{APPID, response};
use crate::path::{Resource, RouteError, route};
use crate::query::pairs;

/// One decoded call, with the input of its operation.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Call {
    /// `POST /jobs` (boxed: the largest input by far)
    CreateJob(Box<CreateJobRequest>),
    /// `GET /jobs/{JobId}`
    DescribeJob(DescribeJobRequest),
    /// `GET /jobs`
    ListJobs(ListJobsRequest),
    /// `POST /jobs/{JobId}/status`
    UpdateJobStatus(UpdateJobStatusRequest),
    /// `POST /jobs/{JobId}/priority`
    UpdateJobPriority(UpdateJobPriorityRequest),
    /// `DELETE /jobs/{JobId}`
    DeleteJob(DeleteJobRequest),
}

impl Call {
    /// The operation's name (`CreateJob`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::CreateJob(_) => "CreateJob",
            Self::DescribeJob(_) => "DescribeJob",
            Self::ListJobs(_) => "ListJobs",
            Self::UpdateJobStatus(_) => "UpdateJobStatus",
            Self::UpdateJobPriority(_) => "UpdateJobPriority",
            Self::DeleteJob(_) => "DeleteJob",
        }
    }
}

/// A decoded request: the call and the `x-cos-appid` it was made for.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct IncomingCall {
    /// The APPID of the `x-cos-appid` header.
    pub appid: String,
    /// The call.
    pub call: Call,
}

/// Decodes a request as the service does, answering what it answers: `MethodNotAllowed` for a
/// method the resource does not take; `InvalidArgument` for a missing or bad `x-cos-appid`, a bad
/// `jobStatuses`, `maxResults`, `nextToken`, `requestedJobStatus`, `statusUpdateReason` or
/// `priority`; `InvalidRequest` for an empty CreateJob body, a missing priority or a
/// CreateJob priority out of range; `MalformedXML` for a body that is not a conforming
/// `CreateJobRequest`, including a value of `Manifest`, `Operation` or `Report` the API does not
/// document (see `CreateJobRequest::validate_known_values`). It takes every request the Go SDK
/// (`cos-go-sdk-v5`) sends: empty elements as absent, a disabled report without bucket, format
/// or scope, `+` for spaces in queries. The signature is not checked here (see `cos-sign`'s `Verifier`).
///
/// ```
/// use cos_batch_proto::{decode_request, Call};
/// use bytes::Bytes;
///
/// let request = http::Request::get("/jobs?maxResults=2&jobStatuses=Active")
///     .header("x-cos-appid", "1250000000")
///     .body(Bytes::new())
///     .unwrap();
/// let incoming = decode_request(&request).unwrap();
/// assert_eq!(incoming.appid, "1250000000");
/// let Call::ListJobs(list) = incoming.call else { panic!() };
/// assert_eq!(list.max_results, Some(2));
///
/// let bad = http::Request::get("/jobs?maxResults=0").header("x-cos-appid", "1").body(Bytes::new()).unwrap();
/// assert_eq!(decode_request(&bad).unwrap_err().code().as_str(), "InvalidArgument");
/// ```
pub fn decode_request(request: &Request<Bytes>) -> Result<IncomingCall, CosError> {
    let path = request.uri().path();
    let resource = route(path).map_err(|e| match e {
        RouteError::Unknown => CosError::new(
            StatusCode::NOT_FOUND,
            cos_batch_model::ErrorCode::Other("NoSuchResource".into()),
            "The specified resource does not exist",
        ),
        RouteError::BadJobId => CosError::invalid_argument("The job id is not valid UTF-8"),
    })?;
    let resource_text = path.to_owned();
    let with_resource = |e: CosError| e.with_resource(resource_text.clone());

    let method = request.method();
    let allowed = match &resource {
        Resource::Jobs => matches!(*method, Method::GET | Method::POST),
        Resource::Job(_) => matches!(*method, Method::GET | Method::DELETE),
        Resource::Status(_) | Resource::Priority(_) => *method == Method::POST,
    };
    if !allowed {
        return Err(with_resource(CosError::method_not_allowed(format!(
            "The specified method {method} is not allowed against this resource"
        ))));
    }

    let appid = appid(request).map_err(with_resource)?;
    let query = request.uri().query();
    let call = match resource {
        Resource::Jobs if *method == Method::POST => create_job(request),
        Resource::Jobs => list_jobs(query),
        Resource::Job(id) if *method == Method::GET => {
            Ok(Call::DescribeJob(DescribeJobRequest::new(id)))
        }
        Resource::Job(id) => Ok(Call::DeleteJob(DeleteJobRequest::new(id))),
        Resource::Status(id) => update_job_status(id.into_owned(), query),
        Resource::Priority(id) => update_job_priority(id.into_owned(), query),
    }
    .map_err(with_resource)?;
    validate(&call).map_err(with_resource)?;
    Ok(IncomingCall { appid, call })
}

fn appid(request: &Request<Bytes>) -> Result<String, CosError> {
    let value = request
        .headers()
        .get(APPID)
        .ok_or_else(|| CosError::invalid_argument("The x-cos-appid header is required"))?;
    match value.to_str() {
        Ok(v) if (1..=64).contains(&v.len()) => Ok(v.to_owned()),
        _ => Err(CosError::invalid_argument(
            "The x-cos-appid header must be 1-64 bytes",
        )),
    }
}

/// The documented lengths and ranges of the inputs without a body (job id 1–64 bytes,
/// `statusUpdateReason` 0–256, ...), from the model's `validate()`: one source of the bounds.
/// CreateJob's body was validated with its own error codes already.
fn validate(call: &Call) -> Result<(), CosError> {
    let checked = match call {
        Call::CreateJob(_) => Ok(()),
        Call::DescribeJob(r) => r.validate(),
        Call::ListJobs(r) => r.validate(),
        Call::UpdateJobStatus(r) => r.validate(),
        Call::UpdateJobPriority(r) => r.validate(),
        Call::DeleteJob(r) => r.validate(),
    };
    checked.map_err(|e| CosError::invalid_argument(e.to_string()))
}

fn create_job(request: &Request<Bytes>) -> Result<Call, CosError> {
    let body = request.body();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(CosError::invalid_request("The request body is empty"));
    }
    if let Some(md5) = request.headers().get(CONTENT_MD5)
        && md5.as_bytes() != content_md5(body).as_bytes()
    {
        return Err(CosError::new(
            StatusCode::BAD_REQUEST,
            cos_batch_model::ErrorCode::Other("InvalidDigest".into()),
            "The Content-MD5 you specified is not valid for the body",
        ));
    }
    let input = CreateJobRequest::from_xml(body).map_err(|e| match e.kind() {
        // A priority that is a number but out of range is the CreateJob page's InvalidRequest.
        DecodeErrorKind::InvalidValue { .. } if e.path().ends_with("/Priority") => {
            CosError::invalid_request(priority_message())
        }
        _ => CosError::malformed_xml(format!(
            "The XML you provided was not well-formed or did not validate: {e}"
        )),
    })?;
    input.validate().map_err(create_job_violation)?;
    // Values the API does not document (an unknown JobTier, StorageClass, ...) in Manifest,
    // Operation or Report: the CreateJob page's MalformedXML, not a job that fails later.
    input.validate_known_values().map_err(|errors| {
        CosError::malformed_xml(format!("The XML you provided did not validate: {errors}"))
    })?;
    Ok(Call::CreateJob(Box::new(input)))
}

fn priority_message() -> String {
    format!("Priority must be an integer between 0 and {MAX_PRIORITY}")
}

/// The CreateJob page's codes: a bad priority is InvalidRequest, a Manifest, Operation or
/// Report that does not conform is MalformedXML, anything else InvalidArgument.
fn create_job_violation(errors: ValidationErrors) -> CosError {
    let first = errors
        .violations()
        .first()
        .map(|v| v.path.as_str())
        .unwrap_or("");
    if first.ends_with("/Priority") {
        CosError::invalid_request(priority_message())
    } else if ["/Manifest", "/Operation", "/Report"]
        .iter()
        .any(|p| first.contains(p))
    {
        CosError::malformed_xml(format!("The XML you provided did not validate: {errors}"))
    } else {
        CosError::invalid_argument(errors.to_string())
    }
}

/// The query pairs, or `InvalidArgument` naming a pair that is not UTF-8.
fn query_pairs(query: Option<&str>) -> Result<Vec<(String, String)>, CosError> {
    pairs(query)
        .map(|p| {
            p.map_err(|key| {
                CosError::invalid_argument(format!("The parameter {key} is not valid UTF-8"))
            })
        })
        .collect()
}

fn list_jobs(query: Option<&str>) -> Result<Call, CosError> {
    let mut input = ListJobsRequest::new();
    for (key, value) in query_pairs(query)? {
        match key.as_str() {
            "jobStatuses" => {
                // One status per parameter; a comma-separated list is accepted too.
                for status in value.split(',').map(str::trim) {
                    let status = JobStatus::from(status);
                    if !status.is_known() {
                        return Err(CosError::invalid_argument(
                            "Parameter jobStatuses is invalid",
                        ));
                    }
                    input.job_statuses.push(status);
                }
            }
            "maxResults" => match value.trim().parse::<u32>() {
                Ok(n) if (1..=1000).contains(&n) => input.max_results = Some(n),
                _ => {
                    return Err(CosError::invalid_argument(
                        "The maxResults parameter must be an integer between 1 and 1000",
                    ));
                }
            },
            "nextToken" => {
                if !(1..=64).contains(&value.len()) {
                    return Err(CosError::invalid_argument(
                        "The nextToken parameter is invalid",
                    ));
                }
                input.next_token = Some(value);
            }
            _ => {}
        }
    }
    Ok(Call::ListJobs(input))
}

fn update_job_status(job_id: String, query: Option<&str>) -> Result<Call, CosError> {
    let mut requested = None;
    let mut reason = None;
    for (key, value) in query_pairs(query)? {
        match key.as_str() {
            "requestedJobStatus" => requested = Some(RequestedJobStatus::from(value.trim())),
            "statusUpdateReason" => reason = Some(value),
            _ => {}
        }
    }
    let requested = match requested {
        Some(r @ (RequestedJobStatus::Ready | RequestedJobStatus::Cancelled)) => r,
        _ => {
            return Err(CosError::invalid_argument(
                "The value of the requestedJobStatus parameter must be Cancelled or Ready",
            ));
        }
    };
    let mut input = UpdateJobStatusRequest::new(job_id, requested);
    input.status_update_reason = reason;
    Ok(Call::UpdateJobStatus(input))
}

fn update_job_priority(job_id: String, query: Option<&str>) -> Result<Call, CosError> {
    let value = query_pairs(query)?
        .into_iter()
        .find(|(k, _)| k == "priority")
        .map(|(_, v)| v)
        .ok_or_else(|| CosError::invalid_request("The priority parameter is required"))?;
    match value.trim().parse::<u32>() {
        Ok(p) if p <= MAX_PRIORITY => Ok(Call::UpdateJobPriority(UpdateJobPriorityRequest::new(
            job_id, p,
        ))),
        _ => Err(CosError::invalid_argument(priority_message())),
    }
}

/// The response that carries an error: its status, `x-cos-request-id`, `x-cos-trace-id` and
/// an XML error document. The request id is the error's own, else `request_id`.
pub fn encode_error(error: &CosError, request_id: &str) -> Response<Bytes> {
    let mut doc = error.to_document();
    let id = doc
        .request_id
        .get_or_insert_with(|| request_id.to_owned())
        .clone();
    let mut response = response(error.status(), &id, Some(doc.to_xml()));
    if let Some(trace) = error.trace_id()
        && let Ok(value) = http::HeaderValue::from_str(trace)
    {
        response.headers_mut().insert(TRACE_ID, value);
    }
    response
}
