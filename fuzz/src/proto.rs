//! Fuzz checks for `cos-batch-proto`.

use bytes::Bytes;
use cos_batch_proto::{
    Call, CreateJob, DeleteJob, DescribeJob, Endpoint, ListJobs, Operation, UpdateJobPriority,
    UpdateJobStatus, decode_request, object,
};
use http::{Request, StatusCode};

/// The `cos-batch-proto` fuzz targets.
pub const TARGETS: &[crate::Target] = &[
    ("proto_decode_request", request),
    ("proto_decode_response", response),
    ("proto_object_request", object_request),
    ("proto_object_listing", object_listing),
];

fn endpoint() -> Endpoint {
    Endpoint::with_base_url("http://127.0.0.1:9", "1250000000")
        .unwrap_or_else(|e| panic!("fixed endpoint: {e}"))
}

/// `method \n target \n (name: value \n)* \n body`: whatever decodes must encode again (with
/// the client half) into a request that decodes to the same call.
pub fn request(data: &[u8]) {
    let Some(request) = parse_request(data) else {
        return;
    };
    let Ok(incoming) = decode_request(&request) else {
        return;
    };
    let encoded = match &incoming.call {
        Call::CreateJob(i) => CreateJob::encode(i, &endpoint()),
        Call::DescribeJob(i) => DescribeJob::encode(i, &endpoint()),
        Call::ListJobs(i) => ListJobs::encode(i, &endpoint()),
        Call::UpdateJobStatus(i) => UpdateJobStatus::encode(i, &endpoint()),
        Call::UpdateJobPriority(i) => UpdateJobPriority::encode(i, &endpoint()),
        Call::DeleteJob(i) => DeleteJob::encode(i, &endpoint()),
        _ => return,
    };
    let encoded = encoded.unwrap_or_else(|e| panic!("an accepted call does not encode: {e}"));
    let (mut parts, body) = encoded.into_parts();
    parts.uri = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/")
        .parse()
        .unwrap_or_else(|e| panic!("origin form: {e}"));
    let again = decode_request(&Request::from_parts(parts, body))
        .unwrap_or_else(|e| panic!("a re-encoded call is refused: {e}"));
    assert_eq!(
        again.call, incoming.call,
        "the call changed on the way round"
    );
}

fn parse_request(data: &[u8]) -> Option<Request<Bytes>> {
    let split = data.windows(2).position(|w| w == b"\n\n");
    let (head, body) = match split {
        Some(i) => (&data[..i], data.get(i + 2..).unwrap_or_default()),
        None => (data, &b""[..]),
    };
    let mut lines = head.split(|&b| b == b'\n');
    let mut builder = Request::builder().method(lines.next()?).uri(lines.next()?);
    for line in lines {
        let colon = line.iter().position(|&b| b == b':')?;
        let (name, value) = line.split_at(colon);
        let value = value.get(1..)?.trim_ascii();
        builder = builder.header(name, value);
    }
    builder.body(Bytes::copy_from_slice(body)).ok()
}

/// `op (1 byte) status (2 bytes) body`: every decoder either fails with a typed error or
/// gives an output that the server half encodes and the client half decodes unchanged.
pub fn response(data: &[u8]) {
    let [op, hi, lo, body @ ..] = data else {
        return;
    };
    let Ok(status) = StatusCode::from_u16(100 + u16::from_be_bytes([*hi, *lo]) % 500) else {
        return;
    };
    match op % 6 {
        0 => round_trip::<CreateJob>(status, body),
        1 => round_trip::<DescribeJob>(status, body),
        2 => round_trip::<ListJobs>(status, body),
        3 => round_trip::<UpdateJobStatus>(status, body),
        4 => round_trip::<UpdateJobPriority>(status, body),
        _ => round_trip::<DeleteJob>(status, body),
    }
}

fn round_trip<O>(status: StatusCode, body: &[u8])
where
    O: Operation,
    O::Output: PartialEq + std::fmt::Debug,
{
    let Ok(output) = O::decode(status, &http::HeaderMap::new(), body) else {
        return;
    };
    // Values that did not parse are kept beside the typed fields but never encoded, so the
    // first encoding is the fixed point: what it decodes to encodes and decodes to itself.
    let encoded = O::encode_response(&output, "fuzz");
    let once = O::decode_response(&encoded)
        .unwrap_or_else(|e| panic!("{}: an encoded output does not decode: {e}", O::NAME));
    let twice = O::decode_response(&O::encode_response(&once, "fuzz"))
        .unwrap_or_else(|e| panic!("{}: an encoded output does not decode: {e}", O::NAME));
    assert_eq!(
        twice,
        once,
        "{}: the output changed on the way round",
        O::NAME
    );
}

/// The same request form as [`request`], through the object API's decoder: it routes or
/// refuses with a typed error, and a listing's parameters encode to a query that decodes to
/// the same parameters.
pub fn object_request(data: &[u8]) {
    let Some(request) = parse_request(data) else {
        return;
    };
    let Ok(Some(decoded)) = object::decode_request(&request) else {
        return;
    };
    if let object::ObjectCall::ListObjects(input) = decoded.call {
        // `to_query` gives `""` or `?...`; a URI's query comes without the `?`.
        let query = input.to_query();
        let again = object::ListObjectsInput::from_query(query.strip_prefix('?'))
            .unwrap_or_else(|e| panic!("an accepted listing query is refused: {query:?}: {e}"));
        assert_eq!(
            again, input,
            "the listing changed on the way round: {query:?}"
        );
    }
}

/// A `ListBucketResult` document: it decodes to a typed error or to a listing that encodes
/// and decodes to itself.
pub fn object_listing(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(listing) = object::ListObjectsOutput::from_xml(text) else {
        return;
    };
    let xml = listing.to_xml();
    let again = object::ListObjectsOutput::from_xml(&xml)
        .unwrap_or_else(|e| panic!("an encoded listing does not decode: {e}: {xml}"));
    assert_eq!(again, listing, "the listing changed on the way round");
}
