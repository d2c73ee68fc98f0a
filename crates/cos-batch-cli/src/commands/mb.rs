//! `cos-batch mb cos://bucket`: PUT Bucket.

use cos_batch_hyper::Client;

use crate::cli::OutputFormat;
use crate::cos_url::CosUrl;
use crate::failure::Failure;
use crate::output;

/// Run `mb`.
pub async fn run(client: &Client, url: &str, format: OutputFormat) -> Result<(), Failure> {
    let url = CosUrl::parse(url)?;
    if !url.key.is_empty() {
        return Err(Failure::usage(format!(
            "mb takes a bucket, cos://name-appid, not an object ({url})"
        )));
    }
    let bucket = client.bucket(&url.bucket).map_err(Failure::usage)?;
    bucket.put_bucket().await?;
    let made = serde_json::json!({ "Bucket": url.bucket });
    output::emit(format, &made, || format!("made bucket {}", url.bucket))
}
