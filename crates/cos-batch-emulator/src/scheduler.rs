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

use std::cmp::Reverse;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cos_batch_model::{JobFailure, JobStatus};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::control_plane::ControlPlane;
use crate::job::{JobEntry, JobRecord, JobTasks, Stop, now_timestamp};
use crate::manifest::{self, ManifestTask};
use crate::ownership::Ownership;
use crate::persist::LoadedJob;
use crate::report::ReportTarget;
use crate::task::TaskRunner;
use crate::task_outcome::{TaskErrorCode, TaskFailure};

/// How often the progress of running jobs is saved.
const PROGRESS_FLUSH: Duration = Duration::from_secs(1);

/// How a runner ended.
enum RunEnd {
    /// Every task has an outcome.
    Done,
    /// Stopped early for this reason.
    Stopped(Stop),
}

impl ControlPlane {
    /// Spawns a job's background work, kept so that shutdown can wait for it.
    fn spawn(self: &Arc<Self>, fut: impl std::future::Future<Output = ()> + Send + 'static) {
        let handle = tokio::spawn(fut);
        let mut background = self.background.lock().unwrap_or_else(|e| e.into_inner());
        background.retain(|h| !h.is_finished());
        background.push(handle);
    }

    /// Registers the jobs read from the state directory. Jobs that were being prepared are
    /// prepared again; a job that was pausing is paused; an active job resumes when the
    /// scheduler gives it a slot.
    pub(crate) fn load(&self, jobs: Vec<LoadedJob>) {
        for loaded in jobs {
            let LoadedJob {
                mut record,
                tasks,
                outcomes,
            } = loaded;
            let needs_tasks = !matches!(record.status, JobStatus::New | JobStatus::Preparing)
                && !record.status.is_terminal();
            if record.status == JobStatus::Pausing {
                record.status = JobStatus::Paused;
            }
            let tasks = tasks.map(|t| {
                let tasks = JobTasks::new(t);
                for (i, o) in outcomes {
                    if let Some(slot) = tasks.results.get(i) {
                        let _ = slot.set(o);
                    }
                }
                tasks
            });
            if needs_tasks && tasks.is_none() {
                lose_state(&mut record);
            }
            let terminal = record.status.is_terminal();
            let job = Arc::new(JobEntry::restore(
                record,
                if terminal { None } else { tasks },
            ));
            self.registry().insert(job);
        }
    }

    /// The scheduler: runs [`ControlPlane::schedule`] whenever something changed (and every second),
    /// until `shutdown` says so.
    pub(crate) async fn scheduler_loop(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
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
        for job in self.all_jobs() {
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
        for job in self.all_jobs() {
            let mut st = job.state();
            if st.running {
                occupied += 1;
            }
            match st.status {
                JobStatus::New | JobStatus::Preparing if !st.busy => {
                    st.busy = true;
                    drop(st);
                    let control = self.clone();
                    self.spawn(async move { control.prepare(job).await });
                }
                JobStatus::Cancelling | JobStatus::Failing | JobStatus::Completing
                    if !st.busy && !st.running =>
                {
                    st.busy = true;
                    drop(st);
                    let control = self.clone();
                    self.spawn(async move { control.finish(job).await });
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
                    let control = self.clone();
                    let runner = job.clone();
                    self.spawn(async move { control.run(runner).await });
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

    /// Preparing: reads and checks the manifest, then `Suspended` or `Ready` (or `Failed`).
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
        let read = tokio::task::spawn_blocking(move || {
            // Checked at CreateJob; again for a job a state directory brought back.
            owner
                .check_job(&request)
                .map_err(|why| JobFailure::new("AccessDenied", why))?;
            let tasks = manifest::load(&data_dir, &appid, &request.manifest)
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
            Ok(tasks)
        })
        .await
        .unwrap_or_else(|e| Err(JobFailure::new("InternalError", e.to_string())));

        match read {
            Ok(tasks) => {
                self.save_tasks(&job, &tasks);
                job.set_tasks(JobTasks::new(tasks));
                let mut st = job.state();
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
        self.wake.notify_one();
    }

    fn save_tasks(&self, job: &JobEntry, tasks: &[ManifestTask]) {
        if let Some(store) = &self.store
            && let Err(e) = store.save_tasks(&job.id, tasks)
        {
            tracing::warn!(job = %job.id, error = %e, "cannot save the job's tasks");
        }
    }

    /// Active: runs the pending tasks with the configured workers until they are all done or
    /// the job is asked to stop.
    async fn run(self: Arc<Self>, job: Arc<JobEntry>) {
        let end = match (job.tasks(), self.runner(&job)) {
            (Some(tasks), Ok(runner)) => self.run_tasks(&job, tasks, Arc::new(runner)).await,
            (None, _) => {
                let mut st = job.state();
                st.failure_reasons
                    .push(JobFailure::new("InternalError", "The job has no tasks"));
                RunEnd::Stopped(Stop::Fail)
            }
            (_, Err(e)) => {
                let mut st = job.state();
                st.failure_reasons
                    .push(JobFailure::new("InvalidOperation", e));
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
            self.wake.notify_one();
        }
    }

    fn runner(&self, job: &JobEntry) -> Result<TaskRunner, String> {
        TaskRunner::new(&self.settings.data_dir, &job.appid, &job.request.operation)
    }

    async fn run_tasks(
        self: &Arc<Self>,
        job: &Arc<JobEntry>,
        tasks: Arc<JobTasks>,
        runner: Arc<TaskRunner>,
    ) -> RunEnd {
        let pending = Arc::new(tasks.pending());
        let next = Arc::new(AtomicUsize::new(0));
        let workers = self.settings.workers.min(pending.len()).max(1);
        let mut set = JoinSet::new();
        for _ in 0..workers {
            let (control, job, tasks, runner) =
                (self.clone(), job.clone(), tasks.clone(), runner.clone());
            let (pending, next) = (pending.clone(), next.clone());
            set.spawn(async move {
                control.work(&job, &tasks, &runner, &pending, &next).await;
            });
        }
        while set.join_next().await.is_some() {}
        if tasks.results.iter().all(|r| r.get().is_some()) {
            RunEnd::Done
        } else {
            RunEnd::Stopped(job.stop_reason())
        }
    }

    /// One worker: takes the next pending task until there is none or the job must stop.
    async fn work(
        &self,
        job: &Arc<JobEntry>,
        tasks: &Arc<JobTasks>,
        runner: &Arc<TaskRunner>,
        pending: &[usize],
        next: &AtomicUsize,
    ) {
        let delay = self.settings.task_delay;
        let owner = Arc::new(Ownership::new(&job.appid, &self.settings.accounts));
        loop {
            if job.stop_reason() != Stop::None {
                return;
            }
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
                if job.stop_reason() != Stop::None {
                    return;
                }
            }
            let Some(&index) = pending.get(next.fetch_add(1, Ordering::SeqCst)) else {
                return;
            };
            let (runner_ref, tasks_ref, owner) = (runner.clone(), tasks.clone(), owner.clone());
            let outcome = tokio::task::spawn_blocking(move || {
                tasks_ref
                    .tasks
                    .get(index)
                    .map(|t| owner.deny_task(t).unwrap_or_else(|| runner_ref.run(t)))
                    .unwrap_or_else(|| {
                        TaskFailure::new(TaskErrorCode::InternalError, "no such task").into()
                    })
            })
            .await
            .unwrap_or_else(|e| {
                TaskFailure::new(TaskErrorCode::InternalError, e.to_string()).into()
            });
            if let Some(store) = &self.store
                && let Err(e) = store.append_outcome(&job.id, index, &outcome)
            {
                tracing::warn!(job = %job.id, error = %e, "cannot log a task's outcome");
            }
            job.record(tasks, index, outcome);
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
        let report_failure = if job.request.report.enabled {
            let data_dir = self.settings.data_dir.clone();
            let job_ref = job.clone();
            tokio::task::spawn_blocking(move || write_report(&data_dir, &job_ref))
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
        if let Some(store) = &self.store {
            store.close_log(&job.id);
        }
        self.wake.notify_one();
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
        for job in self.all_jobs() {
            self.persist(&job);
        }
    }

    /// Starts a shutdown without waiting: nothing new starts and runners stop taking tasks.
    pub(crate) fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        for job in self.all_jobs() {
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

fn write_report(data_dir: &std::path::Path, job: &JobEntry) -> Result<(), String> {
    let target = ReportTarget::new(data_dir, &job.appid, &job.request.report)?;
    let tasks = job.tasks();
    let rows = tasks.iter().flat_map(|t| t.finished());
    target
        .write(&job.id, rows)
        .map(|_| ())
        .map_err(|e| e.to_string())
}
