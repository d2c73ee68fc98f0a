//! Pagination of ListJobs as a pure step.

use cos_batch_model::{ListJobsRequest, ListJobsResult};

/// The request for the page after `output`, which answered `last`; `None` when the listing is
/// complete: no `NextToken`, an empty one, or the token `last` already sent (a server that
/// repeats a token would otherwise loop forever). Filters and page size carry over.
///
/// ```
/// use cos_batch_model::{ListJobsRequest, ListJobsResult};
/// use cos_batch_proto::next_page;
///
/// let first = ListJobsRequest::new();
/// let page = ListJobsResult::new(vec![], Some("066d919e".into()));
/// let second = next_page(&first, &page).unwrap();
/// assert_eq!(second.next_token.as_deref(), Some("066d919e"));
/// // The same token again: stop.
/// assert!(next_page(&second, &page).is_none());
/// assert!(next_page(&first, &ListJobsResult::new(vec![], None)).is_none());
/// ```
pub fn next_page(last: &ListJobsRequest, output: &ListJobsResult) -> Option<ListJobsRequest> {
    let token = output
        .next_token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())?;
    if last.next_token.as_deref() == Some(token) {
        return None;
    }
    let mut next = last.clone();
    next.next_token = Some(token.to_owned());
    Some(next)
}
