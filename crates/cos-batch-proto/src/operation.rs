//! `Operation`: one type per API operation, each with both halves of its wire contract.

use bytes::Bytes;
use cos_batch_model::{
    CreateJobRequest, CreateJobResult, DeleteJobRequest, DeleteJobResult, DescribeJobRequest,
    DescribeJobResult, ListJobsRequest, ListJobsResult, UpdateJobPriorityRequest,
    UpdateJobPriorityResult, UpdateJobStatusRequest, UpdateJobStatusResult, XmlDocument,
};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode};

use crate::Endpoint;
use crate::body::{APPLICATION_XML, set_xml_headers};
use crate::error::{CosError, EncodeError, REQUEST_ID, ResponseError};
use crate::path::job_path;
use crate::query::QueryWriter;

/// The header every request carries: the account's APPID.
pub const APPID: &str = "x-cos-appid";

/// One operation of the batch API, from the client's request to the server's response and
/// back. No IO: any HTTP stack can carry the requests and responses.
///
/// ```
/// use cos_batch_proto::{DescribeJob, Endpoint, Operation};
/// use cos_batch_model::DescribeJobRequest;
///
/// let endpoint = Endpoint::new("100000000001", "ap-chengdu", "1250000000").unwrap();
/// let request = DescribeJob::encode(&DescribeJobRequest::new("53dc6228"), &endpoint).unwrap();
/// assert_eq!(request.method(), "GET");
/// assert_eq!(request.uri(), "https://100000000001.cos-control.ap-chengdu.myqcloud.com/jobs/53dc6228");
/// assert_eq!(request.headers()["x-cos-appid"], "1250000000");
///
/// // Send it (sign it first, with cos-sign), then decode what comes back:
/// let response = http::Response::builder()
///     .status(404)
///     .header("x-cos-request-id", "NWRm")
///     .body(bytes::Bytes::from_static(b"<Error><Code>NoSuchJob</Code><Message>The specified job does not exist</Message></Error>"))
///     .unwrap();
/// let err = DescribeJob::decode_response(&response).unwrap_err();
/// assert_eq!(err.as_service().unwrap().code().as_str(), "NoSuchJob");
/// assert_eq!(err.request_id(), Some("NWRm"));
/// ```
pub trait Operation {
    /// What the caller gives.
    type Input;
    /// What a successful response holds.
    type Output;
    /// The operation's name, as in the API reference (`CreateJob`).
    const NAME: &'static str;
    /// Whether sending the request twice has no more effect than sending it once, so a
    /// transport may retry it after a lost response. Only `CreateJob` is not: it is made
    /// idempotent by its `ClientRequestToken` (see [`crate::idempotency`]).
    const IDEMPOTENT: bool;
    /// The HTTP method.
    const METHOD: Method;

    /// Validates the input and encodes the (unsigned) request.
    fn encode(input: &Self::Input, endpoint: &Endpoint) -> Result<Request<Bytes>, EncodeError>;

    /// Decodes a response: the output for a 2xx, a [`ResponseError`] otherwise.
    fn decode(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Self::Output, ResponseError>;

    /// [`Operation::decode`] of a whole response.
    fn decode_response(response: &Response<Bytes>) -> Result<Self::Output, ResponseError> {
        Self::decode(response.status(), response.headers(), response.body())
    }

    /// The server side: the response that carries `output`.
    fn encode_response(output: &Self::Output, request_id: &str) -> Response<Bytes>;
}

/// A request with `x-cos-appid`, and for a body the XML headers; a POST without a body says
/// `Content-Length: 0` so that what is signed is what is sent.
fn request(
    method: Method,
    endpoint: &Endpoint,
    path_and_query: &str,
    body: Option<Bytes>,
) -> Result<Request<Bytes>, EncodeError> {
    let uri = endpoint.uri(path_and_query)?;
    let mut request = Request::builder()
        .method(method.clone())
        .uri(uri)
        .body(Bytes::new())?;
    let headers = request.headers_mut();
    headers.insert(
        HeaderName::from_static(APPID),
        endpoint.appid_header().clone(),
    );
    match body {
        Some(body) => {
            set_xml_headers(headers, &body);
            *request.body_mut() = body;
        }
        None if method == Method::POST => {
            headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        None => {}
    }
    Ok(request)
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A 2xx decoded as `T`, anything else as a service error.
fn decode_xml<T: XmlDocument>(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, ResponseError> {
    if !status.is_success() {
        return Err(ResponseError::Service(CosError::from_response(
            status, headers, body,
        )));
    }
    T::from_xml(body).map_err(|error| ResponseError::Decode {
        status,
        request_id: request_id(headers),
        error,
    })
}

/// A response with `x-cos-request-id` (when it can be a header value) and `body`.
pub(crate) fn response(
    status: StatusCode,
    request_id: &str,
    body: Option<String>,
) -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert(REQUEST_ID, id);
    }
    match body {
        Some(body) => {
            headers.insert(CONTENT_TYPE, APPLICATION_XML);
            headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
            *response.body_mut() = Bytes::from(body);
        }
        // A 204 carries no Content-Length at all (RFC 9110, 8.6).
        None if status == StatusCode::NO_CONTENT => {}
        None => {
            headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
    }
    response
}

fn xml_response(doc: &impl XmlDocument, request_id: &str) -> Response<Bytes> {
    response(StatusCode::OK, request_id, Some(doc.to_xml()))
}

/// The two methods every operation with an XML result shares: decode a 2xx as the document,
/// and send the document with a 200.
macro_rules! xml_result {
    ($output:ty) => {
        fn decode(
            status: StatusCode,
            headers: &HeaderMap,
            body: &[u8],
        ) -> Result<$output, ResponseError> {
            decode_xml(status, headers, body)
        }

        fn encode_response(output: &$output, request_id: &str) -> Response<Bytes> {
            xml_response(output, request_id)
        }
    };
}

/// `CreateJob`: `POST /jobs` with a `CreateJobRequest` body.
#[derive(Clone, Copy, Debug)]
pub struct CreateJob;

impl Operation for CreateJob {
    type Input = CreateJobRequest;
    type Output = CreateJobResult;
    const NAME: &'static str = "CreateJob";
    const IDEMPOTENT: bool = false;
    const METHOD: Method = Method::POST;

    fn encode(
        input: &CreateJobRequest,
        endpoint: &Endpoint,
    ) -> Result<Request<Bytes>, EncodeError> {
        input.validate()?;
        request(
            Self::METHOD,
            endpoint,
            "/jobs",
            Some(Bytes::from(input.to_xml())),
        )
    }

    xml_result!(CreateJobResult);
}

/// `DescribeJob`: `GET /jobs/{JobId}`.
#[derive(Clone, Copy, Debug)]
pub struct DescribeJob;

impl Operation for DescribeJob {
    type Input = DescribeJobRequest;
    type Output = DescribeJobResult;
    const NAME: &'static str = "DescribeJob";
    const IDEMPOTENT: bool = true;
    const METHOD: Method = Method::GET;

    fn encode(
        input: &DescribeJobRequest,
        endpoint: &Endpoint,
    ) -> Result<Request<Bytes>, EncodeError> {
        input.validate()?;
        request(Self::METHOD, endpoint, &job_path(&input.job_id, ""), None)
    }

    xml_result!(DescribeJobResult);
}

/// `ListJobs`: `GET /jobs?jobStatuses=&maxResults=&nextToken=`.
#[derive(Clone, Copy, Debug)]
pub struct ListJobs;

impl Operation for ListJobs {
    type Input = ListJobsRequest;
    type Output = ListJobsResult;
    const NAME: &'static str = "ListJobs";
    const IDEMPOTENT: bool = true;
    const METHOD: Method = Method::GET;

    fn encode(input: &ListJobsRequest, endpoint: &Endpoint) -> Result<Request<Bytes>, EncodeError> {
        input.validate()?;
        let mut query = QueryWriter::default();
        for status in &input.job_statuses {
            query.pair("jobStatuses", status.as_str());
        }
        if let Some(max) = input.max_results {
            query.pair("maxResults", &max.to_string());
        }
        if let Some(token) = &input.next_token {
            query.pair("nextToken", token);
        }
        request(
            Self::METHOD,
            endpoint,
            &format!("/jobs{}", query.finish()),
            None,
        )
    }

    xml_result!(ListJobsResult);
}

/// `UpdateJobStatus`: `POST /jobs/{JobId}/status?requestedJobStatus=&statusUpdateReason=`.
#[derive(Clone, Copy, Debug)]
pub struct UpdateJobStatus;

impl Operation for UpdateJobStatus {
    type Input = UpdateJobStatusRequest;
    type Output = UpdateJobStatusResult;
    const NAME: &'static str = "UpdateJobStatus";
    const IDEMPOTENT: bool = true;
    const METHOD: Method = Method::POST;

    fn encode(
        input: &UpdateJobStatusRequest,
        endpoint: &Endpoint,
    ) -> Result<Request<Bytes>, EncodeError> {
        input.validate()?;
        let mut query = QueryWriter::default();
        query.pair("requestedJobStatus", input.requested_job_status.as_str());
        if let Some(reason) = &input.status_update_reason {
            query.pair("statusUpdateReason", reason);
        }
        let path = job_path(&input.job_id, "/status") + &query.finish();
        request(Self::METHOD, endpoint, &path, None)
    }

    xml_result!(UpdateJobStatusResult);
}

/// `UpdateJobPriority`: `POST /jobs/{JobId}/priority?priority=`.
#[derive(Clone, Copy, Debug)]
pub struct UpdateJobPriority;

impl Operation for UpdateJobPriority {
    type Input = UpdateJobPriorityRequest;
    type Output = UpdateJobPriorityResult;
    const NAME: &'static str = "UpdateJobPriority";
    const IDEMPOTENT: bool = true;
    const METHOD: Method = Method::POST;

    fn encode(
        input: &UpdateJobPriorityRequest,
        endpoint: &Endpoint,
    ) -> Result<Request<Bytes>, EncodeError> {
        input.validate()?;
        let mut query = QueryWriter::default();
        query.pair("priority", &input.priority.to_string());
        let path = job_path(&input.job_id, "/priority") + &query.finish();
        request(Self::METHOD, endpoint, &path, None)
    }

    xml_result!(UpdateJobPriorityResult);
}

/// `DeleteJob` (undocumented, after the Go SDK): `DELETE /jobs/{JobId}`, an empty 204 or 200.
#[derive(Clone, Copy, Debug)]
pub struct DeleteJob;

impl Operation for DeleteJob {
    type Input = DeleteJobRequest;
    type Output = DeleteJobResult;
    const NAME: &'static str = "DeleteJob";
    const IDEMPOTENT: bool = true;
    const METHOD: Method = Method::DELETE;

    fn encode(
        input: &DeleteJobRequest,
        endpoint: &Endpoint,
    ) -> Result<Request<Bytes>, EncodeError> {
        input.validate()?;
        request(Self::METHOD, endpoint, &job_path(&input.job_id, ""), None)
    }

    /// Any 2xx is success; its body, if any, is ignored.
    fn decode(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<DeleteJobResult, ResponseError> {
        if status.is_success() {
            Ok(DeleteJobResult)
        } else {
            Err(ResponseError::Service(CosError::from_response(
                status, headers, body,
            )))
        }
    }

    fn encode_response(_: &DeleteJobResult, request_id: &str) -> Response<Bytes> {
        response(StatusCode::NO_CONTENT, request_id, None)
    }
}
