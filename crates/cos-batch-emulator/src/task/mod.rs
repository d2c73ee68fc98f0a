//! One task of a job: the job's operation applied to one manifest row, through the storage
//! layer (no path is touched here). One file per operation:
//!
//! - `copy`: `COSPutObjectCopy`;
//! - `restore`: `COSInitiateRestoreObject`;
//! - `tagging`: `COSPutObjectTagging`;
//! - `delete`: `COSDeleteObject`.
//!
//! A missing object fails its task with 404 `NoSuchKey`; a key that could leave its bucket
//! fails with 400 `InvalidObjectKey`, a symbolic link on the way (at the moment of the file
//! operation) with 403 `AccessDenied`; a row that could not be read with 400
//! `InvalidManifestRow`. The emulator keeps no versions: a version id other than `null` fails
//! with 404 `NoSuchVersion`.

mod copy;
mod delete;
mod restore;
mod tagging;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use cos_batch_model::{
    Directive, InitiateRestoreObject, Operation, PutObjectCopy, PutObjectTagging, Tag,
};
use http::StatusCode;

use crate::arn::CosArn;
use crate::manifest::ManifestTask;
use crate::object_path::{PathError, bucket_dir_name};
use crate::storage::{Bucket, Storage, StorageError};
use crate::task_outcome::{TaskErrorCode, TaskFailure, TaskOutcome};

/// What every task of a job does.
#[derive(Debug)]
enum Action {
    Copy {
        bucket: String,
        appid: String,
        spec: Box<PutObjectCopy>,
    },
    Restore(InitiateRestoreObject),
    Tagging(PutObjectTagging),
    Delete,
}

/// How many open buckets a runner keeps (a manifest names few buckets; past this many the
/// cache starts again).
const CACHED_BUCKETS: usize = 64;

/// Runs the tasks of one job (blocking file IO: call it off the async threads).
#[derive(Debug)]
pub(crate) struct TaskRunner {
    storage: Storage,
    appid: String,
    action: Action,
    /// The buckets opened so far, by `{bucket}\n{appid}`: a task opens no bucket again.
    buckets: Mutex<HashMap<String, Arc<Bucket>>>,
}

/// Why an operation cannot run at all: the job is refused at CreateJob.
pub(crate) type OperationError = String;

fn check_directive(name: &str, d: Option<&Directive>) -> Result<(), OperationError> {
    match d {
        Some(Directive::Other(v)) => {
            Err(format!("{name} must be Copy, Replaced or Add, not {v:?}"))
        }
        _ => Ok(()),
    }
}

impl TaskRunner {
    /// The runner of `operation` for a job of account `appid`; an error names what makes the
    /// operation impossible (an unusable `TargetResource`, an unknown directive), or says
    /// that the data directory cannot be opened.
    pub(crate) fn new(
        data_dir: &Path,
        appid: &str,
        operation: &Operation,
    ) -> Result<Self, OperationError> {
        let action = match operation {
            Operation::PutObjectCopy(spec) => {
                let arn = CosArn::parse(&spec.target_resource)
                    .map_err(|e| format!("TargetResource: {e}"))?;
                if arn.key.as_deref().is_some_and(|k| !k.is_empty()) {
                    return Err("TargetResource must name a bucket, not an object".to_owned());
                }
                let target_appid = arn.appid_or(appid).to_owned();
                let bucket = bucket_dir_name(&arn.bucket, &target_appid)
                    .map_err(|e| format!("TargetResource: {e}"))?;
                check_directive("MetadataDirective", spec.metadata_directive.as_ref())?;
                check_directive("TaggingDirective", spec.tagging_directive.as_ref())?;
                check_directive(
                    "AccessControlDirective",
                    spec.access_control_directive.as_ref(),
                )?;
                Action::Copy {
                    bucket,
                    appid: target_appid,
                    spec: Box::new(spec.clone()),
                }
            }
            Operation::InitiateRestoreObject(r) => Action::Restore(r.clone()),
            Operation::PutObjectTagging(t) => {
                check_directive("TaggingDirective", t.tagging_directive.as_ref())?;
                Action::Tagging(t.clone())
            }
            Operation::DeleteObject(_) => Action::Delete,
            other => return Err(format!("the operation {} is not supported", other.name())),
        };
        let storage = Storage::open(data_dir)
            .map_err(|e| format!("the data directory cannot be opened: {e}"))?;
        Ok(Self {
            storage,
            appid: appid.to_owned(),
            action,
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Runs one task.
    pub(crate) fn run(&self, task: &ManifestTask) -> TaskOutcome {
        self.try_run(task).into()
    }

    fn try_run(&self, task: &ManifestTask) -> Result<StatusCode, TaskFailure> {
        if let Some(why) = &task.invalid {
            return Err(TaskFailure::new(
                TaskErrorCode::InvalidManifestRow,
                why.clone(),
            ));
        }
        if !task.version_id.is_empty() && task.version_id != "null" {
            return Err(TaskFailure::new(
                TaskErrorCode::NoSuchVersion,
                format!(
                    "The specified version {:?} does not exist (the emulator keeps no versions)",
                    task.version_id
                ),
            ));
        }
        let source = self.bucket(&task.bucket, &self.appid)?;
        let key = task.key.as_str();
        match &self.action {
            Action::Copy {
                bucket,
                appid,
                spec,
            } => {
                let target_key = copy::target_key(spec, key);
                crate::object_path::check_key(&target_key).map_err(path_failure)?;
                let target = self.bucket(bucket, appid)?;
                copy::run(&source, key, &target, &target_key, spec)
            }
            Action::Restore(r) => {
                exists(&source, key)?;
                restore::run(&source, key, r)
            }
            Action::Tagging(t) => {
                exists(&source, key)?;
                tagging::run(&source, key, t)
            }
            Action::Delete => delete::run(&source, key),
        }
    }

    /// An existing bucket, opened once per runner.
    fn bucket(&self, bucket: &str, appid: &str) -> Result<Arc<Bucket>, TaskFailure> {
        let id = format!("{bucket}\n{appid}");
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(open) = buckets.get(&id) {
            return Ok(open.clone());
        }
        let open = Arc::new(
            self.storage
                .bucket(bucket, appid)
                .map_err(|e| storage_failure("the bucket cannot be opened", e))?,
        );
        if buckets.len() >= CACHED_BUCKETS {
            buckets.clear();
        }
        buckets.insert(id, open.clone());
        Ok(open)
    }
}

/// `NoSuchKey` unless object `key` of `bucket` exists.
fn exists(bucket: &Bucket, key: &str) -> Result<(), TaskFailure> {
    bucket
        .open(key)
        .map(drop)
        .map_err(|e| storage_failure("the object cannot be read", e))
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn invalid_state(message: impl Into<String>) -> TaskFailure {
    TaskFailure::new(TaskErrorCode::InvalidObjectState, message)
}

fn path_failure(e: PathError) -> TaskFailure {
    let code = match e {
        PathError::InvalidBucket | PathError::InvalidAppId => TaskErrorCode::InvalidBucketName,
        PathError::Symlink => TaskErrorCode::AccessDenied,
        _ => TaskErrorCode::InvalidObjectKey,
    };
    TaskFailure::new(code, e.to_string())
}

/// The task failure of a storage error; `what` says which file work failed.
fn storage_failure(what: &str, e: StorageError) -> TaskFailure {
    match e {
        StorageError::NoSuchBucket(_) => {
            TaskFailure::new(TaskErrorCode::NoSuchBucket, e.to_string())
        }
        StorageError::NoSuchKey => TaskFailure::new(TaskErrorCode::NoSuchKey, e.to_string()),
        StorageError::Path(p) => path_failure(p),
        StorageError::Io(io) => TaskFailure::internal(what, &io),
        other => TaskFailure::new(TaskErrorCode::InternalError, format!("{what}: {other}")),
    }
}

fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object_meta::ObjectMeta;
    use cos_batch_model::{
        CannedAcl, DeleteObject, Grant, Grantee, GranteeType, JobTier, NewObjectMetadata,
        Permission, StorageClass, Timestamp,
    };
    use std::fs;

    const APPID: &str = "1250000000";

    fn task(key: &str) -> ManifestTask {
        ManifestTask {
            bucket: "src-1250000000".into(),
            key: key.into(),
            version_id: String::new(),
            invalid: None,
        }
    }

    fn setup() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("src-1250000000/dir")).unwrap();
        fs::create_dir_all(dir.path().join("dst-1250000000")).unwrap();
        fs::write(dir.path().join("src-1250000000/dir/a.txt"), b"hello").unwrap();
        dir
    }

    fn bucket(dir: &tempfile::TempDir, name: &str) -> Bucket {
        Storage::open(dir.path())
            .unwrap()
            .bucket(name, APPID)
            .unwrap()
    }

    #[test]
    fn copy_writes_bytes_and_directives() {
        let dir = setup();
        let mut spec = PutObjectCopy::new("qcs::cos:ap-guangzhou::dst-1250000000");
        spec.target_key_prefix = Some("copied/".into());
        spec.new_object_tagging = vec![Tag::new("k", "v")];
        spec.canned_access_control_list = Some(CannedAcl::PublicRead);
        spec.access_control_grants = vec![Grant::new(
            Grantee::new("100000000002", GranteeType::Id),
            Permission::Read,
        )];
        spec.storage_class = Some(StorageClass::StandardIa);
        let mut md = NewObjectMetadata::default();
        md.content_type = Some("text/plain".into());
        spec.new_object_metadata = Some(md);
        let runner = TaskRunner::new(dir.path(), APPID, &Operation::PutObjectCopy(spec)).unwrap();
        let outcome = runner.run(&task("dir/a.txt"));
        assert_eq!(outcome, TaskOutcome::Succeeded(StatusCode::OK));
        let target = dir.path().join("dst-1250000000/copied/dir/a.txt");
        assert_eq!(fs::read(&target).unwrap(), b"hello");
        let meta = bucket(&dir, "dst").read_meta("copied/dir/a.txt").unwrap();
        assert_eq!(meta.tags.get("k").map(String::as_str), Some("v"));
        assert_eq!(meta.acl.canned.as_deref(), Some("public-read"));
        assert_eq!(meta.acl.grants[0].permission, "READ");
        assert_eq!(meta.storage_class.as_deref(), Some("STANDARD_IA"));
        assert_eq!(meta.headers.content_type.as_deref(), Some("text/plain"));
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(target.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.txt"]);
    }

    #[test]
    fn constraints_fail_with_412() {
        let dir = setup();
        let mut spec = PutObjectCopy::new("qcs::cos:ap-guangzhou::dst-1250000000");
        spec.modified_since_constraint = Some(Timestamp::epoch_seconds(4_000_000_000).unwrap());
        let runner =
            TaskRunner::new(dir.path(), APPID, &Operation::PutObjectCopy(spec.clone())).unwrap();
        let out = runner.run(&task("dir/a.txt"));
        assert_eq!(
            (out.is_success(), out.status().as_u16(), out.code_str()),
            (false, 412, "PreconditionFailed")
        );
        spec.modified_since_constraint = None;
        spec.un_modified_since_constraint = Some(Timestamp::epoch_seconds(1_000).unwrap());
        let runner = TaskRunner::new(dir.path(), APPID, &Operation::PutObjectCopy(spec)).unwrap();
        assert_eq!(runner.run(&task("dir/a.txt")).status().as_u16(), 412);
    }

    #[test]
    fn missing_objects_and_bad_keys_fail_the_task() {
        let dir = setup();
        let runner = TaskRunner::new(
            dir.path(),
            APPID,
            &Operation::DeleteObject(DeleteObject::new()),
        )
        .unwrap();
        let out = runner.run(&task("nope"));
        assert_eq!((out.code_str(), out.status().as_u16()), ("NoSuchKey", 404));
        let out = runner.run(&task("dir/a.txt/below"));
        assert_eq!(out.code_str(), "NoSuchKey");
        for key in [
            "../../etc/passwd",
            "/etc/passwd",
            "a/../../b",
            "%2e%2e/x",
            "a\0b",
        ] {
            let out = runner.run(&task(key));
            assert_eq!(
                (out.code_str(), out.status().as_u16()),
                ("InvalidObjectKey", 400),
                "{key:?}"
            );
        }
        let mut other_bucket = task("x");
        other_bucket.bucket = "missing".into();
        assert_eq!(runner.run(&other_bucket).code_str(), "NoSuchBucket");
        let mut versioned = task("dir/a.txt");
        versioned.version_id = "v2".into();
        assert_eq!(runner.run(&versioned).code_str(), "NoSuchVersion");
        let mut invalid = task("dir/a.txt");
        invalid.invalid = Some("row 3 has no key".into());
        assert_eq!(runner.run(&invalid).code_str(), "InvalidManifestRow");
    }

    #[test]
    fn delete_restore_and_tagging() {
        let dir = setup();
        let src = bucket(&dir, "src");
        let restore = TaskRunner::new(
            dir.path(),
            APPID,
            &Operation::InitiateRestoreObject(InitiateRestoreObject::new(3, JobTier::Bulk)),
        )
        .unwrap();
        assert_eq!(
            restore.run(&task("dir/a.txt")).code_str(),
            "InvalidObjectState"
        );
        let meta = ObjectMeta {
            storage_class: Some("ARCHIVE".into()),
            ..ObjectMeta::default()
        };
        src.write_meta("dir/a.txt", &meta).unwrap();
        assert!(restore.run(&task("dir/a.txt")).is_success());
        let restored = src.read_meta("dir/a.txt").unwrap().restore.unwrap();
        assert_eq!(restored.expiration_in_days, 3);
        assert_eq!(restored.expires_at - restored.restored_at, 3 * 86_400);

        let mut tagging = PutObjectTagging::new(vec![Tag::new("a", "1")]);
        let tag = TaskRunner::new(
            dir.path(),
            APPID,
            &Operation::PutObjectTagging(tagging.clone()),
        )
        .unwrap();
        assert!(tag.run(&task("dir/a.txt")).is_success());
        tagging.tag_set = vec![Tag::new("b", "2")];
        tagging.tagging_directive = Some(Directive::Add);
        let tag =
            TaskRunner::new(dir.path(), APPID, &Operation::PutObjectTagging(tagging)).unwrap();
        assert!(tag.run(&task("dir/a.txt")).is_success());
        assert_eq!(src.read_meta("dir/a.txt").unwrap().tags.len(), 2);

        let delete = TaskRunner::new(
            dir.path(),
            APPID,
            &Operation::DeleteObject(DeleteObject::new()),
        )
        .unwrap();
        assert_eq!(
            delete.run(&task("dir/a.txt")),
            TaskOutcome::Succeeded(StatusCode::NO_CONTENT)
        );
        assert!(!dir.path().join("src-1250000000/dir/a.txt").exists());
        assert!(src.read_meta("dir/a.txt").unwrap().is_empty());
        let sidecars = dir.path().join(".cos-meta/src-1250000000");
        let left: usize = fs::read_dir(&sidecars)
            .unwrap()
            .map(|d| fs::read_dir(d.unwrap().path()).unwrap().count())
            .sum();
        assert_eq!(left, 0, "the sidecar is deleted with the object");
        assert!(!dir.path().join("src-1250000000/dir").exists());
        assert!(dir.path().join("src-1250000000").exists());
    }

    #[test]
    fn unusable_operations_are_refused() {
        let dir = setup();
        for target in [
            "",
            "bucket",
            "qcs::cos:ap::dst/key",
            "qcs::cos:ap::Bad_Name",
        ] {
            let op = Operation::PutObjectCopy(PutObjectCopy::new(target));
            assert!(
                TaskRunner::new(dir.path(), APPID, &op).is_err(),
                "{target:?}"
            );
        }
        let mut spec = PutObjectCopy::new("qcs::cos:ap::dst");
        spec.metadata_directive = Some(Directive::Other("Merge".into()));
        assert!(TaskRunner::new(dir.path(), APPID, &Operation::PutObjectCopy(spec)).is_err());
    }
}
