//! `ObjectSender` and `Chunks`: the two ends of the queue that carries a PUT Object's body
//! from the connection (which reads it, [`BodyBudget::stream_object`](super::BodyBudget::stream_object))
//! to the blocking thread that writes it into the storage layer.
//!
//! The queue holds at most [`QUEUE`] chunks of at most [`CHUNK`] bytes; each chunk carries
//! its share of the body budget, given back when the writer drops it (after writing it). The
//! body is whole only when the writer receives [`Received::End`]: a queue closed without it
//! ([`Received::Cut`]: the body failed, was too large or too slow, or the connection went
//! away) means the writer must not make anything visible.

use bytes::Bytes;
use tokio::sync::OwnedSemaphorePermit;
use tokio::sync::mpsc;

/// The largest chunk passed to the writer.
pub(crate) const CHUNK: usize = 128 * 1024;

/// How many chunks may wait for the writer.
pub(crate) const QUEUE: usize = 3;

/// What passes through the queue.
enum Piece {
    Data(Chunk),
    End,
}

/// A chunk of the body and its share of the budget (given back when it is dropped).
#[derive(Debug)]
pub(crate) struct Chunk {
    bytes: Bytes,
    _share: OwnedSemaphorePermit,
}

impl std::ops::Deref for Chunk {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

/// What the writer received next.
#[derive(Debug)]
pub(crate) enum Received {
    /// The next chunk of the body.
    Chunk(Chunk),
    /// The body ended whole.
    End,
    /// The body will not be whole: write nothing.
    Cut,
}

/// The reading end's side of the queue.
#[derive(Debug)]
pub(crate) struct ObjectSender(mpsc::Sender<Piece>);

impl std::fmt::Debug for Piece {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Data(c) => write!(f, "Data({} bytes)", c.bytes.len()),
            Self::End => f.write_str("End"),
        }
    }
}

impl ObjectSender {
    /// Queues a chunk (waiting while the queue is full); `false` when the writer stopped.
    pub(crate) async fn send(&self, bytes: Bytes, share: OwnedSemaphorePermit) -> bool {
        let chunk = Chunk {
            bytes,
            _share: share,
        };
        self.0.send(Piece::Data(chunk)).await.is_ok()
    }

    /// Tells the writer the body ended whole.
    pub(crate) async fn finish(self) {
        // A writer that stopped has its answer already.
        let _ = self.0.send(Piece::End).await;
    }
}

/// The writer's side of the queue (blocking: used on a blocking thread).
#[derive(Debug)]
pub(crate) struct Chunks(mpsc::Receiver<Piece>);

impl Chunks {
    /// Waits for the next chunk, the end, or the cut.
    pub(crate) fn recv(&mut self) -> Received {
        match self.0.blocking_recv() {
            Some(Piece::Data(chunk)) => Received::Chunk(chunk),
            Some(Piece::End) => Received::End,
            None => Received::Cut,
        }
    }
}

/// A new queue.
pub(crate) fn channel() -> (ObjectSender, Chunks) {
    let (tx, rx) = mpsc::channel(QUEUE);
    (ObjectSender(tx), Chunks(rx))
}
