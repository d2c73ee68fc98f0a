//! `cos-batch watch`: poll DescribeJob with a progress bar until the job ends.

use std::fmt::Write as _;
use std::time::Duration;

use cos_batch_hyper::Client;
use cos_batch_model::{Job, JobStatus};
use indicatif::{ProgressBar, ProgressState, ProgressStyle};

use crate::failure::{EXIT_JOB_CANCELLED, EXIT_JOB_FAILED, EXIT_TASKS_FAILED, Failure};
use crate::terminal::printable;

/// The bar once the job has counted its tasks. It fits 80 columns with 60,000 tasks and more:
/// a 20-cell bar, the rate as whole tasks per second, the failed count and the status.
const COUNTING: &str = "{spinner} [{bar:20.green/red}] {pos}/{len} {rate} ETA {eta} {msg}";

/// The counting style, with `{rate}` as whole tasks per second (indicatif's `{per_sec}` shows
/// four decimals).
fn counting_style() -> Result<ProgressStyle, Failure> {
    Ok(ProgressStyle::with_template(COUNTING)
        .map_err(Failure::local)?
        .with_key(
            "rate",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}/s", state.per_sec());
            },
        )
        .progress_chars("=> "))
}

/// The bar's message: failed tasks (when any) and the status.
fn message(failed: u64, status: &JobStatus) -> String {
    let text = if failed > 0 {
        format!("{failed} failed {status}")
    } else {
        status.to_string()
    };
    printable(&text).into_owned()
}

/// Follow a job until it is Complete, Failed or Cancelled; returns its last description.
///
/// The bar (on standard error, hidden when that is not a terminal) counts tasks done —
/// succeeded plus failed — with the rate and the time left. A Suspended job gets one line
/// saying how to confirm it; Ctrl-C stops following (the job keeps running) with
/// [`Failure::Interrupted`].
pub async fn follow(client: &Client, job_id: &str, interval: Duration) -> Result<Job, Failure> {
    let bar = ProgressBar::new_spinner();
    let polled = poll(client, job_id, interval, &bar);
    tokio::select! {
        // The signal first: its handler is in place before the first poll.
        biased;
        _ = tokio::signal::ctrl_c() => {
            bar.abandon();
            Err(Failure::Interrupted(interrupted_message(job_id)))
        }
        job = polled => job,
    }
}

/// How long `watch` follows a job: as good as for ever (the waiter needs a bound).
const FOLLOW_FOR: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// Follows the job with the client's waiter, polling every `interval`, drawing each answer.
async fn poll(
    client: &Client,
    job_id: &str,
    interval: Duration,
    bar: &ProgressBar,
) -> Result<Job, Failure> {
    let counting = counting_style()?;
    let mut counted = false;
    let mut hinted = false;
    let drawn = bar.clone();
    let id = job_id.to_owned();
    let job = client
        .wait_for_job(job_id)
        .poll_interval(interval)
        .max_poll_interval(interval)
        .timeout(FOLLOW_FOR)
        .on_progress(move |job| {
            let summary = job.progress_summary.unwrap_or_default();
            let total = summary.total_number_of_tasks.unwrap_or(0);
            let succeeded = summary.number_of_tasks_succeeded.unwrap_or(0);
            let failed = summary.number_of_tasks_failed.unwrap_or(0);
            let status = job
                .status
                .clone()
                .unwrap_or(JobStatus::Other("unknown".into()));
            if total > 0 && !counted {
                drawn.set_style(counting.clone());
                drawn.set_length(total);
                counted = true;
            }
            drawn.set_position(succeeded.saturating_add(failed));
            drawn.set_message(message(failed, &status));
            if status == JobStatus::Suspended && !hinted {
                hinted = true;
                drawn.suspend(|| eprintln!("{}", printable(&suspended_hint(&id, job))));
            }
            drawn.tick();
        })
        .await?;
    bar.finish();
    Ok(job)
}

/// What Ctrl-C leaves: the job running, and how to follow or cancel it.
pub fn interrupted_message(job_id: &str) -> String {
    format!(
        "interrupted: job {job_id} keeps running; follow it again with \
         `cos-batch watch {job_id}`, cancel it with \
         `cos-batch update-job-status {job_id} cancelled`",
        job_id = printable(job_id)
    )
}

/// What to do about a job waiting in Suspended.
fn suspended_hint(job_id: &str, job: &Job) -> String {
    let cause = job
        .suspended_cause
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    format!(
        "job {job_id} is Suspended{cause}: it waits for confirmation. Run \
         `cos-batch update-job-status {job_id} ready` to start it (or `cancelled` to cancel \
         it); watching until it ends"
    )
}

/// The exit code of a job that ended this way: 0 Complete, 5 Failed, 6 Cancelled; with
/// `fail_on_task_failures`, 7 for a Complete job with failed tasks.
pub fn exit_code(job: &Job, fail_on_task_failures: bool) -> u8 {
    let failed_tasks = job
        .progress_summary
        .and_then(|p| p.number_of_tasks_failed)
        .unwrap_or(0);
    match job.status {
        Some(JobStatus::Failed) => EXIT_JOB_FAILED,
        Some(JobStatus::Cancelled) => EXIT_JOB_CANCELLED,
        _ if fail_on_task_failures && failed_tasks > 0 => EXIT_TASKS_FAILED,
        _ => 0,
    }
}

/// How the job ended: one line, then its `FailureReasons` (one a line) when it has any.
pub fn summary(job: &Job) -> String {
    let s = job.progress_summary.unwrap_or_default();
    let mut text = format!(
        "job {} ended {}: {} succeeded, {} failed, {} total",
        job.job_id.as_deref().unwrap_or("?"),
        job.status.as_ref().map(JobStatus::as_str).unwrap_or("?"),
        s.number_of_tasks_succeeded.unwrap_or(0),
        s.number_of_tasks_failed.unwrap_or(0),
        s.total_number_of_tasks.unwrap_or(0),
    );
    let reasons: Vec<_> = job
        .failure_reasons
        .iter()
        .filter(|f| {
            [&f.failure_code, &f.failure_reason]
                .iter()
                .any(|v| v.as_deref().is_some_and(|v| !v.is_empty()))
        })
        .collect();
    if !reasons.is_empty() {
        text.push_str("\nfailure reasons:");
        for f in reasons {
            let _ = write!(
                text,
                "\n  {}: {}",
                f.failure_code.as_deref().unwrap_or("?"),
                f.failure_reason.as_deref().unwrap_or("")
            );
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use cos_batch_model::ProgressSummary;
    use indicatif::{ProgressDrawTarget, TermLike};
    use std::sync::{Arc, Mutex};

    #[test]
    fn the_exit_code_says_how_the_job_ended() {
        let mut job = Job::default();
        for (status, code) in [
            (JobStatus::Complete, 0),
            (JobStatus::Failed, EXIT_JOB_FAILED),
            (JobStatus::Cancelled, EXIT_JOB_CANCELLED),
        ] {
            job.status = Some(status);
            assert_eq!(exit_code(&job, false), code);
        }
        job.status = Some(JobStatus::Complete);
        job.progress_summary = Some(ProgressSummary::new(1, 2, 3));
        assert_eq!(exit_code(&job, false), 0);
        assert_eq!(exit_code(&job, true), EXIT_TASKS_FAILED);
        job.progress_summary = Some(ProgressSummary::new(0, 3, 3));
        assert_eq!(exit_code(&job, true), 0);
    }

    /// An 80-column terminal that keeps every line drawn.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<Vec<String>>>);

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            80
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push(s.to_owned());
            Ok(())
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.write_line(s)
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_bar_fits_80_columns_at_60k_tasks_with_a_whole_rate() {
        let screen = Screen::default();
        let bar = ProgressBar::with_draw_target(
            Some(60_000),
            ProgressDrawTarget::term_like(Box::new(screen.clone())),
        );
        bar.set_style(counting_style().unwrap());
        bar.set_message(message(59_999, &JobStatus::Completing));
        for done in [10_000, 30_000, 59_999] {
            std::thread::sleep(Duration::from_millis(20));
            bar.set_position(done);
            bar.tick();
        }
        bar.finish();
        let lines = screen.0.lock().unwrap().clone();
        let drawn: Vec<_> = lines.iter().filter(|l| l.contains("59999/60000")).collect();
        assert!(!drawn.is_empty(), "{lines:?}");
        for line in drawn {
            let plain = strip_ansi(line);
            assert!(
                plain.chars().count() <= 80,
                "{} columns: {plain}",
                plain.chars().count()
            );
            let rate = plain
                .split_whitespace()
                .find(|w| w.ends_with("/s"))
                .unwrap();
            assert!(!rate.contains('.'), "{plain}");
        }
    }

    fn strip_ansi(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn a_failed_job_shows_its_failure_reasons() {
        let mut job = Job::default();
        job.job_id = Some("j1".into());
        job.status = Some(JobStatus::Failed);
        let mut reason = cos_batch_model::JobFailure::default();
        reason.failure_code = Some("ManifestNotFound".into());
        reason.failure_reason = Some("no such object".into());
        job.failure_reasons = vec![reason];
        let text = summary(&job);
        assert!(text.contains("ManifestNotFound: no such object"), "{text}");
    }
}
