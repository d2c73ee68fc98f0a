//! `cos-batch demo`: a copy job from start to end on an in-process emulator, with no network
//! and no account.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use cos_batch_emulator::{Account, Config, Emulator, EmulatorHandle};
use cos_batch_hyper::Client;
use cos_batch_hyper::object::{ListObjectsInput, PutObjectInput};
use cos_batch_model::{CreateJobRequest, JobStatus, Operation, PutObjectCopy, Report, ReportScope};
use serde::Serialize;

use crate::cli::{DemoArgs, OutputFormat};
use crate::commands::emulator::DataDir;
use crate::commands::put::upload;
use crate::commands::report::summarize;
use crate::commands::{manifest, run, watch};
use crate::cos_url::CosUrl;
use crate::failure::Failure;
use crate::manifest_csv::ManifestFile;
use crate::output;
use crate::report_reader::{ReportLocation, result_files};
use crate::terminal::printable;

const SOURCE: &str = "demo-source";
const TARGET: &str = "demo-target";
const REPORTS: &str = "demo-reports";
const MANIFEST_KEY: &str = "manifests/demo.csv";
/// What the demo says when Ctrl-C stops it.
const INTERRUPTED: &str = "interrupted: the demo and its emulator stopped, and the data \
    directory is removed unless --data-dir named it";
/// How long the demo waits for the job to reach Suspended.
const PREPARE_TIMEOUT: Duration = Duration::from_secs(120);

/// What the demo did, for `--output json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DemoOutcome {
    /// The job.
    pub job_id: String,
    /// How it ended.
    pub status: String,
    /// Tasks that succeeded.
    pub succeeded: u64,
    /// Tasks that failed.
    pub failed: u64,
    /// Tasks in the job.
    pub total: u64,
    /// The emulator's data directory.
    pub data_dir: String,
    /// Whether the data directory is kept (`--data-dir`); a temporary one is removed at the
    /// end, with the copies and the report in it.
    pub data_dir_kept: bool,
    /// Objects found under the copies' prefix in the target bucket.
    pub copied_objects: u64,
    /// The report's `manifest.json`, read with GET Object: `cos://bucket/key`.
    pub report_manifest: String,
    /// The report's CSV files, `cos://bucket/key`.
    pub report_files: Vec<String>,
    /// Rows in the report, by task status.
    pub report_succeeded: u64,
    /// Failed rows in the report.
    pub report_failed: u64,
}

/// Run `demo`.
pub async fn run(args: &DemoArgs, format: OutputFormat) -> Result<ExitCode, Failure> {
    let started = Instant::now();
    let data = DataDir::new(args.data_dir.clone(), "cos-batch-demo-")?;
    let account = Account::demo();
    let handle = Emulator::start(Config::new(data.path()).with_account(account.clone()))
        .await
        .map_err(|e| Failure::local(format!("cannot start the emulator: {e}")))?;
    let progress = format == OutputFormat::Table;
    let say = |line: String| {
        if progress {
            println!("{}", printable(&line));
        }
    };
    say(format!(
        "emulator listening on {}; data in {}",
        handle.base_url(),
        data.describe("at the end")
    ));
    // Ctrl-C at any step stops the demo cleanly: the emulator shuts down and a temporary
    // data directory is removed.
    // `biased`: the signal is polled first, so its handler is in place before `drive` runs
    // (its first steps write the objects without yielding).
    let outcome = tokio::select! {
        biased;
        _ = tokio::signal::ctrl_c() => Err(Failure::Interrupted(INTERRUPTED.to_owned())),
        outcome = drive(&handle, &account, args, &say) => outcome,
    };
    handle.shutdown().await;
    let kept = data.is_kept();
    drop(data);
    let (mut outcome, code) = outcome?;
    outcome.data_dir_kept = kept;
    output::emit(format, &outcome, || {
        if !kept {
            return format!(
                "report: {} rows ({} succeeded, {} failed)\ncopies: {} objects\n\
                 the data directory was temporary and is removed, with the copies and the \
                 report: --data-dir DIR keeps them\ndemo finished in {:.1} s",
                outcome.report_succeeded + outcome.report_failed,
                outcome.report_succeeded,
                outcome.report_failed,
                outcome.copied_objects,
                started.elapsed().as_secs_f64(),
            );
        }
        format!(
            "report: {} rows ({} succeeded, {} failed)\n  {}\n{}\ncopies: {} objects under {}\n\
             demo finished in {:.1} s",
            outcome.report_succeeded + outcome.report_failed,
            outcome.report_succeeded,
            outcome.report_failed,
            outcome.report_manifest,
            outcome
                .report_files
                .iter()
                .map(|f| format!("  {f}"))
                .collect::<Vec<_>>()
                .join("\n"),
            outcome.copied_objects,
            Path::new(&outcome.data_dir)
                .join(format!("{TARGET}-{}", account.appid))
                .join("copies")
                .display(),
            started.elapsed().as_secs_f64(),
        )
    })?;
    Ok(ExitCode::from(code))
}

async fn drive(
    handle: &EmulatorHandle,
    account: &Account,
    args: &DemoArgs,
    say: &impl Fn(String),
) -> Result<(DemoOutcome, u8), Failure> {
    let appid = account.appid.as_str();
    let client = Client::builder()
        .endpoint(handle.endpoint(account))
        .credentials(account.credentials())
        .user_agent(concat!(
            "cos-batch-cli/",
            env!("CARGO_PKG_VERSION"),
            " demo"
        ))
        .build()
        .map_err(|e| Failure::local(format!("cannot build the client: {e}")))?;
    // Everything goes through the object API, signed by the client, as against COS.
    for bucket in [SOURCE, TARGET, REPORTS] {
        client
            .bucket(&format!("{bucket}-{appid}"))
            .map_err(Failure::local)?
            .put_bucket()
            .await?;
    }
    let etag = write_objects(&client, appid, args.objects).await?;
    say(format!(
        "wrote {} source objects and a manifest to bucket {SOURCE}-{appid} (PUT Object)",
        args.objects
    ));

    let mut copy = PutObjectCopy::new(handle.bucket_arn(TARGET, appid));
    copy.prefix_replace = Some(true);
    copy.resources_prefix = Some("photos/".to_owned());
    copy.target_key_prefix = Some("copies/photos/".to_owned());
    let mut report = Report::new(
        handle.bucket_arn(REPORTS, appid),
        true,
        ReportScope::AllTasks,
    );
    report.prefix = Some("reports".to_owned());
    let mut request = CreateJobRequest::new(
        "",
        manifest::element(handle.object_arn(SOURCE, appid, MANIFEST_KEY), etag),
        Operation::PutObjectCopy(copy),
        10,
        report,
        format!("qcs::cam::uin/{}:roleName/COS_Batch_QcsRole", account.uin),
    );
    request.confirmation_required = Some(true);
    request.description = Some(format!("cos-batch demo: copy {} objects", args.objects));
    let created = client.create_job_with(request).await?;
    let job_id = created
        .job_id
        .ok_or_else(|| Failure::Transport("CreateJob returned no JobId".to_owned()))?;
    say(format!(
        "created COSPutObjectCopy job {job_id} (confirmation required)"
    ));

    let interval = Duration::from_secs_f64(args.interval);
    let job = run::prepared(&client, &job_id, interval, PREPARE_TIMEOUT).await?;
    if job.status != Some(JobStatus::Suspended) {
        return Err(Failure::local(format!(
            "the job ended {} before confirmation: {}",
            job.status
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default(),
            output::job(&job).trim_end()
        )));
    }
    say(format!(
        "job is Suspended with {} tasks: confirming it",
        run::total_tasks(&job)
    ));
    run::confirm(&client, &job_id, "confirmed by cos-batch demo").await?;

    let job = watch::follow(&client, &job_id, interval)
        .await
        .map_err(|f| match f {
            Failure::Interrupted(_) => Failure::Interrupted(INTERRUPTED.to_owned()),
            other => other,
        })?;
    say(watch::summary(&job));
    let summary = job.progress_summary.unwrap_or_default();
    // A completed job with failed tasks is a failed demo too.
    let code = watch::exit_code(&job, true);
    let report = summarize(&client, &job, 0).await?;
    let files = result_files(&client, &ReportLocation::of(&job)?).await?;
    let copied = count_objects(&client, &format!("{TARGET}-{appid}"), "copies/").await?;
    let outcome = DemoOutcome {
        job_id,
        status: job.status.map(|s| s.to_string()).unwrap_or_default(),
        succeeded: summary.number_of_tasks_succeeded.unwrap_or(0),
        failed: summary.number_of_tasks_failed.unwrap_or(0),
        total: summary.total_number_of_tasks.unwrap_or(0),
        data_dir: handle.data_dir().display().to_string(),
        data_dir_kept: true,
        copied_objects: copied,
        report_manifest: report.report.clone(),
        report_files: files.iter().map(|f| f.url.to_string()).collect(),
        report_succeeded: report.total() - report.failed(),
        report_failed: report.failed(),
    };
    Ok((outcome, code))
}

/// Source objects PUT at once.
const PUTS_AT_ONCE: usize = 16;

/// Writes the source objects and the manifest with PUT Object; returns the manifest's ETag.
async fn write_objects(client: &Client, appid: &str, count: u32) -> Result<String, Failure> {
    use futures_util::StreamExt as _;
    let bucket_name = format!("{SOURCE}-{appid}");
    let bucket = client.bucket(&bucket_name).map_err(Failure::local)?;
    let mut manifest = ManifestFile::new()?;
    let mut puts = futures_util::stream::iter(0..count)
        .map(|i| {
            let bucket = bucket.clone();
            async move {
                let key = format!("photos/{i:05}.txt");
                let body = format!("cos-batch demo object {i}\n").repeat(32);
                bucket
                    .put_object(&PutObjectInput::new(key.clone()), body.into())
                    .await
                    .map(|_| key)
            }
        })
        .buffered(PUTS_AT_ONCE);
    while let Some(key) = puts.next().await {
        manifest.push(&bucket_name, &key?, None)?;
    }
    manifest.finish()?;
    let to = CosUrl {
        bucket: bucket_name,
        key: MANIFEST_KEY.to_owned(),
    };
    upload(client, manifest.path(), &to).await
}

/// Objects under `prefix` in `bucket`, counted page by page.
async fn count_objects(client: &Client, bucket: &str, prefix: &str) -> Result<u64, Failure> {
    use futures_util::TryStreamExt as _;
    let mut input = ListObjectsInput::default();
    input.prefix = prefix.to_owned();
    let listed = client.bucket(bucket).map_err(Failure::local)?;
    let mut objects = std::pin::pin!(listed.list_objects_stream(input));
    let mut n = 0;
    while objects.try_next().await?.is_some() {
        n += 1;
    }
    Ok(n)
}
