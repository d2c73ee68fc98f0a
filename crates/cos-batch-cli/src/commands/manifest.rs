//! `cos-batch manifest`: a `COSBatchOperations_CSV_V1` manifest from a bucket listing (with
//! filters) or a local file of keys, written to a temporary file while the listing streams
//! (one page in memory), then uploaded with PUT Object.

use std::io::BufRead as _;
use std::path::Path;

use cos_batch_hyper::Client;
use cos_batch_hyper::object::{ListObjectsInput, ListedObject};
use cos_batch_model::{Manifest, ManifestField, ManifestFormat, ManifestLocation, ManifestSpec};
use futures_util::TryStreamExt as _;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cli::{ManifestArgs, ManifestSourceArgs, OutputFormat};
use crate::commands::put::upload;
use crate::cos_url::CosUrl;
use crate::failure::Failure;
use crate::interrupt::unless_interrupted;
use crate::key_glob::KeyGlob;
use crate::manifest_csv::ManifestFile;
use crate::output;

/// An uploaded manifest, ready for CreateJob.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Uploaded {
    /// The `Manifest` element (Spec and Location).
    pub manifest: Manifest,
    /// Where it is: `cos://bucket/key`.
    pub url: String,
    /// Its rows (tasks), when it was built here (not for a ready `--manifest-file`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
}

/// What a listed object must be to get a row.
struct Filters {
    glob: Option<KeyGlob>,
    min_size: Option<u64>,
    max_size: Option<u64>,
    before: Option<OffsetDateTime>,
    after: Option<OffsetDateTime>,
    classes: Vec<String>,
}

impl Filters {
    fn new(args: &ManifestSourceArgs) -> Self {
        Self {
            glob: args.glob.as_deref().map(KeyGlob::new),
            min_size: args.min_size,
            max_size: args.max_size,
            before: args.modified_before,
            after: args.modified_after,
            classes: args
                .source_storage_classes
                .iter()
                .map(|c| c.to_ascii_uppercase())
                .collect(),
        }
    }

    fn key(&self, key: &str) -> bool {
        self.glob.as_ref().is_none_or(|g| g.matches(key))
    }

    fn object(&self, o: &ListedObject) -> bool {
        let modified = || OffsetDateTime::parse(&o.last_modified, &Rfc3339).ok();
        self.key(&o.key)
            && self.min_size.is_none_or(|min| o.size >= min)
            && self.max_size.is_none_or(|max| o.size <= max)
            && self
                .before
                .is_none_or(|t| modified().is_some_and(|m| m < t))
            && self
                .after
                .is_none_or(|t| modified().is_some_and(|m| m >= t))
            && (self.classes.is_empty()
                || self.classes.contains(&o.storage_class.to_ascii_uppercase()))
    }
}

/// Writes the manifest `source` describes to a temporary file.
pub async fn write(client: &Client, source: &ManifestSourceArgs) -> Result<ManifestFile, Failure> {
    let filters = Filters::new(source);
    let mut file = ManifestFile::new()?;
    match (&source.keys_file, &source.bucket) {
        (Some(keys), bucket) => from_keys_file(keys, bucket.as_deref(), &filters, &mut file)?,
        (None, Some(bucket)) => {
            let listed = client.bucket(bucket).map_err(Failure::usage)?;
            let mut input = ListObjectsInput::default();
            input.prefix = source.prefix.clone();
            let mut objects = std::pin::pin!(listed.list_objects_stream(input));
            while let Some(o) = objects.try_next().await? {
                if filters.object(&o) {
                    file.push(bucket, &o.key, None)?;
                }
            }
        }
        (None, None) => {
            return Err(Failure::usage(
                "a manifest lists a bucket (--bucket) or a file of keys (--keys-file)",
            ));
        }
    }
    file.finish()?;
    if file.rows() == 0 {
        return Err(Failure::usage(
            "no object matched: the manifest would be empty, so nothing was uploaded",
        ));
    }
    Ok(file)
}

/// Rows from a file of keys: one key a line (with `bucket`), or `bucket,key` CSV rows for a
/// `.csv` file.
fn from_keys_file(
    path: &Path,
    bucket: Option<&str>,
    filters: &Filters,
    file: &mut ManifestFile,
) -> Result<(), Failure> {
    let unreadable =
        |e: &dyn std::fmt::Display| Failure::local(format!("cannot read {}: {e}", path.display()));
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_path(path)
            .map_err(|e| unreadable(&e))?;
        let mut record = csv::StringRecord::new();
        let mut line = 0u64;
        while reader
            .read_record(&mut record)
            .map_err(|e| unreadable(&e))?
        {
            line += 1;
            match (record.get(0), record.get(1), record.len()) {
                (Some(b), Some(k), 2) if !b.is_empty() && !k.is_empty() => {
                    if filters.key(k) {
                        file.push(b, k, None)?;
                    }
                }
                _ => {
                    return Err(Failure::usage(format!(
                        "{} row {line}: expected bucket,key",
                        path.display()
                    )));
                }
            }
        }
        return Ok(());
    }
    let bucket = bucket.ok_or_else(|| {
        Failure::usage("a plain --keys-file (one key a line) needs --bucket; a .csv file names the bucket of each row")
    })?;
    let reader = std::io::BufReader::new(std::fs::File::open(path).map_err(|e| unreadable(&e))?);
    for line in reader.lines() {
        let line = line.map_err(|e| unreadable(&e))?;
        let key = line.strip_suffix('\r').unwrap_or(&line);
        if !key.is_empty() && filters.key(key) {
            file.push(bucket, key, None)?;
        }
    }
    Ok(())
}

/// The `Manifest` element of a `bucket,key` manifest at `arn` with `etag`.
pub fn element(arn: String, etag: String) -> Manifest {
    Manifest::new(
        ManifestLocation::new(arn, etag),
        ManifestSpec::new(
            ManifestFormat::CosBatchOperationsCsvV1,
            vec![ManifestField::Bucket, ManifestField::Key],
        ),
    )
}

/// Builds and uploads the manifest to `to`; `region` names it in its ARN.
pub async fn build(
    client: &Client,
    source: &ManifestSourceArgs,
    to: &CosUrl,
    region: &str,
) -> Result<Uploaded, Failure> {
    let written = unless_interrupted("writing the manifest", async {
        let file = write(client, source).await?;
        let etag = upload(client, file.path(), to).await?;
        Ok((file, etag))
    });
    let (file, etag) = written.await?;
    Ok(Uploaded {
        manifest: element(to.object_arn(region), etag),
        url: to.to_string(),
        rows: Some(file.rows()),
    })
}

/// Run `manifest`.
pub async fn run(
    client: &Client,
    args: &ManifestArgs,
    region: &str,
    format: OutputFormat,
) -> Result<(), Failure> {
    let to = CosUrl::parse_object(&args.to)?;
    let uploaded = build(client, &args.source, &to, region).await?;
    output::emit(format, &uploaded, || {
        let location = &uploaded.manifest.location;
        output::fields(&[
            ("Manifest", Some(uploaded.url.clone())),
            ("ObjectArn", Some(location.object_arn.clone())),
            ("ETag", Some(location.etag.clone())),
            ("Rows", uploaded.rows.map(|r| r.to_string())),
        ])
    })
}
