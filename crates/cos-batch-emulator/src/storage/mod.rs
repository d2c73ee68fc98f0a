//! The storage layer: buckets, objects and their metadata on the data directory, behind one
//! module that the object API, the job tasks and the handle's helpers all use.
//!
//! Layout (unchanged): a bucket is the directory `{data}/{bucket}-{appid}/`, an object the file
//! `{bucket dir}/{key}` (each `/` of a key is a directory, so `a` and `a/b` cannot both exist:
//! such a write is [`StorageError::Conflict`]), its metadata a sidecar
//! `{data}/.cos-meta/{bucket}-{appid}/{h[0..2]}/{h}.json` (`h` the MD5 hex of the key; an
//! object without one has the default [`ObjectMeta`](crate::ObjectMeta)).
//!
//! "Never leave the data directory" holds at the moment of each file operation: the data
//! directory is opened once ([`Storage::open`]), and every other open is relative to an open
//! directory handle and refuses symbolic links and `..` in the kernel (see [`resolve`]: one
//! `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)` on Linux 5.6+, else a walk of
//! `openat(O_NOFOLLOW)`); creates, renames and unlinks are `*at` calls on one name in an open
//! directory. So a directory swapped for a link while a job runs makes its tasks fail
//! (`AccessDenied`, or `NoSuchKey`), never reach outside. No `stat` precedes an open: a
//! missing object is the open's `ENOENT`.
//!
//! Writes go to a temporary file in the object's own directory, renamed over the object on
//! commit ([`temp`]): a reader never sees half an object, and what a kill leaves is removed by
//! [`Storage::remove_temporaries`] when the emulator starts.
//!
//! Needs a Unix (`rustix`); the emulator does not build on Windows.

mod bucket;
pub(crate) mod etag;
mod meta;
pub(crate) mod resolve;
pub(crate) mod temp;
mod walk;

use std::fmt;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::sync::Arc;

use rustix::fs::{AtFlags, Mode, OFlags};

pub(crate) use bucket::{Bucket, ObjectWriter};

use crate::object_path::{META_DIR, PathError, bucket_dir_name};
use resolve::{is_link_refusal, open_beneath};
use temp::is_temporary;

/// Why a storage operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub(crate) enum StorageError {
    /// The bucket does not exist (its full name).
    NoSuchBucket(String),
    /// The bucket exists already (on create).
    BucketExists,
    /// The object does not exist (or the key names a directory, a prefix of other keys).
    NoSuchKey,
    /// The bucket name or key is refused, or a symbolic link was on the way
    /// ([`PathError::Symlink`]).
    Path(PathError),
    /// The key conflicts with an object or a prefix (`a` and `a/b`).
    Conflict,
    /// The file system failed.
    Io(io::Error),
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSuchBucket(b) => write!(f, "The specified bucket {b} does not exist"),
            Self::BucketExists => f.write_str("The requested bucket name is not available"),
            Self::NoSuchKey => f.write_str("The specified key does not exist."),
            Self::Path(e) => e.fmt(f),
            Self::Conflict => f.write_str(
                "The key conflicts with an existing object or prefix (the emulator stores each '/' of a key as a directory)",
            ),
            Self::Io(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for StorageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Path(e) => Some(e),
            _ => None,
        }
    }
}

/// For callers that speak `io::Error` (the handle's helpers): a refused name or link is
/// `InvalidInput`, a missing bucket or object `NotFound`, a conflict `AlreadyExists`.
impl From<StorageError> for io::Error {
    fn from(e: StorageError) -> Self {
        let kind = match &e {
            StorageError::Io(_) => {
                return match e {
                    StorageError::Io(io) => io,
                    _ => io::Error::other("unreachable"),
                };
            }
            StorageError::NoSuchBucket(_) | StorageError::NoSuchKey => io::ErrorKind::NotFound,
            StorageError::BucketExists | StorageError::Conflict => io::ErrorKind::AlreadyExists,
            StorageError::Path(_) => io::ErrorKind::InvalidInput,
        };
        io::Error::new(kind, e)
    }
}

impl From<PathError> for StorageError {
    fn from(e: PathError) -> Self {
        Self::Path(e)
    }
}

impl StorageError {
    /// An error of opening something to read: missing is `missing`, a link is refused.
    fn on_read(e: io::Error, missing: Self) -> Self {
        if is_link_refusal(&e) {
            Self::Path(PathError::Symlink)
        } else if matches!(
            e.kind(),
            io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
        ) {
            missing
        } else {
            Self::Io(e)
        }
    }

    /// An error of writing an object: a file or directory in the way is a conflict.
    fn on_write(e: io::Error) -> Self {
        if is_link_refusal(&e) {
            Self::Path(PathError::Symlink)
        } else if matches!(
            e.kind(),
            io::ErrorKind::NotADirectory
                | io::ErrorKind::IsADirectory
                | io::ErrorKind::AlreadyExists
                | io::ErrorKind::DirectoryNotEmpty
        ) {
            Self::Conflict
        } else {
            Self::Io(e)
        }
    }
}

/// The open data directory.
#[derive(Clone, Debug)]
pub(crate) struct Storage {
    root: Arc<OwnedFd>,
}

impl Storage {
    /// Opens the data directory (which must exist).
    pub(crate) fn open(data_dir: &Path) -> io::Result<Self> {
        let root = rustix::fs::open(
            data_dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Self {
            root: Arc::new(root),
        })
    }

    /// An existing bucket (`bucket` with or without its `-{appid}` suffix).
    pub(crate) fn bucket(&self, bucket: &str, appid: &str) -> Result<Bucket, StorageError> {
        let name = bucket_dir_name(bucket, appid)?;
        match open_beneath(self.root.as_fd(), &name, OFlags::RDONLY | OFlags::DIRECTORY) {
            Ok(fd) => Ok(Bucket::new(self.root.clone(), name, fd)),
            Err(e) => Err(StorageError::on_read(e, StorageError::NoSuchBucket(name))),
        }
    }

    /// Creates a bucket; [`StorageError::BucketExists`] if it exists, unless `existing_ok`.
    pub(crate) fn create_bucket(
        &self,
        bucket: &str,
        appid: &str,
        existing_ok: bool,
    ) -> Result<Bucket, StorageError> {
        let name = bucket_dir_name(bucket, appid)?;
        match rustix::fs::mkdirat(self.root.as_fd(), name.as_str(), Mode::from_raw_mode(0o777)) {
            Ok(()) => {}
            Err(rustix::io::Errno::EXIST) if existing_ok => {}
            Err(rustix::io::Errno::EXIST) => return Err(StorageError::BucketExists),
            Err(e) => return Err(StorageError::Io(e.into())),
        }
        self.bucket(bucket, appid)
    }

    /// Opens an object to read: the file and its length.
    pub(crate) fn open_object(
        &self,
        bucket: &str,
        appid: &str,
        key: &str,
    ) -> Result<(File, u64), StorageError> {
        let (file, metadata) = self.bucket(bucket, appid)?.open(key)?;
        Ok((file, metadata.len()))
    }

    /// Starts writing an object: what is written becomes the object only on
    /// [`ObjectWriter::commit`] (dropped before, it leaves nothing).
    pub(crate) fn create_object(
        &self,
        bucket: &str,
        appid: &str,
        key: &str,
    ) -> Result<ObjectWriter, StorageError> {
        self.bucket(bucket, appid)?.create(key)
    }

    /// Removes the temporary files that interrupted writes left in the buckets and the
    /// sidecar tree; how many. Called once when the emulator starts.
    pub(crate) fn remove_temporaries(&self) -> io::Result<usize> {
        let mut removed = 0;
        for (name, kind) in walk::entries(&self.root)? {
            // Buckets and the sidecar tree; anything else is not ours.
            if kind != walk::EntryKind::Dir || (name.starts_with('.') && name != META_DIR) {
                continue;
            }
            let dir = open_beneath(self.root.as_fd(), &name, OFlags::RDONLY | OFlags::DIRECTORY);
            if let Ok(dir) = dir {
                removed += remove_temporaries_in(&dir)?;
            }
        }
        Ok(removed)
    }
}

/// Removes the temporary files under `dir` (links are never followed); how many.
fn remove_temporaries_in(dir: &OwnedFd) -> io::Result<usize> {
    let mut removed = 0;
    for (name, kind) in walk::entries(dir)? {
        match kind {
            walk::EntryKind::Dir => {
                let sub = open_beneath(dir.as_fd(), &name, OFlags::RDONLY | OFlags::DIRECTORY);
                if let Ok(sub) = sub {
                    removed += remove_temporaries_in(&sub)?;
                }
            }
            walk::EntryKind::File if is_temporary(&name) => {
                match rustix::fs::unlinkat(dir.as_fd(), name.as_str(), AtFlags::empty()) {
                    Ok(()) => removed += 1,
                    Err(rustix::io::Errno::NOENT) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            _ => {}
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::io::{Read, Write};

    const APPID: &str = "1250000000";

    fn storage() -> (tempfile::TempDir, Storage) {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        storage.create_bucket("b", APPID, false).unwrap();
        (dir, storage)
    }

    #[test]
    fn objects_are_written_on_commit_and_read_back() {
        let (dir, storage) = storage();
        let mut writer = storage.create_object("b", APPID, "a/b/c.txt").unwrap();
        writer.write_all(b"hello").unwrap();
        assert!(matches!(
            storage.open_object("b", APPID, "a/b/c.txt"),
            Err(StorageError::NoSuchKey)
        ));
        writer.commit().unwrap();
        let (mut file, len) = storage.open_object("b", APPID, "a/b/c.txt").unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        assert_eq!((text.as_str(), len), ("hello", 5));
        assert!(dir.path().join("b-1250000000/a/b/c.txt").is_file());
        // A dropped writer leaves nothing.
        let mut dropped = storage.create_object("b", APPID, "a/b/d.txt").unwrap();
        dropped.write_all(b"half").unwrap();
        drop(dropped);
        assert_eq!(
            fs::read_dir(dir.path().join("b-1250000000/a/b"))
                .unwrap()
                .count(),
            1
        );
        assert!(matches!(
            storage.bucket("missing", APPID),
            Err(StorageError::NoSuchBucket(_))
        ));
        assert!(matches!(
            storage.create_bucket("b", APPID, false),
            Err(StorageError::BucketExists)
        ));
    }

    #[test]
    fn a_put_stores_its_etag_and_a_copy_gets_one_on_first_read() {
        let (dir, storage) = storage();
        let bucket = storage.bucket("b", APPID).unwrap();
        bucket.put("a/put", b"hello").unwrap();
        let (mut file, metadata) = bucket.open("a/put").unwrap();
        assert_eq!(
            etag::of_file(&mut file, &metadata).unwrap(),
            etag::of_bytes(b"hello")
        );
        let mut value = [0u8; 128];
        match rustix::fs::fgetxattr(&file, "user.cos-etag", &mut value[..]) {
            Ok(len) => {
                let value = std::str::from_utf8(&value[..len]).unwrap();
                assert!(value.ends_with(&etag::of_bytes(b"hello")), "{value}");
            }
            // A file system without user attributes: nothing to check.
            Err(e) => eprintln!("no user attributes here: {e}"),
        }
        bucket
            .copy_into("a/copy", &mut file, metadata.len())
            .unwrap();
        let (mut copy, metadata) = bucket.open("a/copy").unwrap();
        assert_eq!(
            etag::of_file(&mut copy, &metadata).unwrap(),
            etag::of_bytes(b"hello")
        );
        assert_eq!(
            fs::read(dir.path().join("b-1250000000/a/copy")).unwrap(),
            b"hello"
        );
    }

    #[test]
    fn dot_dot_and_bad_keys_are_refused() {
        let (_dir, storage) = storage();
        let bucket = storage.bucket("b", APPID).unwrap();
        for key in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a//b",
            "%2e%2e/x",
            ".cos-tmp-1",
        ] {
            assert!(
                matches!(bucket.open(key), Err(StorageError::Path(_))),
                "{key}"
            );
            assert!(
                matches!(bucket.put(key, b"x"), Err(StorageError::Path(_))),
                "{key}"
            );
        }
        assert!(matches!(
            storage.bucket("../b", APPID),
            Err(StorageError::Path(PathError::InvalidBucket))
        ));
    }

    #[test]
    fn a_link_at_each_position_is_refused_for_every_operation() {
        let (dir, storage) = storage();
        let outside = tempfile::tempdir().unwrap();
        fs::create_dir_all(outside.path().join("d")).unwrap();
        fs::write(outside.path().join("d/k"), b"outside").unwrap();
        fs::write(outside.path().join("k"), b"outside").unwrap();
        let bucket_dir = dir.path().join("b-1250000000");
        fs::create_dir_all(bucket_dir.join("in")).unwrap();
        std::os::unix::fs::symlink(outside.path(), bucket_dir.join("top")).unwrap();
        std::os::unix::fs::symlink(outside.path(), bucket_dir.join("in/mid")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("k"), bucket_dir.join("in/last")).unwrap();
        // The bucket directory itself as a link.
        std::os::unix::fs::symlink(&bucket_dir, dir.path().join("linked-1250000000")).unwrap();
        let bucket = storage.bucket("b", APPID).unwrap();
        let symlink =
            |r: &Result<(), StorageError>| matches!(r, Err(StorageError::Path(PathError::Symlink)));
        for key in ["top/k", "top/d/k", "in/mid/d/k", "in/last"] {
            let opened = bucket.open(key).map(drop);
            assert!(symlink(&opened), "open {key}: {opened:?}");
        }
        // Through a linked directory, nothing is written or deleted.
        for key in ["top/k", "top/d/k", "in/mid/d/k", "top/new/k"] {
            let put = bucket.put(key, b"x");
            assert!(symlink(&put), "put {key}: {put:?}");
            let deleted = bucket.delete(key);
            assert!(symlink(&deleted), "delete {key}: {deleted:?}");
        }
        // A link as the object itself is replaced (a write) or removed (a delete): the link,
        // never what it points to.
        bucket.put("in/last", b"inside").unwrap();
        assert_eq!(fs::read(bucket_dir.join("in/last")).unwrap(), b"inside");
        std::os::unix::fs::symlink(outside.path().join("k"), bucket_dir.join("in/last2")).unwrap();
        bucket.delete("in/last2").unwrap();
        assert!(matches!(
            storage.bucket("linked", APPID),
            Err(StorageError::Path(PathError::Symlink))
        ));
        assert_eq!(fs::read(outside.path().join("k")).unwrap(), b"outside");
        assert_eq!(fs::read(outside.path().join("d/k")).unwrap(), b"outside");
        assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 2);
    }

    #[test]
    fn temporaries_are_hidden_and_removed_on_start() {
        let (dir, storage) = storage();
        let bucket = storage.bucket("b", APPID).unwrap();
        bucket.put("a/kept", b"kept").unwrap();
        let mut meta = crate::ObjectMeta::default();
        meta.tags.insert("k".into(), "v".into());
        bucket.write_meta("a/kept", &meta).unwrap();
        let bucket_dir = dir.path().join("b-1250000000");
        // What a kill during writes leaves.
        fs::write(bucket_dir.join(".cos-tmp-0123456789abcdef"), b"half").unwrap();
        fs::write(bucket_dir.join("a/.cos-tmp-00000000000000ff"), b"half").unwrap();
        fs::write(bucket_dir.join("a/.kept.tmp-00000000000000ff"), b"half").unwrap();
        let meta_dir = dir.path().join(".cos-meta/b-1250000000");
        let sidecar_dir = fs::read_dir(&meta_dir)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        fs::write(sidecar_dir.join(".cos-tmp-0000000000000001"), b"{").unwrap();
        let keys: Vec<String> = bucket
            .keys_after("", "")
            .unwrap()
            .collect::<io::Result<_>>()
            .unwrap();
        assert_eq!(keys, ["a/kept"]);
        assert!(matches!(
            bucket.open("a/.cos-tmp-00000000000000ff"),
            Err(StorageError::Path(PathError::Reserved))
        ));
        assert_eq!(storage.remove_temporaries().unwrap(), 4);
        assert_eq!(fs::read_dir(&bucket_dir).unwrap().count(), 1);
        assert_eq!(fs::read_dir(bucket_dir.join("a")).unwrap().count(), 1);
        assert_eq!(fs::read_dir(&sidecar_dir).unwrap().count(), 1);
        assert_eq!(bucket.read_meta("a/kept").unwrap(), meta);
    }
}
