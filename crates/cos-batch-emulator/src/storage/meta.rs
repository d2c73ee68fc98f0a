//! Sidecars: an object's [`ObjectMeta`] as JSON at
//! `{data}/.cos-meta/{bucket}/{h[0..2]}/{h}.json` (`h` the MD5 hex of the key), read and
//! written relative to the open data directory like every other file. No sidecar is the
//! default metadata, so an object without metadata costs one failed open to read, and none
//! to write when it had none.

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

#[cfg(test)]
use rustix::fs::Mode;
use rustix::fs::{AtFlags, OFlags};
use serde::{Deserialize, Serialize};

use super::StorageError;
use super::resolve::{open_beneath, open_dir_creating};
use super::temp::TempFile;
use crate::object_meta::ObjectMeta;
use crate::object_path::{META_DIR, md5_hex};

/// The sidecar file: the key (checked on reading) and the metadata.
#[derive(Serialize, Deserialize)]
struct Sidecar {
    key: String,
    meta: ObjectMeta,
}

/// Where the sidecar of `key` of `bucket` is: its directory below the data directory, and
/// its file name.
fn place(bucket: &str, key: &str) -> (String, String) {
    let hash = md5_hex(key.as_bytes());
    (
        format!("{META_DIR}/{bucket}/{}", &hash[..2]),
        format!("{hash}.json"),
    )
}

/// The metadata of `key`: the default when it has no sidecar (or one of another key).
pub(super) fn read(root: &OwnedFd, bucket: &str, key: &str) -> Result<ObjectMeta, StorageError> {
    let (dir, name) = place(bucket, key);
    let fd = match open_beneath(root.as_fd(), &format!("{dir}/{name}"), OFlags::RDONLY) {
        Ok(fd) => fd,
        Err(e) => {
            return match StorageError::on_read(e, StorageError::NoSuchKey) {
                StorageError::NoSuchKey => Ok(ObjectMeta::default()),
                other => Err(other),
            };
        }
    };
    let mut bytes = Vec::new();
    std::fs::File::from(fd)
        .read_to_end(&mut bytes)
        .map_err(StorageError::Io)?;
    let sidecar: Sidecar = serde_json::from_slice(&bytes)
        .map_err(|e| StorageError::Io(io::Error::new(io::ErrorKind::InvalidData, e)))?;
    Ok(if sidecar.key == key {
        sidecar.meta
    } else {
        ObjectMeta::default()
    })
}

/// Writes the metadata of `key`; empty metadata removes the sidecar.
pub(super) fn write(
    root: &OwnedFd,
    bucket: &str,
    key: &str,
    meta: &ObjectMeta,
) -> Result<(), StorageError> {
    if meta.is_empty() {
        return remove(root, bucket, key);
    }
    let (dir, name) = place(bucket, key);
    let sidecar = Sidecar {
        key: key.to_owned(),
        meta: meta.clone(),
    };
    let bytes = serde_json::to_vec(&sidecar).map_err(|e| StorageError::Io(io::Error::other(e)))?;
    let dir = open_dir_creating(root.as_fd(), &dir).map_err(StorageError::on_write)?;
    let mut file = TempFile::create_in(Arc::new(dir)).map_err(StorageError::Io)?;
    file.write_all(&bytes).map_err(StorageError::Io)?;
    file.commit(&name).map_err(StorageError::Io)
}

/// Removes the sidecar of `key`, if any.
pub(super) fn remove(root: &OwnedFd, bucket: &str, key: &str) -> Result<(), StorageError> {
    let (dir, name) = place(bucket, key);
    let dir = match open_beneath(root.as_fd(), &dir, OFlags::RDONLY | OFlags::DIRECTORY) {
        Ok(fd) => fd,
        Err(e) => {
            return match StorageError::on_read(e, StorageError::NoSuchKey) {
                StorageError::NoSuchKey => Ok(()),
                other => Err(other),
            };
        }
    };
    match rustix::fs::unlinkat(&dir, name.as_str(), AtFlags::empty()) {
        Ok(()) | Err(rustix::io::Errno::NOENT) => Ok(()),
        Err(e) => Err(StorageError::Io(e.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object_meta::AclGrant;

    #[test]
    fn sidecar_round_trip_and_removal() {
        let dir = tempfile::tempdir().unwrap();
        let root = rustix::fs::open(
            dir.path(),
            OFlags::RDONLY | OFlags::DIRECTORY,
            Mode::empty(),
        )
        .unwrap();
        assert!(read(&root, "b-1", "a/b").unwrap().is_empty());
        let mut meta = ObjectMeta::default();
        meta.tags.insert("k".into(), "v".into());
        meta.acl.grants.push(AclGrant::new("100", "READ"));
        write(&root, "b-1", "a/b", &meta).unwrap();
        assert_eq!(read(&root, "b-1", "a/b").unwrap(), meta);
        let (sidecar_dir, name) = place("b-1", "a/b");
        assert!(dir.path().join(&sidecar_dir).join(&name).is_file());
        assert!(sidecar_dir.starts_with(".cos-meta/b-1/"));
        // Another key never sees it.
        assert!(read(&root, "b-1", "a/c").unwrap().is_empty());
        write(&root, "b-1", "a/b", &ObjectMeta::default()).unwrap();
        assert!(!dir.path().join(&sidecar_dir).join(&name).exists());
        remove(&root, "b-1", "a/b").unwrap();
    }
}
