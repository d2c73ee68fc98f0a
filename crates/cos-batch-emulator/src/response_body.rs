//! `ResponseBody`: what a response carries: bytes made in memory (every batch answer, error
//! documents, listings), or an object's file streamed in chunks by GET Object, so a GET holds
//! at most one chunk in memory whatever the object's (or the range's) size.

use std::fs::File;
use std::io::{self, Read};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Frame, SizeHint};
use tokio::task::JoinHandle;

/// The most a streamed file holds in memory at once.
pub(crate) const FILE_CHUNK: u64 = 64 * 1024;

/// A response body.
#[derive(Debug)]
pub(crate) enum ResponseBody {
    /// Bytes in memory.
    Full(Full<Bytes>),
    /// A file, streamed.
    File(FileBody),
}

impl From<Bytes> for ResponseBody {
    fn from(bytes: Bytes) -> Self {
        Self::Full(Full::new(bytes))
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            Self::Full(full) => Pin::new(full)
                .poll_frame(cx)
                .map_err(|never| match never {}),
            Self::File(file) => Pin::new(file).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Self::Full(full) => full.is_end_stream(),
            Self::File(file) => file.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Full(full) => full.size_hint(),
            Self::File(file) => file.size_hint(),
        }
    }
}

/// `len` bytes of an open file from its current position, read in chunks of [`FILE_CHUNK`] on
/// the blocking threads. A file shorter than promised ends the body with an error (the
/// connection is closed: the client sees a short body, never wrong bytes).
#[derive(Debug)]
pub(crate) struct FileBody {
    left: u64,
    state: FileState,
}

#[derive(Debug)]
enum FileState {
    Idle(Option<File>),
    Reading(JoinHandle<(File, io::Result<Vec<u8>>)>),
    Failed,
}

impl FileBody {
    /// Streams `len` bytes of `file` from where it is.
    pub(crate) fn new(file: File, len: u64) -> Self {
        Self {
            left: len,
            state: FileState::Idle(Some(file)),
        }
    }
}

impl Body for FileBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                FileState::Failed => return Poll::Ready(None),
                FileState::Idle(file) => {
                    if this.left == 0 {
                        return Poll::Ready(None);
                    }
                    let Some(file) = file.take() else {
                        return Poll::Ready(None);
                    };
                    let chunk = this.left.min(FILE_CHUNK);
                    this.state = FileState::Reading(tokio::task::spawn_blocking(move || {
                        let mut buffer = Vec::with_capacity(usize::try_from(chunk).unwrap_or(0));
                        let read = (&file).take(chunk).read_to_end(&mut buffer).map(|_| buffer);
                        (file, read)
                    }));
                }
                FileState::Reading(reading) => {
                    let (file, read) = match Pin::new(reading).poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Ok(done)) => done,
                        Poll::Ready(Err(e)) => {
                            this.state = FileState::Failed;
                            return Poll::Ready(Some(Err(io::Error::other(e))));
                        }
                    };
                    match read {
                        Ok(bytes) if !bytes.is_empty() => {
                            this.left = this.left.saturating_sub(bytes.len() as u64);
                            this.state = FileState::Idle(Some(file));
                            return Poll::Ready(Some(Ok(Frame::data(Bytes::from(bytes)))));
                        }
                        Ok(_) => {
                            this.state = FileState::Failed;
                            return Poll::Ready(Some(Err(io::Error::new(
                                io::ErrorKind::UnexpectedEof,
                                "the object's file is shorter than its size",
                            ))));
                        }
                        Err(e) => {
                            this.state = FileState::Failed;
                            return Poll::Ready(Some(Err(e)));
                        }
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0 || matches!(self.state, FileState::Failed)
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use std::io::{Seek, SeekFrom, Write};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_file_is_streamed_in_chunks() {
        let mut file = tempfile::tempfile().unwrap();
        let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        file.write_all(&content).unwrap();
        file.seek(SeekFrom::Start(10)).unwrap();
        let mut body = FileBody::new(file, 150_000);
        assert_eq!(body.size_hint().exact(), Some(150_000));
        let mut got = Vec::new();
        let mut frames = 0;
        while let Some(frame) = body.frame().await {
            let data = frame.unwrap().into_data().unwrap();
            assert!(data.len() as u64 <= FILE_CHUNK);
            got.extend_from_slice(&data);
            frames += 1;
        }
        assert_eq!(frames, 3);
        assert_eq!(got, content[10..150_010]);
        assert!(body.is_end_stream());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_short_file_ends_with_an_error() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(b"short").unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        let collected = ResponseBody::File(FileBody::new(file, 10)).collect().await;
        assert_eq!(collected.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
    }
}
