//! `cos-batch demo`: a copy job from start to end on an in-process emulator, with no network
//! and no account.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use cos_batch_emulator::{Account, Config, Emulator, EmulatorHandle};
use cos_batch_hyper::Client;
use cos_batch_model::{
    CreateJobRequest, DescribeJobRequest, JobStatus, Manifest, ManifestField, ManifestFormat,
    ManifestLocation, ManifestSpec, Operation, PutObjectCopy, Report, ReportScope,
    RequestedJobStatus, UpdateJobStatusRequest,
};
use serde::Serialize;

use crate::cli::{DemoArgs, OutputFormat};
use crate::commands::emulator::DataDir;
use crate::commands::watch;
use crate::failure::Failure;
use crate::output;
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
    /// The report's `manifest.json`.
    pub report_manifest: String,
    /// The report's CSV files.
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
    for bucket in [TARGET, REPORTS] {
        handle
            .create_bucket(bucket, appid)
            .map_err(|e| Failure::local(format!("cannot create bucket {bucket}: {e}")))?;
    }
    let etag = write_objects(handle, appid, args.objects)?;
    say(format!(
        "wrote {} source objects and a manifest to bucket {SOURCE}-{appid}",
        args.objects
    ));

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
        Manifest::new(
            ManifestLocation::new(handle.object_arn(SOURCE, appid, MANIFEST_KEY), etag),
            ManifestSpec::new(
                ManifestFormat::CosBatchOperationsCsvV1,
                vec![ManifestField::Bucket, ManifestField::Key],
            ),
        ),
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
    let deadline = Instant::now() + PREPARE_TIMEOUT;
    loop {
        let job = client
            .describe_job_with(DescribeJobRequest::new(&job_id))
            .await?
            .job
            .unwrap_or_default();
        match job.status {
            Some(JobStatus::Suspended) => {
                let total = job
                    .progress_summary
                    .and_then(|p| p.total_number_of_tasks)
                    .unwrap_or(0);
                say(format!(
                    "job is Suspended with {total} tasks: confirming it"
                ));
                break;
            }
            Some(ref s) if s.is_terminal() => {
                return Err(Failure::local(format!(
                    "the job ended {s} before confirmation: {}",
                    output::job(&job).trim_end()
                )));
            }
            _ if Instant::now() > deadline => {
                return Err(Failure::local("the job did not reach Suspended in time"));
            }
            _ => tokio::time::sleep(interval).await,
        }
    }
    let mut confirm = UpdateJobStatusRequest::new(&job_id, RequestedJobStatus::Ready);
    confirm.status_update_reason = Some("confirmed by cos-batch demo".to_owned());
    client.update_job_status_with(confirm).await?;

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
    let report = read_report(handle, appid, &job_id)?;
    let copied = count_files(
        &handle
            .bucket_dir(TARGET, appid)
            .map_err(Failure::local)?
            .join("copies"),
    );
    let outcome = DemoOutcome {
        job_id,
        status: job.status.map(|s| s.to_string()).unwrap_or_default(),
        succeeded: summary.number_of_tasks_succeeded.unwrap_or(0),
        failed: summary.number_of_tasks_failed.unwrap_or(0),
        total: summary.total_number_of_tasks.unwrap_or(0),
        data_dir: handle.data_dir().display().to_string(),
        data_dir_kept: true,
        copied_objects: copied,
        report_manifest: report.manifest.display().to_string(),
        report_files: report
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect(),
        report_succeeded: report.succeeded,
        report_failed: report.failed,
    };
    Ok((outcome, code))
}

/// Writes the source objects and the manifest; returns the manifest's ETag.
fn write_objects(handle: &EmulatorHandle, appid: &str, count: u32) -> Result<String, Failure> {
    let put = |key: &str, bytes: &[u8]| {
        handle
            .put_object(SOURCE, appid, key, bytes)
            .map_err(|e| Failure::local(format!("cannot write object {key}: {e}")))
    };
    let mut manifest = csv::Writer::from_writer(Vec::new());
    let bucket = format!("{SOURCE}-{appid}");
    for i in 0..count {
        let key = format!("photos/{i:05}.txt");
        put(
            &key,
            format!("cos-batch demo object {i}\n").repeat(32).as_bytes(),
        )?;
        manifest
            .write_record([bucket.as_str(), key.as_str()])
            .map_err(Failure::local)?;
    }
    let manifest = manifest.into_inner().map_err(Failure::local)?;
    put(MANIFEST_KEY, &manifest)
}

struct ReportFiles {
    manifest: PathBuf,
    files: Vec<PathBuf>,
    succeeded: u64,
    failed: u64,
}

/// Reads the completion report: `manifest.json`, then every CSV it lists, counting rows by
/// their `TaskStatus` column.
fn read_report(handle: &EmulatorHandle, appid: &str, job_id: &str) -> Result<ReportFiles, Failure> {
    let manifest = handle
        .object_path(
            REPORTS,
            appid,
            &format!("reports/job-{job_id}/manifest.json"),
        )
        .map_err(Failure::local)?;
    let text = std::fs::read(&manifest)
        .map_err(|e| Failure::local(format!("no report at {}: {e}", manifest.display())))?;
    let doc: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|e| Failure::local(format!("{}: {e}", manifest.display())))?;
    let mut report = ReportFiles {
        manifest,
        files: Vec::new(),
        succeeded: 0,
        failed: 0,
    };
    let results = doc["Results"].as_array().cloned().unwrap_or_default();
    for result in results {
        let Some(key) = result["Key"].as_str() else {
            continue;
        };
        let path = handle
            .object_path(REPORTS, appid, key)
            .map_err(Failure::local)?;
        let mut rows = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(&path)
            .map_err(|e| Failure::local(format!("{}: {e}", path.display())))?;
        for row in rows.records() {
            let row = row.map_err(|e| Failure::local(format!("{}: {e}", path.display())))?;
            match row.get(3) {
                Some("succeeded") => report.succeeded += 1,
                _ => report.failed += 1,
            }
        }
        report.files.push(path);
    }
    Ok(report)
}

fn count_files(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => count_files(&e.path()),
            Ok(t) if t.is_file() => 1,
            _ => 0,
        })
        .sum()
}
