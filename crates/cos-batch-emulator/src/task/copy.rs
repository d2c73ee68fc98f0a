//! `COSPutObjectCopy`: the object's bytes are copied to the target bucket under the rewritten
//! key (see [`target_key`]); the metadata, tagging and ACL directives decide the copy's
//! sidecar (an absent directive is `Replaced` when the operation gives values for it, else
//! `Copy`; but with no ACL directive and no ACL settings the copy gets the bucket's default
//! ACL, and with no `StorageClass` it is `STANDARD`, as PUT Object - Copy does);
//! `ModifiedSinceConstraint` / `UnModifiedSinceConstraint` fail the task with 412;
//! an archived source that is not restored fails with 403 `InvalidObjectState`.
//!
//! The file work of one copy: open the source (`openat2`) and `statx` it, read its sidecar
//! (one failed open when it has none), open the target's directory (none for a key without
//! `/`), create a temporary file there, `copy_file_range`, `renameat`, and remove a stale
//! sidecar of the target (one failed open when there is none).

use std::time::UNIX_EPOCH;

use cos_batch_model::{Directive, NewObjectMetadata, PutObjectCopy};
use http::StatusCode;

use super::{invalid_state, now_secs, storage_failure, tag_map};
use crate::object_meta::{AclGrant, ObjectAcl, ObjectHeaders, ObjectMeta};
use crate::storage::Bucket;
use crate::task_outcome::{TaskErrorCode, TaskFailure};

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

/// Copies object `key` of `source` to `target_key` of `target`.
pub(super) fn run(
    source: &Bucket,
    key: &str,
    target: &Bucket,
    target_key: &str,
    spec: &PutObjectCopy,
) -> Result<StatusCode, TaskFailure> {
    let (mut file, metadata) = source
        .open(key)
        .map_err(|e| storage_failure("the object cannot be read", e))?;
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
    let source_meta = source
        .read_meta(key)
        .map_err(|e| storage_failure("the object's metadata cannot be read", e))?;
    if source_meta.is_archived() && !source_meta.is_restored_at(now_secs()) {
        return Err(invalid_state(
            "The object is archived and not restored: restore it before copying it",
        ));
    }
    let meta = copied_meta(&source_meta, spec);
    if source.name() != target.name() || key != target_key {
        target
            .copy_into(target_key, &mut file, metadata.len())
            .map_err(|e| storage_failure("the object cannot be written", e))?;
    }
    target
        .write_meta(target_key, &meta)
        .map_err(|e| storage_failure("the object's metadata cannot be written", e))?;
    Ok(StatusCode::OK)
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
    use cos_batch_model::{StorageClass, Tag};

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
}
