//! `RecoveryLimits`: how far a CreateJob looks for the job a lost attempt created.

use std::time::Duration;

/// The bounds of a CreateJob's recovery (see [`crate::Client::create_job_with`]): after a retry
/// met "Duplicate request", the client lists jobs (at most `max_pages` pages of `page_size`)
/// and describes those created since the call started, for at most `window`. When the bounds
/// are spent before it finds the job carrying the call's token, the call returns the
/// service's "Duplicate request" error — the token is taken, by this call's lost attempt or by
/// an older job — and never turns into an unbounded scan. The client's overall timeout still
/// applies; when it ends the recovery first, the error is [`crate::Error::OutcomeUnknown`].
///
/// ```
/// use std::time::Duration;
/// use cos_batch_hyper::RecoveryLimits;
///
/// let limits = RecoveryLimits::default()
///     .with_window(Duration::from_secs(10))
///     .with_max_pages(3);
/// assert_eq!(limits.window(), Duration::from_secs(10));
/// assert_eq!(limits.max_pages(), 3);
/// assert_eq!(limits.page_size(), 1000);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecoveryLimits {
    window: Duration,
    max_pages: u32,
    page_size: u32,
}

impl Default for RecoveryLimits {
    /// 60 s, 10 pages of 1000 jobs.
    fn default() -> Self {
        Self {
            window: Duration::from_secs(60),
            max_pages: 10,
            page_size: 1000,
        }
    }
}

impl RecoveryLimits {
    /// How long the look-up may take in all.
    pub fn with_window(mut self, d: Duration) -> Self {
        self.window = d;
        self
    }

    /// How many ListJobs pages the look-up reads at most.
    pub fn with_max_pages(mut self, pages: u32) -> Self {
        self.max_pages = pages;
        self
    }

    /// The page size of the look-up (`maxResults`, clamped to 1–1000).
    pub fn with_page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, 1000);
        self
    }

    /// How long the look-up may take in all.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// How many pages the look-up reads at most.
    pub fn max_pages(&self) -> u32 {
        self.max_pages
    }

    /// The page size of the look-up.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }
}
