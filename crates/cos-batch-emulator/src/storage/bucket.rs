//! `Bucket`: an open bucket directory and the object operations on it, each relative to an
//! open directory handle (see the module docs of [`crate::storage`]).

use std::fs::{File, Metadata};
use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

use cos_batch_proto::object::{ListObjectsInput, Page};
use rustix::fs::{AtFlags, OFlags};

use super::resolve::{open_beneath, open_dir_creating};
use super::temp::TempFile;
use super::walk::KeyWalk;
use super::{StorageError, etag, meta};
use crate::object_meta::ObjectMeta;
use crate::object_path::check_key;

/// How many times a write starts again when a concurrent delete removed the directory it was
/// about to write into (a delete removes the directories it leaves empty).
const WRITE_ATTEMPTS: usize = 3;

/// An open bucket.
#[derive(Debug)]
pub(crate) struct Bucket {
    root: Arc<OwnedFd>,
    name: String,
    fd: Arc<OwnedFd>,
}

/// A key's directory part (empty for a key without `/`) and its last segment.
fn split_key(key: &str) -> (&str, &str) {
    key.rsplit_once('/').unwrap_or(("", key))
}

/// An object being written: it becomes the object on [`commit`](Self::commit).
#[derive(Debug)]
pub(crate) struct ObjectWriter {
    temp: TempFile,
    name: String,
}

impl ObjectWriter {
    /// Makes what was written the object (replacing an older one).
    pub(crate) fn commit(self) -> Result<(), StorageError> {
        self.temp.commit(&self.name).map_err(StorageError::on_write)
    }

    /// The file being written.
    pub(crate) fn file(&mut self) -> io::Result<&mut File> {
        self.temp.file()
    }
}

impl Write for ObjectWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.temp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.temp.flush()
    }
}

impl Bucket {
    pub(super) fn new(root: Arc<OwnedFd>, name: String, fd: OwnedFd) -> Self {
        Self {
            root,
            name,
            fd: Arc::new(fd),
        }
    }

    /// The bucket's full name (`name-appid`), its directory name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Opens object `key` to read: the file and its metadata (one open, one `statx`).
    pub(crate) fn open(&self, key: &str) -> Result<(File, Metadata), StorageError> {
        check_key(key)?;
        // O_NONBLOCK: a FIFO put in a bucket by hand cannot block the open.
        let fd = open_beneath(self.fd.as_fd(), key, OFlags::RDONLY | OFlags::NONBLOCK)
            .map_err(|e| StorageError::on_read(e, StorageError::NoSuchKey))?;
        let file = File::from(fd);
        let metadata = file.metadata().map_err(StorageError::Io)?;
        if !metadata.is_file() {
            return Err(StorageError::NoSuchKey);
        }
        Ok((file, metadata))
    }

    /// The open directory of `key`, made if missing.
    fn parent_of(&self, key: &str) -> Result<Arc<OwnedFd>, StorageError> {
        match split_key(key).0 {
            "" => Ok(self.fd.clone()),
            dir => open_dir_creating(self.fd.as_fd(), dir)
                .map(Arc::new)
                .map_err(StorageError::on_write),
        }
    }

    /// Starts writing object `key` (see [`ObjectWriter`]).
    pub(crate) fn create(&self, key: &str) -> Result<ObjectWriter, StorageError> {
        check_key(key)?;
        let name = split_key(key).1.to_owned();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let dir = self.parent_of(key)?;
            match TempFile::create_in(dir) {
                Ok(temp) => return Ok(ObjectWriter { temp, name }),
                // The directory was removed after it was opened (a concurrent delete).
                Err(e) if e.kind() == io::ErrorKind::NotFound && attempt < WRITE_ATTEMPTS => {}
                Err(e) => return Err(StorageError::on_write(e)),
            }
        }
    }

    /// Writes object `key` whole, with its ETag stored (see [`etag`]).
    pub(crate) fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        let mut writer = self.create(key)?;
        writer.write_all(bytes).map_err(StorageError::Io)?;
        etag::remember(
            writer.file().map_err(StorageError::Io)?,
            &etag::of_bytes(bytes),
        );
        writer.commit()
    }

    /// Writes object `key` with the `len` bytes of `source` (from where it is), with
    /// `copy_file_range` where the file system allows.
    pub(crate) fn copy_into(
        &self,
        key: &str,
        source: &mut File,
        len: u64,
    ) -> Result<(), StorageError> {
        let mut writer = self.create(key)?;
        copy_bytes(source, writer.file().map_err(StorageError::Io)?, len)
            .map_err(StorageError::Io)?;
        writer.commit()
    }

    /// Deletes object `key` and its sidecar, and the directories it leaves empty (up to the
    /// bucket); [`StorageError::NoSuchKey`] if there is no such object.
    pub(crate) fn delete(&self, key: &str) -> Result<(), StorageError> {
        check_key(key)?;
        let (dir, name) = split_key(key);
        let parent = match dir {
            "" => None,
            dir => Some(
                open_beneath(self.fd.as_fd(), dir, OFlags::RDONLY | OFlags::DIRECTORY)
                    .map_err(|e| StorageError::on_read(e, StorageError::NoSuchKey))?,
            ),
        };
        let parent_fd = parent.as_ref().map_or(self.fd.as_fd(), |fd| fd.as_fd());
        match rustix::fs::unlinkat(parent_fd, name, AtFlags::empty()) {
            Ok(()) => {}
            // A directory (`EISDIR` on Linux, `EPERM` elsewhere) is a prefix, not an object.
            Err(
                rustix::io::Errno::NOENT
                | rustix::io::Errno::ISDIR
                | rustix::io::Errno::PERM
                | rustix::io::Errno::NOTDIR,
            ) => return Err(StorageError::NoSuchKey),
            Err(e) => return Err(StorageError::Io(e.into())),
        }
        drop(parent);
        meta::remove(&self.root, &self.name, key)?;
        // Directories left empty go too, deepest first; the first one that is not empty (or
        // anything else) stops it.
        let mut dir = dir;
        while !dir.is_empty() {
            let (above, last) = split_key(dir);
            let above_fd = match above {
                "" => None,
                above => {
                    match open_beneath(self.fd.as_fd(), above, OFlags::RDONLY | OFlags::DIRECTORY) {
                        Ok(fd) => Some(fd),
                        Err(_) => break,
                    }
                }
            };
            let at = above_fd.as_ref().map_or(self.fd.as_fd(), |fd| fd.as_fd());
            if rustix::fs::unlinkat(at, last, AtFlags::REMOVEDIR).is_err() {
                break;
            }
            dir = above;
        }
        Ok(())
    }

    /// The keys that start with `prefix` and sort after `marker`, in COS order, read lazily
    /// one directory at a time (see [`KeyWalk`]).
    pub(crate) fn keys_after(&self, prefix: &str, marker: &str) -> io::Result<KeyWalk> {
        KeyWalk::new(self.fd.clone(), prefix, marker)
    }

    /// The page of keys (and common prefixes) that GET Bucket lists for `input`: the walk of
    /// [`keys_after`](Self::keys_after) rolled up at the delimiter, chosen by
    /// [`ListObjectsInput::select`] (which stops after the page and the key after it).
    pub(crate) fn list_page(&self, input: &ListObjectsInput) -> io::Result<Page<String>> {
        let walk = self.keys_after(&input.prefix, &input.marker)?;
        let mut failed = None;
        let page = input.select(
            walk.rolling_up(&input.delimiter)
                .map_while(|k| k.map_err(|e| failed = Some(e)).ok()),
        );
        failed.map_or(Ok(page), Err)
    }

    /// The metadata of object `key` (the default when it has none).
    pub(crate) fn read_meta(&self, key: &str) -> Result<ObjectMeta, StorageError> {
        check_key(key)?;
        meta::read(&self.root, &self.name, key)
    }

    /// Sets the metadata of object `key` (empty metadata removes its sidecar).
    pub(crate) fn write_meta(&self, key: &str, meta: &ObjectMeta) -> Result<(), StorageError> {
        check_key(key)?;
        meta::write(&self.root, &self.name, key, meta)
    }
}

/// Copies `len` bytes from `from` to `to` (both at their positions): `copy_file_range`, and
/// `std::io::copy` where the file system cannot.
fn copy_bytes(from: &mut File, to: &mut File, len: u64) -> io::Result<()> {
    let mut left = len;
    while left > 0 {
        let chunk = usize::try_from(left).unwrap_or(usize::MAX).min(1 << 30);
        match rustix::fs::copy_file_range(from.as_fd(), None, to.as_fd(), None, chunk) {
            // The source is shorter than it was: it was replaced while being copied.
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the source object changed while it was copied",
                ));
            }
            Ok(n) => left -= n as u64,
            Err(
                rustix::io::Errno::XDEV
                | rustix::io::Errno::INVAL
                | rustix::io::Errno::NOSYS
                | rustix::io::Errno::OPNOTSUPP,
            ) if left == len => {
                std::io::copy(from, to)?;
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
