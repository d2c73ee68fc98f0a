//! Ctrl-C while a command holds temporary files (a manifest being written, a report being
//! read): the command stops with [`Failure::Interrupted`] and drops its futures, so that the
//! temporary files are removed instead of being left by a killed process.

use std::future::Future;

use crate::failure::Failure;

/// `work`, unless Ctrl-C comes first: then [`Failure::Interrupted`] saying what stopped.
pub async fn unless_interrupted<T>(
    what: &str,
    work: impl Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    let message = format!("interrupted while {what}: its temporary files are removed");
    or_interrupted(message, work).await
}

/// `work`, unless Ctrl-C comes first: then [`Failure::Interrupted`] with `message`.
///
/// Once a command listens for Ctrl-C, the signal no longer ends the process: a step that
/// should stop on it must listen too (or the signal is lost).
pub async fn or_interrupted<T>(
    message: String,
    work: impl Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    tokio::select! {
        // The signal first: its handler is in place before the work starts.
        biased;
        _ = tokio::signal::ctrl_c() => Err(Failure::Interrupted(message)),
        done = work => done,
    }
}
