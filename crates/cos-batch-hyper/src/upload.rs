//! `UploadBody`: the body of a request the client sends, in memory or a file on disk that is
//! read as it is sent (PUT Object of a large file, [`crate::Bucket::put_object_file`]).

use std::io;
use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};
use cos_batch_proto::object::ContentMd5;
use futures_core::Stream;

/// How much of a file is read at a time, to hash it or to send it.
pub(crate) const FILE_CHUNK: usize = 64 * 1024;

/// The body of a request: bytes in memory, or the first `len` bytes of a file, read as they
/// are sent (and read again from the start for each attempt).
///
/// An [`HttpTransport`](crate::HttpTransport) gets a file body through
/// [`HttpTransport::send_upload`](crate::HttpTransport::send_upload); its default reads the
/// file into memory and calls `send`, [`HyperTransport`](crate::HyperTransport) streams it.
///
/// ```
/// use cos_batch_hyper::UploadBody;
/// let body = UploadBody::from(bytes::Bytes::from_static(b"hello"));
/// assert_eq!(body.len(), 5);
/// let file = UploadBody::file("manifest.csv", 1024);
/// assert_eq!(file.len(), 1024);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum UploadBody {
    /// Bytes in memory.
    Bytes(Bytes),
    /// The first `len` bytes of the file at `path`; a file that turns out shorter fails the
    /// send (`UnexpectedEof`).
    File {
        /// The file.
        path: PathBuf,
        /// How many of its bytes are sent (the request's `Content-Length`).
        len: u64,
    },
}

impl From<Bytes> for UploadBody {
    fn from(bytes: Bytes) -> Self {
        Self::Bytes(bytes)
    }
}

impl UploadBody {
    /// The first `len` bytes of the file at `path`.
    pub fn file(path: impl Into<PathBuf>, len: u64) -> Self {
        Self::File {
            path: path.into(),
            len,
        }
    }

    /// Its length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Self::Bytes(b) => b.len() as u64,
            Self::File { len, .. } => *len,
        }
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The whole body in memory (a file is read; on a blocking thread).
    pub async fn into_bytes(self) -> io::Result<Bytes> {
        match self {
            Self::Bytes(b) => Ok(b),
            Self::File { path, len } => tokio::task::spawn_blocking(move || {
                use std::io::Read;
                let mut bytes = Vec::new();
                std::fs::File::open(&path)?
                    .take(len)
                    .read_to_end(&mut bytes)?;
                if (bytes.len() as u64) < len {
                    return Err(shorter(&path, len));
                }
                Ok(Bytes::from(bytes))
            })
            .await
            .unwrap_or_else(|e| Err(io::Error::other(e.to_string()))),
        }
    }
}

/// The error of a file shorter than the length it was sent with.
fn shorter(path: &Path, len: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!(
            "{} became shorter than {len} bytes while it was sent",
            path.display()
        ),
    )
}

/// The first `len` bytes of the file at `path`, [`FILE_CHUNK`] at a time (one chunk held).
pub(crate) fn file_chunks(
    path: PathBuf,
    len: u64,
) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
    use tokio::io::AsyncReadExt;
    struct Read {
        path: PathBuf,
        file: Option<tokio::fs::File>,
        left: u64,
        len: u64,
    }
    let state = Read {
        path,
        file: None,
        left: len,
        len,
    };
    futures_util::stream::unfold(state, |mut state| async move {
        if state.left == 0 {
            return None;
        }
        let file = match state.file.as_mut() {
            Some(file) => file,
            None => match tokio::fs::File::open(&state.path).await {
                Ok(file) => state.file.insert(file),
                Err(e) => {
                    state.left = 0;
                    return Some((Err(e), state));
                }
            },
        };
        let want = usize::try_from(state.left).map_or(FILE_CHUNK, |l| l.min(FILE_CHUNK));
        let mut chunk = BytesMut::zeroed(want);
        match file.read(&mut chunk).await {
            Ok(0) => {
                state.left = 0;
                let e = shorter(&state.path, state.len);
                Some((Err(e), state))
            }
            Ok(n) => {
                chunk.truncate(n);
                state.left -= n as u64;
                Some((Ok(chunk.freeze()), state))
            }
            Err(e) => {
                state.left = 0;
                Some((Err(e), state))
            }
        }
    })
}

/// The length and MD5 of the file at `path`, read once [`FILE_CHUNK`] at a time (on a
/// blocking thread).
pub(crate) async fn digest_file(path: &Path) -> io::Result<(u64, [u8; 16])> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut file = std::fs::File::open(&path)?;
        let mut md5 = ContentMd5::new();
        let mut buffer = vec![0; FILE_CHUNK];
        loop {
            match file.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => md5.update(buffer.get(..n).unwrap_or_default()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok((md5.len(), md5.finish()))
    })
    .await
    .unwrap_or_else(|e| Err(io::Error::other(e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;

    #[tokio::test]
    async fn files_are_read_in_chunks_and_a_shorter_file_fails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let bytes: Vec<u8> = (0..FILE_CHUNK * 2 + 10).map(|i| i as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let (len, md5) = digest_file(&path).await.unwrap();
        assert_eq!(len, bytes.len() as u64);
        let mut whole = ContentMd5::new();
        whole.update(&bytes);
        assert_eq!(md5, whole.finish());
        let chunks: Vec<Bytes> = file_chunks(path.clone(), len).try_collect().await.unwrap();
        assert_eq!(
            chunks.iter().map(Bytes::len).collect::<Vec<_>>(),
            [FILE_CHUNK, FILE_CHUNK, 10]
        );
        assert_eq!(chunks.concat(), bytes);
        // Only the first `len` bytes.
        let first: Vec<Bytes> = file_chunks(path.clone(), 3).try_collect().await.unwrap();
        assert_eq!(first.concat(), &bytes[..3]);
        let read = UploadBody::file(&path, 3).into_bytes().await.unwrap();
        assert_eq!(read, &bytes[..3]);
        // A file shorter than its length.
        let longer = len + 1;
        let e = file_chunks(path.clone(), longer)
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        let e = UploadBody::file(&path, longer)
            .into_bytes()
            .await
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        let e = digest_file(&dir.path().join("missing")).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
    }
}
