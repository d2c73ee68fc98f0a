//! `cos-batch watch`: poll DescribeJob with a progress bar until the job ends.

use std::time::Duration;

use cos_batch_hyper::Client;
use cos_batch_model::{DescribeJobRequest, Job, JobStatus};
use indicatif::{ProgressBar, ProgressStyle};

use crate::failure::{EXIT_JOB_CANCELLED, EXIT_JOB_FAILED, Failure};
use crate::terminal::printable;

/// Follow a job until it is Complete, Failed or Cancelled; returns its last description.
///
/// The bar (on standard error, hidden when that is not a terminal) counts tasks done —
/// succeeded plus failed — with the rate and the time left.
pub async fn follow(client: &Client, job_id: &str, interval: Duration) -> Result<Job, Failure> {
    let bar = ProgressBar::new_spinner();
    let counting = ProgressStyle::with_template(
        "{spinner} [{bar:40.green/red}] {pos}/{len} tasks  {per_sec}  ETA {eta}  {msg}",
    )
    .map_err(Failure::local)?
    .progress_chars("=> ");
    let mut counted = false;
    loop {
        let result = client
            .describe_job_with(DescribeJobRequest::new(job_id))
            .await?;
        let job = result.job.ok_or_else(|| {
            Failure::Transport(format!("DescribeJob of {job_id} returned no job"))
        })?;
        let summary = job.progress_summary.unwrap_or_default();
        let total = summary.total_number_of_tasks.unwrap_or(0);
        let succeeded = summary.number_of_tasks_succeeded.unwrap_or(0);
        let failed = summary.number_of_tasks_failed.unwrap_or(0);
        let status = job
            .status
            .clone()
            .unwrap_or(JobStatus::Other("unknown".into()));
        if total > 0 && !counted {
            bar.set_style(counting.clone());
            bar.set_length(total);
            counted = true;
        }
        bar.set_position(succeeded.saturating_add(failed));
        bar.set_message(
            printable(&format!("{succeeded} succeeded, {failed} failed  {status}")).into_owned(),
        );
        if status.is_terminal() {
            bar.finish();
            return Ok(job);
        }
        bar.tick();
        tokio::time::sleep(interval).await;
    }
}

/// The exit code of a job that ended this way: 0 Complete, 5 Failed, 6 Cancelled.
pub fn exit_code(job: &Job) -> u8 {
    match job.status {
        Some(JobStatus::Failed) => EXIT_JOB_FAILED,
        Some(JobStatus::Cancelled) => EXIT_JOB_CANCELLED,
        _ => 0,
    }
}

/// One line saying how the job ended.
pub fn summary(job: &Job) -> String {
    let s = job.progress_summary.unwrap_or_default();
    format!(
        "job {} ended {}: {} succeeded, {} failed, {} total",
        job.job_id.as_deref().unwrap_or("?"),
        job.status.as_ref().map(JobStatus::as_str).unwrap_or("?"),
        s.number_of_tasks_succeeded.unwrap_or(0),
        s.number_of_tasks_failed.unwrap_or(0),
        s.total_number_of_tasks.unwrap_or(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exit_code_says_how_the_job_ended() {
        let mut job = Job::default();
        for (status, code) in [
            (JobStatus::Complete, 0),
            (JobStatus::Failed, EXIT_JOB_FAILED),
            (JobStatus::Cancelled, EXIT_JOB_CANCELLED),
        ] {
            job.status = Some(status);
            assert_eq!(exit_code(&job), code);
        }
    }
}
