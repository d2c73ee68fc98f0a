//! A job's task files, in its directory (`{state}/jobs/{JobId}/`, or a private working
//! directory without a state directory):
//!
//! - `tasks.jsonl`: the tasks read from the manifest, one JSON line per row in manifest order,
//!   written once while the manifest is read (streamed; made visible by a rename once whole).
//! - `outcomes.jsonl`: the task log, one line `{"i":index,"o":outcome}` per finished task, **in
//!   manifest order**: line `n` is task `n`'s outcome ([`crate::task_queue`] keeps the order).
//!   So the tasks that are done are the first `n`, and a restart needs no per-task table: it
//!   reads the log once and keeps its length and counts ([`LogSummary`]). A torn or
//!   out-of-order line ends the log (a later run truncates it there).
//!
//! The report is the two files read side by side ([`JobFiles::finished`]): memory stays the
//! same whatever the number of tasks.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::manifest::ManifestTask;
use crate::task_outcome::TaskOutcome;

const TASKS: &str = "tasks.jsonl";
const LOG: &str = "outcomes.jsonl";
/// Buffer size of the readers and writers of the task files.
const BUFFER: usize = 64 * 1024;

/// One line of the task log.
#[derive(Deserialize)]
struct OutcomeLine {
    i: u64,
    o: TaskOutcome,
}

/// One line of the task log, as written.
#[derive(Serialize)]
struct OutcomeLineRef<'a> {
    i: u64,
    o: &'a TaskOutcome,
}

/// What a task log holds: its first `done` tasks' outcomes, in `bytes` bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct LogSummary {
    /// The tasks with an outcome: tasks `0..done`.
    pub done: u64,
    /// How many of them succeeded.
    pub succeeded: u64,
    /// How many of them failed.
    pub failed: u64,
    /// The length of the log's valid part.
    pub bytes: u64,
}

/// The task files of one job.
#[derive(Clone, Debug)]
pub(crate) struct JobFiles {
    dir: PathBuf,
    /// Whether writes are `fsync`ed (a state directory) or not (a working directory).
    durable: bool,
}

impl JobFiles {
    /// The task files in `dir`.
    pub(crate) fn new(dir: PathBuf, durable: bool) -> Self {
        Self { dir, durable }
    }

    /// Whether the job's tasks were written (the manifest was read).
    pub(crate) fn has_tasks(&self) -> io::Result<bool> {
        match fs::metadata(self.dir.join(TASKS)) {
            Ok(m) if m.is_file() => Ok(true),
            Ok(_) => Err(io::Error::other("tasks.jsonl is not a file")),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A writer of the job's tasks; they replace any earlier ones on [`TaskWriter::commit`].
    pub(crate) fn write_tasks(&self) -> io::Result<TaskWriter> {
        fs::create_dir_all(&self.dir)?;
        let tmp = self
            .dir
            .join(format!(".{TASKS}.tmp-{:016x}", fastrand::u64(..)));
        let file = File::create(&tmp)?;
        Ok(TaskWriter {
            out: BufWriter::with_capacity(BUFFER, file),
            tmp,
            target: self.dir.join(TASKS),
            durable: self.durable,
            count: 0,
            line: Vec::new(),
        })
    }

    /// The job's tasks from task `skip` on, in manifest order.
    pub(crate) fn read_tasks(&self, skip: u64) -> io::Result<TaskReader> {
        let mut reader = BufReader::with_capacity(BUFFER, File::open(self.dir.join(TASKS))?);
        for _ in 0..skip {
            if reader.skip_until(b'\n')? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "tasks.jsonl has fewer tasks than the task log",
                ));
            }
        }
        Ok(TaskReader {
            reader,
            line: String::new(),
        })
    }

    /// Reads the task log once: how many tasks are done and how they ended. No log is an
    /// empty one.
    pub(crate) fn scan_log(&self) -> io::Result<LogSummary> {
        let file = match File::open(self.dir.join(LOG)) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(LogSummary::default()),
            Err(e) => return Err(e),
        };
        let mut summary = LogSummary::default();
        let mut lines = LogLines::new(file);
        while let Some(outcome) = lines.next_outcome(summary.done)? {
            summary.done += 1;
            summary.bytes = lines.bytes;
            if outcome.is_success() {
                summary.succeeded += 1;
            } else {
                summary.failed += 1;
            }
        }
        Ok(summary)
    }

    /// Opens the task log to append after the part `summary` describes (anything after it,
    /// a torn line, is cut off).
    pub(crate) fn open_log(&self, summary: &LogSummary) -> io::Result<OutcomeLog> {
        fs::create_dir_all(&self.dir)?;
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(LOG))?;
        file.set_len(summary.bytes)?;
        Ok(OutcomeLog {
            file,
            next: summary.done,
            buf: Vec::new(),
            since: Instant::now(),
        })
    }

    /// The finished tasks with their outcomes, in manifest order: the tasks file and the log
    /// read side by side.
    pub(crate) fn finished(&self) -> io::Result<Finished> {
        let log = match File::open(self.dir.join(LOG)) {
            Ok(f) => Some(LogLines::new(f)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        let tasks = match log {
            Some(_) => Some(self.read_tasks(0)?),
            None => None,
        };
        Ok(Finished {
            tasks,
            log,
            index: 0,
        })
    }

    /// Removes the task files (a job that ended needs them no more).
    pub(crate) fn remove(&self) -> io::Result<()> {
        for name in [TASKS, LOG] {
            match fs::remove_file(self.dir.join(name)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }
}

/// Writes a job's tasks as the manifest is read.
#[derive(Debug)]
pub(crate) struct TaskWriter {
    out: BufWriter<File>,
    tmp: PathBuf,
    target: PathBuf,
    durable: bool,
    count: u64,
    line: Vec<u8>,
}

impl TaskWriter {
    /// Appends the next task.
    pub(crate) fn push(&mut self, task: &ManifestTask) -> io::Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, task).map_err(io::Error::other)?;
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        self.count += 1;
        Ok(())
    }

    /// Makes the tasks the job's (on disk, for a durable directory); their number.
    pub(crate) fn commit(mut self) -> io::Result<u64> {
        self.out.flush()?;
        if self.durable {
            self.out.get_ref().sync_all()?;
        }
        fs::rename(&self.tmp, &self.target)?;
        if self.durable
            && cfg!(unix)
            && let Some(dir) = self.target.parent()
        {
            File::open(dir)?.sync_all()?;
        }
        Ok(self.count)
    }
}

impl Drop for TaskWriter {
    fn drop(&mut self) {
        // Gone after a commit; left after an error or a manifest that failed.
        let _ = fs::remove_file(&self.tmp);
    }
}

/// A job's tasks in manifest order.
#[derive(Debug)]
pub(crate) struct TaskReader {
    reader: BufReader<File>,
    line: String,
}

impl TaskReader {
    /// The next task, `None` at the end.
    pub(crate) fn next_task(&mut self) -> io::Result<Option<ManifestTask>> {
        self.line.clear();
        if self.reader.read_line(&mut self.line)? == 0 {
            return Ok(None);
        }
        serde_json::from_str(self.line.trim_end())
            .map(Some)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("tasks.jsonl: {e}")))
    }
}

/// The lines of a task log.
struct LogLines {
    reader: BufReader<File>,
    line: String,
    /// The bytes read up to the end of the last line returned.
    bytes: u64,
}

impl LogLines {
    fn new(file: File) -> Self {
        Self {
            reader: BufReader::with_capacity(BUFFER, file),
            line: String::new(),
            bytes: 0,
        }
    }

    /// The outcome of task `index` if the next line is it; `None` at the end of the valid
    /// log (its end, a torn line or a line of another task).
    fn next_outcome(&mut self, index: u64) -> io::Result<Option<TaskOutcome>> {
        self.line.clear();
        let n = match self.reader.read_line(&mut self.line) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => return Ok(None),
            Err(e) => return Err(e),
        };
        if n == 0 || !self.line.ends_with('\n') {
            return Ok(None);
        }
        match serde_json::from_str::<OutcomeLine>(&self.line) {
            Ok(line) if line.i == index => {
                self.bytes += n as u64;
                Ok(Some(line.o))
            }
            _ => Ok(None),
        }
    }
}

/// Appends outcomes to a task log, in manifest order. Lines are buffered and written in one
/// `write` once [`LOG_BUFFER`] bytes or [`LOG_DELAY`] have gathered, and on
/// [`OutcomeLog::flush`] or drop.
#[derive(Debug)]
pub(crate) struct OutcomeLog {
    file: File,
    next: u64,
    buf: Vec<u8>,
    since: Instant,
}

/// The most outcome bytes kept before they are written.
pub(crate) const LOG_BUFFER: usize = 64 * 1024;
/// The longest an outcome waits before it is written.
pub(crate) const LOG_DELAY: Duration = Duration::from_millis(100);

impl OutcomeLog {
    /// Appends the outcomes of the next tasks (written when due).
    pub(crate) fn append<'a>(
        &mut self,
        outcomes: impl IntoIterator<Item = &'a TaskOutcome>,
    ) -> io::Result<()> {
        if self.buf.is_empty() {
            self.since = Instant::now();
        }
        for o in outcomes {
            serde_json::to_writer(&mut self.buf, &OutcomeLineRef { i: self.next, o })
                .map_err(io::Error::other)?;
            self.buf.push(b'\n');
            self.next += 1;
        }
        if self.buf.len() >= LOG_BUFFER || self.since.elapsed() >= LOG_DELAY {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes what is buffered.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let written = self.file.write_all(&self.buf);
        self.buf.clear();
        written
    }
}

impl Drop for OutcomeLog {
    fn drop(&mut self) {
        if let Err(e) = self.flush() {
            tracing::warn!(error = %e, "cannot write task outcomes to the task log");
        }
    }
}

/// The finished tasks of a job, in manifest order.
pub(crate) struct Finished {
    tasks: Option<TaskReader>,
    log: Option<LogLines>,
    index: u64,
}

impl Iterator for Finished {
    type Item = io::Result<(ManifestTask, TaskOutcome)>;

    fn next(&mut self) -> Option<Self::Item> {
        let (tasks, log) = (self.tasks.as_mut()?, self.log.as_mut()?);
        let outcome = match log.next_outcome(self.index) {
            Ok(Some(o)) => o,
            Ok(None) => return None,
            Err(e) => return Some(Err(e)),
        };
        self.index += 1;
        match tasks.next_task() {
            Ok(Some(task)) => Some(Ok((task, outcome))),
            Ok(None) => Some(Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the task log has more tasks than tasks.jsonl",
            ))),
            Err(e) => Some(Err(e)),
        }
    }
}

/// Where a job's task files go when there is no state directory: a private directory,
/// removed when the emulator is dropped.
#[derive(Debug)]
pub(crate) struct WorkDir(tempfile::TempDir);

impl WorkDir {
    /// A new private directory under the system's temporary directory.
    pub(crate) fn create() -> io::Result<Self> {
        tempfile::Builder::new()
            .prefix("cos-batch-emulator-")
            .tempdir()
            .map(Self)
    }

    /// The directory of job `id`'s files.
    pub(crate) fn job_dir(&self, id: &str) -> PathBuf {
        self.0.path().join(id)
    }
}

/// The path of `dir`'s task file, for tests that break it.
#[cfg(test)]
pub(crate) fn tasks_path(dir: &std::path::Path) -> PathBuf {
    dir.join(TASKS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task_outcome::{TaskErrorCode, TaskFailure};

    fn task(key: &str) -> ManifestTask {
        ManifestTask {
            bucket: "b".into(),
            key: key.into(),
            version_id: String::new(),
            invalid: None,
        }
    }

    fn failed() -> TaskOutcome {
        TaskFailure::new(TaskErrorCode::NoSuchKey, "gone").into()
    }

    #[test]
    fn tasks_and_outcomes_read_back_side_by_side() {
        let dir = tempfile::tempdir().unwrap();
        let files = JobFiles::new(dir.path().join("job"), true);
        assert!(!files.has_tasks().unwrap());
        let mut w = files.write_tasks().unwrap();
        for k in ["a", "b,1", "c"] {
            w.push(&task(k)).unwrap();
        }
        assert_eq!(w.commit().unwrap(), 3);
        assert!(files.has_tasks().unwrap());
        assert_eq!(files.scan_log().unwrap(), LogSummary::default());
        assert_eq!(files.finished().unwrap().count(), 0);

        let ok = TaskOutcome::Succeeded(http::StatusCode::OK);
        let mut log = files.open_log(&LogSummary::default()).unwrap();
        log.append([&ok, &failed()]).unwrap();
        drop(log);
        let summary = files.scan_log().unwrap();
        assert_eq!((summary.done, summary.succeeded, summary.failed), (2, 1, 1));

        // A torn line is cut off when the log is opened again.
        let path = dir.path().join("job").join(LOG);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"i\":2,\"o\":{\"ok\":tr").unwrap();
        assert_eq!(files.scan_log().unwrap(), summary);
        let mut log = files.open_log(&summary).unwrap();
        log.append([&ok]).unwrap();
        drop(log);
        let rows: Vec<_> = files.finished().unwrap().map(Result::unwrap).collect();
        let keys: Vec<_> = rows.iter().map(|(t, _)| t.key.as_str()).collect();
        assert_eq!(keys, ["a", "b,1", "c"]);
        assert_eq!(rows[1].1, failed());

        let mut rest = files.read_tasks(2).unwrap();
        assert_eq!(rest.next_task().unwrap(), Some(task("c")));
        assert_eq!(rest.next_task().unwrap(), None);
        assert!(files.read_tasks(4).is_err());

        files.remove().unwrap();
        assert!(!files.has_tasks().unwrap());
        files.remove().unwrap();
    }

    #[test]
    fn a_line_of_another_task_ends_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let files = JobFiles::new(dir.path().to_owned(), false);
        let ok = TaskOutcome::Succeeded(http::StatusCode::OK);
        let mut log = files.open_log(&LogSummary::default()).unwrap();
        log.append([&ok]).unwrap();
        log.flush().unwrap();
        let line = serde_json::to_string(&OutcomeLineRef { i: 5, o: &ok }).unwrap();
        log.file.write_all(format!("{line}\n").as_bytes()).unwrap();
        assert_eq!(files.scan_log().unwrap().done, 1);
    }

    #[test]
    fn an_uncommitted_task_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let files = JobFiles::new(dir.path().to_owned(), false);
        let mut w = files.write_tasks().unwrap();
        w.push(&task("a")).unwrap();
        drop(w);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        assert!(!tasks_path(dir.path()).exists());
    }
}
