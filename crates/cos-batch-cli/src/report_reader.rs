//! Reading a job's completion report through GET Object: where it is (DescribeJob's
//! `Report`), its `manifest.json`, and its CSV result files, each downloaded chunk by chunk
//! to a temporary file and parsed one row at a time, so that a report of millions of rows
//! reads in constant memory.
//!
//! The layout (the vendor's, and the emulator's `report.rs`): `{Prefix}/job-{JobId}/manifest.json`
//! lists `Results` (`TaskExecutionStatus`, `Bucket`, `Key`), each a CSV file without header in
//! the columns `Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage`,
//! keys URL-encoded.

use std::io::Write as _;

use cos_batch_hyper::{Client, DEFAULT_CHUNK_SIZE};
use cos_batch_model::Job;
use cos_batch_proto::object::decode_manifest_key;
use futures_util::TryStreamExt as _;
use serde::Deserialize;

use crate::cos_url::{CosUrl, parse_arn};
use crate::failure::Failure;
use crate::interrupt::unless_interrupted;

/// Where a job's report is: its bucket and the key every report object starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportLocation {
    /// `name-appid`.
    pub bucket: String,
    /// `{Prefix}/job-{JobId}` (no trailing `/`).
    pub base: String,
}

impl ReportLocation {
    /// The report of `job`, from its `Report` element; a usage failure when it has none.
    pub fn of(job: &Job) -> Result<Self, Failure> {
        let id = job.job_id.as_deref().unwrap_or_default();
        let report = job
            .report
            .as_ref()
            .filter(|r| r.enabled && !r.bucket.is_empty())
            .ok_or_else(|| {
                Failure::usage(format!(
                    "job {id} was created without a completion report: it has nothing to read"
                ))
            })?;
        let bucket = parse_arn(&report.bucket)?.bucket;
        let prefix = report.prefix.as_deref().unwrap_or("").trim_end_matches('/');
        let base = if prefix.is_empty() {
            format!("job-{id}")
        } else {
            format!("{prefix}/job-{id}")
        };
        Ok(Self { bucket, base })
    }

    /// The report's `manifest.json`.
    pub fn manifest(&self) -> CosUrl {
        CosUrl {
            bucket: self.bucket.clone(),
            key: format!("{}/manifest.json", self.base),
        }
    }
}

/// The report's `manifest.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReportManifest {
    #[serde(default)]
    results: Vec<ResultEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ResultEntry {
    bucket: String,
    key: String,
}

/// One CSV file of a report.
#[derive(Clone, Debug)]
pub struct ResultFile {
    /// Where it is.
    pub url: CosUrl,
}

/// One row of a report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportRow {
    /// The object's bucket.
    pub bucket: String,
    /// The object's key, decoded.
    pub key: String,
    /// Its version, when the manifest named one.
    pub version_id: String,
    /// `succeeded` or `failed`.
    pub status: String,
    /// The error code (empty for a success).
    pub error_code: String,
    /// The HTTP status of the task.
    pub http_status: String,
    /// The result message.
    pub message: String,
}

impl ReportRow {
    fn from_record(record: &csv::StringRecord) -> Self {
        let field = |i: usize| record.get(i).unwrap_or_default().to_owned();
        let raw_key = field(1);
        let key = decode_manifest_key(&raw_key)
            .map(|k| k.into_owned())
            .unwrap_or(raw_key);
        Self {
            bucket: field(0),
            key,
            version_id: field(2),
            status: field(3),
            error_code: field(4),
            http_status: field(5),
            message: field(6),
        }
    }

    /// Whether the task failed.
    pub fn failed(&self) -> bool {
        self.status != "succeeded"
    }
}

/// The result files `manifest.json` lists (read whole: it is small).
pub async fn result_files(
    client: &Client,
    at: &ReportLocation,
) -> Result<Vec<ResultFile>, Failure> {
    let url = at.manifest();
    let bucket = client.bucket(&url.bucket).map_err(Failure::usage)?;
    let got = bucket.get_object(&url.key).await.map_err(|e| {
        Failure::from(e).with_hint(format!(
            "the report is written at {url} when the job ends: can these keys read its bucket?"
        ))
    })?;
    let manifest: ReportManifest = serde_json::from_slice(&got.body)
        .map_err(|e| Failure::local(format!("{url} is not a report manifest: {e}")))?;
    manifest
        .results
        .into_iter()
        .map(|r| {
            let bucket = if r.bucket.starts_with("qcs::") {
                parse_arn(&r.bucket)?.bucket
            } else {
                r.bucket
            };
            Ok(ResultFile {
                url: CosUrl { bucket, key: r.key },
            })
        })
        .collect()
}

/// Downloads `file` chunk by chunk into a temporary file (removed when dropped).
pub async fn download(client: &Client, file: &CosUrl) -> Result<tempfile::NamedTempFile, Failure> {
    let bucket = client.bucket(&file.bucket).map_err(Failure::usage)?;
    let mut local = tempfile::Builder::new()
        .prefix("cos-batch-report-")
        .tempfile()
        .map_err(|e| Failure::local(format!("cannot create a temporary file: {e}")))?;
    let mut chunks = std::pin::pin!(bucket.get_object_chunks(&file.key, DEFAULT_CHUNK_SIZE));
    while let Some(chunk) = chunks.try_next().await? {
        local
            .write_all(&chunk)
            .map_err(|e| Failure::local(format!("cannot write a temporary file: {e}")))?;
    }
    local
        .flush()
        .map_err(|e| Failure::local(format!("cannot write a temporary file: {e}")))?;
    Ok(local)
}

/// Every row of every result file of the report at `at`, handed to `each` one at a time
/// (Ctrl-C stops it with its temporary files removed).
pub async fn for_each_row(
    client: &Client,
    at: &ReportLocation,
    each: impl FnMut(ReportRow) -> Result<(), Failure>,
) -> Result<(), Failure> {
    unless_interrupted("reading the report", read_rows(client, at, each)).await
}

async fn read_rows(
    client: &Client,
    at: &ReportLocation,
    mut each: impl FnMut(ReportRow) -> Result<(), Failure>,
) -> Result<(), Failure> {
    for file in result_files(client, at).await? {
        let local = download(client, &file.url).await?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_path(local.path())
            .map_err(|e| Failure::local(format!("{}: {e}", file.url)))?;
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(true) => each(ReportRow::from_record(&record))?,
                Ok(false) => break,
                Err(e) => return Err(Failure::local(format!("{}: {e}", file.url))),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cos_batch_model::{Report, ReportScope};

    #[test]
    fn the_report_is_found_from_the_job() {
        let mut job = Job::default();
        job.job_id = Some("j1".into());
        assert!(ReportLocation::of(&job).is_err());
        let mut report = Report::new("qcs::cos:ap-x::rep-1", true, ReportScope::AllTasks);
        report.prefix = Some("r/".into());
        job.report = Some(report);
        let at = ReportLocation::of(&job).unwrap();
        assert_eq!(
            at.manifest().to_string(),
            "cos://rep-1/r/job-j1/manifest.json"
        );
    }

    #[test]
    fn rows_decode_their_keys() {
        let record = csv::StringRecord::from(vec![
            "b-1",
            "a%20b",
            "",
            "failed",
            "NoSuchKey",
            "404",
            "gone",
        ]);
        let row = ReportRow::from_record(&record);
        assert_eq!(row.key, "a b");
        assert!(row.failed());
    }
}
