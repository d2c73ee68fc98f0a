//! How results are printed: aligned text for people, JSON with the API's field names for
//! scripts.

use std::fmt::Write as _;

use cos_batch_model::{Job, JobListEntry, ProgressSummary, Timestamp};
use serde::Serialize;

use crate::cli::OutputFormat;
use crate::failure::Failure;
use crate::terminal::printable;

/// Print `value` as pretty JSON, or the text `table` renders, through [`printable`].
pub fn emit<T: Serialize>(
    format: OutputFormat,
    value: &T,
    table: impl FnOnce() -> String,
) -> Result<(), Failure> {
    let text = match format {
        OutputFormat::Json => serde_json::to_string_pretty(value).map_err(Failure::local)?,
        OutputFormat::Table => table(),
    };
    println!("{}", printable(text.trim_end()));
    Ok(())
}

/// `NAME  value` lines, names padded to one column; absent values are left out.
pub fn fields(rows: &[(&str, Option<String>)]) -> String {
    let width = rows
        .iter()
        .filter(|(_, v)| v.is_some())
        .map(|(n, _)| n.len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (name, value) in rows {
        if let Some(value) = value {
            let _ = writeln!(out, "{name:<width$}  {value}");
        }
    }
    out
}

/// A table with a header row; columns padded to their widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    out.push_str(&row_line(header.iter().copied(), &widths));
    out.push('\n');
    for row in rows {
        out.push_str(&row_line(row.iter().map(String::as_str), &widths));
        out.push('\n');
    }
    out
}

/// One table line: each cell padded to its width, two spaces apart, no trailing blanks (a
/// cell wider than its column pushes the rest of the line).
pub fn row_line<'a>(cells: impl Iterator<Item = &'a str>, widths: &[usize]) -> String {
    let mut text = String::new();
    for (i, (cell, w)) in cells.zip(widths).enumerate() {
        if i > 0 {
            text.push_str("  ");
        }
        let _ = write!(text, "{cell:<w$}");
    }
    text.truncate(text.trim_end().len());
    text
}

/// `succeeded/total succeeded, failed failed`.
pub fn progress(summary: Option<&ProgressSummary>) -> Option<String> {
    let s = summary?;
    Some(format!(
        "{} succeeded, {} failed, {} total",
        s.number_of_tasks_succeeded.unwrap_or(0),
        s.number_of_tasks_failed.unwrap_or(0),
        s.total_number_of_tasks.unwrap_or(0)
    ))
}

fn time(t: Option<&Timestamp>) -> Option<String> {
    t.map(|t| t.as_str().to_owned())
}

/// A job, field by field.
pub fn job(job: &Job) -> String {
    let manifest = job.manifest.as_ref().map(|m| {
        format!(
            "{} (ETag {}, {})",
            m.location.object_arn, m.location.etag, m.spec.format
        )
    });
    let report = job.report.as_ref().map(|r| {
        if r.enabled {
            let prefix = r.prefix.as_deref().unwrap_or("");
            format!("{} prefix `{prefix}` ({})", r.bucket, r.report_scope)
        } else {
            "disabled".to_owned()
        }
    });
    let failures = job
        .failure_reasons
        .iter()
        .filter(|f| f.failure_code.as_deref().is_some_and(|c| !c.is_empty()))
        .map(|f| {
            format!(
                "{}: {}",
                f.failure_code.as_deref().unwrap_or(""),
                f.failure_reason.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>();
    fields(&[
        ("JobId", job.job_id.clone()),
        ("Status", job.status.as_ref().map(ToString::to_string)),
        ("Priority", job.priority.map(|p| p.to_string())),
        (
            "Operation",
            job.operation.as_ref().map(|o| o.name().to_string()),
        ),
        (
            "Description",
            job.description.clone().filter(|d| !d.is_empty()),
        ),
        ("Progress", progress(job.progress_summary.as_ref())),
        ("CreationTime", time(job.creation_time.as_ref())),
        ("TerminationDate", time(job.termination_date.as_ref())),
        (
            "ConfirmationRequired",
            job.confirmation_required.map(|c| c.to_string()),
        ),
        ("SuspendedDate", time(job.suspended_date.as_ref())),
        (
            "SuspendedCause",
            job.suspended_cause.clone().filter(|c| !c.is_empty()),
        ),
        (
            "StatusUpdateReason",
            job.status_update_reason.clone().filter(|c| !c.is_empty()),
        ),
        (
            "FailureReasons",
            (!failures.is_empty()).then(|| failures.join("; ")),
        ),
        ("Manifest", manifest),
        ("Report", report),
        ("RoleArn", job.role_arn.clone()),
        ("ClientRequestToken", job.client_request_token.clone()),
    ])
}

/// The columns of the job table.
pub const JOB_HEADER: [&str; 9] = [
    "JOB ID",
    "STATUS",
    "PRIORITY",
    "OPERATION",
    "SUCCEEDED",
    "FAILED",
    "TOTAL",
    "CREATED",
    "DESCRIPTION",
];

/// Column widths of the job table printed as its pages arrive (`list-jobs --all`), wide
/// enough for the usual cells: a job id, the longest status and operation, a timestamp.
pub const JOB_WIDTHS: [usize; 9] = [36, 10, 8, 24, 9, 6, 5, 20, 0];

/// Jobs as a table.
pub fn jobs(jobs: &[JobListEntry]) -> String {
    let rows: Vec<Vec<String>> = jobs.iter().map(job_row).collect();
    table(&JOB_HEADER, &rows)
}

/// The cells of one job in the job table.
pub fn job_row(j: &JobListEntry) -> Vec<String> {
    let p = j.progress_summary.unwrap_or_default();
    vec![
        j.job_id.clone().unwrap_or_default(),
        j.status
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        j.priority.map(|p| p.to_string()).unwrap_or_default(),
        j.operation
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        p.number_of_tasks_succeeded.unwrap_or(0).to_string(),
        p.number_of_tasks_failed.unwrap_or(0).to_string(),
        p.total_number_of_tasks.unwrap_or(0).to_string(),
        j.creation_time
            .as_ref()
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default(),
        j.description.clone().unwrap_or_default(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use cos_batch_model::JobStatus;

    #[test]
    fn a_table_pads_columns_to_the_widest_cell() {
        let t = table(
            &["A", "BB"],
            &[vec!["long".into(), "x".into()], vec!["s".into(), "".into()]],
        );
        assert_eq!(t, "A     BB\nlong  x\ns\n");
    }

    #[test]
    fn fields_leave_absent_values_out() {
        let t = fields(&[
            ("JobId", Some("j1".into())),
            ("Nothing", None),
            ("Status", Some("Active".into())),
        ]);
        assert_eq!(t, "JobId   j1\nStatus  Active\n");
    }

    #[test]
    fn a_job_shows_status_and_progress() {
        let mut j = Job::default();
        j.job_id = Some("j1".into());
        j.status = Some(JobStatus::Active);
        j.progress_summary = Some(ProgressSummary::new(1, 2, 5));
        let text = job(&j);
        assert!(text.contains("Status    Active"), "{text}");
        assert!(text.contains("2 succeeded, 1 failed, 5 total"), "{text}");
    }
}
