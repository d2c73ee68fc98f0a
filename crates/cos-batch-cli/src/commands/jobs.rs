//! The six API calls as subcommands.

use cos_batch_hyper::Client;
use cos_batch_model::{
    DeleteJobRequest, DescribeJobRequest, JobStatus, ListJobsRequest, ListJobsResult,
    RequestedJobStatus, UpdateJobPriorityRequest, UpdateJobStatusRequest,
};
use futures_util::TryStreamExt as _;

use crate::cli::{CreateJobArgs, ListJobsArgs, OutputFormat, RequestedStatus};
use crate::commands::create_job;
use crate::failure::Failure;
use crate::output;

/// `create-job`.
pub async fn create(
    client: &Client,
    args: &CreateJobArgs,
    uin: Option<&str>,
    format: OutputFormat,
) -> Result<(), Failure> {
    let request = create_job::request(args, uin)?;
    let result = client.create_job_with(request).await?;
    output::emit(format, &result, || {
        output::fields(&[("JobId", result.job_id.clone())])
    })
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
    request.job_statuses = args
        .statuses
        .iter()
        .map(|s| JobStatus::from(s.trim()))
        .collect();
    if let Some(unknown) = request.job_statuses.iter().find(|s| !s.is_known()) {
        return Err(Failure::usage(format!(
            "--status: `{unknown}` is not one of {}",
            JobStatus::KNOWN.join(", ")
        )));
    }
    request.max_results = args.max_results;
    request.next_token = args.next_token.clone();
    let result = if args.all {
        let jobs = client
            .list_jobs_stream(request)
            .try_collect::<Vec<_>>()
            .await?;
        ListJobsResult::new(jobs, None)
    } else {
        client.list_jobs_with(request).await?
    };
    output::emit(format, &result, || {
        let mut text = output::jobs(&result.jobs);
        if let Some(token) = &result.next_token {
            text.push_str(&format!("\nmore jobs: --next-token {token} (or --all)\n"));
        }
        text
    })
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
