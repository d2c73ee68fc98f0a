//! `cos-batch run`: the whole workflow in one command: the manifest (built from a listing or
//! a file of keys, or a ready `--manifest-file`) uploaded, the job created (waiting for
//! confirmation, so that nothing runs before its tasks are counted), confirmed with
//! `--confirm`, watched with the progress bar, and its report summarized. The exit code says
//! how it ended: 0 complete, 7 complete with failed tasks, 5 failed, 6 cancelled.

use std::process::ExitCode;
use std::time::Duration;

use cos_batch_hyper::Client;
use cos_batch_model::{Job, JobStatus, RequestedJobStatus, UpdateJobStatusRequest};
use serde::Serialize;

use crate::cli::{OutputFormat, RunArgs};
use crate::commands::put::upload;
use crate::commands::report::{ReportSummary, summarize};
use crate::commands::{create_job, manifest, watch};
use crate::cos_url::CosUrl;
use crate::failure::Failure;
use crate::interrupt::or_interrupted;
use crate::output;
use crate::terminal::printable;

/// Sample keys per failure group in the summary.
const SAMPLES: usize = 3;
/// How long `run` waits for the job to be prepared (its manifest read).
const PREPARE_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// What `run` did, for `--output json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RunOutcome {
    /// The manifest uploaded.
    pub manifest: manifest::Uploaded,
    /// The job.
    pub job_id: String,
    /// How it ended.
    pub status: String,
    /// Its report, read back (absent when the job has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<ReportSummary>,
}

/// The job once it is prepared (Suspended, waiting for its confirmation) or has ended,
/// polled every `interval` with the client's waiter.
pub async fn prepared(
    client: &Client,
    job_id: &str,
    interval: Duration,
    timeout: Duration,
) -> Result<Job, Failure> {
    Ok(client
        .wait_for_job(job_id)
        .until(JobStatus::Suspended)
        .poll_interval(interval)
        .max_poll_interval(interval)
        .timeout(timeout)
        .await?)
}

/// The tasks a job counted.
pub fn total_tasks(job: &Job) -> u64 {
    job.progress_summary
        .and_then(|p| p.total_number_of_tasks)
        .unwrap_or(0)
}

/// Confirms a Suspended job (UpdateJobStatus `Ready`) saying `reason`.
pub async fn confirm(client: &Client, job_id: &str, reason: &str) -> Result<(), Failure> {
    let mut confirm = UpdateJobStatusRequest::new(job_id, RequestedJobStatus::Ready);
    confirm.status_update_reason = Some(reason.to_owned());
    client.update_job_status_with(confirm).await?;
    Ok(())
}

/// Run `run`: `region` names the manifest in its ARN, `uin` the default role.
pub async fn run(
    client: &Client,
    args: &RunArgs,
    region: &str,
    uin: Option<&str>,
    format: OutputFormat,
) -> Result<ExitCode, Failure> {
    let say = |line: String| {
        if format == OutputFormat::Table {
            eprintln!("{}", printable(&line));
        }
    };
    let to = CosUrl::parse_object(&args.manifest_to)?;
    if args.job.operation.is_none() {
        return Err(Failure::usage("run needs --operation"));
    }
    let uploaded = match &args.manifest_file {
        Some(path) => {
            let etag = upload(client, path, &to).await?;
            manifest::Uploaded {
                manifest: manifest::element(to.object_arn(region), etag),
                url: to.to_string(),
                rows: None,
            }
        }
        None => manifest::build(client, &args.source, &to, region).await?,
    };
    say(format!(
        "uploaded the manifest {} (ETag {})",
        uploaded.url, uploaded.manifest.location.etag
    ));
    let mut request = create_job::from_flags(&args.job, uploaded.manifest.clone(), uin)?;
    request.confirmation_required = Some(true);
    request.client_request_token = args.client_request_token.clone();
    let created = or_interrupted(
        "interrupted while creating the job: it may have been created (it then waits for its \
         confirmation); `cos-batch list-jobs` shows it"
            .to_owned(),
        async { Ok(client.create_job_with(request).await?) },
    );
    let job_id = created
        .await?
        .job_id
        .ok_or_else(|| Failure::Transport("CreateJob returned no JobId".to_owned()))?;
    say(format!("created job {job_id}"));

    let interval = Duration::from_secs_f64(args.interval);
    let confirmed = or_interrupted(watch::interrupted_message(&job_id), async {
        let prepared = prepared(client, &job_id, interval, PREPARE_TIMEOUT).await?;
        if prepared.status == Some(JobStatus::Suspended) && args.confirm {
            say(format!(
                "job {job_id} is prepared with {} tasks: confirming it (--confirm)",
                total_tasks(&prepared)
            ));
            confirm(client, &job_id, "confirmed by cos-batch run --confirm").await?;
        }
        Ok(())
    });
    confirmed.await?;
    let job = watch::follow(client, &job_id, interval).await?;
    say(watch::summary(&job));
    // The job's outcome decides the exit code; a report that cannot be read (a job that
    // failed before writing one, a report bucket these keys cannot read) is said, not fatal.
    let report = match job.report.as_ref().is_some_and(|r| r.enabled) {
        true => match summarize(client, &job, SAMPLES).await {
            Ok(summary) => Some(summary),
            Err(e) => {
                eprintln!("{}", printable(&format!("warning: no report summary: {e}")));
                None
            }
        },
        false => None,
    };
    let code = watch::exit_code(&job, true);
    let outcome = RunOutcome {
        manifest: uploaded,
        job_id,
        status: job.status.map(|s| s.to_string()).unwrap_or_default(),
        report,
    };
    output::emit(format, &outcome, || match &outcome.report {
        Some(report) => report.text(),
        None => format!(
            "job {} ended {} (no report)",
            outcome.job_id, outcome.status
        ),
    })?;
    Ok(ExitCode::from(code))
}
