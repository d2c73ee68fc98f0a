//! An object's ETag (the quoted MD5 hex of its bytes, as a single PUT gives it), kept on the
//! object's file in the extended attribute `user.cos-etag`, so listings, HEAD and GET do not
//! read the whole file to answer it.
//!
//! The attribute holds the ETag with the size and modification time (ns) of the file it was
//! computed for, and is used only while they still match: an object is never rewritten in
//! place by the emulator (every write is a new file renamed over it), but a file edited by
//! hand gets a new modification time and its ETag is computed again. A PUT stores it as it
//! writes; a copy does not (it would cost three syscalls more per copied object), so its first
//! HEAD, GET or listing computes and stores it. Where the file system has no user extended
//! attributes (or not on this platform), the ETag is computed on each call, as before.

use std::fs::{File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::time::UNIX_EPOCH;

use md5::{Digest, Md5};

use crate::object_path::md5_hex;

/// The extended attribute's name.
#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
const ATTRIBUTE: &str = "user.cos-etag";

/// What the ETag was computed for: `{size}:{mtime ns}`.
fn stamp(metadata: &Metadata) -> String {
    let mtime = metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("{}:{mtime}", metadata.len())
}

/// The quoted ETag of `bytes`.
pub(crate) fn of_bytes(bytes: &[u8]) -> String {
    format!("\"{}\"", md5_hex(bytes))
}

/// The quoted ETag of an MD5 `digest`.
pub(crate) fn of_digest(digest: &[u8]) -> String {
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// The ETag of the open object `file` with `metadata`: the stored one when it is still
/// valid, else computed by reading the file (and stored). The file's position is left at 0.
pub(crate) fn of_file(file: &mut File, metadata: &Metadata) -> io::Result<String> {
    let stamp = stamp(metadata);
    if let Some(etag) = stored(file, &stamp) {
        return Ok(etag);
    }
    let mut hasher = Md5::new();
    let mut buffer = vec![0; 64 * 1024];
    file.seek(SeekFrom::Start(0))?;
    loop {
        match file.read(&mut buffer)? {
            0 => break,
            n => hasher.update(&buffer[..n]),
        }
    }
    file.seek(SeekFrom::Start(0))?;
    let etag = of_digest(&hasher.finalize());
    store(file, &stamp, &etag);
    Ok(etag)
}

/// Stores `etag` on `file`, which is written (its size and modification time are final).
pub(crate) fn remember(file: &File, etag: &str) {
    if let Ok(metadata) = file.metadata() {
        store(file, &stamp(&metadata), etag);
    }
}

#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
fn stored(file: &File, stamp: &str) -> Option<String> {
    let mut value = [0u8; 128];
    let len = rustix::fs::fgetxattr(file, ATTRIBUTE, &mut value[..]).ok()?;
    let (at, etag) = std::str::from_utf8(value.get(..len)?)
        .ok()?
        .split_once(' ')?;
    (at == stamp).then(|| etag.to_owned())
}

#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
fn store(file: &File, stamp: &str, etag: &str) {
    // Best effort: a file system without user attributes, or a read-only one, computes again.
    let value = format!("{stamp} {etag}");
    let _ = rustix::fs::fsetxattr(
        file,
        ATTRIBUTE,
        value.as_bytes(),
        rustix::fs::XattrFlags::empty(),
    );
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
fn stored(_: &File, _: &str) -> Option<String> {
    None
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
fn store(_: &File, _: &str, _: &str) {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn etags_are_stored_and_recomputed_when_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("object");
        std::fs::write(&path, b"hello").unwrap();
        let etag_now = |path: &std::path::Path| {
            let mut file = File::open(path).unwrap();
            let metadata = file.metadata().unwrap();
            of_file(&mut file, &metadata).unwrap()
        };
        assert_eq!(etag_now(&path), of_bytes(b"hello"));
        assert_eq!(etag_now(&path), of_bytes(b"hello"));
        let attribute_kept = {
            let file = File::open(&path).unwrap();
            stored(&file, &stamp(&file.metadata().unwrap())).is_some()
        };
        // Edited in place by hand: a new size (and time), so a new ETag.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b" world")
            .unwrap();
        assert_eq!(etag_now(&path), of_bytes(b"hello world"));
        // A stale attribute is never believed.
        let file = File::open(&path).unwrap();
        store(&file, "5:0", "\"stale\"");
        drop(file);
        assert_eq!(etag_now(&path), of_bytes(b"hello world"));
        if !attribute_kept {
            eprintln!("this file system keeps no user attributes: ETags are computed each time");
        }
    }
}
