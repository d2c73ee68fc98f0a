//! The state directory: jobs survive a restart.
//!
//! Layout: `{state}/jobs/{JobId}/job.json` (the [`JobRecord`], rewritten atomically on every
//! state change and every second while the job runs), `tasks.jsonl` (the tasks read from the
//! manifest, written once when preparation ends) and `outcomes.jsonl` (an append-only log, one
//! line per finished task: its index and outcome). On start, a job resumes from its record, its
//! tasks and its log: tasks with an outcome are not run again.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::atomic_file::write_durably;
use crate::job::JobRecord;
use crate::manifest::ManifestTask;
use crate::task_outcome::TaskOutcome;

/// One line of `outcomes.jsonl`.
#[derive(Serialize, Deserialize)]
struct OutcomeLine {
    i: usize,
    o: TaskOutcome,
}

/// A job read back from the state directory.
#[derive(Debug)]
pub(crate) struct LoadedJob {
    pub record: JobRecord,
    /// The tasks, when preparation had ended.
    pub tasks: Option<Vec<ManifestTask>>,
    /// The outcomes logged, by task index.
    pub outcomes: Vec<(usize, TaskOutcome)>,
}

/// The state directory.
#[derive(Debug)]
pub(crate) struct StateStore {
    jobs: PathBuf,
    set_aside: PathBuf,
    logs: Mutex<HashMap<String, File>>,
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
            logs: Mutex::new(HashMap::new()),
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

    /// Saves a job's tasks.
    pub(crate) fn save_tasks(&self, id: &str, tasks: &[ManifestTask]) -> io::Result<()> {
        let mut bytes = Vec::with_capacity(tasks.len() * 64);
        for t in tasks {
            serde_json::to_writer(&mut bytes, t).map_err(io::Error::other)?;
            bytes.push(b'\n');
        }
        write_durably(&self.job_dir(id)?.join("tasks.jsonl"), &bytes)
    }

    /// Appends a finished task to a job's log (one write of one line).
    pub(crate) fn append_outcome(
        &self,
        id: &str,
        index: usize,
        outcome: &TaskOutcome,
    ) -> io::Result<()> {
        let mut line = serde_json::to_vec(&OutcomeLine {
            i: index,
            o: outcome.clone(),
        })
        .map_err(io::Error::other)?;
        line.push(b'\n');
        let mut logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        let file = match logs.get_mut(id) {
            Some(f) => f,
            None => {
                let dir = self.job_dir(id)?;
                fs::create_dir_all(&dir)?;
                let f = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(dir.join("outcomes.jsonl"))?;
                logs.entry(id.to_owned()).or_insert(f)
            }
        };
        file.write_all(&line)
    }

    /// Closes a job's log (it is reopened if needed).
    pub(crate) fn close_log(&self, id: &str) {
        self.logs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    /// Removes everything kept about a job.
    pub(crate) fn remove(&self, id: &str) -> io::Result<()> {
        self.close_log(id);
        match fs::remove_dir_all(self.job_dir(id)?) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Reads every job back. A job directory that cannot be read (a record that does not
    /// parse, a task list or log that cannot be read) is moved to `{state}/set-aside/` and
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
    let tasks = read_lines::<ManifestTask>(&dir.join("tasks.jsonl"))
        .map_err(|e| format!("tasks.jsonl cannot be read: {e}"))?;
    let outcomes = if record.status.is_terminal() {
        Vec::new()
    } else {
        read_lines::<OutcomeLine>(&dir.join("outcomes.jsonl"))
            .map_err(|e| format!("outcomes.jsonl cannot be read: {e}"))?
            .unwrap_or_default()
            .into_iter()
            .map(|l| (l.i, l.o))
            .collect()
    };
    Ok(LoadedJob {
        record,
        tasks,
        outcomes,
    })
}

/// The JSON lines of `path` (`None` if there is no such file); lines that do not parse are
/// skipped.
fn read_lines<T: for<'de> Deserialize<'de>>(path: &Path) -> io::Result<Option<Vec<T>>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for line in BufReader::new(file).lines() {
        if let Ok(v) = serde_json::from_str(&line?) {
            out.push(v);
        }
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task_outcome::{TaskErrorCode, TaskFailure};
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

    #[test]
    fn records_tasks_and_outcomes_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        let job = crate::job::JobEntry::new("job-1".into(), "1250000000".into(), 3, request());
        let record = job.record_of();
        store.save_record(&record).unwrap();
        let tasks = vec![
            ManifestTask {
                bucket: "b".into(),
                key: "k,1".into(),
                version_id: String::new(),
                invalid: None,
            },
            ManifestTask {
                bucket: "b".into(),
                key: "k2".into(),
                version_id: "v".into(),
                invalid: Some("bad".into()),
            },
        ];
        store.save_tasks("job-1", &tasks).unwrap();
        store
            .append_outcome(
                "job-1",
                1,
                &TaskOutcome::from(TaskFailure::new(TaskErrorCode::Other("X".into()), "m")),
            )
            .unwrap();
        // A torn line (a crash mid-write) is ignored.
        let log = dir.path().join("jobs/job-1/outcomes.jsonl");
        let mut f = OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all(b"{\"i\":0,\"o\":{\"ok\":tr").unwrap();

        let (loaded, problems) = store.load().unwrap();
        assert!(problems.is_empty());
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].record, record);
        assert_eq!(loaded[0].tasks.as_deref(), Some(&tasks[..]));
        assert_eq!(
            loaded[0].outcomes,
            [(
                1,
                TaskOutcome::from(TaskFailure::new(TaskErrorCode::Other("X".into()), "m"))
            )]
        );

        store.remove("job-1").unwrap();
        assert!(store.load().unwrap().0.is_empty());
        assert!(store.save_tasks("../x", &tasks).is_err());
    }

    #[test]
    fn unreadable_records_are_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        fs::create_dir_all(dir.path().join("jobs/broken")).unwrap();
        fs::write(dir.path().join("jobs/broken/job.json"), b"{").unwrap();
        // A task list that is a directory cannot be read either.
        let job = crate::job::JobEntry::new("job-2".into(), "1250000000".into(), 1, request());
        store.save_record(&job.record_of()).unwrap();
        fs::create_dir_all(dir.path().join("jobs/job-2/tasks.jsonl")).unwrap();
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
