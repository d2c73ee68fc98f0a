//! One run of a job's tasks: [`TaskQueue`] hands the tasks out in manifest order and writes
//! their outcomes to the task log in that same order, whatever order the workers finish them
//! in.
//!
//! A task is handed out only within [`WINDOW`] tasks of the first one without a logged
//! outcome, so the outcomes waiting for an earlier task are at most [`WINDOW`]: memory does
//! not grow with the job. A run that stops (pause, cancel, shutdown) lets its running tasks
//! finish, so every task handed out is logged; a process killed mid-run repeats, on restart,
//! the tasks it had finished but not logged yet (at most [`WINDOW`], usually the few running).

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use tokio::sync::Notify;

use crate::manifest::ManifestTask;
use crate::task_log::{OutcomeLog, TaskReader};
use crate::task_outcome::TaskOutcome;

/// How far ahead of the first unlogged task tasks are handed out.
pub(crate) const WINDOW: u64 = 4096;

/// The tasks of one run, handed out and logged in manifest order.
#[derive(Debug)]
pub(crate) struct TaskQueue {
    source: Mutex<Source>,
    finished: Mutex<Pending>,
    /// Every task before this one is logged.
    logged: AtomicU64,
    advanced: Notify,
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
            advanced: Notify::new(),
            total,
        }
    }

    /// The next task and its index; `None` once there is none or `stop()` says so (checked
    /// before each task is taken). Waits while the window is full.
    pub(crate) async fn next(
        &self,
        stop: impl Fn() -> bool,
    ) -> Option<io::Result<(u64, ManifestTask)>> {
        loop {
            let advanced = self.advanced.notified();
            tokio::pin!(advanced);
            advanced.as_mut().enable();
            {
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
            }
            advanced.await;
        }
    }

    /// Records task `index`'s outcome. The outcomes that can now be logged (this one and any
    /// later ones that waited for it) are written in one append and passed to `counted`, in
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
        drop(pending);
        self.advanced.notify_waiters();
        written
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

    #[tokio::test]
    async fn outcomes_are_logged_in_manifest_order() {
        let (_dir, files) = files(5);
        let log = files.open_log(&LogSummary::default()).unwrap();
        let queue = TaskQueue::new(files.read_tasks(0).unwrap(), Some(log), 0, 5);
        let mut taken = Vec::new();
        while let Some(t) = queue.next(|| false).await {
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
        assert_eq!(files.scan_log().unwrap().done, 3);
        assert!(!queue.all_logged());
        queue.finish(3, ok, |o| counted.push(o.clone())).unwrap();
        assert!(queue.all_logged());
        let statuses: Vec<u16> = files
            .finished()
            .unwrap()
            .map(|r| r.unwrap().1.status().as_u16())
            .collect();
        assert_eq!(statuses, [200, 201, 202, 200, 204]);
    }

    #[tokio::test]
    async fn a_run_resumes_after_the_logged_tasks_and_stops_when_asked() {
        let (_dir, files) = files(4);
        let queue = TaskQueue::new(files.read_tasks(2).unwrap(), None, 2, 4);
        let (i, t) = queue.next(|| false).await.unwrap().unwrap();
        assert_eq!((i, t.key.as_str()), (2, "k2"));
        assert!(queue.next(|| true).await.is_none());
        let (i, _) = queue.next(|| false).await.unwrap().unwrap();
        assert_eq!(i, 3);
        assert!(queue.next(|| false).await.is_none());
    }

    #[tokio::test]
    async fn the_window_holds_tasks_back_until_the_first_is_logged() {
        let (_dir, files) = files(WINDOW + 1);
        let queue = std::sync::Arc::new(TaskQueue::new(
            files.read_tasks(0).unwrap(),
            None,
            0,
            WINDOW + 1,
        ));
        for _ in 0..WINDOW {
            queue.next(|| false).await.unwrap().unwrap();
        }
        let q = queue.clone();
        let last = tokio::spawn(async move { q.next(|| false).await });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!last.is_finished(), "the window is full");
        queue
            .finish(0, TaskOutcome::Succeeded(http::StatusCode::OK), |_| {})
            .unwrap();
        let (i, _) = last.await.unwrap().unwrap().unwrap();
        assert_eq!(i, WINDOW);
    }
}
