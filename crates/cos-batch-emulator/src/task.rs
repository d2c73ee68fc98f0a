//! One task of a job: the job's operation applied to one manifest row.
//!
//! - `COSPutObjectCopy`: the object's bytes are copied to the target bucket under the rewritten
//!   key (see [`target_key`]); the metadata, tagging and ACL directives decide the copy's
//!   sidecar (an absent directive is `Replaced` when the operation gives values for it, else
//!   `Copy`; but with no ACL directive and no ACL settings the copy gets the bucket's default
//!   ACL, and with no `StorageClass` it is `STANDARD`, as PUT Object - Copy does);
//!   `ModifiedSinceConstraint` / `UnModifiedSinceConstraint` fail the task with 412;
//!   an archived source that is not restored fails with 403 `InvalidObjectState`.
//! - `COSInitiateRestoreObject`: an `ARCHIVE` / `DEEP_ARCHIVE` object is marked restored for
//!   `ExpirationInDays`; any other object fails with 403 `InvalidObjectState`.
//! - `COSPutObjectTagging`: sets the tags (`Add` merges into the existing ones).
//! - `COSDeleteObject`: deletes the object and its sidecar (204).
//!
//! A missing object fails its task with 404 `NoSuchKey`; a key that could leave its bucket
//! fails with 400 `InvalidObjectKey`; a row that could not be read with 400
//! `InvalidManifestRow`. The emulator keeps no versions: a version id other than `null` fails
//! with 404 `NoSuchVersion`.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use cos_batch_model::{
    Directive, InitiateRestoreObject, NewObjectMetadata, Operation, PutObjectCopy,
    PutObjectTagging, Tag,
};
use http::StatusCode;

use crate::arn::CosArn;
use crate::manifest::ManifestTask;
use crate::object_meta::{AclGrant, ObjectAcl, ObjectHeaders, ObjectMeta, RestoreState};
use crate::object_meta::{read_meta, remove_meta, write_meta};
use crate::object_path::{ObjectPath, PathError, bucket_dir_name};
use crate::task_outcome::{TaskErrorCode, TaskFailure, TaskOutcome};

/// The key a copy is written under: `TargetKeyPrefix + key`; with `PrefixReplace`, a key that
/// starts with `ResourcesPrefix` has that prefix replaced by `TargetKeyPrefix` (an empty one
/// strips it) and any other key is kept as it is.
pub(crate) fn target_key(spec: &PutObjectCopy, key: &str) -> String {
    let target = spec.target_key_prefix.as_deref().unwrap_or("");
    if spec.prefix_replace == Some(true) {
        let from = spec.resources_prefix.as_deref().unwrap_or("");
        match key.strip_prefix(from) {
            Some(rest) => format!("{target}{rest}"),
            None => key.to_owned(),
        }
    } else {
        format!("{target}{key}")
    }
}

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

/// Runs the tasks of one job (blocking file IO: call it off the async threads).
#[derive(Debug)]
pub(crate) struct TaskRunner {
    data_dir: PathBuf,
    appid: String,
    action: Action,
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
    /// operation impossible (an unusable `TargetResource`, an unknown directive).
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
        Ok(Self {
            data_dir: data_dir.to_owned(),
            appid: appid.to_owned(),
            action,
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
        let source = self.object(&task.bucket, &self.appid, &task.key)?;
        let metadata = existing_file(&source)?;
        match &self.action {
            Action::Copy {
                bucket,
                appid,
                spec,
            } => {
                let target = self.object(bucket, appid, &target_key(spec, &task.key))?;
                self.copy(&source, &metadata, &target, spec)
            }
            Action::Restore(r) => self.restore(&source, r),
            Action::Tagging(t) => self.tag(&source, t),
            Action::Delete => delete(&source, &self.data_dir),
        }
    }

    fn object(&self, bucket: &str, appid: &str, key: &str) -> Result<ObjectPath, TaskFailure> {
        let object =
            ObjectPath::resolve(&self.data_dir, bucket, appid, key).map_err(path_failure)?;
        object.check_no_symlinks().map_err(path_failure)?;
        if !object.bucket_dir().is_dir() {
            return Err(TaskFailure::new(
                TaskErrorCode::NoSuchBucket,
                format!("The specified bucket {} does not exist", object.bucket()),
            ));
        }
        Ok(object)
    }

    fn read_meta(&self, object: &ObjectPath) -> Result<ObjectMeta, TaskFailure> {
        read_meta(object, &self.data_dir)
            .map_err(|e| TaskFailure::internal("the object's metadata cannot be read", &e))
    }

    fn write_meta(&self, object: &ObjectPath, meta: &ObjectMeta) -> Result<(), TaskFailure> {
        write_meta(object, &self.data_dir, meta)
            .map_err(|e| TaskFailure::internal("the object's metadata cannot be written", &e))
    }

    fn copy(
        &self,
        source: &ObjectPath,
        metadata: &fs::Metadata,
        target: &ObjectPath,
        spec: &PutObjectCopy,
    ) -> Result<StatusCode, TaskFailure> {
        let modified = metadata
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs() as i64);
        if let Some(since) = &spec.modified_since_constraint
            && modified <= since.unix_seconds()
        {
            return Err(TaskFailure::new(
                TaskErrorCode::PreconditionFailed,
                format!("The object was not modified since {since}"),
            ));
        }
        if let Some(since) = &spec.un_modified_since_constraint
            && modified > since.unix_seconds()
        {
            return Err(TaskFailure::new(
                TaskErrorCode::PreconditionFailed,
                format!("The object was modified since {since}"),
            ));
        }
        let source_meta = self.read_meta(source)?;
        if source_meta.is_archived() && !source_meta.is_restored_at(now_secs()) {
            return Err(invalid_state(
                "The object is archived and not restored: restore it before copying it",
            ));
        }
        let meta = copied_meta(&source_meta, spec);
        if source.path() != target.path() {
            copy_file(source.path(), target.path())
                .map_err(|e| TaskFailure::internal("the object cannot be written", &e))?;
        }
        self.write_meta(target, &meta)?;
        Ok(StatusCode::OK)
    }

    fn restore(
        &self,
        object: &ObjectPath,
        restore: &InitiateRestoreObject,
    ) -> Result<StatusCode, TaskFailure> {
        let mut meta = self.read_meta(object)?;
        if !meta.is_archived() {
            return Err(invalid_state(format!(
                "The object's storage class is {}; only ARCHIVE and DEEP_ARCHIVE objects are restored",
                meta.storage_class.as_deref().unwrap_or("STANDARD")
            )));
        }
        let now = now_secs();
        meta.restore = Some(RestoreState {
            expiration_in_days: restore.expiration_in_days,
            tier: restore.job_tier.as_str().to_owned(),
            restored_at: now,
            expires_at: now.saturating_add(u64::from(restore.expiration_in_days) * 86_400),
        });
        self.write_meta(object, &meta)?;
        Ok(StatusCode::OK)
    }

    fn tag(
        &self,
        object: &ObjectPath,
        tagging: &PutObjectTagging,
    ) -> Result<StatusCode, TaskFailure> {
        let mut meta = self.read_meta(object)?;
        let new = tag_map(&tagging.tag_set);
        match tagging.tagging_directive {
            Some(Directive::Add) => meta.tags.extend(new),
            _ => meta.tags = new,
        }
        self.write_meta(object, &meta)?;
        Ok(StatusCode::OK)
    }
}

fn delete(object: &ObjectPath, data_dir: &Path) -> Result<StatusCode, TaskFailure> {
    match fs::remove_file(object.path()) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(no_such_key()),
        Err(e) => return Err(TaskFailure::internal("the object cannot be deleted", &e)),
    }
    remove_meta(object, data_dir)
        .map_err(|e| TaskFailure::internal("the object's metadata cannot be deleted", &e))?;
    // Directories left empty go too, up to the bucket.
    let mut dir = object.path().parent();
    while let Some(d) = dir {
        if d == object.bucket_dir() || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
    Ok(StatusCode::NO_CONTENT)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn no_such_key() -> TaskFailure {
    TaskFailure::new(
        TaskErrorCode::NoSuchKey,
        "The specified key does not exist.",
    )
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

/// The object's file metadata, or `NoSuchKey`.
fn existing_file(object: &ObjectPath) -> Result<fs::Metadata, TaskFailure> {
    match fs::metadata(object.path()) {
        Ok(m) if m.is_file() => Ok(m),
        Ok(_) => Err(no_such_key()),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            Err(no_such_key())
        }
        Err(e) => Err(TaskFailure::internal("the object cannot be read", &e)),
    }
}

/// Copies `from` to `to` through a temporary file in the target directory, so a reader never
/// sees half an object.
fn copy_file(from: &Path, to: &Path) -> io::Result<()> {
    let dir = to
        .parent()
        .ok_or_else(|| io::Error::other("the target has no directory"))?;
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".cos-tmp-{:016x}", fastrand::u64(..)));
    let copied = fs::copy(from, &tmp).and_then(|_| fs::rename(&tmp, to));
    if copied.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    copied
}

fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect()
}

/// The directive in force: the one given, else `Replaced` when values are given, else `Copy`.
fn effective(directive: Option<&Directive>, given: bool) -> Directive {
    match directive {
        Some(d) => d.clone(),
        None if given => Directive::Replaced,
        None => Directive::Copy,
    }
}

fn headers_of(m: &NewObjectMetadata) -> ObjectHeaders {
    ObjectHeaders {
        cache_control: m.cache_control.clone(),
        content_disposition: m.content_disposition.clone(),
        content_encoding: m.content_encoding.clone(),
        content_type: m.content_type.clone(),
        expires: m.http_expires_date.clone(),
        sse_algorithm: m.sse_algorithm.as_ref().map(|a| a.as_str().to_owned()),
        user_metadata: tag_map(&m.user_metadata),
    }
}

/// `base` with every field `add` sets.
fn merge_headers(base: &ObjectHeaders, add: &ObjectHeaders) -> ObjectHeaders {
    let pick = |a: &Option<String>, b: &Option<String>| a.clone().or_else(|| b.clone());
    let mut user_metadata = base.user_metadata.clone();
    user_metadata.extend(add.user_metadata.clone());
    ObjectHeaders {
        cache_control: pick(&add.cache_control, &base.cache_control),
        content_disposition: pick(&add.content_disposition, &base.content_disposition),
        content_encoding: pick(&add.content_encoding, &base.content_encoding),
        content_type: pick(&add.content_type, &base.content_type),
        expires: pick(&add.expires, &base.expires),
        sse_algorithm: pick(&add.sse_algorithm, &base.sse_algorithm),
        user_metadata,
    }
}

/// The metadata of a copy of an object with `source` metadata.
pub(crate) fn copied_meta(source: &ObjectMeta, spec: &PutObjectCopy) -> ObjectMeta {
    let mut meta = ObjectMeta::default();

    let new_headers = spec.new_object_metadata.as_ref().map(headers_of);
    meta.headers = match effective(spec.metadata_directive.as_ref(), new_headers.is_some()) {
        Directive::Replaced => new_headers.unwrap_or_default(),
        Directive::Add => merge_headers(&source.headers, &new_headers.unwrap_or_default()),
        _ => source.headers.clone(),
    };

    let new_tags = tag_map(&spec.new_object_tagging);
    meta.tags = match effective(spec.tagging_directive.as_ref(), !new_tags.is_empty()) {
        Directive::Replaced => new_tags,
        Directive::Add => {
            let mut tags = source.tags.clone();
            tags.extend(new_tags);
            tags
        }
        _ => source.tags.clone(),
    };

    let canned = spec
        .canned_access_control_list
        .as_ref()
        .map(|c| c.as_str().to_owned());
    let grants: Vec<AclGrant> = spec
        .access_control_grants
        .iter()
        .map(|g| {
            let mut grant = AclGrant::new(g.grantee.identifier.clone(), g.permission.as_str());
            grant.display_name = g.grantee.display_name.clone();
            grant
        })
        .collect();
    let given = canned.is_some() || !grants.is_empty();
    // No directive and no ACL settings: the bucket's default ACL (an empty object ACL), as
    // PUT Object - Copy gives, not the source's.
    let acl_directive = match (&spec.access_control_directive, given) {
        (None, false) => None,
        (d, _) => Some(effective(d.as_ref(), given)),
    };
    meta.acl = match acl_directive {
        None => ObjectAcl::default(),
        Some(directive) => match directive {
            Directive::Replaced => ObjectAcl { canned, grants },
            Directive::Add => {
                let mut acl = source.acl.clone();
                if canned.is_some() {
                    acl.canned = canned;
                }
                acl.grants.extend(grants);
                acl
            }
            _ => source.acl.clone(),
        },
    };

    // No StorageClass: STANDARD (stored as none), as PUT Object - Copy writes, not the source's.
    meta.storage_class = spec
        .storage_class
        .as_ref()
        .map(|s| s.as_str().to_owned())
        .filter(|s| s != "STANDARD");
    meta
}

#[cfg(test)]
mod tests {
    use super::*;
    use cos_batch_model::{
        CannedAcl, DeleteObject, Grant, Grantee, GranteeType, JobTier, Permission, StorageClass,
        Timestamp,
    };

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

    #[test]
    fn prefix_rewrites() {
        let mut spec = PutObjectCopy::new("t");
        assert_eq!(target_key(&spec, "a/b"), "a/b");
        spec.target_key_prefix = Some("new/".into());
        assert_eq!(target_key(&spec, "a/b"), "new/a/b");
        spec.prefix_replace = Some(true);
        spec.resources_prefix = Some("a/".into());
        assert_eq!(target_key(&spec, "a/b"), "new/b");
        assert_eq!(target_key(&spec, "c/b"), "c/b");
        spec.target_key_prefix = None;
        assert_eq!(target_key(&spec, "a/b"), "b");
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
        let target = ObjectPath::resolve(dir.path(), "dst", APPID, "copied/dir/a.txt").unwrap();
        assert_eq!(fs::read(target.path()).unwrap(), b"hello");
        let meta = read_meta(&target, dir.path()).unwrap();
        assert_eq!(meta.tags.get("k").map(String::as_str), Some("v"));
        assert_eq!(meta.acl.canned.as_deref(), Some("public-read"));
        assert_eq!(meta.acl.grants[0].permission, "READ");
        assert_eq!(meta.storage_class.as_deref(), Some("STANDARD_IA"));
        assert_eq!(meta.headers.content_type.as_deref(), Some("text/plain"));
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(target.path().parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.txt"]);
    }

    #[test]
    fn copy_directives_copy_and_add() {
        let mut source = ObjectMeta::default();
        source.tags.insert("old".into(), "1".into());
        source.headers.user_metadata.insert("m".into(), "1".into());
        let mut spec = PutObjectCopy::new("t");
        assert_eq!(copied_meta(&source, &spec), source);
        spec.tagging_directive = Some(Directive::Add);
        spec.new_object_tagging = vec![Tag::new("new", "2")];
        let meta = copied_meta(&source, &spec);
        assert_eq!(meta.tags.len(), 2);
        spec.tagging_directive = Some(Directive::Copy);
        assert_eq!(copied_meta(&source, &spec).tags.len(), 1);
        spec.tagging_directive = Some(Directive::Replaced);
        assert_eq!(
            copied_meta(&source, &spec).tags.keys().collect::<Vec<_>>(),
            ["new"]
        );
        spec.metadata_directive = Some(Directive::Replaced);
        assert!(copied_meta(&source, &spec).headers.is_empty());
    }

    #[test]
    fn a_copy_without_class_or_acl_settings_is_standard_with_the_bucket_acl() {
        let mut source = ObjectMeta {
            storage_class: Some("STANDARD_IA".into()),
            ..ObjectMeta::default()
        };
        source.acl.canned = Some("public-read".into());
        source.tags.insert("kept".into(), "1".into());
        let mut spec = PutObjectCopy::new("t");
        let meta = copied_meta(&source, &spec);
        assert_eq!(meta.storage_class, None, "STANDARD, not the source's class");
        assert!(meta.acl.is_empty(), "the bucket's ACL, not the source's");
        assert_eq!(meta.tags, source.tags);
        // An explicit Copy directive keeps the source's ACL.
        spec.access_control_directive = Some(Directive::Copy);
        assert_eq!(copied_meta(&source, &spec).acl, source.acl);
        spec.storage_class = Some(StorageClass::Archive);
        assert_eq!(
            copied_meta(&source, &spec).storage_class.as_deref(),
            Some("ARCHIVE")
        );
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
        let obj = ObjectPath::resolve(dir.path(), "src", APPID, "dir/a.txt").unwrap();
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
        write_meta(&obj, dir.path(), &meta).unwrap();
        assert!(restore.run(&task("dir/a.txt")).is_success());
        let restored = read_meta(&obj, dir.path()).unwrap().restore.unwrap();
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
        assert_eq!(read_meta(&obj, dir.path()).unwrap().tags.len(), 2);

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
        assert!(!obj.path().exists());
        assert!(!obj.meta_path(dir.path()).exists());
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
