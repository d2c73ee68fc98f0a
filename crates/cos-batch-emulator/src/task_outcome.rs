//! What became of one task: a row of the completion report and a line of the task log.
//!
//! A leaf module: it knows nothing of files, jobs or operations.

use std::fmt;
use std::io;

use http::StatusCode;
use serde::{Deserialize, Serialize};

/// The error code of a failed task, as the completion report shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TaskErrorCode {
    /// The object (or its source) does not exist.
    NoSuchKey,
    /// The bucket does not exist.
    NoSuchBucket,
    /// The manifest row names a version the emulator does not keep.
    NoSuchVersion,
    /// The object is outside what the job's account may reach.
    AccessDenied,
    /// The object is archived (and not restored), or cannot be restored.
    InvalidObjectState,
    /// The bucket name is not `{name}-{appid}`.
    InvalidBucketName,
    /// The key could leave its bucket, or is not a key at all.
    InvalidObjectKey,
    /// The manifest row could not be read.
    InvalidManifestRow,
    /// A `ModifiedSinceConstraint` / `UnModifiedSinceConstraint` did not hold.
    PreconditionFailed,
    /// The emulator could not do the file work.
    InternalError,
    /// A code this version does not know (read back from an older task log).
    Other(String),
}

impl TaskErrorCode {
    /// The code as the report writes it.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Self::NoSuchKey => "NoSuchKey",
            Self::NoSuchBucket => "NoSuchBucket",
            Self::NoSuchVersion => "NoSuchVersion",
            Self::AccessDenied => "AccessDenied",
            Self::InvalidObjectState => "InvalidObjectState",
            Self::InvalidBucketName => "InvalidBucketName",
            Self::InvalidObjectKey => "InvalidObjectKey",
            Self::InvalidManifestRow => "InvalidManifestRow",
            Self::PreconditionFailed => "PreconditionFailed",
            Self::InternalError => "InternalError",
            Self::Other(code) => code,
        }
    }

    /// The HTTP status COS gives with this code.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::NoSuchKey | Self::NoSuchBucket | Self::NoSuchVersion => StatusCode::NOT_FOUND,
            Self::AccessDenied | Self::InvalidObjectState => StatusCode::FORBIDDEN,
            Self::InvalidBucketName | Self::InvalidObjectKey | Self::InvalidManifestRow => {
                StatusCode::BAD_REQUEST
            }
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::InternalError | Self::Other(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn parse(code: &str) -> Self {
        [
            Self::NoSuchKey,
            Self::NoSuchBucket,
            Self::NoSuchVersion,
            Self::AccessDenied,
            Self::InvalidObjectState,
            Self::InvalidBucketName,
            Self::InvalidObjectKey,
            Self::InvalidManifestRow,
            Self::PreconditionFailed,
            Self::InternalError,
        ]
        .into_iter()
        .find(|known| known.as_str() == code)
        .unwrap_or_else(|| Self::Other(code.to_owned()))
    }
}

impl fmt::Display for TaskErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a task failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TaskFailure {
    /// The error code.
    pub code: TaskErrorCode,
    /// The HTTP status the operation gave.
    pub status: StatusCode,
    /// What went wrong, for a person.
    pub message: String,
}

impl TaskFailure {
    /// A failure with the code's usual status.
    pub(crate) fn new(code: TaskErrorCode, message: impl Into<String>) -> Self {
        Self {
            status: code.status(),
            code,
            message: message.into(),
        }
    }

    /// `InternalError`: the file work `what` failed with `e`.
    pub(crate) fn internal(what: &str, e: &io::Error) -> Self {
        Self::new(TaskErrorCode::InternalError, format!("{what}: {e}"))
    }
}

/// The outcome of one task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "OutcomeWire", try_from = "OutcomeWire")]
pub(crate) enum TaskOutcome {
    /// The operation succeeded with this status (200, or 204 for a delete).
    Succeeded(StatusCode),
    /// The operation failed.
    Failed(TaskFailure),
}

impl TaskOutcome {
    /// Whether the task succeeded.
    pub(crate) fn is_success(&self) -> bool {
        matches!(self, Self::Succeeded(_))
    }

    /// The error code, `None` on success.
    pub(crate) fn code(&self) -> Option<&TaskErrorCode> {
        match self {
            Self::Succeeded(_) => None,
            Self::Failed(f) => Some(&f.code),
        }
    }

    /// The error code as the report writes it, empty on success.
    pub(crate) fn code_str(&self) -> &str {
        self.code().map_or("", TaskErrorCode::as_str)
    }

    /// The HTTP status the operation gave.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::Succeeded(status) => *status,
            Self::Failed(f) => f.status,
        }
    }

    /// `Successful`, or what went wrong.
    pub(crate) fn message(&self) -> &str {
        match self {
            Self::Succeeded(_) => "Successful",
            Self::Failed(f) => &f.message,
        }
    }
}

impl From<Result<StatusCode, TaskFailure>> for TaskOutcome {
    fn from(result: Result<StatusCode, TaskFailure>) -> Self {
        match result {
            Ok(status) => Self::Succeeded(status),
            Err(failure) => Self::Failed(failure),
        }
    }
}

impl From<TaskFailure> for TaskOutcome {
    fn from(failure: TaskFailure) -> Self {
        Self::Failed(failure)
    }
}

/// The task log's form of an outcome (the form older logs have too).
#[derive(Serialize, Deserialize)]
struct OutcomeWire {
    ok: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    code: String,
    http: u16,
    #[serde(default)]
    message: String,
}

impl From<TaskOutcome> for OutcomeWire {
    fn from(outcome: TaskOutcome) -> Self {
        match outcome {
            TaskOutcome::Succeeded(status) => Self {
                ok: true,
                code: String::new(),
                http: status.as_u16(),
                message: "Successful".to_owned(),
            },
            TaskOutcome::Failed(f) => Self {
                ok: false,
                code: f.code.as_str().to_owned(),
                http: f.status.as_u16(),
                message: f.message,
            },
        }
    }
}

impl TryFrom<OutcomeWire> for TaskOutcome {
    type Error = String;

    fn try_from(wire: OutcomeWire) -> Result<Self, String> {
        let status = StatusCode::from_u16(wire.http)
            .map_err(|_| format!("{} is not an HTTP status", wire.http))?;
        Ok(if wire.ok {
            Self::Succeeded(status)
        } else {
            Self::Failed(TaskFailure {
                code: TaskErrorCode::parse(&wire.code),
                status,
                message: wire.message,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_keep_their_log_form() {
        let ok = TaskOutcome::Succeeded(StatusCode::NO_CONTENT);
        let line = serde_json::to_string(&ok).unwrap();
        assert_eq!(line, r#"{"ok":true,"http":204,"message":"Successful"}"#);
        assert_eq!(serde_json::from_str::<TaskOutcome>(&line).unwrap(), ok);

        let failed = TaskOutcome::from(TaskFailure::new(TaskErrorCode::NoSuchKey, "gone"));
        let line = serde_json::to_string(&failed).unwrap();
        assert_eq!(
            line,
            r#"{"ok":false,"code":"NoSuchKey","http":404,"message":"gone"}"#
        );
        assert_eq!(serde_json::from_str::<TaskOutcome>(&line).unwrap(), failed);
    }

    #[test]
    fn unknown_codes_are_kept_and_bad_statuses_refused() {
        let line = r#"{"ok":false,"code":"SlowDown","http":503,"message":"m"}"#;
        let outcome: TaskOutcome = serde_json::from_str(line).unwrap();
        assert_eq!(
            outcome.code(),
            Some(&TaskErrorCode::Other("SlowDown".into()))
        );
        assert_eq!(outcome.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(serde_json::to_string(&outcome).unwrap(), line);
        assert!(serde_json::from_str::<TaskOutcome>(r#"{"ok":true,"http":7}"#).is_err());
    }
}
