//! `cos-batch get cos://bucket/key [FILE]`: GET Object chunk by chunk (ranged GETs), to a
//! file or standard output.
//!
//! A file is written whole or not at all: the object goes to a temporary file beside it
//! (`.cos-batch-get-*`), renamed over `FILE` once every chunk arrived. A failed read or Ctrl-C
//! leaves `FILE` as it was and removes the temporary file.

use std::io::Write;
use std::path::Path;

use cos_batch_hyper::{Client, DEFAULT_CHUNK_SIZE, Error};
use futures_util::{Stream, TryStreamExt as _};

use crate::cos_url::CosUrl;
use crate::failure::Failure;
use crate::interrupt::unless_interrupted;

/// Run `get`.
pub async fn run(client: &Client, from: &str, file: Option<&Path>) -> Result<(), Failure> {
    let from = CosUrl::parse_object(from)?;
    let bucket = client.bucket(&from.bucket).map_err(Failure::usage)?;
    let chunks = bucket.get_object_chunks(&from.key, DEFAULT_CHUNK_SIZE);
    match file.filter(|f| *f != Path::new("-")) {
        None => copy(chunks, &mut std::io::stdout().lock()).await,
        Some(path) => {
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let cannot_create = |e: std::io::Error| {
                Failure::local(format!("cannot create {}: {e}", path.display()))
            };
            let mut temp = tempfile::Builder::new()
                .prefix(".cos-batch-get-")
                .tempfile_in(dir)
                .map_err(cannot_create)?;
            unless_interrupted("downloading the object", async {
                copy(chunks, &mut std::io::BufWriter::new(temp.as_file_mut())).await
            })
            .await?;
            temp.persist(path).map_err(|e| cannot_create(e.error))?;
            Ok(())
        }
    }
}

/// Writes every chunk of `chunks` to `out`.
async fn copy(
    chunks: impl Stream<Item = Result<impl AsRef<[u8]>, Error>>,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let mut chunks = std::pin::pin!(chunks);
    let cannot_write = |e: std::io::Error| Failure::local(format!("cannot write: {e}"));
    while let Some(chunk) = chunks.try_next().await? {
        out.write_all(chunk.as_ref()).map_err(cannot_write)?;
    }
    out.flush().map_err(cannot_write)
}
