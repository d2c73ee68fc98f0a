//! Connection floods on loopback, bounded in count and time: connections that send nothing,
//! slowloris heads, idle kept-alive connections. Each flood test prints the time a normal
//! request took during its flood (`cargo test -p cos-batch-emulator --test floods --
//! --nocapture`); `tests/body_floods.rs` has the floods of bodies.

mod common;

use std::time::{Duration, Instant};

use common::*;
use cos_batch_emulator::{Config, DEFAULT_MAX_CONNECTIONS, EmulatorHandle};
use cos_batch_model::ListJobsRequest;
use cos_batch_proto::ListJobs;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Waits until the server closes `stream` (end of stream or a reset); how long that took, or
/// `None` if it stayed open for `within`. When `trickle` is set, a header line is written
/// every 100 ms meanwhile (a slowloris client).
async fn closed_by_server(
    mut stream: TcpStream,
    within: Duration,
    trickle: bool,
) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 1024];
    if trickle {
        stream.write_all(b"GET /jobs HTTP/1.1\r\n").await.ok()?;
    }
    while start.elapsed() < within {
        tokio::select! {
            read = stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => return Some(start.elapsed()),
                Ok(_) => {}
            },
            () = tokio::time::sleep(Duration::from_millis(100)) => {
                if trickle && stream.write_all(b"X-Slow: 1\r\n").await.is_err() {
                    return Some(start.elapsed());
                }
            }
        }
    }
    None
}

async fn open(emulator: &EmulatorHandle, n: usize) -> Vec<TcpStream> {
    let mut streams = Vec::with_capacity(n);
    for _ in 0..n {
        streams.push(TcpStream::connect(emulator.local_addr()).await.unwrap());
    }
    streams
}

/// Waits (at most 5 s) until the emulator has accepted what it will of the flood.
async fn settle(emulator: &EmulatorHandle, at_least: usize) {
    let start = Instant::now();
    while emulator.open_connections() < at_least && start.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The open connections once closing ones are gone (at most 2 s).
async fn settled_count(emulator: &EmulatorHandle) -> usize {
    let start = Instant::now();
    while emulator.open_connections() > 0 && start.elapsed() < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    emulator.open_connections()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_beyond_the_cap_do_not_keep_a_client_out() {
    const FLOOD: usize = DEFAULT_MAX_CONNECTIONS + 200;
    // Default cap and idle timeout; a short header-read timeout to keep the test short.
    let f = Fixture::new(|c: Config| c.with_header_read_timeout(Duration::from_secs(1))).await;
    let flood = open(&f.emulator, FLOOD).await;
    settle(&f.emulator, DEFAULT_MAX_CONNECTIONS).await;
    assert!(f.emulator.open_connections() <= DEFAULT_MAX_CONNECTIONS);
    let latency = f.timed_normal_request().await;
    println!(
        "idle flood of {FLOOD} connections (cap {DEFAULT_MAX_CONNECTIONS}): a normal request took {latency:?}"
    );
    assert!(latency < Duration::from_secs(5), "{latency:?}");
    assert!(f.emulator.open_connections() <= DEFAULT_MAX_CONNECTIONS);

    // Every flood connection is closed by the server (evicted or timed out) within the
    // header-read timeout and a generous margin.
    let waits = flood
        .into_iter()
        .map(|s| tokio::spawn(closed_by_server(s, Duration::from_secs(4), false)));
    let mut open_still = 0;
    for w in waits {
        if w.await.unwrap().is_none() {
            open_still += 1;
        }
    }
    assert_eq!(open_still, 0, "idle connections the server kept open");
    assert_eq!(settled_count(&f.emulator).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_heads_are_cut_at_the_header_read_timeout() {
    const FLOOD: usize = 300;
    let f = Fixture::new(|c: Config| {
        c.with_header_read_timeout(Duration::from_millis(500))
            .with_max_connections(64)
    })
    .await;
    let flood = open(&f.emulator, FLOOD).await;
    let waits: Vec<_> = flood
        .into_iter()
        .map(|s| tokio::spawn(closed_by_server(s, Duration::from_secs(4), true)))
        .collect();
    settle(&f.emulator, 64).await;
    assert!(f.emulator.open_connections() <= 64);
    let latency = f.timed_normal_request().await;
    println!("slowloris flood of {FLOOD} connections (cap 64): a normal request took {latency:?}");
    assert!(latency < Duration::from_secs(5), "{latency:?}");
    let mut longest = Duration::ZERO;
    for w in waits {
        let held = w
            .await
            .unwrap()
            .expect("a slowloris connection was held 4 s");
        longest = longest.max(held);
    }
    println!("the longest slowloris connection was held {longest:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_idle_after_a_request_is_closed() {
    let f = Fixture::new(|c: Config| c.with_idle_timeout(Duration::from_millis(300))).await;
    let stream = TcpStream::connect(f.emulator.local_addr()).await.unwrap();
    let io = hyper_util::rt::TokioIo::new(stream);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await.unwrap();
    let conn = tokio::spawn(connection);
    let request = f
        .client
        .sign(f.client.request::<ListJobs>(&ListJobsRequest::new()));
    let (mut parts, body) = request.into_parts();
    parts.uri = "/jobs".parse().unwrap();
    let response = sender
        .send_request(http::Request::from_parts(
            parts,
            http_body_util::Full::new(body),
        ))
        .await
        .unwrap();
    assert!(response.status().is_success());
    drop(response);
    // The client keeps the connection; the server closes it once idle.
    let ended = tokio::time::timeout(Duration::from_secs(3), conn).await;
    assert!(ended.is_ok(), "the idle kept-alive connection stayed open");
    assert_eq!(settled_count(&f.emulator).await, 0);
}
