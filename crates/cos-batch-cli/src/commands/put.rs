//! `cos-batch put FILE cos://bucket/key`: PUT Object of a local file, and the upload every
//! workflow command shares.

use std::path::Path;

use cos_batch_hyper::Client;
use cos_batch_hyper::object::PutObjectInput;
use serde::Serialize;

use crate::cli::OutputFormat;
use crate::cos_url::CosUrl;
use crate::failure::Failure;
use crate::output;

/// What was uploaded.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Uploaded {
    /// `cos://bucket/key`.
    pub url: String,
    /// The quoted ETag COS gave.
    #[serde(rename = "ETag")]
    pub etag: String,
}

/// Uploads `file` to `to` with PUT Object (its Content-MD5 checked by the service); returns
/// the ETag.
pub async fn upload(client: &Client, file: &Path, to: &CosUrl) -> Result<String, Failure> {
    let bucket = client.bucket(&to.bucket).map_err(Failure::usage)?;
    let etag = bucket
        .put_object_file(&PutObjectInput::new(to.key.clone()), file)
        .await?;
    if etag.is_empty() {
        return Err(Failure::Transport(format!(
            "PUT Object of {to} answered without an ETag"
        )));
    }
    Ok(etag)
}

/// Run `put`.
pub async fn run(
    client: &Client,
    file: &Path,
    to: &str,
    format: OutputFormat,
) -> Result<(), Failure> {
    let to = CosUrl::parse_object(to)?;
    let etag = upload(client, file, &to).await?;
    let done = Uploaded {
        url: to.to_string(),
        etag,
    };
    output::emit(format, &done, || {
        output::fields(&[
            ("Url", Some(done.url.clone())),
            ("ETag", Some(done.etag.clone())),
        ])
    })
}
