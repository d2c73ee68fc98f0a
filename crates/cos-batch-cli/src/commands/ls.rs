//! `cos-batch ls cos://bucket[/prefix]`: every object under the prefix, page by page (one
//! page held at a time), printed as it arrives.

use std::io::Write as _;

use cos_batch_hyper::Client;
use cos_batch_hyper::object::ListObjectsInput;
use futures_util::TryStreamExt as _;

use crate::cli::OutputFormat;
use crate::cos_url::CosUrl;
use crate::failure::Failure;
use crate::terminal::printable;

/// Run `ls`: a table (`size  last-modified  key`) or JSON Lines (`Key`, `Size`,
/// `LastModified`, `ETag`, `StorageClass`).
pub async fn run(client: &Client, url: &str, format: OutputFormat) -> Result<(), Failure> {
    let url = CosUrl::parse(url)?;
    let bucket = client.bucket(&url.bucket).map_err(Failure::usage)?;
    let mut input = ListObjectsInput::default();
    input.prefix = url.key.clone();
    let mut objects = std::pin::pin!(bucket.list_objects_stream(input));
    let mut out = std::io::stdout().lock();
    while let Some(o) = objects.try_next().await? {
        let line = match format {
            OutputFormat::Table => format!("{:>12}  {}  {}", o.size, o.last_modified, o.key),
            OutputFormat::Json => serde_json::json!({
                "Key": o.key,
                "Size": o.size,
                "LastModified": o.last_modified,
                "ETag": o.etag,
                "StorageClass": o.storage_class,
            })
            .to_string(),
        };
        writeln!(out, "{}", printable(&line))
            .map_err(|e| Failure::local(format!("cannot write: {e}")))?;
    }
    Ok(())
}
