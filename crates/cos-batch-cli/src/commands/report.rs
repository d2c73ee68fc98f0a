//! `cos-batch report JOB`: the job's completion report, read through GET Object and parsed
//! one row at a time: tasks by status and failures grouped by error code and HTTP status
//! (counts and a few sample keys: the memory held is the groups, not the rows), or with
//! `--failed` every failed task as it is read.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

use cos_batch_hyper::Client;
use cos_batch_model::{DescribeJobRequest, Job};
use serde::Serialize;

use crate::cli::{FailedFormat, OutputFormat, ReportArgs};
use crate::failure::Failure;
use crate::output;
use crate::report_reader::{ReportLocation, ReportRow, for_each_row};
use crate::terminal::printable;

/// Failures of one error code and HTTP status.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FailureGroup {
    /// The error code.
    pub error_code: String,
    /// The HTTP status.
    #[serde(rename = "HTTPStatusCode")]
    pub http_status: String,
    /// How many tasks failed so.
    pub count: u64,
    /// The first keys met.
    pub sample_keys: Vec<String>,
}

/// What a report says, in counts.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReportSummary {
    /// The job.
    pub job_id: String,
    /// Its status.
    pub status: String,
    /// `cos://bucket/{prefix}/job-{id}/manifest.json`.
    pub report: String,
    /// Rows by task status (`succeeded`, `failed`).
    pub tasks: BTreeMap<String, u64>,
    /// Failures by error code and HTTP status, most frequent first.
    pub failures: Vec<FailureGroup>,
    #[serde(skip)]
    groups: BTreeMap<(String, String), FailureGroup>,
    #[serde(skip)]
    samples: usize,
}

impl ReportSummary {
    fn new(job: &Job, at: &ReportLocation, samples: usize) -> Self {
        Self {
            job_id: job.job_id.clone().unwrap_or_default(),
            status: job
                .status
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default(),
            report: at.manifest().to_string(),
            samples,
            ..Self::default()
        }
    }

    /// Counts `row`.
    fn add(&mut self, row: ReportRow) {
        *self.tasks.entry(row.status.clone()).or_default() += 1;
        if !row.failed() {
            return;
        }
        let group = self
            .groups
            .entry((row.error_code.clone(), row.http_status.clone()))
            .or_insert_with(|| FailureGroup {
                error_code: row.error_code,
                http_status: row.http_status,
                ..FailureGroup::default()
            });
        group.count += 1;
        if group.sample_keys.len() < self.samples {
            group.sample_keys.push(row.key);
        }
    }

    fn finish(&mut self) {
        self.failures = std::mem::take(&mut self.groups).into_values().collect();
        self.failures.sort_by_key(|g| std::cmp::Reverse(g.count));
    }

    /// Rows counted.
    pub fn total(&self) -> u64 {
        self.tasks.values().sum()
    }

    /// Failed rows counted.
    pub fn failed(&self) -> u64 {
        self.failures.iter().map(|g| g.count).sum()
    }

    /// The summary as text.
    pub fn text(&self) -> String {
        let mut text = format!(
            "job {} {}: report {}\ntasks: {}",
            self.job_id,
            self.status,
            self.report,
            self.total()
        );
        for (status, n) in &self.tasks {
            let _ = write!(text, ", {n} {status}");
        }
        if self.failures.is_empty() {
            return text;
        }
        text.push_str("\nfailures by error code and HTTP status:\n");
        let rows: Vec<Vec<String>> = self
            .failures
            .iter()
            .map(|g| {
                vec![
                    g.count.to_string(),
                    g.error_code.clone(),
                    g.http_status.clone(),
                    g.sample_keys.join(" "),
                ]
            })
            .collect();
        text.push_str(&output::table(
            &["COUNT", "CODE", "HTTP", "SAMPLE KEYS"],
            &rows,
        ));
        text
    }
}

/// The job, which must have ended (its report is written then).
pub async fn ended_job(client: &Client, job_id: &str) -> Result<Job, Failure> {
    let job = client
        .describe_job_with(DescribeJobRequest::new(job_id))
        .await?
        .job
        .ok_or_else(|| Failure::Transport(format!("DescribeJob of {job_id} returned no job")))?;
    if !job.status.as_ref().is_some_and(|s| s.is_terminal()) {
        let status = job
            .status
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_default();
        return Err(Failure::usage(format!(
            "job {job_id} is {status}: its report is written when it ends"
        ))
        .with_hint(format!("`cos-batch watch {job_id}` follows it until then")));
    }
    Ok(job)
}

/// Reads the report of `job` into a summary.
pub async fn summarize(
    client: &Client,
    job: &Job,
    samples: usize,
) -> Result<ReportSummary, Failure> {
    let at = ReportLocation::of(job)?;
    let mut summary = ReportSummary::new(job, &at, samples);
    for_each_row(client, &at, |row| {
        summary.add(row);
        Ok(())
    })
    .await?;
    summary.finish();
    Ok(summary)
}

/// Run `report`.
pub async fn run(client: &Client, args: &ReportArgs, format: OutputFormat) -> Result<(), Failure> {
    let job = ended_job(client, &args.job_id).await?;
    if !args.failed {
        let summary = summarize(client, &job, args.samples).await?;
        return output::emit(format, &summary, || summary.text());
    }
    let failed_format = args.format.unwrap_or(match format {
        OutputFormat::Json => FailedFormat::Jsonl,
        OutputFormat::Table => FailedFormat::Table,
    });
    let at = ReportLocation::of(&job)?;
    let mut out = std::io::stdout().lock();
    let mut csv_out = csv::WriterBuilder::new().from_writer(std::io::stdout());
    let write_err = |e: std::io::Error| Failure::local(format!("cannot write: {e}"));
    match failed_format {
        FailedFormat::Table => writeln!(out, "{:<24} {:>4}  KEY  MESSAGE", "CODE", "HTTP"),
        FailedFormat::Csv => writeln!(
            out,
            "Bucket,Key,VersionId,TaskStatus,ErrorCode,HTTPStatusCode,ResultMessage"
        ),
        FailedFormat::Jsonl => Ok(()),
    }
    .map_err(write_err)?;
    for_each_row(client, &at, |row| {
        if !row.failed() {
            return Ok(());
        }
        let line = match failed_format {
            FailedFormat::Table => printable(&format!(
                "{:<24} {:>4}  {}  {}",
                row.error_code, row.http_status, row.key, row.message
            ))
            .into_owned(),
            FailedFormat::Jsonl => serde_json::json!({
                "Bucket": row.bucket,
                "Key": row.key,
                "VersionId": row.version_id,
                "ErrorCode": row.error_code,
                "HTTPStatusCode": row.http_status,
                "ResultMessage": row.message,
            })
            .to_string(),
            FailedFormat::Csv => {
                let key = cos_batch_proto::object::encode_manifest_key(&row.key);
                return csv_out
                    .write_record([
                        row.bucket.as_str(),
                        &key,
                        &row.version_id,
                        &row.status,
                        &row.error_code,
                        &row.http_status,
                        &row.message,
                    ])
                    .map_err(|e| Failure::local(format!("cannot write: {e}")));
            }
        };
        writeln!(out, "{line}").map_err(write_err)
    })
    .await?;
    csv_out.flush().map_err(write_err)?;
    out.flush().map_err(write_err)
}
