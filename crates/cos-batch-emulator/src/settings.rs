//! The settings the control plane and its scheduler run with (from the [`crate::Config`]).

use std::path::PathBuf;
use std::time::Duration;

use crate::Account;

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
