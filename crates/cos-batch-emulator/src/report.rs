//! The completion report (`Report_CSV_V1`), written into the report bucket when a job ends:
//!
//! - `{Prefix}/job-{JobId}/results/succeeded.csv` and `.../results/failed.csv`: one row per
//!   task in manifest order, no header, columns `Bucket, Key, VersionId, TaskStatus, ErrorCode,
//!   HTTPStatusCode, ResultMessage` (keys URL-encoded as in the manifest). A file is written only
//!   when it has rows; `FailedTasksOnly` writes only failed tasks.
//! - `{Prefix}/job-{JobId}/manifest.json`: `Format`, `ReportCreationDate`, `Results` (one entry
//!   per CSV file: `TaskExecutionStatus`, `Bucket`, `MD5Checksum`, `Key`) and `ReportSchema`.
//!
//! Without a `Prefix`, the keys start at `job-{JobId}/`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use cos_batch_model::{Report, ReportScope, Timestamp};
use serde::Serialize;

use crate::arn::CosArn;
use crate::manifest::{ManifestTask, encode_key};
#[cfg(test)]
use crate::object_path::md5_hex;
use crate::object_path::{bucket_dir_name, check_key};
use crate::storage::{ObjectWriter, Storage};
use crate::task_outcome::TaskOutcome;
use md5::{Digest, Md5};

/// The report's column names, in order.
pub(crate) const REPORT_SCHEMA: &str =
    "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage";

/// Where a job's report goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ReportTarget {
    data_dir: PathBuf,
    bucket: String,
    appid: String,
    prefix: String,
    scope: ReportScope,
}

impl ReportTarget {
    /// The target of `report` for a job of account `appid`; an error says why the report
    /// bucket or prefix cannot be used.
    pub(crate) fn new(data_dir: &Path, appid: &str, report: &Report) -> Result<Self, String> {
        let arn = CosArn::parse(&report.bucket).map_err(|e| format!("Report/Bucket: {e}"))?;
        if arn.key.as_deref().is_some_and(|k| !k.is_empty()) {
            return Err("Report/Bucket must name a bucket, not an object".to_owned());
        }
        let appid = arn.appid_or(appid).to_owned();
        let bucket =
            bucket_dir_name(&arn.bucket, &appid).map_err(|e| format!("Report/Bucket: {e}"))?;
        let prefix = report
            .prefix
            .as_deref()
            .unwrap_or("")
            .trim_end_matches('/')
            .to_owned();
        if !prefix.is_empty() {
            check_key(&format!("{prefix}/job-x/manifest.json"))
                .map_err(|e| format!("Report/Prefix: {e}"))?;
        }
        let scope = match &report.report_scope {
            s @ (ReportScope::AllTasks | ReportScope::FailedTasksOnly) => s.clone(),
            other => return Err(format!("Report/ReportScope {other} is not known")),
        };
        Ok(Self {
            data_dir: data_dir.to_owned(),
            bucket,
            appid,
            prefix,
            scope,
        })
    }

    /// The directory of the report bucket.
    pub(crate) fn bucket_dir(&self) -> PathBuf {
        self.data_dir.join(&self.bucket)
    }

    /// The key every report object of `job_id` starts with (no trailing `/`).
    pub(crate) fn base_key(&self, job_id: &str) -> String {
        if self.prefix.is_empty() {
            format!("job-{job_id}")
        } else {
            format!("{}/job-{job_id}", self.prefix)
        }
    }

    /// Writes the report of `job_id` from its finished tasks and their outcomes, streamed in
    /// their order (tasks that did not run are not among them): each CSV file is written as the
    /// rows go by, its MD5 computed on the way. Returns the keys written, `manifest.json` last.
    pub(crate) fn write(
        &self,
        job_id: &str,
        rows: impl Iterator<Item = io::Result<(ManifestTask, TaskOutcome)>>,
    ) -> io::Result<Vec<String>> {
        if !self.bucket_dir().is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("the report bucket {} does not exist", self.bucket),
            ));
        }
        let base = self.base_key(job_id);
        let key = |status: &str| format!("{base}/results/{status}.csv");
        let mut succeeded = match self.scope {
            ReportScope::AllTasks => Some(CsvPart::new(self.create_object(&key("succeeded"))?)),
            _ => None,
        };
        let mut failed = CsvPart::new(self.create_object(&key("failed"))?);
        for row in rows {
            let (task, outcome) = row?;
            let part = if outcome.is_success() {
                match &mut succeeded {
                    Some(part) => part,
                    None => continue,
                }
            } else {
                &mut failed
            };
            part.write_row(&task, &outcome)?;
        }
        let mut results = Vec::new();
        let mut keys = Vec::new();
        for (status, part) in [("succeeded", succeeded), ("failed", Some(failed))] {
            let Some(part) = part else { continue };
            // A file is written only when it has rows.
            if let Some(md5_checksum) = part.commit()? {
                results.push(ResultFile {
                    task_execution_status: status,
                    bucket: self.bucket.clone(),
                    md5_checksum,
                    key: key(status),
                });
                keys.push(key(status));
            }
        }
        let created = Timestamp::from_system_time(std::time::SystemTime::now())
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default();
        let manifest = ReportManifest {
            format: "Report_CSV_V1",
            report_creation_date: created,
            results,
            report_schema: REPORT_SCHEMA,
        };
        let json = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?;
        let key = format!("{base}/manifest.json");
        let mut object = self.create_object(&key)?;
        object.write_all(&json)?;
        object.commit()?;
        keys.push(key);
        Ok(keys)
    }

    /// The one place the report touches files: a new object `key` of the report bucket,
    /// through the storage layer (no symbolic link or `..` on its way, checked at each open),
    /// written to a temporary file that becomes the object on [`NewObject::commit`] (and is
    /// removed if it is dropped uncommitted).
    fn create_object(&self, key: &str) -> io::Result<NewObject> {
        let writer =
            Storage::open(&self.data_dir)?.create_object(&self.bucket, &self.appid, key)?;
        Ok(NewObject {
            out: io::BufWriter::with_capacity(64 * 1024, writer),
        })
    }
}

/// A report object being written: visible only once committed.
struct NewObject {
    out: io::BufWriter<ObjectWriter>,
}

impl NewObject {
    /// Makes the object visible.
    fn commit(self) -> io::Result<()> {
        let writer = self
            .out
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        Ok(writer.commit()?)
    }
}

impl Write for NewObject {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// One CSV file of a report as its rows are written: their MD5 and number on the way.
struct CsvPart {
    csv: csv::Writer<Md5Writer<NewObject>>,
    rows: u64,
}

impl CsvPart {
    fn new(object: NewObject) -> Self {
        Self {
            csv: csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Md5Writer {
                    inner: object,
                    md5: Md5::new(),
                }),
            rows: 0,
        }
    }

    fn write_row(&mut self, task: &ManifestTask, outcome: &TaskOutcome) -> io::Result<()> {
        self.rows += 1;
        write_row(&mut self.csv, task, outcome)
    }

    /// The file's MD5 (hex) once it is visible; `None` (and no file) when it has no rows.
    fn commit(self) -> io::Result<Option<String>> {
        let rows = self.rows;
        let hashed = self
            .csv
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))?;
        if rows == 0 {
            return Ok(None);
        }
        let md5 = hashed.md5.finalize();
        hashed.inner.commit()?;
        Ok(Some(md5.iter().map(|b| format!("{b:02x}")).collect()))
    }
}

/// A writer that computes the MD5 of what it writes.
struct Md5Writer<W> {
    inner: W,
    md5: Md5,
}

impl<W: Write> Write for Md5Writer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.md5.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// `manifest.json` of a report.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ReportManifest {
    format: &'static str,
    report_creation_date: String,
    results: Vec<ResultFile>,
    report_schema: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResultFile {
    task_execution_status: &'static str,
    bucket: String,
    #[serde(rename = "MD5Checksum")]
    md5_checksum: String,
    key: String,
}

/// One report row: the columns of [`REPORT_SCHEMA`].
fn write_row<W: Write>(
    w: &mut csv::Writer<W>,
    task: &ManifestTask,
    outcome: &TaskOutcome,
) -> io::Result<()> {
    let http = outcome.status().as_u16().to_string();
    w.write_record([
        task.bucket.as_str(),
        &encode_key(&task.key),
        task.version_id.as_str(),
        if outcome.is_success() {
            "succeeded"
        } else {
            "failed"
        },
        outcome.code_str(),
        &http,
        outcome.message(),
    ])
    .map_err(io::Error::other)
}

/// Report rows as CSV, for tests.
#[cfg(test)]
fn render_rows<'a>(
    rows: impl Iterator<Item = (&'a ManifestTask, &'a TaskOutcome)>,
) -> io::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for (task, outcome) in rows {
        write_row(&mut w, task, outcome)?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task_outcome::{TaskErrorCode, TaskFailure};
    use proptest::prelude::*;

    fn owned_rows(
        tasks: &[ManifestTask],
        outcomes: &[TaskOutcome],
    ) -> impl Iterator<Item = io::Result<(ManifestTask, TaskOutcome)>> {
        let pairs: Vec<_> = tasks
            .iter()
            .cloned()
            .zip(outcomes.iter().cloned())
            .collect();
        pairs.into_iter().map(Ok)
    }

    fn task(key: &str) -> ManifestTask {
        ManifestTask {
            bucket: "src-1".into(),
            key: key.into(),
            version_id: String::new(),
            invalid: None,
        }
    }

    #[test]
    fn targets_are_checked() {
        let d = Path::new("/d");
        let ok = Report::new("qcs::cos:ap-guangzhou::rep-1", true, ReportScope::AllTasks)
            .with_prefix("reports/");
        let t = ReportTarget::new(d, "1", &ok).unwrap();
        assert_eq!(t.base_key("j"), "reports/job-j");
        assert_eq!(t.bucket_dir(), Path::new("/d/rep-1"));
        for prefix in ["../x", "/abs", "a/../../b", "%2e%2e"] {
            let bad = ok.clone().with_prefix(prefix);
            assert!(ReportTarget::new(d, "1", &bad).is_err(), "{prefix:?}");
        }
        let bad = Report::new("not-an-arn", true, ReportScope::AllTasks);
        assert!(ReportTarget::new(d, "1", &bad).is_err());
        let none = Report::new("qcs::cos:ap-guangzhou::rep-1", true, ReportScope::AllTasks);
        assert_eq!(
            ReportTarget::new(d, "1", &none).unwrap().base_key("j"),
            "job-j"
        );
    }

    #[test]
    fn report_files_and_manifest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("rep-1")).unwrap();
        let tasks = [task("a b"), task("c")];
        let outcomes = [
            TaskOutcome::Succeeded(http::StatusCode::OK),
            TaskOutcome::from(TaskFailure::new(
                TaskErrorCode::NoSuchKey,
                "The specified key does not exist.",
            )),
        ];
        let report = Report::new("qcs::cos:ap-guangzhou::rep-1", true, ReportScope::AllTasks)
            .with_prefix("r");
        let target = ReportTarget::new(dir.path(), "1", &report).unwrap();
        let keys = target.write("j1", owned_rows(&tasks, &outcomes)).unwrap();
        assert_eq!(
            keys,
            [
                "r/job-j1/results/succeeded.csv",
                "r/job-j1/results/failed.csv",
                "r/job-j1/manifest.json"
            ]
        );
        let root = dir.path().join("rep-1/r/job-j1");
        assert_eq!(
            std::fs::read_to_string(root.join("results/succeeded.csv")).unwrap(),
            "src-1,a%20b,,succeeded,,200,Successful\n"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("results/failed.csv")).unwrap(),
            "src-1,c,,failed,NoSuchKey,404,The specified key does not exist.\n"
        );
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(root.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(manifest["Format"], "Report_CSV_V1");
        assert_eq!(manifest["ReportSchema"], REPORT_SCHEMA);
        assert_eq!(manifest["Results"].as_array().unwrap().len(), 2);
        assert_eq!(manifest["Results"][1]["TaskExecutionStatus"], "failed");
        assert_eq!(manifest["Results"][1]["Bucket"], "rep-1");
        assert_eq!(
            manifest["Results"][1]["MD5Checksum"],
            md5_hex(&std::fs::read(root.join("results/failed.csv")).unwrap())
        );

        let failed_only = Report::new(
            "qcs::cos:ap-guangzhou::rep-1",
            true,
            ReportScope::FailedTasksOnly,
        );
        let target = ReportTarget::new(dir.path(), "1", &failed_only).unwrap();
        let keys = target.write("j2", owned_rows(&tasks, &outcomes)).unwrap();
        assert_eq!(keys, ["job-j2/results/failed.csv", "job-j2/manifest.json"]);

        // A missing report bucket is an error.
        let missing = Report::new("qcs::cos:ap-guangzhou::none-1", true, ReportScope::AllTasks);
        let target = ReportTarget::new(dir.path(), "1", &missing).unwrap();
        assert!(target.write("j3", owned_rows(&tasks, &outcomes)).is_err());
    }

    proptest! {
        /// Every row reads back, column by column, as it was written.
        #[test]
        fn rows_read_back(
            rows in proptest::collection::vec(
                ("[a-z0-9-]{1,12}", "\\PC{1,20}", "[a-z0-9]{0,4}", any::<bool>(), "[A-Za-z]{0,10}", 100u16..600, "\\PC{0,40}"),
                0..20,
            )
        ) {
            let tasks: Vec<ManifestTask> = rows.iter().map(|(b, k, v, ..)| ManifestTask {
                bucket: b.clone(), key: k.clone(), version_id: v.clone(), invalid: None,
            }).collect();
            let outcomes: Vec<TaskOutcome> = rows.iter().map(|(_, _, _, ok, code, http, msg)| {
                let status = http::StatusCode::from_u16(*http).unwrap();
                if *ok {
                    TaskOutcome::Succeeded(status)
                } else {
                    TaskOutcome::Failed(TaskFailure {
                        code: TaskErrorCode::Other(code.clone()),
                        status,
                        message: msg.clone(),
                    })
                }
            }).collect();
            let csv = render_rows(tasks.iter().zip(&outcomes)).unwrap();
            let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&csv[..]);
            let read: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
            prop_assert_eq!(read.len(), rows.len());
            for (r, (t, o)) in read.iter().zip(tasks.iter().zip(&outcomes)) {
                prop_assert_eq!(r.len(), 7);
                prop_assert_eq!(&r[0], t.bucket.as_str());
                let key = percent_encoding::percent_decode_str(&r[1]).decode_utf8().unwrap();
                prop_assert_eq!(key.as_ref(), t.key.as_str());
                prop_assert_eq!(&r[2], t.version_id.as_str());
                prop_assert_eq!(&r[3], if o.is_success() { "succeeded" } else { "failed" });
                prop_assert_eq!(&r[4], o.code_str());
                let http = o.status().as_u16().to_string();
                prop_assert_eq!(&r[5], http.as_str());
                prop_assert_eq!(&r[6], o.message());
            }
        }
    }
}
