//! One job: what was asked (the `CreateJobRequest`), where it is in its lifecycle, and live
//! progress counters. Its tasks and their outcomes are in its task files
//! ([`crate::task_log`]), never in memory.

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use cos_batch_model::{
    CreateJobRequest, Job, JobFailure, JobListEntry, JobStatus, ProgressSummary, Timestamp,
};
use serde::{Deserialize, Serialize};

use crate::task_outcome::TaskOutcome;

/// A job fails once more than half of its executed tasks failed, when more than this many
/// tasks were executed.
pub(crate) const FAILURE_MIN_TASKS: u64 = 1000;

/// Why a job's runner should stop taking tasks, by precedence (a higher one wins).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub(crate) enum Stop {
    /// Keep going.
    None = 0,
    /// A higher-priority job needs the slot.
    Pause = 1,
    /// Too many tasks failed.
    Fail = 2,
    /// Cancelled on request.
    Cancel = 3,
    /// The emulator is shutting down.
    Shutdown = 4,
}

impl Stop {
    fn from_u8(v: u8) -> Self {
        match v {
            1 => Self::Pause,
            2 => Self::Fail,
            3 => Self::Cancel,
            4 => Self::Shutdown,
            _ => Self::None,
        }
    }
}

/// The lifecycle state of a job.
#[derive(Clone, Debug)]
pub(crate) struct JobState {
    pub status: JobStatus,
    pub priority: u32,
    pub status_update_reason: Option<String>,
    pub suspended_cause: Option<String>,
    pub suspended_date: Option<Timestamp>,
    pub termination_date: Option<Timestamp>,
    pub failure_reasons: Vec<JobFailure>,
    /// The number of tasks, once the manifest was read.
    pub total: Option<u64>,
    /// A runner holds one of the active-job slots.
    pub running: bool,
    /// The manifest is being read or the job is being finished.
    pub busy: bool,
}

/// A job of one account.
#[derive(Debug)]
pub(crate) struct JobEntry {
    pub id: String,
    pub appid: String,
    /// Creation order, unique within an emulator (and its state directory).
    pub seq: u64,
    pub created: Option<Timestamp>,
    pub request: CreateJobRequest,
    state: Mutex<JobState>,
    succeeded: AtomicU64,
    failed: AtomicU64,
    stop: AtomicU8,
    /// Held while the record is taken and saved, so saves land in the order they were taken.
    save: Mutex<()>,
}

/// Now, in whole seconds, as a timestamp.
pub(crate) fn now_timestamp() -> Option<Timestamp> {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp::from_unix_seconds(i64::try_from(secs).unwrap_or(i64::MAX)).ok()
}

impl JobEntry {
    /// A new job (status `New`).
    pub(crate) fn new(id: String, appid: String, seq: u64, request: CreateJobRequest) -> Self {
        let priority = request.priority;
        let created = now_timestamp();
        Self::restore(JobRecord {
            job_id: id,
            appid,
            seq,
            creation_time: created,
            request,
            status: JobStatus::New,
            priority,
            status_update_reason: None,
            suspended_cause: None,
            suspended_date: None,
            termination_date: None,
            failure_reasons: Vec::new(),
            total: None,
            succeeded: 0,
            failed: 0,
        })
    }

    /// A job from its record.
    pub(crate) fn restore(record: JobRecord) -> Self {
        Self {
            id: record.job_id,
            appid: record.appid,
            seq: record.seq,
            created: record.creation_time,
            request: record.request,
            state: Mutex::new(JobState {
                status: record.status,
                priority: record.priority,
                status_update_reason: record.status_update_reason,
                suspended_cause: record.suspended_cause,
                suspended_date: record.suspended_date,
                termination_date: record.termination_date,
                failure_reasons: record.failure_reasons,
                total: record.total,
                running: false,
                busy: false,
            }),
            succeeded: AtomicU64::new(record.succeeded),
            failed: AtomicU64::new(record.failed),
            stop: AtomicU8::new(0),
            save: Mutex::new(()),
        }
    }

    /// Locks the lifecycle state (a poisoned lock is taken over: the state stays usable).
    pub(crate) fn state(&self) -> MutexGuard<'_, JobState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets the counters (from the task log).
    pub(crate) fn set_counts(&self, succeeded: u64, failed: u64) {
        self.succeeded.store(succeeded, Ordering::SeqCst);
        self.failed.store(failed, Ordering::SeqCst);
    }

    /// Counts one logged outcome.
    pub(crate) fn count(&self, outcome: &TaskOutcome) {
        let counter = if outcome.is_success() {
            &self.succeeded
        } else {
            &self.failed
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }

    /// (succeeded, failed).
    pub(crate) fn counts(&self) -> (u64, u64) {
        (
            self.succeeded.load(Ordering::SeqCst),
            self.failed.load(Ordering::SeqCst),
        )
    }

    /// Whether the failure threshold is crossed: more than [`FAILURE_MIN_TASKS`] executed and
    /// more than half of them failed.
    pub(crate) fn over_failure_threshold(&self) -> bool {
        let (ok, failed) = self.counts();
        let executed = ok + failed;
        executed > FAILURE_MIN_TASKS && failed * 2 > executed
    }

    /// The failure reason of a job over the threshold.
    pub(crate) fn threshold_failure(&self) -> JobFailure {
        let (ok, failed) = self.counts();
        JobFailure::new(
            "TaskFailureThresholdExceeded",
            format!(
                "{failed} of {} executed tasks failed: more than half of over {FAILURE_MIN_TASKS}",
                ok + failed
            ),
        )
    }

    /// Asks the runner to stop for `why` (a stronger reason than the one set wins).
    pub(crate) fn request_stop(&self, why: Stop) {
        self.stop.fetch_max(why as u8, Ordering::SeqCst);
    }

    /// Why the runner should stop.
    pub(crate) fn stop_reason(&self) -> Stop {
        Stop::from_u8(self.stop.load(Ordering::SeqCst))
    }

    /// Clears the stop reason before a runner starts (a shutdown is never cleared).
    pub(crate) fn clear_stop(&self) {
        let _ = self
            .stop
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |s| {
                (s != Stop::Shutdown as u8).then_some(0)
            });
    }

    fn progress(&self, state: &JobState) -> ProgressSummary {
        let (ok, failed) = self.counts();
        ProgressSummary::new(failed, ok, state.total.unwrap_or(0))
    }

    /// The job as DescribeJob shows it.
    pub(crate) fn describe(&self) -> Job {
        let st = self.state();
        let r = &self.request;
        let mut job = Job::default();
        job.client_request_token = r.client_request_token.clone();
        job.confirmation_required = Some(r.confirmation_required.unwrap_or(false));
        job.creation_time = self.created.clone();
        job.description = r.description.clone();
        job.failure_reasons = st.failure_reasons.clone();
        job.job_id = Some(self.id.clone());
        job.manifest = Some(r.manifest.clone());
        job.operation = Some(r.operation.clone());
        job.priority = Some(st.priority);
        job.progress_summary = Some(self.progress(&st));
        job.report = Some(r.report.clone());
        job.role_arn = Some(r.role_arn.clone());
        job.status = Some(st.status.clone());
        job.status_update_reason = st.status_update_reason.clone();
        job.suspended_cause = st.suspended_cause.clone();
        job.suspended_date = st.suspended_date.clone();
        job.termination_date = st.termination_date.clone();
        job
    }

    /// The job as ListJobs shows it.
    pub(crate) fn list_entry(&self) -> JobListEntry {
        let st = self.state();
        let mut entry = JobListEntry::default();
        entry.creation_time = self.created.clone();
        entry.description = self.request.description.clone();
        entry.job_id = Some(self.id.clone());
        entry.operation = Some(self.request.operation.name());
        entry.priority = Some(st.priority);
        entry.progress_summary = Some(self.progress(&st));
        entry.status = Some(st.status.clone());
        entry.termination_date = st.termination_date.clone();
        entry
    }

    /// Runs `save` with the job's current record, one save at a time.
    pub(crate) fn save_with<E>(
        &self,
        save: impl FnOnce(&JobRecord) -> Result<(), E>,
    ) -> Result<(), E> {
        let _order = self.save.lock().unwrap_or_else(|e| e.into_inner());
        save(&self.record_of())
    }

    /// The record the state directory keeps.
    pub(crate) fn record_of(&self) -> JobRecord {
        let st = self.state();
        let (succeeded, failed) = self.counts();
        JobRecord {
            job_id: self.id.clone(),
            appid: self.appid.clone(),
            seq: self.seq,
            creation_time: self.created.clone(),
            request: self.request.clone(),
            status: st.status.clone(),
            priority: st.priority,
            status_update_reason: st.status_update_reason.clone(),
            suspended_cause: st.suspended_cause.clone(),
            suspended_date: st.suspended_date.clone(),
            termination_date: st.termination_date.clone(),
            failure_reasons: st.failure_reasons.clone(),
            total: st.total,
            succeeded,
            failed,
        }
    }
}

/// A job as the state directory keeps it (`job.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct JobRecord {
    pub job_id: String,
    pub appid: String,
    pub seq: u64,
    #[serde(default)]
    pub creation_time: Option<Timestamp>,
    pub request: CreateJobRequest,
    pub status: JobStatus,
    pub priority: u32,
    #[serde(default)]
    pub status_update_reason: Option<String>,
    #[serde(default)]
    pub suspended_cause: Option<String>,
    #[serde(default)]
    pub suspended_date: Option<Timestamp>,
    #[serde(default)]
    pub termination_date: Option<Timestamp>,
    #[serde(default)]
    pub failure_reasons: Vec<JobFailure>,
    #[serde(default)]
    pub total: Option<u64>,
    #[serde(default)]
    pub succeeded: u64,
    #[serde(default)]
    pub failed: u64,
}
