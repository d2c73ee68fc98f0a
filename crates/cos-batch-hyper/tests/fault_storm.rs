//! 500 CreateJob calls with the client's default settings against the emulator injecting
//! 20 % and 40 % faults (a third each: 500 answers, 503 answers, CreateJob responses dropped
//! after the job was made). A caller retries a call that failed with a new token, and one
//! whose outcome is unknown with its token. No call may report a failure while its job
//! exists, and no call may end with two jobs.
//!
//! `cargo test -p cos-batch-hyper --test fault_storm -- --nocapture` prints the figures.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use cos_batch_emulator::test_util::put_manifest;
use cos_batch_emulator::{EmulatorHandle, Faults};
use cos_batch_hyper::model::{
    CreateJobRequest, DescribeJobRequest, ListJobsRequest, Manifest, Operation, PutObjectTagging,
    Report, ReportScope, Tag,
};
use cos_batch_hyper::{Client, RetryPolicy};
use futures_util::{StreamExt as _, TryStreamExt as _};

mod support;

use support::EmulatorSetup;

const CALLS: usize = 500;
const CONCURRENCY: usize = 25;

/// What one logical call of the caller saw.
#[derive(Default)]
struct CallLog {
    /// Tokens of attempts that reported a failure (the caller then used a new token).
    failed_tokens: Vec<String>,
    /// Every token the call used.
    tokens: Vec<String>,
    /// How many times the outcome was unknown.
    unknown: usize,
    succeeded: bool,
}

fn request(
    handle: &EmulatorHandle,
    appid: &str,
    manifest: &Manifest,
    token: &str,
) -> CreateJobRequest {
    let mut request = CreateJobRequest::new(
        token,
        manifest.clone(),
        Operation::PutObjectTagging(PutObjectTagging::new(vec![Tag::new("k", "v")])),
        5,
        Report::new(
            handle.bucket_arn("src", appid),
            false,
            ReportScope::AllTasks,
        ),
        "qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole",
    );
    // Jobs wait for a confirmation that never comes: the storm is about CreateJob alone.
    request.confirmation_required = Some(true);
    request
}

/// One logical call: retried by the caller until it succeeds (at most 8 calls).
async fn logical_call(
    client: Client,
    make: impl Fn(&str) -> CreateJobRequest,
    i: usize,
) -> CallLog {
    let mut log = CallLog::default();
    let mut token = format!("call-{i}-0");
    let mut after_unknown = false;
    for attempt in 1..=8 {
        log.tokens.push(token.clone());
        match client.create_job_with(make(&token)).await {
            Ok(_) => {
                log.succeeded = true;
                break;
            }
            Err(e) if e.outcome_unknown_token() == Some(token.as_str()) => {
                log.unknown += 1;
                after_unknown = true;
            }
            // Called again with the token of an unknown outcome: the job exists.
            Err(e) if after_unknown && e.service().is_some_and(|s| s.is_duplicate_request()) => {
                log.succeeded = true;
                break;
            }
            Err(_) => {
                log.failed_tokens.push(token.clone());
                token = format!("call-{i}-{attempt}");
                after_unknown = false;
            }
        }
    }
    log
}

/// Runs the storm at `share` faults; prints and checks the figures.
async fn storm(share: f64, seed: u64) {
    let faults = Faults::new()
        .with_share_500(share / 3.0)
        .with_share_503(share / 3.0)
        .with_share_drop_after_create(share / 3.0)
        .with_seed(seed);
    // The client under test: default settings.
    let setup = EmulatorSetup::with(faults, |client| client).await;
    let (handle, account, client) = (setup.handle, setup.account, setup.client);
    // The data directory lives as long as `setup`'s remaining field.
    let appid = account.appid.clone();
    let manifest = put_manifest(
        &handle,
        "src",
        &appid,
        "manifest.csv",
        format!("src-{appid},a\n").as_bytes(),
    )
    .unwrap();
    let builder = || {
        Client::builder()
            .endpoint(handle.endpoint(&account))
            .credentials(account.credentials())
    };

    let started = Instant::now();
    let handle_ref = &handle;
    let logs: Vec<CallLog> = futures_util::stream::iter(0..CALLS)
        .map(|i| {
            let (client, appid, manifest) = (client.clone(), appid.clone(), manifest.clone());
            logical_call(
                client,
                move |t| request(handle_ref, &appid, &manifest, t),
                i,
            )
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let took = started.elapsed();

    // What exists, read with a patient client.
    let checker = builder()
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(100)
                .with_base_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(5))
                .with_max_elapsed(None),
        )
        .build()
        .unwrap();
    let ids: Vec<String> = checker
        .list_jobs_stream(ListJobsRequest::new())
        .map_ok(|j| j.job_id.unwrap())
        .try_collect()
        .await
        .unwrap();
    let mut jobs_of_token: HashMap<String, usize> = HashMap::new();
    for id in &ids {
        let job = checker
            .describe_job_with(DescribeJobRequest::new(id.as_str()))
            .await
            .unwrap()
            .job
            .unwrap();
        *jobs_of_token
            .entry(job.client_request_token.unwrap())
            .or_default() += 1;
    }
    let has_job = |t: &String| jobs_of_token.contains_key(t);
    let first_try = logs
        .iter()
        .filter(|l| l.succeeded && l.tokens.len() == 1)
        .count();
    let reported_failures: usize = logs.iter().map(|l| l.failed_tokens.len()).sum();
    let false_failures: usize = logs
        .iter()
        .map(|l| l.failed_tokens.iter().filter(|t| has_job(t)).count())
        .sum();
    let unknown: usize = logs.iter().map(|l| l.unknown).sum();
    let duplicated = logs
        .iter()
        .filter(|l| l.tokens.iter().filter(|t| has_job(t)).count() > 1)
        .count();
    let never = logs.iter().filter(|l| !l.succeeded).count();
    let tokens: HashSet<&String> = logs.iter().flat_map(|l| &l.tokens).collect();
    println!(
        "{:.0} % faults, {CALLS} calls ({CONCURRENCY} at once), default settings, {took:?}: \
         {first_try} succeeded on the first call; {reported_failures} calls reported a failure, \
         {false_failures} of them while their job existed; {unknown} outcome-unknown errors; \
         {duplicated} calls with two jobs; {never} never succeeded; {} jobs for {} tokens",
        share * 100.0,
        ids.len(),
        tokens.len(),
    );
    assert_eq!(
        false_failures, 0,
        "calls reported failed while their job exists"
    );
    assert_eq!(duplicated, 0, "calls that made two jobs");
    assert!(jobs_of_token.values().all(|n| *n == 1));
    assert_eq!(never, 0);
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_create_jobs_at_20_percent_faults() {
    storm(0.2, 20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_create_jobs_at_40_percent_faults() {
    storm(0.4, 40).await;
}
