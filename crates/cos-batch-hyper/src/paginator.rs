//! `ListJobsPaginator`: every page of a ListJobs, as pages or as jobs, stopping on a
//! repeated `NextToken`.

use std::collections::{HashSet, VecDeque};

use cos_batch_model::{JobListEntry, ListJobsRequest, ListJobsResult};
use cos_batch_proto::next_page;
use futures_core::Stream;

use crate::client::Client;
use crate::error::Error;
use crate::page_token::repeated_token;

/// Walks a ListJobs from its first page to its last: [`ListJobsPaginator::pages`] yields
/// each page, [`ListJobsPaginator::items`] each job. Made by
/// `client.list_jobs().into_paginator()`.
///
/// The walk ends after a page without a `NextToken` (or with the one it was asked with). A
/// service that gives a token the walk met before would loop forever: the walk yields
/// [`Error::RepeatedPageToken`] after that page and ends. An error ends the walk after it is
/// yielded. Each page is a call of its own, with its own retries and overall timeout.
///
/// ```no_run
/// # async fn f(client: cos_batch_hyper::Client) -> Result<(), cos_batch_hyper::Error> {
/// use futures_util::TryStreamExt;
/// use cos_batch_hyper::model::JobStatus;
///
/// let jobs: Vec<_> = client
///     .list_jobs()
///     .job_status(JobStatus::Active)
///     .into_paginator()
///     .page_size(100)
///     .items()
///     .try_collect()
///     .await?;
/// println!("{} active jobs", jobs.len());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a paginator does nothing until its stream is polled"]
pub struct ListJobsPaginator {
    client: Client,
    request: ListJobsRequest,
}

impl ListJobsPaginator {
    pub(crate) fn new(client: Client, request: ListJobsRequest) -> Self {
        Self { client, request }
    }

    /// Asks for pages of `size` jobs (`maxResults`, 1–1000; the server's default is 1000).
    pub fn page_size(mut self, size: u32) -> Self {
        self.request.max_results = Some(size);
        self
    }

    /// Every page, in order.
    pub fn pages(self) -> impl Stream<Item = Result<ListJobsResult, Error>> + Send + 'static {
        enum Walk {
            Fetch(ListJobsRequest),
            Fail(Error),
            Done,
        }
        let client = self.client;
        // Every token of the walk: a service that gives one again would loop forever.
        let seen: HashSet<String> = self.request.next_token.iter().cloned().collect();
        futures_util::stream::unfold(
            (client, Walk::Fetch(self.request), seen),
            |(client, walk, mut seen)| async move {
                match walk {
                    Walk::Fetch(request) => match client.list_jobs_with(request.clone()).await {
                        Ok(page) => {
                            let next = match repeated_token(&page, &mut seen) {
                                Some(e) => Walk::Fail(e),
                                None => next_page(&request, &page).map_or(Walk::Done, Walk::Fetch),
                            };
                            Some((Ok(page), (client, next, seen)))
                        }
                        Err(e) => Some((Err(e), (client, Walk::Done, seen))),
                    },
                    Walk::Fail(e) => Some((Err(e), (client, Walk::Done, seen))),
                    Walk::Done => None,
                }
            },
        )
    }

    /// Every job of every page, in order (what [`Client::list_jobs_stream`] returns).
    pub fn items(self) -> impl Stream<Item = Result<JobListEntry, Error>> + Send + 'static {
        use futures_util::StreamExt;
        self.pages().flat_map(|page| {
            let jobs: VecDeque<Result<JobListEntry, Error>> = match page {
                Ok(page) => page.jobs.into_iter().map(Ok).collect(),
                Err(e) => VecDeque::from([Err(e)]),
            };
            futures_util::stream::iter(jobs)
        })
    }
}

impl Client {
    /// Every job ListJobs gives, page after page, with the filters and page size of `input`
    /// (starting from its `next_token`, if any). An error ends the stream after it is
    /// yielded; each page is a call of its own (with its own retries and timeouts). A
    /// `NextToken` the walk has already met (whichever page gave it) ends the stream with
    /// [`Error::RepeatedPageToken`] after the page's jobs: the listing would never end.
    ///
    /// ```no_run
    /// # async fn f(client: cos_batch_hyper::Client) -> Result<(), cos_batch_hyper::Error> {
    /// use futures_util::StreamExt;
    /// use cos_batch_hyper::model::{JobStatus, ListJobsRequest};
    ///
    /// let mut input = ListJobsRequest::new();
    /// input.job_statuses = vec![JobStatus::Active];
    /// let mut jobs = std::pin::pin!(client.list_jobs_stream(input));
    /// while let Some(job) = jobs.next().await {
    ///     println!("{:?}", job?.job_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_jobs_stream(
        &self,
        input: ListJobsRequest,
    ) -> impl futures_core::Stream<Item = Result<JobListEntry, Error>> + Send + 'static {
        ListJobsPaginator::new(self.clone(), input).items()
    }
}
