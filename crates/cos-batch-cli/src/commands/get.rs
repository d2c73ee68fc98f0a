//! `cos-batch get cos://bucket/key [FILE]`: GET Object chunk by chunk (ranged GETs), to a
//! file or standard output.

use std::io::Write;
use std::path::Path;

use cos_batch_hyper::{Client, DEFAULT_CHUNK_SIZE};
use futures_util::TryStreamExt as _;

use crate::cos_url::CosUrl;
use crate::failure::Failure;

/// Run `get`.
pub async fn run(client: &Client, from: &str, file: Option<&Path>) -> Result<(), Failure> {
    let from = CosUrl::parse_object(from)?;
    let bucket = client.bucket(&from.bucket).map_err(Failure::usage)?;
    let to_stdout = file.is_none_or(|f| f == Path::new("-"));
    let mut out: Box<dyn Write> = match file {
        Some(path) if !to_stdout => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| Failure::local(format!("cannot create {}: {e}", path.display())))?,
        )),
        _ => Box::new(std::io::stdout().lock()),
    };
    let mut chunks = std::pin::pin!(bucket.get_object_chunks(&from.key, DEFAULT_CHUNK_SIZE));
    while let Some(chunk) = chunks.try_next().await? {
        out.write_all(&chunk)
            .map_err(|e| Failure::local(format!("cannot write: {e}")))?;
    }
    out.flush()
        .map_err(|e| Failure::local(format!("cannot write: {e}")))
}
