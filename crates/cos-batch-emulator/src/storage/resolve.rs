//! Opening a relative path below an open directory so that no symbolic link and no `..` is
//! followed, checked by the kernel at the moment of the open (not by a `stat` before it).
//!
//! - On Linux 5.6 and later: one `openat2` with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`; a
//!   symbolic link anywhere on the path (the last component included) fails with `ELOOP`, an
//!   escape with `EXDEV`.
//! - Elsewhere, or when `openat2` is `ENOSYS` (an older kernel, or a seccomp filter that does
//!   not know it; remembered for the process) or `EPERM` (an older seccomp filter; for that
//!   call): a walk, one `openat(O_DIRECTORY | O_NOFOLLOW)`
//!   per directory on the way and `openat(O_NOFOLLOW)` for the last component. It is as safe
//!   (each step refuses a link at the moment it opens it) but costs one syscall per component.
//!
//! The paths given here are made of checked key segments (no `.`, `..` or empty segment), but
//! both ways refuse them anyway.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
#[cfg(any(target_os = "linux", target_os = "android"))]
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::fs::{Mode, OFlags};

/// Whether `openat2` answered `ENOSYS` once: the walk is used from then on.
#[cfg(any(target_os = "linux", target_os = "android"))]
static NO_OPENAT2: AtomicBool = AtomicBool::new(false);

/// The errors that mean "a symbolic link or an escape was refused".
pub(crate) fn is_link_refusal(e: &io::Error) -> bool {
    matches!(
        rustix::io::Errno::from_io_error(e),
        Some(rustix::io::Errno::LOOP | rustix::io::Errno::XDEV | rustix::io::Errno::MLINK)
    )
}

/// Opens `path` (`/`-separated plain names) below `dir` with `flags` (`O_CLOEXEC` is added),
/// refusing symbolic links and `..` anywhere on the way: a link is `ELOOP` (with `openat2`;
/// the walk may answer `ENOTDIR` for a link where a directory is expected), `..` `EXDEV`.
pub(crate) fn open_beneath(dir: impl AsFd, path: &str, flags: OFlags) -> io::Result<OwnedFd> {
    // Not `O_NOFOLLOW` here: with `O_DIRECTORY` it makes a link `ENOTDIR`, where
    // `RESOLVE_NO_SYMLINKS` says `ELOOP`.
    let flags = flags | OFlags::CLOEXEC;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if !NO_OPENAT2.load(Ordering::Relaxed) {
        use rustix::fs::ResolveFlags;
        let resolve =
            ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
        // `EAGAIN`: a rename raced the lookup; the kernel asks for a retry.
        // `openat2` refuses a mode without `O_CREAT`.
        let mode = if flags.contains(OFlags::CREATE) {
            Mode::from_raw_mode(0o666)
        } else {
            Mode::empty()
        };
        for _ in 0..8 {
            match rustix::fs::openat2(dir.as_fd(), path, flags, mode, resolve) {
                Err(rustix::io::Errno::AGAIN) => continue,
                Err(rustix::io::Errno::NOSYS) => {
                    NO_OPENAT2.store(true, Ordering::Relaxed);
                    break;
                }
                // What an older seccomp filter answers for a system call it does not know (an
                // open itself is refused with `EACCES`): the walk answers for this call.
                Err(rustix::io::Errno::PERM) => return open_by_walk(dir, path, flags),
                other => return other.map_err(io::Error::from),
            }
        }
        if !NO_OPENAT2.load(Ordering::Relaxed) {
            return Err(io::Error::from(rustix::io::Errno::AGAIN));
        }
    }
    open_by_walk(dir, path, flags)
}

/// [`open_beneath`] one component at a time (the way without `openat2`).
pub(crate) fn open_by_walk(dir: impl AsFd, path: &str, flags: OFlags) -> io::Result<OwnedFd> {
    let flags = flags | OFlags::CLOEXEC | OFlags::NOFOLLOW;
    let mut parts = path.split('/').peekable();
    let mut at: Option<OwnedFd> = None;
    while let Some(part) = parts.next() {
        if part.is_empty() || part == "." || part == ".." {
            return Err(io::Error::from(rustix::io::Errno::XDEV));
        }
        let base = match &at {
            Some(fd) => fd.as_fd(),
            None => dir.as_fd(),
        };
        let step_flags = if parts.peek().is_some() {
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW
        } else {
            flags
        };
        let fd = rustix::fs::openat(base, part, step_flags, Mode::from_raw_mode(0o666))?;
        at = Some(fd);
    }
    at.ok_or_else(|| io::Error::from(rustix::io::Errno::NOENT))
}

/// Opens the directory `path` below `dir`, making the directories that are missing (each
/// `mkdirat` relative to its opened parent, so a link swapped in is never followed).
pub(crate) fn open_dir_creating(dir: impl AsFd, path: &str) -> io::Result<OwnedFd> {
    let dir_flags = OFlags::RDONLY | OFlags::DIRECTORY;
    match open_beneath(dir.as_fd(), path, dir_flags) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        other => return other,
    }
    let mut at: Option<OwnedFd> = None;
    for part in path.split('/') {
        let base = match &at {
            Some(fd) => fd.as_fd(),
            None => dir.as_fd(),
        };
        match rustix::fs::mkdirat(base, part, Mode::from_raw_mode(0o777)) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => {}
            Err(e) => return Err(e.into()),
        }
        let fd = open_beneath(base, part, dir_flags)?;
        at = Some(fd);
    }
    at.ok_or_else(|| io::Error::from(rustix::io::Errno::NOENT))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    /// `inside/a/b/c` is a file; `outside/secret` too. Returns the open `inside` directory.
    fn tree() -> (tempfile::TempDir, OwnedFd) {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir_all(root.path().join("inside/a/b")).unwrap();
        fs::write(root.path().join("inside/a/b/c"), b"in").unwrap();
        fs::create_dir_all(root.path().join("outside/b")).unwrap();
        fs::write(root.path().join("outside/secret"), b"out").unwrap();
        fs::write(root.path().join("outside/b/c"), b"out").unwrap();
        let dir = rustix::fs::open(
            root.path().join("inside"),
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .unwrap();
        (root, dir)
    }

    fn both(dir: &OwnedFd, path: &str) -> [io::Result<OwnedFd>; 2] {
        [
            open_beneath(dir, path, OFlags::RDONLY),
            open_by_walk(dir, path, OFlags::RDONLY),
        ]
    }

    #[test]
    fn plain_paths_open() {
        let (_root, dir) = tree();
        for opened in both(&dir, "a/b/c") {
            let mut file = fs::File::from(opened.unwrap());
            let mut text = String::new();
            std::io::Read::read_to_string(&mut file, &mut text).unwrap();
            assert_eq!(text, "in");
        }
    }

    #[test]
    fn a_link_at_each_position_is_refused() {
        let (root, dir) = tree();
        let inside = root.path().join("inside");
        let outside = root.path().join("outside");
        // A link as the first directory, as an inner directory, and as the file itself.
        symlink(&outside, inside.join("first")).unwrap();
        symlink(&outside, inside.join("a/inner")).unwrap();
        symlink(outside.join("secret"), inside.join("a/b/last")).unwrap();
        // A link to a place inside is refused too: no link is followed at all.
        symlink(inside.join("a"), inside.join("a/b/back")).unwrap();
        for path in ["first/secret", "a/inner/b/c", "a/b/last", "a/b/back/b/c"] {
            for opened in both(&dir, path) {
                let e = opened.unwrap_err();
                assert!(
                    is_link_refusal(&e) || e.kind() == io::ErrorKind::NotADirectory,
                    "{path}: {e:?}"
                );
            }
        }
    }

    #[test]
    fn dot_dot_and_absolute_paths_are_refused() {
        let (_root, dir) = tree();
        for path in ["../outside/secret", "a/../../outside/secret", "a/./b/c"] {
            assert!(open_by_walk(&dir, path, OFlags::RDONLY).is_err(), "{path}");
        }
        for path in ["../outside/secret", "a/../../outside/secret", "/etc/passwd"] {
            let e = open_beneath(&dir, path, OFlags::RDONLY).unwrap_err();
            assert!(is_link_refusal(&e), "{path}: {e:?}");
        }
    }

    #[test]
    fn directories_are_made_on_the_way_but_not_through_links() {
        let (root, dir) = tree();
        open_dir_creating(&dir, "a/new/deeper").unwrap();
        assert!(root.path().join("inside/a/new/deeper").is_dir());
        symlink(root.path().join("outside"), root.path().join("inside/link")).unwrap();
        let e = open_dir_creating(&dir, "link/made").unwrap_err();
        assert!(is_link_refusal(&e), "{e:?}");
        assert!(!root.path().join("outside/made").exists());
    }
}
