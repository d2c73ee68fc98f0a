//! The state directory: jobs survive a restart.
//!
//! Layout: `{state}/jobs/{JobId}/job.json` (the [`JobRecord`], rewritten atomically on every
//! state change and every second while the job runs) beside the job's task files
//! ([`crate::task_log`]: `tasks.jsonl` and the task log `outcomes.jsonl`, removed once the job
//! has ended). On start, a job resumes from its record and its task log: the tasks with an
//! outcome are not run again.
//!
//! A restart reads only what the jobs that have not ended need: the record of every job, and
//! the task log of the jobs that were prepared and have not ended (once, to count what is done).
//! A job that ended is its record alone (counts, status, failure reasons including the
//! report's): its start time and memory do not grow with the tasks of ended jobs.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use cos_batch_model::JobStatus;

use crate::atomic_file::write_durably;
use crate::job::JobRecord;
use crate::task_log::{JobFiles, LogSummary};

/// A job read back from the state directory.
#[derive(Debug)]
pub(crate) struct LoadedJob {
    pub record: JobRecord,
    /// For a job that was prepared and has not ended: what its task log holds, or `None` when
    /// its tasks are missing.
    pub log: Option<LogSummary>,
}

/// The state directory.
#[derive(Debug)]
pub(crate) struct StateStore {
    jobs: PathBuf,
    set_aside: PathBuf,
}

/// Whether a job id can name a directory (ids are generated UUIDs; a hand-edited state
/// directory is not trusted).
fn safe_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl StateStore {
    /// Opens (and creates) the state directory `dir`.
    pub(crate) fn open(dir: &Path) -> io::Result<Self> {
        let jobs = dir.join("jobs");
        fs::create_dir_all(&jobs)?;
        Ok(Self {
            jobs,
            set_aside: dir.join("set-aside"),
        })
    }

    fn job_dir(&self, id: &str) -> io::Result<PathBuf> {
        if safe_id(id) {
            Ok(self.jobs.join(id))
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a job id in the state directory is not a plain name",
            ))
        }
    }

    /// Saves a job's record.
    pub(crate) fn save_record(&self, record: &JobRecord) -> io::Result<()> {
        let bytes = serde_json::to_vec_pretty(record).map_err(io::Error::other)?;
        write_durably(&self.job_dir(&record.job_id)?.join("job.json"), &bytes)
    }

    /// The task files of job `id`.
    pub(crate) fn files(&self, id: &str) -> io::Result<JobFiles> {
        Ok(JobFiles::new(self.job_dir(id)?, true))
    }

    /// Removes everything kept about a job.
    pub(crate) fn remove(&self, id: &str) -> io::Result<()> {
        match fs::remove_dir_all(self.job_dir(id)?) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Reads every job back. A job directory that cannot be read (a record that does not
    /// parse; for a job that has not ended, a task list or log that cannot be read) is moved to `{state}/set-aside/` and
    /// reported in the returned list of problems; a torn last log line is ignored.
    pub(crate) fn load(&self) -> io::Result<(Vec<LoadedJob>, Vec<String>)> {
        let mut jobs = Vec::new();
        let mut problems = Vec::new();
        for entry in fs::read_dir(&self.jobs)? {
            let dir = entry?.path();
            if !dir.is_dir() {
                continue;
            }
            match load_job(&dir) {
                Ok(job) => jobs.push(job),
                Err(why) => problems.push(self.put_aside(&dir, &why)),
            }
        }
        jobs.sort_by_key(|j| j.record.seq);
        Ok((jobs, problems))
    }

    /// Moves the unreadable job directory `dir` out of the way; the problem to report.
    fn put_aside(&self, dir: &Path, why: &str) -> String {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let target = self
            .set_aside
            .join(format!("{name}.{:016x}", fastrand::u64(..)));
        let moved = fs::create_dir_all(&self.set_aside).and_then(|()| fs::rename(dir, &target));
        match moved {
            Ok(()) => format!("{}: {why}; moved to {}", dir.display(), target.display()),
            Err(e) => format!(
                "{}: {why}; left in place (cannot move it aside: {e})",
                dir.display()
            ),
        }
    }
}

/// One job directory read back, or why it cannot be.
fn load_job(dir: &Path) -> Result<LoadedJob, String> {
    let record: JobRecord = fs::read(dir.join("job.json"))
        .map_err(|e| format!("job.json cannot be read: {e}"))
        .and_then(|b| {
            serde_json::from_slice(&b).map_err(|e| format!("job.json is not a job record: {e}"))
        })?;
    if !safe_id(&record.job_id) {
        return Err("unusable job id".to_owned());
    }
    let prepared = !matches!(record.status, JobStatus::New | JobStatus::Preparing);
    let log = if prepared && !record.status.is_terminal() {
        let files = JobFiles::new(dir.to_owned(), true);
        let has_tasks = files
            .has_tasks()
            .map_err(|e| format!("tasks.jsonl cannot be read: {e}"))?;
        if has_tasks {
            Some(
                files
                    .scan_log()
                    .map_err(|e| format!("outcomes.jsonl cannot be read: {e}"))?,
            )
        } else {
            None
        }
    } else {
        None
    };
    Ok(LoadedJob { record, log })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task_outcome::{TaskErrorCode, TaskFailure, TaskOutcome};
    use cos_batch_model::*;

    fn request() -> CreateJobRequest {
        let mut copy = PutObjectCopy::new("qcs::cos:ap-guangzhou::dst-1250000000");
        copy.modified_since_constraint = Some(Timestamp::epoch_seconds(1_600_000_000).unwrap());
        copy.new_object_tagging = vec![Tag::new("a", "b")];
        CreateJobRequest::new(
            "token",
            Manifest::new(
                ManifestLocation::new("qcs::cos:ap-guangzhou::src-1250000000/m.csv", "\"e\""),
                ManifestSpec::new(
                    ManifestFormat::CosBatchOperationsCsvV1,
                    vec![ManifestField::Bucket, ManifestField::Key],
                ),
            ),
            Operation::PutObjectCopy(copy),
            7,
            Report::new(
                "qcs::cos:ap-guangzhou::rep-1250000000",
                true,
                ReportScope::AllTasks,
            ),
            "role",
        )
    }

    fn task(key: &str) -> crate::manifest::ManifestTask {
        crate::manifest::ManifestTask {
            bucket: "b".into(),
            key: key.into(),
            version_id: String::new(),
            invalid: None,
        }
    }

    /// Saves a job of `status` with two tasks, the second failed; its record.
    fn saved(store: &StateStore, id: &str, status: JobStatus) -> JobRecord {
        let job = crate::job::JobEntry::new(id.into(), "1250000000".into(), 3, request());
        let mut record = job.record_of();
        record.status = status;
        record.total = Some(2);
        store.save_record(&record).unwrap();
        let files = store.files(id).unwrap();
        let mut w = files.write_tasks().unwrap();
        w.push(&task("a")).unwrap();
        w.push(&task("b")).unwrap();
        w.commit().unwrap();
        let mut log = files.open_log(&LogSummary::default()).unwrap();
        let failed = TaskOutcome::from(TaskFailure::new(TaskErrorCode::Other("X".into()), "m"));
        log.append([&TaskOutcome::Succeeded(http::StatusCode::OK), &failed])
            .unwrap();
        record
    }

    #[test]
    fn records_and_task_logs_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        let record = saved(&store, "job-1", JobStatus::Active);
        let (loaded, problems) = store.load().unwrap();
        assert!(problems.is_empty());
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].record, record);
        let log = loaded[0].log.unwrap();
        assert_eq!((log.done, log.succeeded, log.failed), (2, 1, 1));

        store.remove("job-1").unwrap();
        assert!(store.load().unwrap().0.is_empty());
        assert!(store.files("../x").is_err());
    }

    #[test]
    fn a_job_that_ended_is_its_record_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        saved(&store, "job-1", JobStatus::Complete);
        // Its task files cannot be read: they are not looked at.
        let job_dir = dir.path().join("jobs/job-1");
        for name in ["tasks.jsonl", "outcomes.jsonl"] {
            fs::remove_file(job_dir.join(name)).unwrap();
            fs::create_dir_all(job_dir.join(name)).unwrap();
        }
        let (loaded, problems) = store.load().unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(loaded[0].record.status, JobStatus::Complete);
        assert!(loaded[0].log.is_none());
    }

    #[test]
    fn unreadable_records_are_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        fs::create_dir_all(dir.path().join("jobs/broken")).unwrap();
        fs::write(dir.path().join("jobs/broken/job.json"), b"{").unwrap();
        // A task list that is a directory cannot be read either, for a job that needs it.
        saved(&store, "job-2", JobStatus::Paused);
        let tasks = crate::task_log::tasks_path(&dir.path().join("jobs/job-2"));
        fs::remove_file(&tasks).unwrap();
        fs::create_dir_all(&tasks).unwrap();
        let (jobs, problems) = store.load().unwrap();
        assert!(jobs.is_empty());
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(!dir.path().join("jobs/broken").exists());
        assert!(!dir.path().join("jobs/job-2").exists());
        let aside: Vec<_> = fs::read_dir(dir.path().join("set-aside"))
            .unwrap()
            .collect();
        assert_eq!(aside.len(), 2);
        assert!(store.load().unwrap().1.is_empty());
    }
}
