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

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use cos_batch_model::{
    CreateJobRequest, ErrorCode, Job, JobStatus, ListJobsRequest, ListJobsResult,
    RequestedJobStatus, UpdateJobPriorityRequest, UpdateJobPriorityResult, UpdateJobStatusRequest,
    UpdateJobStatusResult,
};
use cos_batch_proto::CosError;
use http::StatusCode;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::Account;
use crate::job::{JobEntry, Stop};
use crate::ownership::Ownership;
use crate::persist::StateStore;
use crate::report::ReportTarget;
use crate::task::TaskRunner;

/// The jobs, by creation order and by id.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    pub by_seq: BTreeMap<u64, Arc<JobEntry>>,
    pub by_id: HashMap<String, Arc<JobEntry>>,
    pub next_seq: u64,
}

impl Registry {
    pub(crate) fn insert(&mut self, job: Arc<JobEntry>) {
        self.next_seq = self.next_seq.max(job.seq + 1);
        self.by_id.insert(job.id.clone(), job.clone());
        self.by_seq.insert(job.seq, job);
    }
}

/// The settings the control plane runs with.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub data_dir: PathBuf,
    pub accounts: Vec<Account>,
    pub workers: usize,
    pub active_jobs: usize,
    pub job_limit: usize,
    pub task_delay: Duration,
}

/// The emulator's state, shared by the HTTP service and the scheduler.
#[derive(Debug)]
pub(crate) struct ControlPlane {
    pub settings: Settings,
    registry: Mutex<Registry>,
    pub(crate) wake: Notify,
    pub(crate) store: Option<StateStore>,
    pub(crate) background: Mutex<Vec<JoinHandle<()>>>,
    pub(crate) shutting_down: AtomicBool,
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
        Self {
            settings,
            registry: Mutex::new(Registry::default()),
            wake: Notify::new(),
            store,
            background: Mutex::new(Vec::new()),
            shutting_down: AtomicBool::new(false),
        }
    }

    pub(crate) fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every job, oldest first.
    pub(crate) fn all_jobs(&self) -> Vec<Arc<JobEntry>> {
        self.registry().by_seq.values().cloned().collect()
    }

    /// Saves a job's record, if there is a state directory.
    pub(crate) fn persist(&self, job: &JobEntry) {
        if let Some(store) = &self.store
            && let Err(e) = job.save_with(|record| store.save_record(record))
        {
            tracing::warn!(job = %job.id, error = %e, "cannot save the job's state");
        }
    }

    /// The account's job `id`.
    fn job(&self, appid: &str, id: &str) -> Result<Arc<JobEntry>, CosError> {
        self.registry()
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
            let mut registry = self.registry();
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
            if let Some(store) = &self.store
                && let Err(e) = job.save_with(|record| store.save_record(record))
            {
                tracing::error!(error = %e, "cannot save a new job: CreateJob refused");
                let _ = store.remove(&job.id);
                return Err(CosError::internal_error(
                    "We encountered an internal error: the job could not be saved. Please try again.",
                ));
            }
            registry.insert(job.clone());
            job
        };
        self.wake.notify_one();
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
        self.persist(&job);
        self.wake.notify_one();
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
        self.persist(&job);
        self.wake.notify_one();
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
            let mut registry = self.registry();
            registry.by_id.remove(id);
            registry.by_seq.remove(&job.seq);
        }
        if let Some(store) = &self.store
            && let Err(e) = store.remove(id)
        {
            tracing::warn!(job = %id, error = %e, "cannot remove the job's state");
        }
        Ok(())
    }

    /// Whether shutdown has begun.
    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }
}
