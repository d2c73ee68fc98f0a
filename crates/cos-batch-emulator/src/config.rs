//! `Config` (where the emulator keeps its data, whom it serves, how it runs jobs) and
//! `Faults` (injected failures, off by default).

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::Account;
use crate::connections::Limits;

/// The region the emulator reports by default.
pub const DEFAULT_REGION: &str = "ap-guangzhou";
/// Concurrent tasks per active job by default.
pub const DEFAULT_WORKERS: usize = 8;
/// Jobs active at once by default.
pub const DEFAULT_ACTIVE_JOBS: usize = 4;
/// Non-terminal jobs per account by default; one more is `TooManyJobs`.
pub const DEFAULT_JOB_LIMIT: usize = 1000;

/// How an emulator is set up. Builder style: every setter takes and returns `Self`.
///
/// ```
/// use std::time::Duration;
/// use cos_batch_emulator::{Account, Config};
///
/// let config = Config::new("/tmp/cos-data")
///     .with_account(Account::new("100000000002", "1250000002", "AKIDsecond", "second-key"))
///     .with_workers(16)
///     .with_active_jobs(2)
///     .with_state_dir("/tmp/cos-state")
///     .with_job_limit(10)
///     .with_task_delay(Duration::from_millis(5));
/// assert_eq!(config.accounts().len(), 1);
/// // Without any `with_account`, the demo account is served.
/// assert_eq!(Config::new("/tmp/x").accounts()[0], Account::demo());
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    pub(crate) data_dir: PathBuf,
    pub(crate) accounts: Vec<Account>,
    pub(crate) bind: SocketAddr,
    pub(crate) workers: usize,
    pub(crate) active_jobs: usize,
    pub(crate) state_dir: Option<PathBuf>,
    pub(crate) job_limit: usize,
    pub(crate) faults: Faults,
    pub(crate) region: String,
    pub(crate) task_delay: Duration,
    pub(crate) connections: Limits,
    pub(crate) body_budget: usize,
}

impl Config {
    /// A configuration keeping buckets under `data_dir`: bound to `127.0.0.1:0`, serving
    /// [`Account::demo`], [`DEFAULT_WORKERS`] workers, [`DEFAULT_ACTIVE_JOBS`] active jobs,
    /// [`DEFAULT_JOB_LIMIT`] jobs, no state directory, no faults, region [`DEFAULT_REGION`].
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            accounts: Vec::new(),
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            workers: DEFAULT_WORKERS,
            active_jobs: DEFAULT_ACTIVE_JOBS,
            state_dir: None,
            job_limit: DEFAULT_JOB_LIMIT,
            faults: Faults::default(),
            region: DEFAULT_REGION.to_owned(),
            task_delay: Duration::ZERO,
            connections: Limits::default(),
            body_budget: crate::DEFAULT_BODY_BUDGET,
        }
    }

    /// Serves `account` too. May be called several times; if never called, [`Account::demo`]
    /// is served.
    pub fn with_account(mut self, account: Account) -> Self {
        self.accounts.push(account);
        self
    }

    /// Listens on `addr` (default `127.0.0.1:0`, any free port).
    pub fn with_bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Runs up to `n` tasks of an active job at once (at least 1).
    pub fn with_workers(mut self, n: usize) -> Self {
        self.workers = n.max(1);
        self
    }

    /// Keeps up to `n` jobs active at once (the "worker slots", at least 1): when more jobs are
    /// ready, the highest priorities run and a lower-priority active job is paused.
    pub fn with_active_jobs(mut self, n: usize) -> Self {
        self.active_jobs = n.max(1);
        self
    }

    /// Keeps jobs, their statuses and progress in `dir`, so they survive a restart.
    pub fn with_state_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.state_dir = Some(dir.into());
        self
    }

    /// Refuses a CreateJob with `TooManyJobs` when the account already has `n` jobs that have
    /// not ended.
    pub fn with_job_limit(mut self, n: usize) -> Self {
        self.job_limit = n;
        self
    }

    /// Injects faults into the HTTP service.
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// The region the emulator reports and writes into ARNs (default `ap-guangzhou`).
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Waits `delay` before each task, to simulate a slower service (default none).
    pub fn with_task_delay(mut self, delay: Duration) -> Self {
        self.task_delay = delay;
        self
    }

    /// Closes a connection that has not sent a whole request head this long after it opened
    /// (default [`DEFAULT_HEADER_READ_TIMEOUT`](crate::DEFAULT_HEADER_READ_TIMEOUT)); it
    /// also bounds how long an authenticated request may take to send its body.
    pub fn with_header_read_timeout(mut self, timeout: Duration) -> Self {
        self.connections.header_read_timeout = timeout;
        self
    }

    /// Closes a kept-alive connection with no request in flight for this long (default
    /// [`DEFAULT_IDLE_TIMEOUT`](crate::DEFAULT_IDLE_TIMEOUT)).
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.connections.idle_timeout = timeout;
        self
    }

    /// Keeps at most `n` connections open (at least 1; default
    /// [`DEFAULT_MAX_CONNECTIONS`](crate::DEFAULT_MAX_CONNECTIONS)). At the cap, a new
    /// connection closes the oldest one that has no request in flight.
    pub fn with_max_connections(mut self, n: usize) -> Self {
        self.connections.max = n.max(1);
        self
    }

    /// Lets request bodies being received take at most `bytes` of memory, all connections
    /// together (default [`DEFAULT_BODY_BUDGET`](crate::DEFAULT_BODY_BUDGET); at least the
    /// largest body, 1 MiB). A body of unknown length counts as the largest; a body that
    /// finds the budget spent for the header-read timeout is answered `503 SlowDown`. A PUT
    /// Object body, streamed to disk, takes only the chunks it holds at a time (at most
    /// 5 × 128 KiB), whatever its size.
    pub fn with_body_budget(mut self, bytes: usize) -> Self {
        self.body_budget = bytes;
        self
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The accounts served: those given, or the demo account.
    pub fn accounts(&self) -> Vec<Account> {
        if self.accounts.is_empty() {
            vec![Account::demo()]
        } else {
            self.accounts.clone()
        }
    }

    /// The state directory, when one is configured.
    pub fn state_dir(&self) -> Option<&Path> {
        self.state_dir.as_deref()
    }
}

/// Faults injected into the HTTP service, all off by default. Shares are probabilities in
/// `0.0..=1.0` (values outside are clamped, NaN is 0); draws come from a generator seeded with
/// [`Faults::with_seed`], so a run is repeatable.
///
/// ```
/// use std::time::Duration;
/// use cos_batch_emulator::Faults;
///
/// let faults = Faults::new()
///     .with_share_500(0.05)
///     .with_share_503(0.05)
///     .with_delay(0.1, Duration::from_millis(200))
///     .with_share_drop_after_create(0.02)
///     .with_seed(7);
/// assert!(faults.is_active());
/// assert!(!Faults::default().is_active());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Faults {
    share_500: f64,
    share_503: f64,
    share_delay: f64,
    delay: Duration,
    share_drop_after_create: f64,
    seed: u64,
}

fn clamp_share(share: f64) -> f64 {
    if share.is_nan() {
        0.0
    } else {
        share.clamp(0.0, 1.0)
    }
}

impl Faults {
    /// No faults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers this share of requests `500 InternalError`, before doing anything.
    pub fn with_share_500(mut self, share: f64) -> Self {
        self.share_500 = clamp_share(share);
        self
    }

    /// Answers this share of requests `503 ServiceUnavailable`, before doing anything.
    pub fn with_share_503(mut self, share: f64) -> Self {
        self.share_503 = clamp_share(share);
        self
    }

    /// Delays this share of requests by `delay` before serving them.
    pub fn with_delay(mut self, share: f64, delay: Duration) -> Self {
        self.share_delay = clamp_share(share);
        self.delay = delay;
        self
    }

    /// For this share of successful CreateJob requests, creates the job and then closes the
    /// connection without a response (a lost response: the client must not make a second job).
    pub fn with_share_drop_after_create(mut self, share: f64) -> Self {
        self.share_drop_after_create = clamp_share(share);
        self
    }

    /// Seeds the generator the draws come from (default 0).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The share of requests answered 500.
    pub fn share_500(&self) -> f64 {
        self.share_500
    }

    /// The share of requests answered 503.
    pub fn share_503(&self) -> f64 {
        self.share_503
    }

    /// The share of requests delayed, and by how much.
    pub fn delay(&self) -> (f64, Duration) {
        (self.share_delay, self.delay)
    }

    /// The share of CreateJob responses dropped after the job was made.
    pub fn share_drop_after_create(&self) -> f64 {
        self.share_drop_after_create
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Whether any fault can happen.
    pub fn is_active(&self) -> bool {
        self.share_500 > 0.0
            || self.share_503 > 0.0
            || (self.share_delay > 0.0 && !self.delay.is_zero())
            || self.share_drop_after_create > 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_clamped() {
        let f = Faults::new()
            .with_share_500(2.0)
            .with_share_503(-1.0)
            .with_share_drop_after_create(f64::NAN);
        assert_eq!(f.share_500(), 1.0);
        assert_eq!(f.share_503(), 0.0);
        assert_eq!(f.share_drop_after_create(), 0.0);
    }

    #[test]
    fn defaults() {
        let c = Config::new("d").with_workers(0).with_active_jobs(0);
        assert_eq!(c.workers, 1);
        assert_eq!(c.active_jobs, 1);
        assert_eq!(c.bind.to_string(), "127.0.0.1:0");
        assert_eq!(c.region, "ap-guangzhou");
        assert!(c.state_dir().is_none());
    }
}
