//! Temporary files: an object (or sidecar) is written under a `.cos-tmp-{16 hex}` name in its
//! own directory and renamed over its name on commit, so a reader never sees half of it. A
//! write cut short (a kill) leaves such a file: it is never an object (listings, HEAD, GET and
//! manifests skip it, and no key may name it) and it is removed when the emulator starts.

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

use rustix::fs::{AtFlags, Mode, OFlags};

pub(crate) use crate::object_path::{TEMP_PREFIX, is_temporary};

/// A file being written under a temporary name in an open directory; it takes its name on
/// [`commit`](Self::commit), and is removed if dropped before.
#[derive(Debug)]
pub(crate) struct TempFile {
    dir: Arc<OwnedFd>,
    temp_name: String,
    file: Option<File>,
}

impl TempFile {
    /// Creates a new temporary file in `dir` (`O_CREAT | O_EXCL`: never through a link).
    pub(crate) fn create_in(dir: Arc<OwnedFd>) -> io::Result<Self> {
        loop {
            let temp_name = format!("{TEMP_PREFIX}{:016x}", fastrand::u64(..));
            match rustix::fs::openat(
                dir.as_fd(),
                temp_name.as_str(),
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o666),
            ) {
                Ok(fd) => {
                    return Ok(Self {
                        dir,
                        temp_name,
                        file: Some(File::from(fd)),
                    });
                }
                Err(rustix::io::Errno::EXIST) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The open file.
    pub(crate) fn file(&mut self) -> io::Result<&mut File> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("the temporary file is closed"))
    }

    /// Renames the file to `name` in its directory, replacing what is there (a directory
    /// there is an error: `EISDIR`).
    pub(crate) fn commit(mut self, name: &str) -> io::Result<()> {
        // Closed first: the rename does not need it open.
        self.file = None;
        rustix::fs::renameat(
            self.dir.as_fd(),
            self.temp_name.as_str(),
            self.dir.as_fd(),
            name,
        )?;
        self.temp_name.clear();
        Ok(())
    }
}

impl Write for TempFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file()?.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file()?.flush()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.temp_name.is_empty() {
            let _ =
                rustix::fs::unlinkat(self.dir.as_fd(), self.temp_name.as_str(), AtFlags::empty());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_are_recognised() {
        assert!(is_temporary(".cos-tmp-0123456789abcdef"));
        assert!(is_temporary(".cos-tmp-anything"));
        assert!(is_temporary(".a.txt.tmp-0123456789abcdef"));
        assert!(!is_temporary("a.txt.tmp-0123456789abcdef"));
        assert!(!is_temporary(".a.txt.tmp-0123"));
        assert!(!is_temporary(".hidden"));
        assert!(!is_temporary("cos-tmp-x"));
    }

    #[test]
    fn a_dropped_file_leaves_nothing_and_a_committed_one_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let open = || {
            Arc::new(
                rustix::fs::open(
                    dir.path(),
                    OFlags::RDONLY | OFlags::DIRECTORY,
                    Mode::empty(),
                )
                .unwrap(),
            )
        };
        let mut dropped = TempFile::create_in(open()).unwrap();
        dropped.write_all(b"half").unwrap();
        drop(dropped);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut kept = TempFile::create_in(open()).unwrap();
        kept.write_all(b"whole").unwrap();
        kept.commit("name").unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["name"]);
        assert_eq!(std::fs::read(dir.path().join("name")).unwrap(), b"whole");
    }
}
