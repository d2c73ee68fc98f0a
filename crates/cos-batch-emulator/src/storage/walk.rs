//! The keys of a bucket in COS order, read lazily: [`KeyWalk`] (and the directory entries it
//! and the start-up clean-up read, [`entries`]).
//!
//! COS lists keys in byte-wise lexicographic order of the whole key. A key is a file below
//! directories (`a/b/c`), and every key below directory `a` starts with `a/`, so ordering the
//! entries of one directory by their name with `/` appended for directories (`a-c` < `a/` <
//! `a0`) and walking depth first gives the keys in that order. The walk reads one directory
//! at a time, when it gets to it: its memory is the sibling lists along one path, not the
//! bucket, and a directory whose keys all sort before the marker or cannot start with the
//! prefix is never opened. A page of a listing costs the directories on its way, not the
//! bucket.
//!
//! Same safety as the rest of the layer: every directory is opened relative to its open parent
//! refusing links ([`open_beneath`]); links, other non-files, temporaries (`.cos-tmp-*`) and
//! names that are not UTF-8 are never listed.

use std::collections::BinaryHeap;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

use rustix::fs::{AtFlags, FileType, OFlags};

use super::resolve::open_beneath;
use super::temp::is_temporary;
use crate::object_path::check_key;

/// The kind of a directory entry, asked of the file system (without following a link) when
/// the directory listing does not say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum EntryKind {
    /// A directory.
    Dir,
    /// A regular file.
    File,
    /// Anything else (a link, a FIFO, ...): never an object.
    Other,
}

/// The entries of `dir` (without `.`, `..` and names that are not UTF-8) and their kinds.
pub(super) fn entries(dir: &OwnedFd) -> io::Result<Vec<(String, EntryKind)>> {
    let mut out = Vec::new();
    for_each_entry(dir, |name, kind| out.push((name.to_owned(), kind)))?;
    Ok(out)
}

/// Calls `each` with the name and kind of every entry of `dir` (as [`entries`]).
fn for_each_entry(dir: &OwnedFd, mut each: impl FnMut(&str, EntryKind)) -> io::Result<()> {
    for entry in rustix::fs::Dir::read_from(dir.as_fd())? {
        let entry = entry?;
        let Ok(name) = entry.file_name().to_str() else {
            continue;
        };
        if name != "." && name != ".." {
            each(name, entry_kind(dir, name, entry.file_type())?);
        }
    }
    Ok(())
}

/// The kind of entry `name` of `dir`, listed as `listed`.
fn entry_kind(dir: &OwnedFd, name: &str, listed: FileType) -> io::Result<EntryKind> {
    let kind = match listed {
        FileType::Unknown => {
            match rustix::fs::statat(dir.as_fd(), name, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(stat) => FileType::from_raw_mode(stat.st_mode),
                Err(rustix::io::Errno::NOENT) => return Ok(EntryKind::Other),
                Err(e) => return Err(e.into()),
            }
        }
        known => known,
    };
    Ok(match kind {
        FileType::Directory => EntryKind::Dir,
        FileType::RegularFile => EntryKind::File,
        _ => EntryKind::Other,
    })
}

/// One directory being walked.
#[derive(Debug)]
struct Frame {
    /// The open directory.
    fd: Arc<OwnedFd>,
    /// The key prefix of everything below it (`""` for the bucket, else `a/b/`).
    path: String,
    /// Its entries still to walk, as names with `/` appended for directories, in reverse COS
    /// order (the next one last): at most [`KeyWalk::chunk`] of them.
    entries: Vec<String>,
    /// When the directory held more than a chunk: the last entry read, to read the next
    /// chunk after it once these are walked.
    unread_after: Option<String>,
}

/// How many entries of one directory the walk holds at a time (a page of GET Bucket lists at
/// most 1,000 keys): a directory of more is read again for the next ones, once these are
/// walked.
const CHUNK: usize = 1024;

/// The keys of a bucket after a marker and within a prefix, in COS order, read one directory
/// at a time (see the [module docs](self)).
///
/// With [`rolling_up`](Self::rolling_up), a key that a delimiter rolls up into a common prefix
/// is the only key of that common prefix the walk yields: the rest of it is skipped without
/// being read.
#[derive(Debug)]
pub(crate) struct KeyWalk {
    prefix: String,
    marker: String,
    delimiter: String,
    /// The directory to start from, before the first step.
    start: Option<(Arc<OwnedFd>, String)>,
    stack: Vec<Frame>,
    /// Keys starting with this are skipped (the common prefix of the last key yielded).
    skip: Option<String>,
    /// How many entries of a directory are held at a time.
    chunk: usize,
    dirs_read: usize,
}

impl KeyWalk {
    /// The keys below the open bucket directory `bucket` that start with `prefix` and sort
    /// after `marker`.
    pub(super) fn new(bucket: Arc<OwnedFd>, prefix: &str, marker: &str) -> io::Result<Self> {
        let mut walk = Self {
            prefix: prefix.to_owned(),
            marker: marker.to_owned(),
            delimiter: String::new(),
            start: None,
            stack: Vec::new(),
            skip: None,
            chunk: CHUNK,
            dirs_read: 0,
        };
        // Every key with the prefix is below the prefix's directory part: start there.
        match prefix.rsplit_once('/') {
            Some((dir, _)) if check_key(dir).is_ok() => {
                match open_beneath(bucket.as_fd(), dir, OFlags::RDONLY | OFlags::DIRECTORY) {
                    Ok(fd) => walk.start = Some((Arc::new(fd), format!("{dir}/"))),
                    // No such directory (or a link there): no such key.
                    Err(e) if missing(&e) => {}
                    Err(e) => return Err(e),
                }
            }
            _ => walk.start = Some((bucket, String::new())),
        }
        Ok(walk)
    }

    /// Rolls keys up at `delimiter` (after the prefix), as GET Bucket does: of the keys of one
    /// common prefix, only the first is yielded (an empty delimiter rolls nothing up).
    pub(crate) fn rolling_up(mut self, delimiter: &str) -> Self {
        delimiter.clone_into(&mut self.delimiter);
        self
    }

    /// Holds at most `chunk` (at least 1) entries of a directory at a time.
    #[cfg(test)]
    fn in_chunks_of(mut self, chunk: usize) -> Self {
        self.chunk = chunk.max(1);
        self
    }

    /// How many directory reads the walk has made so far.
    #[cfg(test)]
    fn dirs_read(&self) -> usize {
        self.dirs_read
    }

    /// Whether anything below the key prefix `path` (a directory's, ending in `/`) can be
    /// listed: it can start with the prefix and sort after the marker.
    fn may_hold_keys(&self, path: &str) -> bool {
        (path.starts_with(&self.prefix) || self.prefix.starts_with(path))
            && (path > self.marker.as_str() || self.marker.starts_with(path))
    }

    /// Whether key `key` (a file's) is listed.
    fn lists(&self, key: &str) -> bool {
        key.starts_with(&self.prefix) && key > self.marker.as_str()
    }

    /// Reads the first chunk of directory `fd` (with key prefix `path`) into a frame.
    fn read(&mut self, fd: Arc<OwnedFd>, path: String) -> io::Result<Frame> {
        let (entries, unread_after) = self.read_chunk(&fd, &path, None)?;
        Ok(Frame {
            fd,
            path,
            entries,
            unread_after,
        })
    }

    /// The first [`chunk`](Self::chunk) entries of directory `fd` (with key prefix `path`)
    /// that may hold listed keys, after entry `after` if given, in reverse order; and the last
    /// of them if the directory has more.
    fn read_chunk(
        &mut self,
        fd: &OwnedFd,
        path: &str,
        after: Option<&str>,
    ) -> io::Result<(Vec<String>, Option<String>)> {
        self.dirs_read += 1;
        // The smallest entries, the largest on top.
        let mut kept = BinaryHeap::with_capacity(self.chunk.min(CHUNK) + 1);
        let mut more = false;
        let mut full = path.to_owned();
        for_each_entry(fd, |name, kind| {
            full.truncate(path.len());
            full.push_str(name);
            let listed = match kind {
                EntryKind::Dir => {
                    full.push('/');
                    self.may_hold_keys(&full)
                }
                EntryKind::File => !is_temporary(name) && self.lists(&full),
                EntryKind::Other => false,
            };
            // The name, with `/` for a directory; allocated only if held.
            let entry = &full[path.len()..];
            if !listed || after.is_some_and(|after| entry <= after) {
                return;
            }
            if kept.len() < self.chunk {
                kept.push(entry.to_owned());
            } else {
                more = true;
                if kept.peek().is_some_and(|largest| entry < largest.as_str()) {
                    kept.pop();
                    kept.push(entry.to_owned());
                }
            }
        })?;
        let unread_after = if more { kept.peek().cloned() } else { None };
        let mut entries = kept.into_sorted_vec();
        entries.reverse();
        Ok((entries, unread_after))
    }

    /// The common prefix that `key` rolls up into, if any.
    fn common_prefix(&self, key: &str) -> Option<String> {
        if self.delimiter.is_empty() {
            return None;
        }
        let rest = key.get(self.prefix.len()..)?;
        let at = rest.find(&self.delimiter)?;
        key.get(..self.prefix.len() + at + self.delimiter.len())
            .map(str::to_owned)
    }

    /// Whether `key` (a key, or a directory's key prefix) is in the skipped common prefix.
    fn skipped(&self, key: &str) -> bool {
        self.skip
            .as_deref()
            .is_some_and(|skip| key.starts_with(skip))
    }
}

/// Whether an open error means "nothing there to list".
fn missing(e: &io::Error) -> bool {
    super::resolve::is_link_refusal(e)
        || matches!(
            e.kind(),
            io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
        )
}

impl Iterator for KeyWalk {
    type Item = io::Result<String>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some((fd, path)) = self.start.take() {
            match self.read(fd, path) {
                Ok(frame) => self.stack.push(frame),
                Err(e) => return Some(Err(e)),
            }
        }
        loop {
            let frame = self.stack.last_mut()?;
            if self
                .skip
                .as_deref()
                .is_some_and(|s| frame.path.starts_with(s))
            {
                self.stack.pop();
                continue;
            }
            let Some(name) = frame.entries.pop() else {
                // The directory's next chunk, if it has more.
                let Some(after) = frame.unread_after.take() else {
                    self.stack.pop();
                    continue;
                };
                let (fd, path) = (frame.fd.clone(), frame.path.clone());
                match self.read_chunk(&fd, &path, Some(&after)) {
                    Ok((entries, unread_after)) => {
                        if let Some(frame) = self.stack.last_mut() {
                            frame.entries = entries;
                            frame.unread_after = unread_after;
                        }
                    }
                    Err(e) => return Some(Err(e)),
                }
                continue;
            };
            let full = format!("{}{name}", frame.path);
            let parent = frame.fd.clone();
            if self.skipped(&full) {
                continue;
            }
            let Some(dir) = name.strip_suffix('/') else {
                self.skip = self.common_prefix(&full);
                return Some(Ok(full));
            };
            let opened = open_beneath(parent.as_fd(), dir, OFlags::RDONLY | OFlags::DIRECTORY);
            match opened {
                Ok(fd) => match self.read(Arc::new(fd), full) {
                    Ok(frame) => self.stack.push(frame),
                    Err(e) => return Some(Err(e)),
                },
                // Gone, or swapped for a link, since it was listed: not listed.
                Err(_) => continue,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Storage, StorageError};
    use cos_batch_proto::object::ListObjectsInput;
    use proptest::prelude::*;
    use std::fs;

    const APPID: &str = "1250000000";

    /// A bucket `b` holding `keys` (those that do not conflict with an earlier one); the keys
    /// it holds, sorted.
    fn bucket_with(keys: &[String]) -> (tempfile::TempDir, crate::storage::Bucket, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        let bucket = storage.create_bucket("b", APPID, false).unwrap();
        let mut held = Vec::new();
        for key in keys {
            match bucket.put(key, b"x") {
                Ok(()) => held.push(key.clone()),
                Err(StorageError::Conflict) => {}
                Err(e) => panic!("{key}: {e}"),
            }
        }
        held.sort();
        held.dedup();
        (dir, bucket, held)
    }

    fn walk(bucket: &crate::storage::Bucket, prefix: &str, marker: &str) -> Vec<String> {
        bucket
            .keys_after(prefix, marker)
            .unwrap()
            .collect::<io::Result<_>>()
            .unwrap()
    }

    #[test]
    fn keys_come_in_cos_order_without_links_and_temporaries() {
        let keys = ["a/b", "a-c", "a.d", "a0", "é/x", "b/c/d", "b/c-", "z"].map(String::from);
        let (dir, bucket, held) = bucket_with(&keys);
        assert_eq!(held.len(), keys.len());
        let root = dir.path().join("b-1250000000");
        fs::write(root.join("a/.cos-tmp-0123456789abcdef"), b"half").unwrap();
        std::os::unix::fs::symlink(root.join("z"), root.join("link")).unwrap();
        std::os::unix::fs::symlink(root.join("a"), root.join("linked-dir")).unwrap();
        assert_eq!(
            walk(&bucket, "", ""),
            ["a-c", "a.d", "a/b", "a0", "b/c-", "b/c/d", "z", "é/x"]
        );
        assert_eq!(walk(&bucket, "b/c", ""), ["b/c-", "b/c/d"]);
        assert_eq!(walk(&bucket, "b/c/", ""), ["b/c/d"]);
        assert_eq!(
            walk(&bucket, "", "a/b"),
            ["a0", "b/c-", "b/c/d", "z", "é/x"]
        );
        assert_eq!(
            walk(&bucket, "", "a/"),
            ["a/b", "a0", "b/c-", "b/c/d", "z", "é/x"]
        );
        assert!(walk(&bucket, "missing/", "").is_empty());
        assert!(walk(&bucket, "z/", "").is_empty());
        assert!(walk(&bucket, "linked-dir/", "").is_empty());
    }

    #[test]
    fn a_page_reads_only_the_directories_on_its_way() {
        let keys: Vec<String> = (0..40)
            .flat_map(|d| (0..25).map(move |k| format!("d{d:02}/k{k:02}")))
            .collect();
        let (_dir, bucket, held) = bucket_with(&keys);
        assert_eq!(held.len(), 1000);
        // From the middle: the bucket, the marker's directory and the next one.
        let mut page = bucket.keys_after("", "d20/k20").unwrap();
        let first: Vec<String> = page.by_ref().take(10).map(Result::unwrap).collect();
        assert_eq!(
            first[..5],
            ["d20/k21", "d20/k22", "d20/k23", "d20/k24", "d21/k00"]
        );
        assert_eq!(page.dirs_read(), 3);
        // Within a prefix: only its directory.
        let mut within = bucket.keys_after("d07/k1", "").unwrap();
        assert_eq!(within.next().unwrap().unwrap(), "d07/k10");
        assert_eq!(within.dirs_read(), 1);
        // Rolled up at `/`: one key of each directory, and the rest of it is not walked.
        let mut input = ListObjectsInput::default();
        input.delimiter = "/".into();
        let mut rolled = bucket.keys_after("", "").unwrap().rolling_up("/");
        let yielded: Vec<String> = rolled.by_ref().map(Result::unwrap).collect();
        assert_eq!(yielded.len(), 40);
        assert_eq!(rolled.dirs_read(), 41);
        let page = input.select(yielded.iter());
        assert_eq!(page.common_prefixes.len(), 40);
        assert_eq!(page.common_prefixes[3], "d03/");
    }

    #[test]
    fn a_big_directory_is_held_a_chunk_at_a_time() {
        let keys: Vec<String> = (0..100).map(|k| format!("flat/k{k:03}")).collect();
        let (_dir, bucket, held) = bucket_with(&keys);
        let mut walk = bucket
            .keys_after("flat/", "flat/k049")
            .unwrap()
            .in_chunks_of(10);
        let walked: Vec<String> = walk.by_ref().map(Result::unwrap).collect();
        assert_eq!(walked, held[50..]);
        // 50 keys, 10 at a time (the fifth read finds no more).
        assert_eq!(walk.dirs_read(), 5);
        // The default chunk holds a page and the key after it: one read.
        let mut page = bucket.keys_after("flat/", "").unwrap();
        assert_eq!(page.by_ref().take(100).count(), 100);
        assert_eq!(page.dirs_read(), 1);
    }

    /// Keys of a small alphabet with `-`, `.`, `/`, a digit, `~` and multi-byte characters,
    /// so that keys are often prefixes of each other's directories.
    fn key() -> impl Strategy<Value = String> {
        "[ab0~.é日/-]{1,7}".prop_filter("a key", |k| check_key(k).is_ok())
    }

    fn bound(from_keys: Vec<String>) -> impl Strategy<Value = String> {
        prop_oneof![
            "[ab0~.é日/-]{0,4}",
            (0..from_keys.len().max(1), 0usize..8).prop_map(move |(i, len)| {
                from_keys.get(i).map_or(String::new(), |k| {
                    k.char_indices()
                        .map(|(at, c)| &k[..at + c.len_utf8()])
                        .nth(len)
                        .unwrap_or(k)
                        .to_owned()
                })
            }),
        ]
    }

    fn case() -> impl Strategy<Value = (Vec<String>, String, String, String, usize, usize)> {
        prop::collection::vec(key(), 0..24).prop_flat_map(|keys| {
            let delimiter = prop_oneof![Just(""), Just("/"), Just("-"), Just("é")];
            (
                Just(keys.clone()),
                bound(keys.clone()),
                bound(keys),
                delimiter.prop_map(str::to_owned),
                0usize..6,
                prop_oneof![1usize..4, Just(CHUNK)],
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn the_walk_is_the_sorted_keys_after_the_marker_within_the_prefix(
            (keys, prefix, marker, delimiter, max_keys, chunk) in case()
        ) {
            let (_dir, bucket, held) = bucket_with(&keys);
            let expected: Vec<&String> = held
                .iter()
                .filter(|k| k.starts_with(&prefix) && k.as_str() > marker.as_str())
                .collect();
            let walked: Vec<String> = bucket
                .keys_after(&prefix, &marker)
                .unwrap()
                .in_chunks_of(chunk)
                .collect::<io::Result<_>>()
                .unwrap();
            prop_assert_eq!(walked.iter().collect::<Vec<_>>(), expected);
            // Rolled up, a page is the page of all the sorted keys.
            let mut input = ListObjectsInput::default();
            input.prefix.clone_from(&prefix);
            input.delimiter.clone_from(&delimiter);
            input.marker.clone_from(&marker);
            input.max_keys = max_keys;
            let rolled = bucket.keys_after(&prefix, &marker).unwrap().in_chunks_of(chunk);
            let rolled = rolled.rolling_up(&delimiter);
            let rolled: Vec<String> = rolled.collect::<io::Result<_>>().unwrap();
            prop_assert_eq!(input.select(rolled.iter()), input.select(held.iter()));
            // And all pages, marker after marker, are the keys once each.
            let mut paged = input.clone();
            paged.max_keys = max_keys.max(1);
            let (mut listed, mut prefixes) = (Vec::new(), Vec::new());
            loop {
                let walk = bucket.keys_after(&paged.prefix, &paged.marker).unwrap();
                let walk = walk.in_chunks_of(chunk);
                let keys: Vec<String> =
                    walk.rolling_up(&delimiter).collect::<io::Result<_>>().unwrap();
                let page = paged.select(keys.into_iter());
                listed.extend(page.keys);
                prefixes.extend(page.common_prefixes);
                match page.next_marker {
                    Some(next) if page.is_truncated => paged.marker = next,
                    _ => break,
                }
            }
            let mut all = input.clone();
            all.max_keys = usize::MAX;
            let whole = all.select(held.iter());
            prop_assert_eq!(listed.iter().collect::<Vec<_>>(), whole.keys);
            prop_assert_eq!(prefixes, whole.common_prefixes);
        }
    }
}
