//! `JobWaiter`: polls DescribeJob until a job reaches a terminal status (or one the caller
//! chose), backing off between polls, within an overall timeout.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use cos_batch_model::{DescribeJobRequest, Job, JobStatus};
use tokio::time::Instant;

use crate::client::Client;
use crate::error::Error;

/// The first poll interval by default.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// The longest poll interval by default.
pub const DEFAULT_MAX_POLL_INTERVAL: Duration = Duration::from_secs(30);
/// How long a waiter waits by default.
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(3600);

/// The progress callback of a waiter.
type Progress = Box<dyn FnMut(&Job) + Send>;

/// Waits for a job: [`Client::wait_for_job`]. Polls DescribeJob, first right away, then after
/// the poll interval, which grows by half each poll up to the longest interval. It ends with
/// the job once its status is terminal (`Complete`, `Cancelled`, `Failed`) or one given to
/// [`JobWaiter::until`]; with [`Error::WaitTimeout`] when the timeout passes first; or with
/// the error of a poll (each poll has the client's retries).
///
/// Await it directly, or call [`JobWaiter::wait`].
///
/// ```no_run
/// # async fn f(client: cos_batch_hyper::Client) -> Result<(), cos_batch_hyper::Error> {
/// use std::time::Duration;
/// use cos_batch_hyper::model::JobStatus;
///
/// let job = client
///     .wait_for_job("53dc6228-c50b-46f7-8ad7-65e7159f1aae")
///     .until(JobStatus::Suspended) // a job waiting for confirmation, too
///     .poll_interval(Duration::from_secs(2))
///     .timeout(Duration::from_secs(600))
///     .on_progress(|job| println!("{:?} {:?}", job.status, job.progress_summary))
///     .await?;
/// println!("ended as {:?}", job.status);
/// # Ok(()) }
/// ```
#[must_use = "a waiter does nothing until awaited"]
pub struct JobWaiter {
    client: Client,
    job_id: String,
    until: Vec<JobStatus>,
    interval: Duration,
    max_interval: Duration,
    timeout: Duration,
    on_progress: Option<Progress>,
}

impl fmt::Debug for JobWaiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobWaiter")
            .field("job_id", &self.job_id)
            .field("until", &self.until)
            .field("interval", &self.interval)
            .field("max_interval", &self.max_interval)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl JobWaiter {
    pub(crate) fn new(client: Client, job_id: String) -> Self {
        Self {
            client,
            job_id,
            until: Vec::new(),
            interval: DEFAULT_POLL_INTERVAL,
            max_interval: DEFAULT_MAX_POLL_INTERVAL,
            timeout: DEFAULT_WAIT_TIMEOUT,
            on_progress: None,
        }
    }

    /// Also stop at `status` (call again for more), e.g. `Suspended` for a job that waits
    /// for confirmation. Terminal statuses always stop the wait.
    pub fn until(mut self, status: JobStatus) -> Self {
        self.until.push(status);
        self
    }

    /// The first interval between polls (default [`DEFAULT_POLL_INTERVAL`]).
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.interval = d;
        self
    }

    /// The longest interval between polls (default [`DEFAULT_MAX_POLL_INTERVAL`]).
    pub fn max_poll_interval(mut self, d: Duration) -> Self {
        self.max_interval = d;
        self
    }

    /// How long to wait in all (default [`DEFAULT_WAIT_TIMEOUT`]).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Called with the job after every poll (the last one included).
    pub fn on_progress(mut self, f: impl FnMut(&Job) + Send + 'static) -> Self {
        self.on_progress = Some(Box::new(f));
        self
    }

    /// Waits (the same as awaiting the waiter).
    pub async fn wait(mut self) -> Result<Job, Error> {
        let started = Instant::now();
        let deadline = started + self.timeout;
        let mut interval = self.interval;
        let mut last_status = None;
        let mut polls = 0u32;
        loop {
            let describe = DescribeJobRequest::new(self.job_id.as_str());
            let polled = tokio::time::timeout_at(deadline, self.client.describe_job_with(describe));
            let described = match polled.await {
                Ok(described) => described?,
                Err(_) => return Err(self.timed_out(started, polls, last_status)),
            };
            polls += 1;
            let job = described.job.unwrap_or_default();
            if let Some(progress) = self.on_progress.as_mut() {
                progress(&job);
            }
            if let Some(status) = &job.status
                && (status.is_terminal() || self.until.contains(status))
            {
                return Ok(job);
            }
            last_status = job.status;
            if Instant::now() + interval >= deadline {
                tokio::time::sleep_until(deadline).await;
                return Err(self.timed_out(started, polls, last_status));
            }
            tokio::time::sleep(interval).await;
            interval = interval.saturating_add(interval / 2).min(self.max_interval);
        }
    }

    fn timed_out(&self, started: Instant, polls: u32, last_status: Option<JobStatus>) -> Error {
        Error::WaitTimeout {
            job_id: self.job_id.clone(),
            waited: started.elapsed(),
            polls,
            last_status,
        }
    }
}

impl IntoFuture for JobWaiter {
    type Output = Result<Job, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.wait())
    }
}

impl Client {
    /// A waiter for the job `job_id` (see [`JobWaiter`]).
    pub fn wait_for_job(&self, job_id: impl Into<String>) -> JobWaiter {
        JobWaiter::new(self.clone(), job_id.into())
    }
}
