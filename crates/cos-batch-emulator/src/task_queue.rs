//! One run of a job's tasks: [`TaskQueue`] hands the tasks out in manifest order and writes
//! their outcomes to the task log in that same order, whatever order the workers finish them
//! in.
//!
//! A task is handed out only within [`WINDOW`] tasks of the first one without a logged
//! outcome, so the outcomes waiting for an earlier task are at most [`WINDOW`]: memory does
//! not grow with the job. The log is written in batches (see [`OutcomeLog`]). A run that stops
//! (pause, cancel, shutdown) lets its running tasks finish and writes the log out, so every
//! task handed out is logged once; a process killed mid-run repeats, on restart, the tasks it
//! had finished but not written to the log yet (those of the last 100 ms, and those waiting
//! for an earlier task: at most [`WINDOW`]).
//!
//! The workers are threads (one blocking thread each for the whole run): a task costs no
//! hand-over between threads, so no `futex` call when the queue is not contended.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::manifest::ManifestTask;
use crate::task_log::{OutcomeLog, TaskReader};
use crate::task_outcome::TaskOutcome;

/// How far ahead of the first unlogged task tasks are handed out.
pub(crate) const WINDOW: u64 = 4096;

/// How often a worker waiting for the window checks whether it should stop.
const STOP_CHECK: Duration = Duration::from_millis(50);

/// The tasks of one run, handed out and logged in manifest order. Its methods block: the
/// workers are threads.
#[derive(Debug)]
pub(crate) struct TaskQueue {
    source: Mutex<Source>,
    finished: Mutex<Pending>,
    /// Every task before this one is logged.
    logged: AtomicU64,
    /// Signalled (under `finished`) when `logged` moves while workers wait for the window.
    advanced: Condvar,
    waiting: AtomicUsize,
    total: u64,
}

#[derive(Debug)]
struct Source {
    reader: TaskReader,
    next: u64,
}

#[derive(Debug)]
struct Pending {
    log: Option<OutcomeLog>,
    waiting: BTreeMap<u64, TaskOutcome>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl TaskQueue {
    /// The tasks `start..total` of `reader` (which starts at task `start`), logged to `log`
    /// (`None`: not logged, as in tests).
    pub(crate) fn new(reader: TaskReader, log: Option<OutcomeLog>, start: u64, total: u64) -> Self {
        Self {
            source: Mutex::new(Source {
                reader,
                next: start,
            }),
            finished: Mutex::new(Pending {
                log,
                waiting: BTreeMap::new(),
            }),
            logged: AtomicU64::new(start),
            advanced: Condvar::new(),
            waiting: AtomicUsize::new(0),
            total,
        }
    }

    /// The next task and its index; `None` once there is none or `stop()` says so (checked
    /// before each task is taken). Blocks while the window is full.
    pub(crate) fn next(&self, stop: impl Fn() -> bool) -> Option<io::Result<(u64, ManifestTask)>> {
        loop {
            let wanted = {
                let mut source = lock(&self.source);
                if stop() || source.next >= self.total {
                    return None;
                }
                if source.next < self.logged.load(Ordering::SeqCst) + WINDOW {
                    let index = source.next;
                    return match source.reader.next_task() {
                        Ok(Some(task)) => {
                            source.next += 1;
                            Some(Ok((index, task)))
                        }
                        Ok(None) => Some(Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "tasks.jsonl has fewer tasks than the job",
                        ))),
                        Err(e) => Some(Err(e)),
                    };
                }
                source.next
            };
            // The window is full: wait until the first tasks are logged.
            let pending = lock(&self.finished);
            self.waiting.fetch_add(1, Ordering::SeqCst);
            if wanted >= self.logged.load(Ordering::SeqCst) + WINDOW {
                let _ = self.advanced.wait_timeout(pending, STOP_CHECK);
            }
            self.waiting.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Records task `index`'s outcome. The outcomes that can now be logged (this one and any
    /// later ones that waited for it) are appended to the log and passed to `counted`, in
    /// order. An error is the log's: the outcomes still count.
    pub(crate) fn finish(
        &self,
        index: u64,
        outcome: TaskOutcome,
        mut counted: impl FnMut(&TaskOutcome),
    ) -> io::Result<()> {
        let mut pending = lock(&self.finished);
        pending.waiting.insert(index, outcome);
        let first = self.logged.load(Ordering::SeqCst);
        let mut end = first;
        while pending.waiting.contains_key(&end) {
            end += 1;
        }
        if end == first {
            return Ok(());
        }
        let ready: Vec<TaskOutcome> = (first..end)
            .filter_map(|i| pending.waiting.remove(&i))
            .collect();
        let written = match &mut pending.log {
            Some(log) => log.append(&ready),
            None => Ok(()),
        };
        ready.iter().for_each(&mut counted);
        self.logged.store(end, Ordering::SeqCst);
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.advanced.notify_all();
        }
        written
    }

    /// Writes the outcomes the log still buffers (at the end of a run).
    pub(crate) fn flush(&self) -> io::Result<()> {
        match &mut lock(&self.finished).log {
            Some(log) => log.flush(),
            None => Ok(()),
        }
    }

    /// Whether every task of the job is logged.
    pub(crate) fn all_logged(&self) -> bool {
        self.logged.load(Ordering::SeqCst) >= self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task_log::{JobFiles, LogSummary};

    fn files(n: u64) -> (tempfile::TempDir, JobFiles) {
        let dir = tempfile::tempdir().unwrap();
        let files = JobFiles::new(dir.path().to_owned(), false);
        let mut w = files.write_tasks().unwrap();
        for i in 0..n {
            w.push(&ManifestTask {
                bucket: "b".into(),
                key: format!("k{i}"),
                version_id: String::new(),
                invalid: None,
            })
            .unwrap();
        }
        w.commit().unwrap();
        (dir, files)
    }

    #[test]
    fn outcomes_are_logged_in_manifest_order() {
        let (_dir, files) = files(5);
        let log = files.open_log(&LogSummary::default()).unwrap();
        let queue = TaskQueue::new(files.read_tasks(0).unwrap(), Some(log), 0, 5);
        let mut taken = Vec::new();
        while let Some(t) = queue.next(|| false) {
            taken.push(t.unwrap());
        }
        assert_eq!(taken.len(), 5);
        assert_eq!(taken[3].1.key, "k3");
        let mut counted = Vec::new();
        // Finished out of order: nothing is logged until task 0 is.
        for i in [2, 1, 4] {
            let o = TaskOutcome::Succeeded(http::StatusCode::from_u16(200 + i as u16).unwrap());
            queue.finish(i, o, |o| counted.push(o.clone())).unwrap();
        }
        assert!(counted.is_empty());
        assert_eq!(files.scan_log().unwrap().done, 0);
        let ok = TaskOutcome::Succeeded(http::StatusCode::OK);
        queue
            .finish(0, ok.clone(), |o| counted.push(o.clone()))
            .unwrap();
        assert_eq!(counted.len(), 3);
        queue.flush().unwrap();
        assert_eq!(files.scan_log().unwrap().done, 3);
        assert!(!queue.all_logged());
        queue.finish(3, ok, |o| counted.push(o.clone())).unwrap();
        assert!(queue.all_logged());
        queue.flush().unwrap();
        let statuses: Vec<u16> = files
            .finished()
            .unwrap()
            .map(|r| r.unwrap().1.status().as_u16())
            .collect();
        assert_eq!(statuses, [200, 201, 202, 200, 204]);
    }

    #[test]
    fn a_run_resumes_after_the_logged_tasks_and_stops_when_asked() {
        let (_dir, files) = files(4);
        let queue = TaskQueue::new(files.read_tasks(2).unwrap(), None, 2, 4);
        let (i, t) = queue.next(|| false).unwrap().unwrap();
        assert_eq!((i, t.key.as_str()), (2, "k2"));
        assert!(queue.next(|| true).is_none());
        let (i, _) = queue.next(|| false).unwrap().unwrap();
        assert_eq!(i, 3);
        assert!(queue.next(|| false).is_none());
    }

    #[test]
    fn the_window_holds_tasks_back_until_the_first_is_logged() {
        let (_dir, files) = files(WINDOW + 1);
        let queue = std::sync::Arc::new(TaskQueue::new(
            files.read_tasks(0).unwrap(),
            None,
            0,
            WINDOW + 1,
        ));
        for _ in 0..WINDOW {
            queue.next(|| false).unwrap().unwrap();
        }
        let q = queue.clone();
        let last = std::thread::spawn(move || q.next(|| false));
        std::thread::sleep(Duration::from_millis(200));
        assert!(!last.is_finished(), "the window is full");
        queue
            .finish(0, TaskOutcome::Succeeded(http::StatusCode::OK), |_| {})
            .unwrap();
        let (i, _) = last.join().unwrap().unwrap().unwrap();
        assert_eq!(i, WINDOW);
    }
}
