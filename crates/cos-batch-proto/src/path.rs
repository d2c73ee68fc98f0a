//! The resource paths of the API: `/jobs`, `/jobs/{JobId}`, `/jobs/{JobId}/status`,
//! `/jobs/{JobId}/priority`; built with the job id percent-encoded, and routed back.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Everything but the unreserved characters is escaped in a path segment.
pub(crate) const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `/jobs/{job_id}{suffix}`, the job id escaped.
pub(crate) fn job_path(job_id: &str, suffix: &str) -> String {
    format!("/jobs/{}{suffix}", utf8_percent_encode(job_id, SEGMENT))
}

/// Which resource a request path names.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Resource<'a> {
    /// `/jobs`
    Jobs,
    /// `/jobs/{id}`
    Job(Cow<'a, str>),
    /// `/jobs/{id}/status`
    Status(Cow<'a, str>),
    /// `/jobs/{id}/priority`
    Priority(Cow<'a, str>),
}

/// Why a path names no resource.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RouteError {
    /// Not a path of the API.
    Unknown,
    /// The job id segment does not decode to UTF-8.
    BadJobId,
}

/// Routes a request path (a trailing `/` is tolerated).
pub(crate) fn route(path: &str) -> Result<Resource<'_>, RouteError> {
    let path = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path);
    let rest = path.strip_prefix("/jobs").ok_or(RouteError::Unknown)?;
    if rest.is_empty() {
        return Ok(Resource::Jobs);
    }
    let rest = rest.strip_prefix('/').ok_or(RouteError::Unknown)?;
    let mut parts = rest.split('/');
    let id = parts
        .next()
        .filter(|s| !s.is_empty())
        .ok_or(RouteError::Unknown)?;
    let id = percent_decode_str(id)
        .decode_utf8()
        .map_err(|_| RouteError::BadJobId)?;
    match (parts.next(), parts.next()) {
        (None, _) => Ok(Resource::Job(id)),
        (Some("status"), None) => Ok(Resource::Status(id)),
        (Some("priority"), None) => Ok(Resource::Priority(id)),
        _ => Err(RouteError::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_hostile_ids() {
        for id in [
            "53dc6228-c50b-46f7-8ad7-65e7159f1aae",
            "a/b",
            "../../etc/passwd",
            "?x=1#f",
            "腾讯 云",
            "%2F",
        ] {
            let p = job_path(id, "/status");
            assert!(!p[6..p.len() - 7].contains('/'), "{p}");
            assert_eq!(
                route(&p),
                Ok(Resource::Status(Cow::Borrowed(id))).map(|r| match r {
                    Resource::Status(c) => Resource::Status(Cow::Owned(c.into_owned())),
                    other => other,
                })
            );
        }
    }

    #[test]
    fn unknown_paths() {
        for p in [
            "/",
            "",
            "/job",
            "/jobsx",
            "/jobs//status",
            "/jobs/a/b",
            "/jobs/a/status/x",
            "/other",
        ] {
            assert!(route(p).is_err(), "{p:?}");
        }
        assert_eq!(route("/jobs/%FF"), Err(RouteError::BadJobId));
        assert_eq!(route("/jobs/"), Ok(Resource::Jobs));
    }
}
