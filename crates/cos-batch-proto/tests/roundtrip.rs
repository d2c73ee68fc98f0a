//! Both halves of every operation agree: what a client encodes, the server decodes to the same
//! input; what the server encodes, the client decodes to the same output.

use bytes::Bytes;
use cos_batch_model::strategy;
use cos_batch_proto::{
    Call, CreateJob, DeleteJob, DescribeJob, Endpoint, ListJobs, Operation, UpdateJobPriority,
    UpdateJobStatus, decode_request,
};
use http::Request;
use proptest::prelude::*;

fn endpoint() -> Endpoint {
    Endpoint::new("100000000001", "ap-guangzhou", "1250000000").unwrap()
}

/// The request a server receives: the client's, with the URI reduced to its origin form.
fn as_received(request: Request<Bytes>) -> Request<Bytes> {
    let (mut parts, body) = request.into_parts();
    parts.uri = parts
        .uri
        .path_and_query()
        .unwrap()
        .as_str()
        .parse()
        .unwrap();
    Request::from_parts(parts, body)
}

fn server_call<O: Operation>(input: &O::Input) -> Call {
    let request = O::encode(input, &endpoint()).expect("a valid input encodes");
    assert_eq!(request.method(), O::METHOD);
    assert_eq!(request.headers()["x-cos-appid"], "1250000000");
    let incoming =
        decode_request(&as_received(request)).unwrap_or_else(|e| panic!("{}: {e}", O::NAME));
    assert_eq!(incoming.appid, "1250000000");
    incoming.call
}

fn response_round_trip<O: Operation>(output: &O::Output) -> O::Output {
    let response = O::encode_response(output, "req-1");
    assert!(response.status().is_success());
    assert_eq!(response.headers()["x-cos-request-id"], "req-1");
    O::decode_response(&response).unwrap_or_else(|e| panic!("{}: {e}", O::NAME))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn create_job(input in strategy::create_job_request(), output in strategy::create_job_result()) {
        let request = CreateJob::encode(&input, &endpoint()).unwrap();
        // The body carries its MD5 and length.
        prop_assert_eq!(request.headers()["content-length"].to_str().unwrap(), request.body().len().to_string());
        prop_assert!(request.headers().contains_key("content-md5"));
        prop_assert_eq!(request.headers()["content-type"].to_str().unwrap(), "application/xml");
        if input.validate_known_values().is_ok() {
            prop_assert_eq!(server_call::<CreateJob>(&input), Call::CreateJob(Box::new(input)));
        } else {
            // A value the API does not document: the server refuses the body as MalformedXML.
            let request = as_received(CreateJob::encode(&input, &endpoint()).unwrap());
            let e = decode_request(&request).unwrap_err();
            prop_assert_eq!(e.code(), &cos_batch_proto::ErrorCode::MalformedXml);
        }
        prop_assert_eq!(response_round_trip::<CreateJob>(&output), output);
    }

    #[test]
    fn describe_job(input in strategy::describe_job_request(), output in strategy::describe_job_result()) {
        prop_assert_eq!(server_call::<DescribeJob>(&input), Call::DescribeJob(input));
        prop_assert_eq!(response_round_trip::<DescribeJob>(&output), output);
    }

    #[test]
    fn list_jobs(input in strategy::list_jobs_request(), output in strategy::list_jobs_result()) {
        if input.job_statuses.iter().all(|s| s.is_known()) {
            prop_assert_eq!(server_call::<ListJobs>(&input), Call::ListJobs(input));
        } else {
            // A client may send a status it does not know; the service refuses it.
            let request = as_received(ListJobs::encode(&input, &endpoint()).unwrap());
            let err = decode_request(&request).unwrap_err();
            prop_assert_eq!(err.code().as_str(), "InvalidArgument");
            prop_assert_eq!(err.message(), "Parameter jobStatuses is invalid");
        }
        prop_assert_eq!(response_round_trip::<ListJobs>(&output), output);
    }

    #[test]
    fn update_job_status(input in strategy::update_job_status_request(), output in strategy::update_job_status_result()) {
        prop_assert_eq!(server_call::<UpdateJobStatus>(&input), Call::UpdateJobStatus(input));
        prop_assert_eq!(response_round_trip::<UpdateJobStatus>(&output), output);
    }

    #[test]
    fn update_job_priority(input in strategy::update_job_priority_request(), output in strategy::update_job_priority_result()) {
        prop_assert_eq!(server_call::<UpdateJobPriority>(&input), Call::UpdateJobPriority(input));
        prop_assert_eq!(response_round_trip::<UpdateJobPriority>(&output), output);
    }

    #[test]
    fn delete_job(input in strategy::delete_job_request()) {
        prop_assert_eq!(server_call::<DeleteJob>(&input), Call::DeleteJob(input));
        let response = DeleteJob::encode_response(&cos_batch_model::DeleteJobResult, "req-1");
        prop_assert_eq!(response.status(), 204);
        prop_assert!(!response.headers().contains_key("content-length"));
        prop_assert!(DeleteJob::decode_response(&response).is_ok());
    }

    #[test]
    fn error_documents(doc in strategy::error_document(), status in 400u16..600) {
        let status = http::StatusCode::from_u16(status).unwrap();
        let message = doc.message.clone().unwrap_or_default();
        let code = doc.code.clone();
        let mut error = cos_batch_proto::CosError::new(status, code.clone().unwrap_or(cos_batch_model::ErrorCode::InternalError), message.clone());
        if let Some(r) = &doc.resource { error = error.with_resource(r.clone()); }
        if let Some(t) = &doc.trace_id { error = error.with_trace_id(t.clone()); }
        let response = cos_batch_proto::encode_error(&error, "req-9");
        let back = DescribeJob::decode_response(&response).unwrap_err();
        let back = back.as_service().unwrap();
        prop_assert_eq!(back.status(), status);
        prop_assert_eq!(back.message(), message.as_str());
        prop_assert_eq!(back.request_id(), Some("req-9"));
        prop_assert_eq!(back.resource(), doc.resource.as_deref());
        prop_assert_eq!(back.trace_id(), doc.trace_id.as_deref());
    }

    #[test]
    fn client_decoders_never_panic(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let status = http::StatusCode::from_u16(status).unwrap();
        let headers = http::HeaderMap::new();
        let _ = CreateJob::decode(status, &headers, &body);
        let _ = DescribeJob::decode(status, &headers, &body);
        let _ = ListJobs::decode(status, &headers, &body);
        let _ = UpdateJobStatus::decode(status, &headers, &body);
        let _ = UpdateJobPriority::decode(status, &headers, &body);
        let _ = DeleteJob::decode(status, &headers, &body);
    }

    #[test]
    fn decode_request_never_panics(
        method in prop_oneof![Just("GET".to_owned()), Just("POST".to_owned()), Just("DELETE".to_owned()), Just("PUT".to_owned()), "[A-Z]{1,7}"],
        path in "(/[a-z%0-9A-F.]{0,12}){0,4}",
        query in "([a-zA-Z%0-9+]{0,12}=[a-zA-Z%0-9+,]{0,12}&?){0,4}",
        appid in proptest::option::of("[ -~]{0,70}"),
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let target = if query.is_empty() { path.clone() } else { format!("{path}?{query}") };
        let Ok(uri) = target.parse::<http::Uri>() else { return Ok(()) };
        let mut builder = Request::builder().method(method.as_str()).uri(uri);
        if let Some(a) = appid { builder = builder.header("x-cos-appid", a); }
        if let Ok(request) = builder.body(Bytes::from(body)) {
            let _ = decode_request(&request);
        }
    }
}
