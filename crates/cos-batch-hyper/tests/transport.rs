//! An HTTP transport of the caller's own: it sees every request the client sends (retries
//! and a CreateJob's recovery included), signed, and the client works with no hyper at all.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use cos_batch_hyper::model::{JobStatus, RequestedJobStatus};
use cos_batch_hyper::{
    CosError, Credentials, Endpoint, Error, ErrorCode, HttpFuture, HttpTransport, HyperTransport,
    TransportErrorKind,
};
use http::{Request, Response, StatusCode};
use support::{Fault, SECRET_ID, SECRET_KEY, TestServer, create_request, guarded};

/// Records each request, then hands it to the default transport.
struct Recording {
    inner: HyperTransport,
    seen: Arc<Mutex<Vec<(http::Method, String, bool)>>>,
}

impl HttpTransport for Recording {
    fn send(&self, request: Request<Bytes>, max_body: usize) -> HttpFuture<'_> {
        self.seen.lock().unwrap().push((
            request.method().clone(),
            request.uri().path().to_owned(),
            request.headers().contains_key(http::header::AUTHORIZATION),
        ));
        self.inner.send(request, max_body)
    }
}

#[tokio::test]
async fn an_injected_transport_sees_every_request() {
    guarded(async {
        let server = TestServer::start().await;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let client = server
            .client()
            .http_transport(Recording {
                inner: HyperTransport::new(Some(Duration::from_secs(5))).unwrap(),
                seen: Arc::clone(&seen),
            })
            .build()
            .unwrap();
        // A retried DescribeJob, a CreateJob whose response is lost (a retry, then the
        // recovery's ListJobs and DescribeJob), and the other operations.
        let id = server.seed_job("t", Duration::ZERO);
        server.fail_next(
            Some("DescribeJob"),
            Fault::Error(CosError::internal_error("blip")),
        );
        client.describe_job().job_id(&id).send().await.unwrap();
        server.fail_next(Some("CreateJob"), Fault::DropAfterServing);
        client.create_job_with(create_request(None)).await.unwrap();
        client
            .list_jobs()
            .job_status(JobStatus::New)
            .send()
            .await
            .unwrap();
        client
            .update_job_status()
            .job_id(&id)
            .requested_job_status(RequestedJobStatus::Cancelled)
            .send()
            .await
            .unwrap();
        client
            .update_job_priority()
            .job_id(&id)
            .priority(3)
            .send()
            .await
            .unwrap();
        client.delete_job().job_id(&id).send().await.unwrap();

        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), server.requests(), "{seen:?}");
        assert!(seen.len() >= 9, "{seen:?}");
        assert!(seen.iter().all(|(_, _, signed)| *signed));
        assert_eq!(
            seen.iter()
                .filter(|(m, p, _)| m == http::Method::POST && p == "/jobs")
                .count(),
            2
        );
    })
    .await;
}

/// Answers from a script, with no network at all.
struct Scripted {
    answers: Mutex<Vec<Result<Response<Bytes>, TransportErrorKind>>>,
    sent: Mutex<usize>,
}

impl HttpTransport for Scripted {
    fn send(&self, _request: Request<Bytes>, _max_body: usize) -> HttpFuture<'_> {
        *self.sent.lock().unwrap() += 1;
        let next = self.answers.lock().unwrap().remove(0);
        Box::pin(async move {
            next.map_err(|kind| cos_batch_hyper::TransportError::new(kind, "scripted"))
        })
    }
}

fn response(status: StatusCode, body: &'static str) -> Response<Bytes> {
    let mut r = Response::new(Bytes::from_static(body.as_bytes()));
    *r.status_mut() = status;
    r
}

#[tokio::test]
async fn a_transport_of_ones_own_needs_no_server() {
    let transport = Arc::new(Scripted {
        answers: Mutex::new(vec![
            Err(TransportErrorKind::Closed),
            Ok(response(
                StatusCode::OK,
                "<DescribeJobResult><Job><JobId>j-1</JobId><Status>Active</Status></Job></DescribeJobResult>",
            )),
            Ok(response(
                StatusCode::NOT_FOUND,
                "<Error><Code>NoSuchJob</Code><Message>gone</Message></Error>",
            )),
        ]),
        sent: Mutex::new(0),
    });
    let client = cos_batch_hyper::Client::builder()
        .endpoint(Endpoint::new("100000000001", "ap-chengdu", "1250000000").unwrap())
        .credentials(Credentials::new(SECRET_ID, SECRET_KEY))
        .retry_policy(support::quick_retries())
        .http_transport(Arc::clone(&transport))
        .build()
        .unwrap();
    let job = client.describe_job().job_id("j-1").send().await.unwrap();
    assert_eq!(job.job.unwrap().status, Some(JobStatus::Active));
    let e = client
        .describe_job()
        .job_id("j-2")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Service(s) if s.code() == &ErrorCode::NoSuchJob),
        "{e:?}"
    );
    assert_eq!(*transport.sent.lock().unwrap(), 3);
}
