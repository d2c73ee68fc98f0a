//! The job lifecycle (API.md §5), driven by one scheduler task per emulator:
//!
//! `New → Preparing → (Suspended →) Ready → Active → Completing → Complete`. Preparing reads
//! and checks the manifest (a missing or mismatched manifest fails the job with its
//! `FailureReasons`) and counts the tasks. Of the jobs that are `Ready`, `Active` or `Paused`,
//! the highest priorities (oldest first among equals) hold the active-job slots; an active job
//! that loses its slot goes `Pausing` (its running tasks finish) and then `Paused`, and resumes
//! later where it stopped. An active job with over 1000 executed tasks of which more than half
//! failed goes `Failing → Failed`. A cancelled job goes `Cancelling → Cancelled` once its
//! running tasks finish. The report is written as a job ends (Complete, Failed or Cancelled).
//!
//! Memory does not grow with a job's tasks: preparing streams the manifest into the job's task
//! file, a run takes the tasks from it in manifest order and logs their outcomes in that order
//! ([`TaskQueue`]), the counters count them, and the report is written by streaming the task
//! file and the log side by side. Without a state directory the task files go to a private
//! working directory ([`WorkDir`]).

use std::cmp::Reverse;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use cos_batch_model::{JobFailure, JobStatus};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};

use crate::job::{JobEntry, JobRecord, Stop, now_timestamp};
use crate::manifest::{self, ManifestError};
use crate::ownership::Ownership;
use crate::persist::{LoadedJob, StateStore};
use crate::registry::Jobs;
use crate::report::ReportTarget;
use crate::settings::Settings;
use crate::task::TaskRunner;
use crate::task_log::{JobFiles, WorkDir};
use crate::task_outcome::{TaskErrorCode, TaskFailure};
use crate::task_queue::TaskQueue;

/// How often the progress of running jobs is saved.
const PROGRESS_FLUSH: Duration = Duration::from_secs(1);

/// How a runner ended.
enum RunEnd {
    /// Every task has an outcome.
    Done,
    /// Stopped early for this reason.
    Stopped(Stop),
}

/// Drives every job through its lifecycle: preparing, handing out the active-job slots,
/// running, finishing (the report); saves the jobs' records to the state directory.
#[derive(Debug)]
pub(crate) struct Scheduler {
    settings: Settings,
    jobs: Arc<Jobs>,
    store: Option<StateStore>,
    /// The task files' directory when there is no state directory (made when first needed).
    work_dir: OnceLock<Result<WorkDir, String>>,
    wake: Notify,
    background: Mutex<Vec<JoinHandle<()>>>,
    shutting_down: AtomicBool,
}

impl Scheduler {
    /// A scheduler of `jobs`, saving them to `store` if there is one.
    pub(crate) fn new(settings: Settings, jobs: Arc<Jobs>, store: Option<StateStore>) -> Self {
        Self {
            settings,
            jobs,
            store,
            work_dir: OnceLock::new(),
            wake: Notify::new(),
            background: Mutex::new(Vec::new()),
            shutting_down: AtomicBool::new(false),
        }
    }

    /// Something changed: schedule again.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Saves a job's record, if there is a state directory.
    pub(crate) fn persist(&self, job: &JobEntry) {
        if let Err(e) = self.save(job) {
            tracing::warn!(job = %job.id, error = %e, "cannot save the job's state");
        }
    }

    /// Saves a job's record, if there is a state directory; the error if it could not be.
    pub(crate) fn save(&self, job: &JobEntry) -> std::io::Result<()> {
        match &self.store {
            Some(store) => job.save_with(|record| store.save_record(record)),
            None => Ok(()),
        }
    }

    /// Forgets everything kept about job `id` on disk.
    pub(crate) fn forget(&self, id: &str) -> std::io::Result<()> {
        match &self.store {
            Some(store) => store.remove(id),
            None => match self.files(id) {
                Ok(files) => files.remove(),
                Err(_) => Ok(()),
            },
        }
    }

    /// Whether shutdown has begun.
    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }

    /// The task files of job `id`.
    fn files(&self, id: &str) -> Result<JobFiles, String> {
        match &self.store {
            Some(store) => store.files(id).map_err(|e| e.to_string()),
            None => self
                .work_dir
                .get_or_init(|| {
                    WorkDir::create().map_err(|e| format!("cannot create a working directory: {e}"))
                })
                .as_ref()
                .map(|dir| JobFiles::new(dir.job_dir(id), false))
                .map_err(Clone::clone),
        }
    }

    /// Spawns a job's background work, kept so that shutdown can wait for it.
    fn spawn(&self, fut: impl std::future::Future<Output = ()> + Send + 'static) {
        let handle = tokio::spawn(fut);
        let mut background = self.background.lock().unwrap_or_else(|e| e.into_inner());
        background.retain(|h| !h.is_finished());
        background.push(handle);
    }

    /// Registers the jobs read from the state directory. Jobs that were being prepared are
    /// prepared again; a job that was pausing is paused; an active job resumes when the
    /// scheduler gives it a slot. A prepared job's counters are those of its task log.
    pub(crate) fn load(&self, jobs: Vec<LoadedJob>) {
        for LoadedJob { mut record, log } in jobs {
            let needs_tasks = !matches!(record.status, JobStatus::New | JobStatus::Preparing)
                && !record.status.is_terminal();
            if record.status == JobStatus::Pausing {
                record.status = JobStatus::Paused;
            }
            if needs_tasks {
                match log {
                    Some(log) => {
                        record.succeeded = log.succeeded;
                        record.failed = log.failed;
                    }
                    None => lose_state(&mut record),
                }
            }
            self.jobs.lock().insert(Arc::new(JobEntry::restore(record)));
        }
    }

    /// The scheduler's loop: runs [`Scheduler::schedule`] whenever something changed (and every
    /// second), until `shutdown` says so.
    pub(crate) async fn run_loop(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(PROGRESS_FLUSH);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if *shutdown.borrow() {
                break;
            }
            self.schedule();
            tokio::select! {
                () = self.wake.notified() => {}
                _ = tick.tick() => self.flush_progress(),
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        break;
                    }
                }
            }
        }
    }

    fn flush_progress(&self) {
        if self.store.is_none() {
            return;
        }
        for job in self.jobs.all() {
            if job.state().running {
                self.persist(&job);
            }
        }
    }

    /// One scheduling pass: starts preparations and endings, and hands out the slots.
    pub(crate) fn schedule(self: &Arc<Self>) {
        if self.is_shutting_down() {
            return;
        }
        let mut candidates = Vec::new();
        let mut occupied = 0;
        for job in self.jobs.all() {
            let mut st = job.state();
            if st.running {
                occupied += 1;
            }
            match st.status {
                JobStatus::New | JobStatus::Preparing if !st.busy => {
                    st.busy = true;
                    drop(st);
                    let scheduler = self.clone();
                    self.spawn(async move { scheduler.prepare(job).await });
                }
                JobStatus::Cancelling | JobStatus::Failing | JobStatus::Completing
                    if !st.busy && !st.running =>
                {
                    st.busy = true;
                    drop(st);
                    let scheduler = self.clone();
                    self.spawn(async move { scheduler.finish(job).await });
                }
                JobStatus::Ready | JobStatus::Paused | JobStatus::Active | JobStatus::Pausing => {
                    candidates.push((st.priority, job.seq, job.clone()));
                }
                _ => {}
            }
        }
        candidates.sort_by_key(|(priority, seq, _)| (Reverse(*priority), *seq));
        let slots = self.settings.active_jobs;
        for (rank, (_, _, job)) in candidates.into_iter().enumerate() {
            let mut st = job.state();
            let changed = if rank < slots {
                let startable = matches!(
                    st.status,
                    JobStatus::Ready | JobStatus::Paused | JobStatus::Active
                );
                if !st.running && startable && occupied < slots {
                    st.status = JobStatus::Active;
                    st.running = true;
                    occupied += 1;
                    job.clear_stop();
                    let scheduler = self.clone();
                    let runner = job.clone();
                    self.spawn(async move { scheduler.run(runner).await });
                    true
                } else {
                    false
                }
            } else if st.status == JobStatus::Active {
                if st.running {
                    st.status = JobStatus::Pausing;
                    job.request_stop(Stop::Pause);
                } else {
                    st.status = JobStatus::Paused;
                }
                true
            } else {
                false
            };
            drop(st);
            if changed {
                self.persist(&job);
            }
        }
    }

    /// Preparing: reads and checks the manifest, streaming its tasks into the job's task
    /// file, then `Suspended` or `Ready` (or `Failed`).
    async fn prepare(self: Arc<Self>, job: Arc<JobEntry>) {
        {
            let mut st = job.state();
            if st.status == JobStatus::New {
                st.status = JobStatus::Preparing;
            }
        }
        self.persist(&job);
        let data_dir = self.settings.data_dir.clone();
        let (appid, request) = (job.appid.clone(), job.request.clone());
        let owner = Ownership::new(&appid, &self.settings.accounts);
        let files = self.files(&job.id);
        let read = tokio::task::spawn_blocking(move || {
            // Checked at CreateJob; again for a job a state directory brought back.
            owner
                .check_job(&request)
                .map_err(|why| JobFailure::new("AccessDenied", why))?;
            let files = files.map_err(|e| JobFailure::new("InternalError", e))?;
            let cannot_save = |e: std::io::Error| {
                JobFailure::new("InternalError", format!("cannot save the job's tasks: {e}"))
            };
            files.remove().map_err(cannot_save)?;
            let mut tasks = files.write_tasks().map_err(cannot_save)?;
            let total = manifest::read(&data_dir, &appid, &request.manifest, &mut |task| {
                tasks.push(&task).map_err(|e| {
                    ManifestError::new("InternalError", format!("cannot save the job's tasks: {e}"))
                })
            })
            .map_err(|e| JobFailure::new(e.code, e.message))?;
            if request.report.enabled {
                let target = ReportTarget::new(&data_dir, &appid, &request.report)
                    .map_err(|e| JobFailure::new("InvalidReport", e))?;
                if !target.bucket_dir().is_dir() {
                    return Err(JobFailure::new(
                        "ReportBucketNotFound",
                        "The report bucket does not exist",
                    ));
                }
            }
            tasks.commit().map_err(cannot_save)?;
            Ok(total)
        })
        .await
        .unwrap_or_else(|e| Err(JobFailure::new("InternalError", e.to_string())));

        match read {
            Ok(total) => {
                job.set_counts(0, 0);
                let mut st = job.state();
                st.total = Some(total);
                if st.status == JobStatus::Preparing {
                    if job.request.confirmation_required == Some(true) {
                        st.status = JobStatus::Suspended;
                        st.suspended_date = now_timestamp();
                        st.suspended_cause = Some(
                            "The job requires confirmation: set its status to Ready to run it"
                                .to_owned(),
                        );
                    } else {
                        st.status = JobStatus::Ready;
                    }
                }
                st.busy = false;
            }
            Err(failure) => {
                let mut st = job.state();
                st.total.get_or_insert(0);
                if st.status == JobStatus::Preparing {
                    st.status = JobStatus::Failed;
                    st.termination_date = now_timestamp();
                }
                st.failure_reasons.push(failure);
                st.busy = false;
            }
        }
        self.persist(&job);
        self.wake();
    }

    /// Active: runs the tasks without an outcome with the configured workers until they are
    /// all done or the job is asked to stop.
    async fn run(self: Arc<Self>, job: Arc<JobEntry>) {
        let end = match self.open_run(&job).await {
            Ok((queue, runner)) => self.run_tasks(&job, queue, runner).await,
            Err(failure) => {
                job.state().failure_reasons.push(failure);
                RunEnd::Stopped(Stop::Fail)
            }
        };
        let finish = {
            let mut st = job.state();
            st.running = false;
            let stop = match end {
                RunEnd::Done => job.stop_reason(),
                RunEnd::Stopped(s) => s.max(job.stop_reason()),
            };
            match (stop, end) {
                (Stop::Shutdown, _) => false,
                (Stop::Cancel, _) => {
                    st.status = JobStatus::Cancelling;
                    true
                }
                (Stop::Fail, _) => {
                    st.status = JobStatus::Failing;
                    true
                }
                (_, RunEnd::Done) => {
                    st.status = JobStatus::Completing;
                    true
                }
                (Stop::Pause, RunEnd::Stopped(_)) => {
                    st.status = JobStatus::Paused;
                    false
                }
                (Stop::None, RunEnd::Stopped(_)) => false,
            }
        };
        if finish {
            job.state().busy = true;
            self.persist(&job);
            self.finish(job).await;
        } else {
            self.persist(&job);
            self.wake();
        }
    }

    /// The queue of a run (after the tasks the task log has, whose counts it sets) and the
    /// runner of the job's operation.
    async fn open_run(&self, job: &JobEntry) -> Result<(TaskQueue, TaskRunner), JobFailure> {
        let runner = TaskRunner::new(&self.settings.data_dir, &job.appid, &job.request.operation)
            .map_err(|e| JobFailure::new("InvalidOperation", e))?;
        let total = job.state().total.unwrap_or(0);
        let files = self
            .files(&job.id)
            .map_err(|e| JobFailure::new("InternalError", e))?;
        let opened = tokio::task::spawn_blocking(move || {
            let log = files.scan_log()?;
            let reader = files.read_tasks(log.done)?;
            let out = files.open_log(&log)?;
            Ok::<_, std::io::Error>((log, TaskQueue::new(reader, Some(out), log.done, total)))
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|r| r)
        .map_err(|e| {
            JobFailure::new(
                "InternalError",
                format!("the job's task files cannot be read: {e}"),
            )
        })?;
        let (log, queue) = opened;
        job.set_counts(log.succeeded, log.failed);
        Ok((queue, runner))
    }

    async fn run_tasks(
        self: &Arc<Self>,
        job: &Arc<JobEntry>,
        queue: TaskQueue,
        runner: TaskRunner,
    ) -> RunEnd {
        let (queue, runner) = (Arc::new(queue), Arc::new(runner));
        let owner = Arc::new(Ownership::new(&job.appid, &self.settings.accounts));
        let mut set = JoinSet::new();
        for _ in 0..self.settings.workers.max(1) {
            let (scheduler, job) = (self.clone(), job.clone());
            let (queue, runner, owner) = (queue.clone(), runner.clone(), owner.clone());
            set.spawn_blocking(move || scheduler.work(&job, &queue, &runner, &owner));
        }
        while let Some(joined) = set.join_next().await {
            if let Err(e) = joined {
                job.state()
                    .failure_reasons
                    .push(JobFailure::new("InternalError", e.to_string()));
                job.request_stop(Stop::Fail);
            }
        }
        if let Err(e) = queue.flush() {
            tracing::warn!(job = %job.id, error = %e, "cannot log the tasks' outcomes");
        }
        if queue.all_logged() {
            RunEnd::Done
        } else {
            RunEnd::Stopped(job.stop_reason())
        }
    }

    /// One worker (a blocking thread): takes the next task until there is none or the job
    /// must stop.
    fn work(&self, job: &JobEntry, queue: &TaskQueue, runner: &TaskRunner, owner: &Ownership) {
        let delay = self.settings.task_delay;
        let stopping = || job.stop_reason() != Stop::None;
        loop {
            if stopping() {
                return;
            }
            if !delay.is_zero() {
                std::thread::sleep(delay);
            }
            let (index, task) = match queue.next(stopping) {
                None => return,
                Some(Ok(next)) => next,
                Some(Err(e)) => {
                    job.state().failure_reasons.push(JobFailure::new(
                        "InternalError",
                        format!("the job's tasks cannot be read: {e}"),
                    ));
                    job.request_stop(Stop::Fail);
                    return;
                }
            };
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                owner.deny_task(&task).unwrap_or_else(|| runner.run(&task))
            }))
            .unwrap_or_else(|_| {
                TaskFailure::new(TaskErrorCode::InternalError, "the task panicked").into()
            });
            if let Err(e) = queue.finish(index, outcome, |o| job.count(o)) {
                tracing::warn!(job = %job.id, error = %e, "cannot log a task's outcome");
            }
            if job.over_failure_threshold() {
                self.fail_over_threshold(job);
            }
        }
    }

    /// Too many tasks failed: `Failing`, and the runner stops.
    fn fail_over_threshold(&self, job: &JobEntry) {
        let changed = {
            let mut st = job.state();
            if matches!(st.status, JobStatus::Active | JobStatus::Pausing) {
                st.status = JobStatus::Failing;
                st.failure_reasons.push(job.threshold_failure());
                true
            } else {
                false
            }
        };
        if changed {
            job.request_stop(Stop::Fail);
            self.persist(job);
        }
    }

    /// The end of a job that is `Cancelling`, `Failing` or `Completing`: writes the report and
    /// sets the final status and the termination date.
    async fn finish(self: Arc<Self>, job: Arc<JobEntry>) {
        let status = {
            let mut st = job.state();
            if st.status == JobStatus::Completing && job.over_failure_threshold() {
                st.status = JobStatus::Failing;
                st.failure_reasons.push(job.threshold_failure());
            }
            st.status.clone()
        };
        let final_status = match status {
            JobStatus::Cancelling => JobStatus::Cancelled,
            JobStatus::Failing => JobStatus::Failed,
            JobStatus::Completing => JobStatus::Complete,
            _ => {
                job.state().busy = false;
                return;
            }
        };
        let files = self.files(&job.id);
        let report_failure = if job.request.report.enabled {
            let data_dir = self.settings.data_dir.clone();
            let (job_ref, files) = (job.clone(), files.clone());
            tokio::task::spawn_blocking(move || write_report(&data_dir, &job_ref, files?))
                .await
                .unwrap_or_else(|e| Err(e.to_string()))
                .err()
        } else {
            None
        };
        {
            let mut st = job.state();
            st.status = final_status;
            if let Some(why) = report_failure {
                if st.status == JobStatus::Complete {
                    st.status = JobStatus::Failed;
                }
                st.failure_reasons
                    .push(JobFailure::new("ReportWriteFailed", why));
            }
            st.termination_date = now_timestamp();
            st.busy = false;
        }
        self.persist(&job);
        // The job has ended, its record says how: its task files are needed no more.
        if let Ok(files) = files
            && let Err(e) = files.remove()
        {
            tracing::warn!(job = %job.id, error = %e, "cannot remove the job's task files");
        }
        self.wake();
    }

    /// Shutdown: no new work, running jobs stop taking tasks, their running tasks finish, and
    /// every job's state is saved.
    pub(crate) async fn shutdown(self: &Arc<Self>) {
        self.begin_shutdown();
        loop {
            let handles: Vec<_> = {
                let mut background = self.background.lock().unwrap_or_else(|e| e.into_inner());
                background.drain(..).collect()
            };
            if handles.is_empty() {
                break;
            }
            for h in handles {
                let _ = h.await;
            }
        }
        for job in self.jobs.all() {
            self.persist(&job);
        }
    }

    /// Starts a shutdown without waiting: nothing new starts and runners stop taking tasks.
    pub(crate) fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        for job in self.jobs.all() {
            job.request_stop(Stop::Shutdown);
        }
    }
}

/// A job whose tasks were lost from the state directory cannot resume: it fails.
fn lose_state(record: &mut JobRecord) {
    record.status = JobStatus::Failed;
    record.termination_date = now_timestamp();
    record.failure_reasons.push(JobFailure::new(
        "StateLost",
        "The job's tasks were not found in the state directory",
    ));
}

/// Writes a job's report from its task files.
fn write_report(data_dir: &std::path::Path, job: &JobEntry, files: JobFiles) -> Result<(), String> {
    let target = ReportTarget::new(data_dir, &job.appid, &job.request.report)?;
    files
        .finished()
        .and_then(|rows| target.write(&job.id, rows))
        .map(|_| ())
        .map_err(|e| e.to_string())
}
