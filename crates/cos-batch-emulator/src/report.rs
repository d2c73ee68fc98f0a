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

use std::io;
use std::path::{Path, PathBuf};

use cos_batch_model::{Report, ReportScope, Timestamp};
use serde::Serialize;

use crate::arn::CosArn;
use crate::atomic_file::write_atomically;
use crate::manifest::{ManifestTask, encode_key};
use crate::object_path::{ObjectPath, bucket_dir_name, check_key, md5_hex};
use crate::task_outcome::TaskOutcome;

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

    /// Writes the report of `job_id` from its tasks and their outcomes (tasks that did not run
    /// have none and are left out). Returns the keys written, `manifest.json` last.
    pub(crate) fn write<'a>(
        &self,
        job_id: &str,
        rows: impl Iterator<Item = (&'a ManifestTask, &'a TaskOutcome)>,
    ) -> io::Result<Vec<String>> {
        if !self.bucket_dir().is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("the report bucket {} does not exist", self.bucket),
            ));
        }
        let (mut succeeded, mut failed) = (Vec::new(), Vec::new());
        for (task, outcome) in rows {
            if outcome.is_success() {
                if self.scope == ReportScope::AllTasks {
                    succeeded.push((task, outcome));
                }
            } else {
                failed.push((task, outcome));
            }
        }
        let base = self.base_key(job_id);
        let mut results = Vec::new();
        let mut keys = Vec::new();
        for (status, rows) in [("succeeded", succeeded), ("failed", failed)] {
            if rows.is_empty() {
                continue;
            }
            let csv = render_rows(rows.into_iter())?;
            let key = format!("{base}/results/{status}.csv");
            self.put(&key, &csv)?;
            results.push(ResultFile {
                task_execution_status: status,
                bucket: self.bucket.clone(),
                md5_checksum: md5_hex(&csv),
                key: key.clone(),
            });
            keys.push(key);
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
        self.put(&key, &json)?;
        keys.push(key);
        Ok(keys)
    }

    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        let object = ObjectPath::resolve(&self.data_dir, &self.bucket, &self.appid, key)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        object
            .check_no_symlinks()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        write_atomically(object.path(), bytes)
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

/// Report rows as CSV: no header, the columns of [`REPORT_SCHEMA`].
pub(crate) fn render_rows<'a>(
    rows: impl Iterator<Item = (&'a ManifestTask, &'a TaskOutcome)>,
) -> io::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for (task, outcome) in rows {
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
        .map_err(io::Error::other)?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task_outcome::{TaskErrorCode, TaskFailure};
    use proptest::prelude::*;

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
        let keys = target.write("j1", tasks.iter().zip(&outcomes)).unwrap();
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
        let keys = target.write("j2", tasks.iter().zip(&outcomes)).unwrap();
        assert_eq!(keys, ["job-j2/results/failed.csv", "job-j2/manifest.json"]);

        // A missing report bucket is an error.
        let missing = Report::new("qcs::cos:ap-guangzhou::none-1", true, ReportScope::AllTasks);
        let target = ReportTarget::new(dir.path(), "1", &missing).unwrap();
        assert!(target.write("j3", tasks.iter().zip(&outcomes)).is_err());
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
