//! Durable whole-file writes of the state directory: a temporary file next to the target,
//! `fsync`ed, then a rename and a directory `fsync`. A leaf module: it knows nothing of jobs, objects or the state directory.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

/// Flushes a directory's entries (a new or renamed file in it) to disk. Directories cannot
/// be opened for that outside Unix, where this does nothing.
fn sync_dir(dir: &Path) -> io::Result<()> {
    if cfg!(unix) {
        File::open(dir)?.sync_all()
    } else {
        Ok(())
    }
}

/// Writes `bytes` to `path` so that it is on disk when this returns: a temporary file that is
/// written and `fsync`ed, renamed over `path`, and the directory `fsync`ed (and its parent,
/// for a directory this call created). On error `path` keeps its old content.
pub(crate) fn write_durably(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("the path has no directory"))?;
    if !dir.is_dir() {
        fs::create_dir_all(dir)?;
        if let Some(parent) = dir.parent() {
            sync_dir(parent)?;
        }
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{:016x}", fastrand::u64(..)));
    let written = File::create(&tmp)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written?;
    sync_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durable_writes_replace_whole_files_and_leave_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new/sub/job.json");
        write_durably(&path, b"one").unwrap();
        write_durably(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
        // A directory in the way: an error, and nothing half-written.
        fs::create_dir_all(dir.path().join("d/job.json")).unwrap();
        assert!(write_durably(&dir.path().join("d/job.json"), b"x").is_err());
        assert_eq!(fs::read_dir(dir.path().join("d")).unwrap().count(), 1);
    }
}
