//! The emulator's jobs, by creation order and by id: shared by the control plane (the API
//! operations) and the scheduler (the lifecycle).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::job::JobEntry;

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

/// The [`Registry`] behind its lock.
#[derive(Debug, Default)]
pub(crate) struct Jobs(Mutex<Registry>);

impl Jobs {
    /// Locks the registry (a poisoned lock is taken over: the registry stays usable).
    pub(crate) fn lock(&self) -> MutexGuard<'_, Registry> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every job, oldest first.
    pub(crate) fn all(&self) -> Vec<Arc<JobEntry>> {
        self.lock().by_seq.values().cloned().collect()
    }
}
