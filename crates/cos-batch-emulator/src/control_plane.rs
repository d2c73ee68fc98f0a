//! `ControlPlane`: the emulator's jobs and the six operations on them, per account.
//!
//! - CreateJob answers only once the job is saved (with a state directory); a job that cannot
//!   be saved is `InternalError` and is not made.
//! - CreateJob refuses a `ClientRequestToken` the account used already (`InvalidRequest`
//!   "Duplicate request"), a job beyond the job limit (`TooManyJobs`, counting the account's jobs
//!   that have not ended), and an operation or enabled report that cannot run (`MalformedXML`,
//!   as the CreateJob page says of a non-conforming body: an unusable `TargetResource`, report
//!   bucket or prefix, an unknown directive).
//! - A job of one account is `NoSuchJob` to every other account, and may name only buckets of
//!   its own account (`AccessDenied`, see [`Ownership`]).
//! - UpdateJobStatus: `Ready` only from `Suspended`, `Cancelled` from any state that has not
//!   ended (`InvalidRequest` otherwise). On a job that has ended it answers `InvalidRequest`
//!   400 "The specified job has already been completed" (one of the two answers the
//!   UpdateJobStatus page lists; the job still exists, DescribeJob shows it, so not
//!   `NoSuchJob`); an id the account has no job of is `NoSuchJob` 404. UpdateJobPriority on a job
//!   that has ended is `NoSuchJob` "... does not exist or has already been completed". Both
//!   answers are [`CosError::is_job_ended`].
//! - DeleteJob deletes only a job that has ended (`InvalidRequest` otherwise: cancel it first);
//!   its token can then be used again.
//! - ListJobs lists oldest first; `NextToken` is the JobId of the last job of the page, omitted
//!   on the last page; a `nextToken` that is not a job of the account is `InvalidArgument`.

use std::sync::Arc;

use cos_batch_model::{
    CreateJobRequest, ErrorCode, Job, JobStatus, ListJobsRequest, ListJobsResult,
    RequestedJobStatus, UpdateJobPriorityRequest, UpdateJobPriorityResult, UpdateJobStatusRequest,
    UpdateJobStatusResult,
};
use cos_batch_proto::CosError;
use http::StatusCode;
use tokio::sync::watch;

use crate::job::{JobEntry, Stop};
use crate::ownership::Ownership;
use crate::persist::{LoadedJob, StateStore};
use crate::registry::Jobs;
use crate::report::ReportTarget;
use crate::scheduler::Scheduler;
pub(crate) use crate::settings::Settings;
use crate::task::TaskRunner;

/// The emulator's jobs and the operations on them, shared by the HTTP service; the
/// [`Scheduler`] runs them.
#[derive(Debug)]
pub(crate) struct ControlPlane {
    pub settings: Settings,
    jobs: Arc<Jobs>,
    scheduler: Arc<Scheduler>,
}

/// A random UUID v4 (job and request ids), from fastrand: the ids only need to be unique, and
/// this keeps a second `getrandom` out of the build.
pub(crate) fn random_uuid() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid()
}

fn no_such_job(id: &str) -> CosError {
    CosError::no_such_job(format!("The specified job {id} does not exist"))
}

impl ControlPlane {
    pub(crate) fn new(settings: Settings, store: Option<StateStore>) -> Self {
        let jobs = Arc::new(Jobs::default());
        let scheduler = Arc::new(Scheduler::new(settings.clone(), jobs.clone(), store));
        Self {
            settings,
            jobs,
            scheduler,
        }
    }

    /// Registers the jobs read from the state directory (see [`Scheduler::load`]).
    pub(crate) fn load(&self, jobs: Vec<LoadedJob>) {
        self.scheduler.load(jobs);
    }

    /// Runs the scheduler until `shutdown` says so.
    pub(crate) async fn scheduler_loop(self: Arc<Self>, shutdown: watch::Receiver<bool>) {
        self.scheduler.clone().run_loop(shutdown).await;
    }

    /// Shutdown: no new work, running jobs stop taking tasks, their running tasks finish, and
    /// every job's state is saved.
    pub(crate) async fn shutdown(&self) {
        self.scheduler.shutdown().await;
    }

    /// Starts a shutdown without waiting.
    pub(crate) fn begin_shutdown(&self) {
        self.scheduler.begin_shutdown();
    }

    /// Every job, oldest first.
    fn all_jobs(&self) -> Vec<Arc<JobEntry>> {
        self.jobs.all()
    }

    /// The account's job `id`.
    fn job(&self, appid: &str, id: &str) -> Result<Arc<JobEntry>, CosError> {
        self.jobs
            .lock()
            .by_id
            .get(id)
            .filter(|j| j.appid == appid)
            .cloned()
            .ok_or_else(|| no_such_job(id))
    }

    /// CreateJob: the new job's id.
    pub(crate) fn create_job(
        &self,
        appid: &str,
        request: CreateJobRequest,
    ) -> Result<String, CosError> {
        Ownership::new(appid, &self.settings.accounts)
            .check_job(&request)
            .map_err(|why| CosError::new(StatusCode::FORBIDDEN, ErrorCode::AccessDenied, why))?;
        // An Operation or Report that cannot be carried out is a body that does not conform:
        // the CreateJob page's MalformedXML (InvalidArgument is for query parameters and
        // headers). A disabled report is not looked at.
        let malformed = |e: String| {
            CosError::malformed_xml(format!("The XML you provided did not validate: {e}"))
        };
        TaskRunner::new(&self.settings.data_dir, appid, &request.operation).map_err(malformed)?;
        if request.report.enabled {
            ReportTarget::new(&self.settings.data_dir, appid, &request.report)
                .map_err(malformed)?;
        }
        let job = {
            let mut registry = self.jobs.lock();
            let mine = || registry.by_seq.values().filter(|j| j.appid == appid);
            // Decoded requests always carry a token; one without is never a duplicate.
            let token = request.client_request_token.as_deref();
            if token.is_some() && mine().any(|j| j.request.client_request_token.as_deref() == token)
            {
                return Err(CosError::duplicate_request());
            }
            let open = mine().filter(|j| !j.state().status.is_terminal()).count();
            if open >= self.settings.job_limit {
                return Err(CosError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::TooManyJobs,
                    format!(
                        "The account has {open} jobs that have not ended; the limit is {}",
                        self.settings.job_limit
                    ),
                ));
            }
            let id = random_uuid().to_string();
            let job = Arc::new(JobEntry::new(
                id,
                appid.to_owned(),
                registry.next_seq,
                request,
            ));
            // A job is acknowledged only once it is on disk; the write happens under the
            // registry's lock, so that no other request sees a job that may yet be refused.
            if let Err(e) = self.scheduler.save(&job) {
                tracing::error!(error = %e, "cannot save a new job: CreateJob refused");
                let _ = self.scheduler.forget(&job.id);
                return Err(CosError::internal_error(
                    "We encountered an internal error: the job could not be saved. Please try again.",
                ));
            }
            registry.insert(job.clone());
            job
        };
        self.scheduler.wake();
        Ok(job.id.clone())
    }

    /// DescribeJob.
    pub(crate) fn describe_job(&self, appid: &str, id: &str) -> Result<Job, CosError> {
        Ok(self.job(appid, id)?.describe())
    }

    /// ListJobs.
    pub(crate) fn list_jobs(
        &self,
        appid: &str,
        request: &ListJobsRequest,
    ) -> Result<ListJobsResult, CosError> {
        let mine: Vec<Arc<JobEntry>> = self
            .all_jobs()
            .into_iter()
            .filter(|j| j.appid == appid)
            .collect();
        let after = match &request.next_token {
            Some(token) => Some(
                mine.iter()
                    .find(|j| &j.id == token)
                    .map(|j| j.seq)
                    .ok_or_else(|| {
                        CosError::invalid_argument("The nextToken parameter is invalid")
                    })?,
            ),
            None => None,
        };
        let max = request.max_results.unwrap_or(1000).clamp(1, 1000) as usize;
        let mut matching = mine
            .iter()
            .filter(|j| after.is_none_or(|seq| j.seq > seq))
            .map(|j| j.list_entry())
            .filter(|e| {
                request.job_statuses.is_empty()
                    || e.status
                        .as_ref()
                        .is_some_and(|s| request.job_statuses.contains(s))
            });
        let page: Vec<_> = matching.by_ref().take(max).collect();
        let next_token = if matching.next().is_some() {
            page.last().and_then(|e| e.job_id.clone())
        } else {
            None
        };
        Ok(ListJobsResult::new(page, next_token))
    }

    /// UpdateJobStatus.
    pub(crate) fn update_job_status(
        &self,
        appid: &str,
        request: &UpdateJobStatusRequest,
    ) -> Result<UpdateJobStatusResult, CosError> {
        let job = self.job(appid, &request.job_id)?;
        let status = {
            let mut st = job.state();
            if st.status.is_terminal() {
                return Err(CosError::job_ended(format!(
                    "The specified job {} has already been completed: it is {}",
                    request.job_id, st.status
                )));
            }
            match (&request.requested_job_status, &st.status) {
                (RequestedJobStatus::Ready, JobStatus::Suspended) => {
                    st.status = JobStatus::Ready;
                    st.suspended_cause = None;
                }
                (RequestedJobStatus::Cancelled, JobStatus::Cancelling) => {}
                (RequestedJobStatus::Cancelled, _) => {
                    st.status = JobStatus::Cancelling;
                    job.request_stop(Stop::Cancel);
                }
                (requested, current) => {
                    return Err(CosError::invalid_request(format!(
                        "The job's status cannot change from {current} to {requested}"
                    )));
                }
            }
            if let Some(reason) = &request.status_update_reason {
                st.status_update_reason = Some(reason.clone());
            }
            st.status.clone()
        };
        self.scheduler.persist(&job);
        self.scheduler.wake();
        let mut result = UpdateJobStatusResult::new(job.id.clone(), status);
        result.status_update_reason = request.status_update_reason.clone();
        Ok(result)
    }

    /// UpdateJobPriority.
    pub(crate) fn update_job_priority(
        &self,
        appid: &str,
        request: &UpdateJobPriorityRequest,
    ) -> Result<UpdateJobPriorityResult, CosError> {
        let job = self.job(appid, &request.job_id)?;
        {
            let mut st = job.state();
            if st.status.is_terminal() {
                return Err(CosError::no_such_job(format!(
                    "The specified job {} does not exist or has already been completed",
                    request.job_id
                )));
            }
            st.priority = request.priority;
        }
        self.scheduler.persist(&job);
        self.scheduler.wake();
        Ok(UpdateJobPriorityResult::new(
            job.id.clone(),
            request.priority,
        ))
    }

    /// DeleteJob.
    pub(crate) fn delete_job(&self, appid: &str, id: &str) -> Result<(), CosError> {
        let job = self.job(appid, id)?;
        {
            let st = job.state();
            if !st.status.is_terminal() || st.busy {
                return Err(CosError::invalid_request(format!(
                    "The job is {}: only a job that has ended can be deleted (cancel it first)",
                    st.status
                )));
            }
        }
        {
            let mut registry = self.jobs.lock();
            registry.by_id.remove(id);
            registry.by_seq.remove(&job.seq);
        }
        if let Err(e) = self.scheduler.forget(id) {
            tracing::warn!(job = %id, error = %e, "cannot remove the job's state");
        }
        Ok(())
    }
}
