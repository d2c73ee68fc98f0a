//! The one rule of a walk over ListJobs pages: a `NextToken` met twice ends it (the service
//! would send the walk round in a loop).

use std::collections::HashSet;

use cos_batch_model::ListJobsResult;

use crate::error::Error;

/// The error for a page whose `NextToken` the walk has met already; records a new one.
pub(crate) fn repeated_token(page: &ListJobsResult, seen: &mut HashSet<String>) -> Option<Error> {
    let token = page
        .next_token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())?;
    if seen.insert(token.to_owned()) {
        None
    } else {
        Some(Error::RepeatedPageToken {
            token: token.to_owned(),
            pages: seen.len(),
        })
    }
}
