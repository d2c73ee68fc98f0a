//! The six API calls as subcommands.

use cos_batch_hyper::Client;
use cos_batch_hyper::Error as ClientError;
use cos_batch_model::{
    DeleteJobRequest, DescribeJobRequest, JobStatus, ListJobsRequest, RequestedJobStatus,
    UpdateJobPriorityRequest, UpdateJobStatusRequest,
};
use futures_util::TryStreamExt as _;
use std::io::Write as _;

use crate::cli::{CreateJobArgs, ListJobsArgs, OutputFormat, RequestedStatus};
use crate::commands::create_job;
use crate::commands::put::upload;
use crate::cos_url::CosUrl;
use crate::failure::Failure;
use crate::output;
use crate::terminal::printable;

/// `create-job`.
pub async fn create(
    client: &Client,
    args: &CreateJobArgs,
    uin: Option<&str>,
    region: &str,
    format: OutputFormat,
) -> Result<(), Failure> {
    // `--manifest-file` is uploaded first; the job names the uploaded object and its ETag.
    let uploaded = match (&args.manifest_file, &args.manifest_to) {
        (Some(file), Some(to)) => {
            let to = CosUrl::parse_object(to)?;
            let etag = upload(client, file, &to).await?;
            Some((to.object_arn(region), etag))
        }
        _ => None,
    };
    let request = create_job::request(args, uin, uploaded)?;
    let token = request.client_request_token.clone().unwrap_or_default();
    let result = match client.create_job_with(request).await {
        Ok(result) => result,
        Err(ClientError::Service(e)) if e.is_duplicate_request() => {
            let found = job_with_token(client, &token).await;
            return Err(Failure::Service(e).with_hint(duplicate_hint(&token, found.as_deref())));
        }
        Err(e) => return Err(e.into()),
    };
    output::emit(format, &result, || {
        output::fields(&[("JobId", result.job_id.clone())])
    })
}

/// The job created with `token`, looked for within the client's recovery bounds (the newest
/// pages of ListJobs, then DescribeJob newest first, within a time window); `None` when it
/// cannot be found (or looking fails: the hint is a courtesy, the error stands without it).
async fn job_with_token(client: &Client, token: &str) -> Option<String> {
    if token.is_empty() {
        return None;
    }
    client
        .find_job_by_token(token, std::time::UNIX_EPOCH)
        .await
        .ok()
        .flatten()
}

/// What to say about a token used already.
fn duplicate_hint(token: &str, job: Option<&str>) -> String {
    let token = if token.is_empty() {
        "the ClientRequestToken".to_owned()
    } else {
        format!("ClientRequestToken `{token}`")
    };
    let by = match job {
        Some(id) => format!(" by job {id} (`cos-batch describe-job {id}`)"),
        None => String::new(),
    };
    format!(
        "{token} was used already{by}; a token makes CreateJob safe to retry, so a new job \
         needs a new one: pass another --client-request-token (or leave it out for a fresh one)"
    )
}

/// `describe-job`.
pub async fn describe(client: &Client, job_id: &str, format: OutputFormat) -> Result<(), Failure> {
    let result = client
        .describe_job_with(DescribeJobRequest::new(job_id))
        .await?;
    output::emit(format, &result, || match &result.job {
        Some(job) => output::job(job),
        None => "(the service returned no job)".to_owned(),
    })
}

/// `list-jobs`.
pub async fn list(
    client: &Client,
    args: &ListJobsArgs,
    format: OutputFormat,
) -> Result<(), Failure> {
    let mut request = ListJobsRequest::new();
    // clap accepts either case; the wire wants the documented spelling.
    request.job_statuses = args
        .statuses
        .iter()
        .map(|s| {
            let s = s.trim();
            let known = JobStatus::KNOWN.iter().find(|k| k.eq_ignore_ascii_case(s));
            JobStatus::from(known.copied().unwrap_or(s))
        })
        .collect();
    if let Some(unknown) = request.job_statuses.iter().find(|s| !s.is_known()) {
        return Err(Failure::usage(format!(
            "--status: `{unknown}` is not one of {}",
            JobStatus::KNOWN.join(", ")
        )));
    }
    request.max_results = args.max_results;
    request.next_token = args.next_token.clone();
    if args.all {
        return list_all(client, request, format).await;
    }
    let result = client.list_jobs_with(request).await?;
    output::emit(format, &result, || {
        let mut text = output::jobs(&result.jobs);
        if let Some(token) = &result.next_token {
            text.push_str(&format!("\nmore jobs: --next-token {token} (or --all)\n"));
        }
        text
    })
}

/// `list-jobs --all`: every page, each job printed as it arrives (memory does not grow with
/// the number of jobs); the JSON is the same `{"Jobs": [...]}` document as one page's.
async fn list_all(
    client: &Client,
    request: ListJobsRequest,
    format: OutputFormat,
) -> Result<(), Failure> {
    let mut stream = std::pin::pin!(client.list_jobs_stream(request));
    let mut stdout = std::io::stdout();
    let mut print = |text: &str| {
        let _ = write!(stdout, "{}", printable(text));
        let _ = stdout.flush();
    };
    match format {
        OutputFormat::Table => {
            print(&output::row_line(
                output::JOB_HEADER.into_iter(),
                &output::JOB_WIDTHS,
            ));
            print("\n");
            while let Some(job) = stream.try_next().await? {
                let row = output::job_row(&job);
                print(&output::row_line(
                    row.iter().map(String::as_str),
                    &output::JOB_WIDTHS,
                ));
                print("\n");
            }
        }
        OutputFormat::Json => {
            print("{\n  \"Jobs\": [");
            let mut first = true;
            while let Some(job) = stream.try_next().await? {
                let text = serde_json::to_string_pretty(&job).map_err(Failure::local)?;
                print(if first { "\n" } else { ",\n" });
                first = false;
                print(&indent(&text, "    "));
            }
            print(if first { "]\n}\n" } else { "\n  ]\n}\n" });
        }
    }
    Ok(())
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| format!("{by}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `update-job-status`.
pub async fn update_status(
    client: &Client,
    job_id: &str,
    status: RequestedStatus,
    reason: Option<&str>,
    format: OutputFormat,
) -> Result<(), Failure> {
    let requested = match status {
        RequestedStatus::Ready => RequestedJobStatus::Ready,
        RequestedStatus::Cancelled => RequestedJobStatus::Cancelled,
    };
    let mut request = UpdateJobStatusRequest::new(job_id, requested);
    request.status_update_reason = reason.map(str::to_owned);
    let result = client.update_job_status_with(request).await?;
    output::emit(format, &result, || {
        output::fields(&[
            ("JobId", result.job_id.clone()),
            ("Status", result.status.as_ref().map(ToString::to_string)),
            ("StatusUpdateReason", result.status_update_reason.clone()),
        ])
    })
}

/// `update-job-priority`.
pub async fn update_priority(
    client: &Client,
    job_id: &str,
    priority: u32,
    format: OutputFormat,
) -> Result<(), Failure> {
    let result = client
        .update_job_priority_with(UpdateJobPriorityRequest::new(job_id, priority))
        .await?;
    output::emit(format, &result, || {
        output::fields(&[
            ("JobId", result.job_id.clone()),
            ("Priority", result.priority.map(|p| p.to_string())),
        ])
    })
}

/// `delete-job`.
pub async fn delete(client: &Client, job_id: &str, format: OutputFormat) -> Result<(), Failure> {
    client
        .delete_job_with(DeleteJobRequest::new(job_id))
        .await?;
    let done = serde_json::json!({ "JobId": job_id, "Deleted": true });
    output::emit(format, &done, || format!("deleted job {job_id}"))
}
