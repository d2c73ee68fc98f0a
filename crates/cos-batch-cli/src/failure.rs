//! Why a command failed, how that is printed, and the exit code it gives.

use std::fmt;
use std::process::ExitCode;

use std::error::Error as _;

use cos_batch_hyper::{Error as ClientError, TransportError};
use cos_batch_proto::CosError;

use crate::cli::OutputFormat;
use crate::terminal::printable;

/// Exit code of a usage or configuration error (clap uses it too).
pub const EXIT_USAGE: u8 = 2;
/// Exit code of an error the service answered with.
pub const EXIT_SERVICE: u8 = 3;
/// Exit code of a transport failure: connect, timeout, closed connection.
pub const EXIT_TRANSPORT: u8 = 4;
/// Exit code of `watch` when the job ended `Failed`.
pub const EXIT_JOB_FAILED: u8 = 5;
/// Exit code of `watch` when the job ended `Cancelled`.
pub const EXIT_JOB_CANCELLED: u8 = 6;
/// Exit code of `watch --fail-on-task-failures` (and `demo`) when the job completed with
/// failed tasks.
pub const EXIT_TASKS_FAILED: u8 = 7;
/// Exit code of a command stopped by Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;
/// Exit code of a local failure: a file, the emulator.
pub const EXIT_LOCAL: u8 = 1;

/// A failed command.
#[derive(Debug)]
pub enum Failure {
    /// Bad flags, missing configuration, an invalid request caught before sending.
    Usage(String),
    /// The service answered with an error document.
    Service(CosError),
    /// The request did not get an answer: connect, timeout, closed connection, unreadable body.
    Transport(String),
    /// Something on this machine: a file, the emulator.
    Local(String),
    /// Ctrl-C; the message says what goes on without us.
    Interrupted(String),
    /// Another failure, with what the user can do about it.
    Hinted(Box<Failure>, String),
}

impl Failure {
    /// A usage failure.
    pub fn usage(message: impl fmt::Display) -> Self {
        Self::Usage(message.to_string())
    }

    /// A local failure.
    pub fn local(message: impl fmt::Display) -> Self {
        Self::Local(message.to_string())
    }

    /// This failure with `hint` printed after it.
    pub fn with_hint(self, hint: impl fmt::Display) -> Self {
        Self::Hinted(Box::new(self), hint.to_string())
    }

    /// A transport failure names the endpoint it tried; other failures are kept as they are.
    pub fn at_endpoint(self, base_url: &str) -> Self {
        match self {
            Self::Transport(m) => Self::Transport(format!("cannot reach {base_url}: {m}")),
            Self::Hinted(inner, hint) => Self::Hinted(Box::new(inner.at_endpoint(base_url)), hint),
            other => other,
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => EXIT_USAGE,
            Self::Service(_) => EXIT_SERVICE,
            Self::Transport(_) => EXIT_TRANSPORT,
            Self::Local(_) => EXIT_LOCAL,
            Self::Interrupted(_) => EXIT_INTERRUPTED,
            Self::Hinted(inner, _) => inner.exit_code(),
        }
    }

    /// Print on standard error, as text or as a JSON `Error` document, through
    /// [`printable`].
    pub fn report(&self, format: OutputFormat) -> ExitCode {
        match format {
            OutputFormat::Table => eprintln!("error: {}", printable(&self.to_string())),
            OutputFormat::Json => eprintln!("{}", printable(&self.to_json().to_string())),
        }
        ExitCode::from(self.exit_code())
    }

    fn to_json(&self) -> serde_json::Value {
        if let Self::Hinted(inner, hint) = self {
            let mut doc = inner.to_json();
            doc["Error"]["Hint"] = hint.as_str().into();
            return doc;
        }
        let kind = match self {
            Self::Usage(_) => "Usage",
            Self::Service(_) => "Service",
            Self::Transport(_) => "Transport",
            Self::Local(_) => "Local",
            Self::Interrupted(_) => "Interrupted",
            Self::Hinted(..) => "Hinted",
        };
        let mut error = serde_json::json!({ "Kind": kind });
        match self {
            Self::Service(e) => {
                error["Status"] = e.status().as_u16().into();
                error["Code"] = e.code().as_str().into();
                error["Message"] = e.message().into();
                if let Some(id) = e.request_id() {
                    error["RequestId"] = id.into();
                }
                if let Some(id) = e.trace_id() {
                    error["TraceId"] = id.into();
                }
                if let Some(resource) = e.resource() {
                    error["Resource"] = resource.into();
                }
                if e.is_job_ended() {
                    error["JobEnded"] = true.into();
                }
            }
            Self::Usage(m) | Self::Transport(m) | Self::Local(m) | Self::Interrupted(m) => {
                error["Message"] = m.as_str().into();
            }
            Self::Hinted(..) => {}
        }
        serde_json::json!({ "Error": error })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(m) => write!(f, "{m}"),
            Self::Service(e) => {
                write!(f, "{} ({}): {}", e.code(), e.status().as_u16(), e.message())?;
                if e.is_job_ended() {
                    f.write_str(
                        " (the job has ended: its status and priority can no longer change)",
                    )?;
                }
                if let Some(id) = e.request_id() {
                    write!(f, " [request id {id}]")?;
                }
                Ok(())
            }
            Self::Transport(m) => write!(f, "transport: {m}"),
            Self::Local(m) | Self::Interrupted(m) => write!(f, "{m}"),
            Self::Hinted(inner, hint) => write!(f, "{inner}\nhint: {hint}"),
        }
    }
}

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::Service(e) => Self::Service(e),
            ClientError::Invalid(e) => Self::Usage(format!("invalid request: {e}")),
            ClientError::Credentials(e) => Self::Usage(format!("credentials: {e}")),
            ClientError::Transport(e) => Self::Transport(transport_message(&e)),
            e @ ClientError::File { .. } => Self::Local(with_causes(&e)),
            other => Self::Transport(with_causes(&other)),
        }
    }
}

/// A transport error as one line: its kind, then its own detail or else its most specific
/// cause's message (hyper's outer layers, `client error (Connect)`, say little), then the
/// request id: `could not connect: tcp connect error: Connection refused (os error 111)`.
fn transport_message(error: &TransportError) -> String {
    let mut text = error.kind().to_string();
    let detail = error.detail().map(str::to_owned).or_else(|| {
        let mut cause = error.source()?;
        while let Some(next) = cause.source() {
            cause = next;
        }
        Some(cause.to_string())
    });
    if let Some(detail) = detail {
        text.push_str(": ");
        text.push_str(&detail);
    }
    if let Some(id) = error.request_id() {
        text.push_str(&format!(" [request id {id}]"));
    }
    text
}

/// An error's message followed by its causes' (the client's errors show one layer each).
fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transport_error_prints_its_kind_innermost_cause_and_request_id() {
        #[derive(Debug)]
        struct Layer(std::io::Error);
        impl fmt::Display for Layer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("client error (Connect)")
            }
        }
        impl std::error::Error for Layer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        use cos_batch_hyper::TransportErrorKind;
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let e = TransportError::from_source(TransportErrorKind::Connect, Layer(io))
            .with_request_id(Some("req-1".into()));
        let f = Failure::from(ClientError::Transport(e));
        assert_eq!(
            f.to_string(),
            "transport: could not connect: refused [request id req-1]"
        );
        let given = TransportError::new(TransportErrorKind::Other, "no scheme");
        assert_eq!(
            Failure::from(ClientError::Transport(given)).to_string(),
            "transport: the HTTP exchange failed: no scheme"
        );
        // Through an outcome-unknown CreateJob, each layer once.
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let lost = ClientError::OutcomeUnknown {
            token: "t".into(),
            last: Box::new(ClientError::Transport(TransportError::from_source(
                TransportErrorKind::Connect,
                Layer(io),
            ))),
        };
        let text = Failure::from(lost).to_string();
        assert!(
            text.ends_with(
                "not a new one: transport error: could not connect: client error (Connect): refused"
            ),
            "{text}"
        );
        assert_eq!(text.matches("refused").count(), 1, "{text}");
    }

    #[test]
    fn each_kind_has_its_exit_code() {
        assert_eq!(Failure::usage("x").exit_code(), 2);
        assert_eq!(Failure::Service(CosError::no_such_job("j")).exit_code(), 3);
        assert_eq!(Failure::Transport("x".into()).exit_code(), 4);
        assert_eq!(Failure::local("x").exit_code(), 1);
        assert_eq!(Failure::Interrupted("x".into()).exit_code(), 130);
        assert_eq!(Failure::local("x").with_hint("h").exit_code(), 1);
    }

    #[test]
    fn a_service_error_names_code_message_and_request_id() {
        let e = CosError::no_such_job("the job does not exist").with_request_id("req-9");
        let f = Failure::Service(e);
        let text = f.to_string();
        assert!(
            text.starts_with("NoSuchJob (404): the job does not exist"),
            "{text}"
        );
        assert!(text.ends_with("[request id req-9]"), "{text}");
        let json = f.to_json();
        assert_eq!(json["Error"]["Code"], "NoSuchJob");
        assert_eq!(json["Error"]["RequestId"], "req-9");
        assert_eq!(json["Error"]["Status"], 404);
        assert!(json["Error"].get("JobEnded").is_none());
    }

    #[test]
    fn a_job_that_has_ended_is_said_so() {
        for e in [
            CosError::job_ended("The specified job has already been completed"),
            CosError::no_such_job("The specified job does not exist or has already been completed"),
        ] {
            let f = Failure::Service(e);
            assert!(
                f.to_string()
                    .contains("(the job has ended: its status and priority can no longer change)"),
                "{f}"
            );
            assert_eq!(f.to_json()["Error"]["JobEnded"], true);
        }
    }
}
