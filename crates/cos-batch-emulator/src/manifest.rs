//! Reading a job's manifest: `COSBatchOperations_CSV_V1` (one object per row, columns in
//! `Spec.Fields` order, keys URL-encoded) and `COSInventoryReport_CSV_V1` (a `manifest.json`
//! listing CSV files whose columns its `fileSchema` names).
//!
//! A row that cannot be read becomes a task that fails (the job goes on); a manifest that
//! cannot be read at all fails the job, as does any inventory data file that cannot be read
//! (missing, not matching its `MD5checksum`, not valid gzip or CSV): a `FailureReasons` entry,
//! never a `Complete` job with nothing done and no reason. Inventory data files may be
//! gzip-compressed (`.csv.gz`, as inventory reports are delivered), recognised by their magic
//! bytes; their `MD5checksum` is that of the compressed file.
//!
//! `Manifest/Location/ObjectVersionId` is honoured: the emulator's buckets keep one version of
//! each object, `null`, so the manifest is read at `null` and any other version id fails the job
//! (`NoSuchVersion`).

use std::cell::Cell;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use cos_batch_model::{Manifest, ManifestField, ManifestFormat};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use crate::arn::CosArn;
use crate::object_path::ObjectPath;
#[cfg(test)]
use crate::object_path::md5_hex;
use crate::storage::{Storage, StorageError};
use md5::{Digest, Md5};

/// The largest inventory `manifest.json` read (it is parsed whole; the CSV manifests and the
/// inventory data files are streamed, of any size), in bytes.
pub(crate) const MAX_INVENTORY_JSON_BYTES: u64 = 16 * 1024 * 1024;

/// What is escaped when a key is written into a CSV manifest or report: all but the unreserved
/// characters and `/`.
const KEY_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// A key URL-encoded as manifests and reports carry it.
pub(crate) fn encode_key(key: &str) -> String {
    utf8_percent_encode(key, KEY_ESCAPES).to_string()
}

/// One row of a manifest: one task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ManifestTask {
    /// The bucket as written in the row.
    pub bucket: String,
    /// The decoded key.
    pub key: String,
    /// The version id, empty when none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version_id: String,
    /// Why the row cannot be run, for a row that cannot be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<String>,
}

/// Why a manifest cannot be read: the job fails with this code and reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ManifestError {
    /// The `FailureCode`.
    pub code: &'static str,
    /// The `FailureReason`.
    pub message: String,
}

impl ManifestError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// The column positions a CSV manifest's fields give.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Columns {
    bucket: usize,
    key: usize,
    version_id: Option<usize>,
    count: usize,
}

impl Columns {
    fn from_fields(fields: &[ManifestField]) -> Result<Self, ManifestError> {
        let (mut bucket, mut key, mut version_id) = (None, None, None);
        for (i, f) in fields.iter().enumerate() {
            let slot = match f {
                ManifestField::Bucket => &mut bucket,
                ManifestField::Key => &mut key,
                ManifestField::VersionId => &mut version_id,
                ManifestField::Ignore => continue,
                other => {
                    return Err(ManifestError::new(
                        "InvalidManifestSpec",
                        format!("the manifest field {other} is not known"),
                    ));
                }
            };
            if slot.replace(i).is_some() {
                return Err(ManifestError::new(
                    "InvalidManifestSpec",
                    format!("the manifest field {f} is given twice"),
                ));
            }
        }
        match (bucket, key) {
            (Some(bucket), Some(key)) => Ok(Self {
                bucket,
                key,
                version_id,
                count: fields.len(),
            }),
            _ => Err(ManifestError::new(
                "InvalidManifestSpec",
                "the manifest fields must name Bucket and Key",
            )),
        }
    }
}

/// Why a CSV stream could not be read to its end.
#[derive(Debug)]
enum CsvError {
    /// Not valid CSV.
    Invalid(String),
    /// The bytes could not be read (an I/O or a decompression error).
    Read(io::Error),
    /// The task could not be kept.
    Sink(ManifestError),
}

/// The longest manifest row read, in bytes (give or take the reader's 64 KiB buffer): a longer
/// one fails the manifest (`InvalidManifest`), as a row is held in memory while it is parsed.
pub(crate) const MAX_ROW_BYTES: u64 = 1024 * 1024;

/// The CSV reader's buffer, in bytes.
const CSV_BUFFER: u64 = 64 * 1024;

/// The error of a row longer than [`MAX_ROW_BYTES`].
#[derive(Debug)]
struct RowTooLong;

impl fmt::Display for RowTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a row is longer than {MAX_ROW_BYTES} bytes")
    }
}

impl std::error::Error for RowTooLong {}

/// A reader that fails once it is asked for more than `limit` bytes (moved on as rows end).
struct RowLimit<R> {
    inner: R,
    read: u64,
    limit: Rc<Cell<u64>>,
}

impl<R: Read> Read for RowLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let room = self.limit.get().saturating_sub(self.read);
        if room == 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, RowTooLong));
        }
        let max = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.read += n as u64;
        Ok(n)
    }
}

/// Parses CSV manifest rows with columns `fields` from `reader`, passing each task to `sink`
/// in order; the number of rows. Memory is bounded by [`MAX_ROW_BYTES`].
fn parse_csv(
    reader: impl Read,
    fields: &[ManifestField],
    sink: &mut dyn FnMut(ManifestTask) -> Result<(), ManifestError>,
) -> Result<u64, CsvError> {
    let columns = Columns::from_fields(fields).map_err(CsvError::Sink)?;
    let limit = Rc::new(Cell::new(MAX_ROW_BYTES + CSV_BUFFER));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(CSV_BUFFER as usize)
        .from_reader(RowLimit {
            inner: reader,
            read: 0,
            limit: limit.clone(),
        });
    let mut record = csv::ByteRecord::new();
    let mut rows = 0u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => return Ok(rows),
            Ok(true) => {
                rows += 1;
                limit.set(reader.position().byte() + MAX_ROW_BYTES + CSV_BUFFER);
                sink(row_task(&record, &columns, rows)).map_err(CsvError::Sink)?;
            }
            Err(e) if e.is_io_error() => {
                return Err(match e.into_kind() {
                    csv::ErrorKind::Io(e) if e.get_ref().is_some_and(|i| i.is::<RowTooLong>()) => {
                        CsvError::Invalid(e.to_string())
                    }
                    csv::ErrorKind::Io(e) => CsvError::Read(e),
                    other => CsvError::Read(io::Error::other(format!("{other:?}"))),
                });
            }
            Err(e) => return Err(CsvError::Invalid(e.to_string())),
        }
    }
}

fn row_task(record: &csv::ByteRecord, columns: &Columns, row: u64) -> ManifestTask {
    let field = |i: usize| record.get(i).unwrap_or_default();
    let bucket = String::from_utf8_lossy(field(columns.bucket)).into_owned();
    let raw_key = field(columns.key);
    let decoded = percent_decode(raw_key).collect::<Vec<u8>>();
    let (key, key_error) = match String::from_utf8(decoded) {
        Ok(k) => (k, None),
        Err(e) => (
            String::from_utf8_lossy(e.as_bytes()).into_owned(),
            Some("the key is not UTF-8 once decoded"),
        ),
    };
    let version_id = columns
        .version_id
        .map(|i| String::from_utf8_lossy(field(i)).into_owned())
        .unwrap_or_default();
    let invalid = if record.len() != columns.count {
        Some(format!(
            "row {row} has {} column(s), the manifest spec names {}",
            record.len(),
            columns.count
        ))
    } else if bucket.is_empty() {
        Some(format!("row {row} has no bucket"))
    } else if raw_key.is_empty() {
        Some(format!("row {row} has no key"))
    } else {
        key_error.map(|e| format!("row {row}: {e}"))
    };
    ManifestTask {
        bucket,
        key,
        version_id,
        invalid,
    }
}

/// The parts of an inventory `manifest.json` the emulator reads.
#[derive(Deserialize)]
struct InventoryManifest {
    #[serde(rename = "fileSchema")]
    file_schema: String,
    #[serde(rename = "fileFormat", default)]
    file_format: Option<String>,
    files: Vec<InventoryFile>,
}

#[derive(Deserialize)]
struct InventoryFile {
    key: String,
    #[serde(rename = "MD5checksum", default)]
    md5: Option<String>,
}

/// The manifest fields an inventory `fileSchema` (`"Bucket, Key, VersionId, Size"`) gives.
fn schema_fields(schema: &str) -> Vec<ManifestField> {
    schema
        .split(',')
        .map(|c| match c.trim().to_ascii_lowercase().as_str() {
            "bucket" => ManifestField::Bucket,
            "key" => ManifestField::Key,
            "versionid" => ManifestField::VersionId,
            _ => ManifestField::Ignore,
        })
        .collect()
}

/// Reads the manifest of a job of account `appid` as a stream: finds it from its ARN under
/// `data_dir`, passes each task to `sink` in manifest order, and checks the ETag (and each
/// inventory file's `MD5checksum`) as the bytes go by; the number of tasks. On an error the
/// tasks passed so far are not the job's: the caller drops them. Memory does not grow with the
/// manifest (an inventory's `manifest.json`, which lists files, is read whole, up to
/// [`MAX_INVENTORY_JSON_BYTES`]).
pub(crate) fn read(
    data_dir: &Path,
    appid: &str,
    manifest: &Manifest,
    sink: &mut dyn FnMut(ManifestTask) -> Result<(), ManifestError>,
) -> Result<u64, ManifestError> {
    let arn = CosArn::parse(&manifest.location.object_arn)
        .map_err(|e| ManifestError::new("InvalidManifestLocation", format!("ObjectArn: {e}")))?;
    let key = arn.key.as_deref().unwrap_or_default();
    let object = ObjectPath::resolve(data_dir, &arn.bucket, arn.appid_or(appid), key)
        .map_err(|e| ManifestError::new("InvalidManifestLocation", format!("ObjectArn: {e}")))?;
    if let Some(version) = &manifest.location.object_version_id
        && version != "null"
    {
        return Err(ManifestError::new(
            "NoSuchVersion",
            format!(
                "the manifest {}/{} has no version {version:?}: the emulator keeps one version of \
                 each object, \"null\"",
                object.bucket(),
                object.key()
            ),
        ));
    }
    let etag = manifest
        .location
        .etag
        .trim()
        .trim_matches('"')
        .to_ascii_lowercase();
    let mut hashed = Md5Reader::new(open_object(
        data_dir,
        arn.appid_or(appid),
        &object,
        "ManifestNotFound",
        "the manifest",
    )?);
    let etag_mismatch = |actual: &str| {
        ManifestError::new(
            "ManifestETagMismatch",
            format!("the manifest's ETag is {actual}, the job gives {etag}"),
        )
    };
    match &manifest.spec.format {
        ManifestFormat::CosBatchOperationsCsvV1 => {
            let count = parse_csv(&mut hashed, &manifest.spec.fields, sink)
                .map_err(|e| csv_failure(e, "the manifest", false))?;
            let actual = hashed
                .finish_hex()
                .map_err(|e| read_failure("the manifest", &e))?;
            if actual != etag {
                return Err(etag_mismatch(&actual));
            }
            Ok(count)
        }
        ManifestFormat::CosInventoryReportCsvV1 => {
            let mut bytes = Vec::new();
            (&mut hashed)
                .take(MAX_INVENTORY_JSON_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| read_failure("the manifest", &e))?;
            if bytes.len() as u64 > MAX_INVENTORY_JSON_BYTES {
                return Err(ManifestError::new(
                    "ManifestTooLarge",
                    format!(
                        "the inventory manifest.json is larger than {MAX_INVENTORY_JSON_BYTES} bytes"
                    ),
                ));
            }
            let actual = hashed
                .finish_hex()
                .map_err(|e| read_failure("the manifest", &e))?;
            if actual != etag {
                return Err(etag_mismatch(&actual));
            }
            let inventory: InventoryManifest = serde_json::from_slice(&bytes).map_err(|e| {
                ManifestError::new(
                    "InvalidManifest",
                    format!("the inventory manifest.json is not valid: {e}"),
                )
            })?;
            drop(bytes);
            if let Some(format) = &inventory.file_format
                && !format.eq_ignore_ascii_case("CSV")
            {
                return Err(ManifestError::new(
                    "InvalidManifest",
                    format!("inventory files of format {format} are not supported, only CSV"),
                ));
            }
            let fields = schema_fields(&inventory.file_schema);
            let mut count = 0;
            for file in &inventory.files {
                count += read_inventory_file(data_dir, &object, appid, file, &fields, sink)?;
            }
            Ok(count)
        }
        other => Err(ManifestError::new(
            "InvalidManifestSpec",
            format!("the manifest format {other} is not supported"),
        )),
    }
}

/// Streams one inventory data file (plain or gzip, recognised by its magic bytes) to `sink`;
/// checks its `MD5checksum` (that of the file as stored) once read.
fn read_inventory_file(
    data_dir: &Path,
    manifest: &ObjectPath,
    appid: &str,
    file: &InventoryFile,
    fields: &[ManifestField],
    sink: &mut dyn FnMut(ManifestTask) -> Result<(), ManifestError>,
) -> Result<u64, ManifestError> {
    let what = format!("inventory file {:?}", file.key);
    let part = ObjectPath::resolve(data_dir, manifest.bucket(), appid, &file.key)
        .map_err(|e| ManifestError::new("InvalidManifest", format!("{what}: {e}")))?;
    let mut hashed = BufReader::new(Md5Reader::new(open_object(
        data_dir,
        appid,
        &part,
        "ManifestNotFound",
        "an inventory file",
    )?));
    let gzip = hashed
        .fill_buf()
        .map_err(|e| read_failure(&what, &e))?
        .starts_with(&GZIP_MAGIC);
    let count = if gzip {
        parse_csv(
            flate2::bufread::MultiGzDecoder::new(&mut hashed),
            fields,
            sink,
        )
    } else {
        parse_csv(&mut hashed, fields, sink)
    }
    .map_err(|e| csv_failure(e, &what, gzip))?;
    // The MD5 covers the whole file, also what the parser did not need.
    io::copy(&mut hashed, &mut io::sink()).map_err(|e| read_failure(&what, &e))?;
    let actual = hashed
        .into_inner()
        .finish_hex()
        .map_err(|e| read_failure(&what, &e))?;
    if let Some(md5) = &file.md5
        && !md5.trim().trim_matches('"').eq_ignore_ascii_case(&actual)
    {
        return Err(ManifestError::new(
            "ManifestETagMismatch",
            format!("the {what} does not match its MD5checksum"),
        ));
    }
    Ok(count)
}

/// The failure of a CSV stream of `what`.
fn csv_failure(e: CsvError, what: &str, gzip: bool) -> ManifestError {
    match e {
        CsvError::Invalid(e) => {
            ManifestError::new("InvalidManifest", format!("{what} is not valid CSV: {e}"))
        }
        CsvError::Read(e) if gzip => ManifestError::new(
            "InvalidManifest",
            format!("the {what} cannot be read: not valid gzip: {e}"),
        ),
        CsvError::Read(e) => read_failure(what, &e),
        CsvError::Sink(e) => e,
    }
}

fn read_failure(what: &str, e: &io::Error) -> ManifestError {
    ManifestError::new("ManifestNotReadable", format!("{what} cannot be read: {e}"))
}

/// The gzip magic bytes.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A reader that computes the MD5 of what it reads.
struct Md5Reader<R> {
    inner: R,
    md5: Md5,
}

impl<R: Read> Md5Reader<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            md5: Md5::new(),
        }
    }

    /// The lower-case hex MD5 of the whole stream (what was not read yet is read first).
    fn finish_hex(mut self) -> io::Result<String> {
        io::copy(&mut self, &mut io::sink())?;
        Ok(self
            .md5
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect())
    }
}

impl<R: Read> Read for Md5Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.md5.update(&buf[..n]);
        Ok(n)
    }
}

/// The one place the manifest reader touches files: opens `object` (a regular file) for
/// reading through the storage layer, which refuses a symbolic link or `..` anywhere on its way
/// at the moment of the open.
fn open_object(
    data_dir: &Path,
    appid: &str,
    object: &ObjectPath,
    missing_code: &'static str,
    what: &str,
) -> Result<impl Read + use<>, ManifestError> {
    let not_readable = |e: &dyn std::fmt::Display| {
        ManifestError::new("ManifestNotReadable", format!("{what} cannot be read: {e}"))
    };
    let storage = Storage::open(data_dir).map_err(|e| not_readable(&e))?;
    match storage.open_object(object.bucket(), appid, object.key()) {
        Ok((file, _len)) => Ok(file),
        Err(StorageError::NoSuchKey | StorageError::NoSuchBucket(_)) => Err(ManifestError::new(
            missing_code,
            format!("{what} {}/{} does not exist", object.bucket(), object.key()),
        )),
        Err(StorageError::Path(e)) => {
            Err(ManifestError::new("InvalidManifestLocation", e.to_string()))
        }
        Err(e) => Err(not_readable(&e)),
    }
}

/// A whole manifest's tasks, for tests.
#[cfg(test)]
pub(crate) fn load(
    data_dir: &Path,
    appid: &str,
    manifest: &Manifest,
) -> Result<Vec<ManifestTask>, ManifestError> {
    let mut tasks = Vec::new();
    read(data_dir, appid, manifest, &mut |t| {
        tasks.push(t);
        Ok(())
    })?;
    Ok(tasks)
}

/// The tasks of CSV `bytes`, for tests.
#[cfg(test)]
fn parse_all(bytes: &[u8], fields: &[ManifestField]) -> Result<Vec<ManifestTask>, ManifestError> {
    let mut tasks = Vec::new();
    parse_csv(bytes, fields, &mut |t| {
        tasks.push(t);
        Ok(())
    })
    .map_err(|e| csv_failure(e, "the manifest", false))?;
    Ok(tasks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cos_batch_model::ManifestLocation;
    use cos_batch_model::ManifestSpec;
    use proptest::prelude::*;

    fn bk() -> Vec<ManifestField> {
        vec![ManifestField::Bucket, ManifestField::Key]
    }

    #[test]
    fn rows_are_decoded_in_field_order() {
        let csv = b"b-1,a%20b/c.txt\nb-1,\"quoted,key\"\n\nb-2,%E8%85%BE\n";
        let tasks = parse_all(csv, &bk()).unwrap();
        let keys: Vec<_> = tasks.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys, ["a b/c.txt", "quoted,key", "腾"]);
        assert!(tasks.iter().all(|t| t.invalid.is_none()));

        let fields = vec![
            ManifestField::Ignore,
            ManifestField::Key,
            ManifestField::VersionId,
            ManifestField::Bucket,
        ];
        let tasks = parse_all(b"x,k,v1,b\n", &fields).unwrap();
        assert_eq!(tasks[0].bucket, "b");
        assert_eq!(tasks[0].key, "k");
        assert_eq!(tasks[0].version_id, "v1");
    }

    #[test]
    fn bad_rows_become_failing_tasks() {
        let tasks = parse_all(b"b,k\nonly\n,k\nb,\nb,k,extra\nb,%FF\n", &bk()).unwrap();
        assert_eq!(tasks.len(), 6);
        assert!(tasks[0].invalid.is_none());
        for t in &tasks[1..] {
            assert!(t.invalid.is_some(), "{t:?}");
        }
        assert!(tasks[5].invalid.as_deref().unwrap().contains("UTF-8"));
    }

    #[test]
    fn a_row_longer_than_the_limit_fails_the_manifest() {
        // Rows end where the CSV reader's buffer ends: the limit is exact to within it.
        let long = "k".repeat((MAX_ROW_BYTES + CSV_BUFFER) as usize + 1);
        let csv = format!("b,a\nb,{long}\nb,c\n");
        let Err(e) = parse_all(csv.as_bytes(), &bk()) else {
            panic!("a row too long was read");
        };
        assert_eq!(e.code, "InvalidManifest");
        assert!(e.message.contains("longer than"), "{e}");
        // Rows up to the limit, many of them, are read.
        let row = format!("b,{}\n", "k".repeat(MAX_ROW_BYTES as usize - 4));
        let csv = row.repeat(3);
        assert_eq!(parse_all(csv.as_bytes(), &bk()).unwrap().len(), 3);
    }

    #[test]
    fn bad_specs_fail_the_manifest() {
        for fields in [
            vec![ManifestField::Key],
            vec![
                ManifestField::Bucket,
                ManifestField::Key,
                ManifestField::Key,
            ],
            vec![ManifestField::Bucket, ManifestField::Other("Size".into())],
        ] {
            assert_eq!(
                parse_all(b"b,k\n", &fields).unwrap_err().code,
                "InvalidManifestSpec"
            );
        }
    }

    #[test]
    fn load_checks_the_etag_and_reads_inventories() {
        let dir = tempfile::tempdir().unwrap();
        let bucket = dir.path().join("src-1250000000");
        std::fs::create_dir_all(bucket.join("inv")).unwrap();
        let csv = b"src-1250000000,a\nsrc-1250000000,b%2Fc\n";
        std::fs::write(bucket.join("m.csv"), csv).unwrap();
        let spec = ManifestSpec::new(ManifestFormat::CosBatchOperationsCsvV1, bk());
        let location = |etag: &str, key: &str| {
            ManifestLocation::new(
                format!("qcs::cos:ap-guangzhou:uid/1250000000:src-1250000000/{key}"),
                etag,
            )
        };
        let good = Manifest::new(
            location(&format!("\"{}\"", md5_hex(csv).to_uppercase()), "m.csv"),
            spec.clone(),
        );
        let tasks = load(dir.path(), "1250000000", &good).unwrap();
        assert_eq!(tasks.len(), 2);
        assert_eq!(tasks[1].key, "b/c");

        let wrong = Manifest::new(location("0123", "m.csv"), spec.clone());
        assert_eq!(
            load(dir.path(), "1250000000", &wrong).unwrap_err().code,
            "ManifestETagMismatch"
        );
        let missing = Manifest::new(location("0123", "nope.csv"), spec.clone());
        assert_eq!(
            load(dir.path(), "1250000000", &missing).unwrap_err().code,
            "ManifestNotFound"
        );
        let escape = Manifest::new(location("0123", "../x"), spec.clone());
        assert_eq!(
            load(dir.path(), "1250000000", &escape).unwrap_err().code,
            "InvalidManifestLocation"
        );
        // A manifest reached through a link to a directory outside the data directory (with a
        // right ETag) is refused at the open, not read.
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("m.csv"), csv).unwrap();
        std::os::unix::fs::symlink(outside.path(), bucket.join("out")).unwrap();
        let linked = Manifest::new(location(&md5_hex(csv), "out/m.csv"), spec);
        assert_eq!(
            load(dir.path(), "1250000000", &linked).unwrap_err().code,
            "InvalidManifestLocation"
        );

        let part = b"1250000000,src-1250000000,x,10\n1250000000,src-1250000000,y,11\n";
        std::fs::write(bucket.join("inv/part1.csv"), part).unwrap();
        let json = format!(
            r#"{{"sourceBucket":"src","fileFormat":"CSV","fileSchema":"appid, Bucket, Key, Size",
               "files":[{{"key":"inv/part1.csv","size":62,"MD5checksum":"{}"}}]}}"#,
            md5_hex(part)
        );
        std::fs::write(bucket.join("inv/manifest.json"), &json).unwrap();
        let inventory = Manifest::new(
            location(&md5_hex(json.as_bytes()), "inv/manifest.json"),
            ManifestSpec::new(ManifestFormat::CosInventoryReportCsvV1, vec![]),
        );
        let tasks = load(dir.path(), "1250000000", &inventory).unwrap();
        let keys: Vec<_> = tasks.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys, ["x", "y"]);
        assert!(tasks.iter().all(|t| t.invalid.is_none()));
    }

    /// An inventory of `files` (key, bytes) in `src-1250000000/inv/` of `dir`; its manifest.
    fn inventory(dir: &Path, files: &[(&str, &[u8])]) -> Manifest {
        let bucket = dir.join("src-1250000000");
        std::fs::create_dir_all(bucket.join("inv")).unwrap();
        let mut entries = Vec::new();
        for (key, bytes) in files {
            std::fs::write(bucket.join(key), bytes).unwrap();
            entries.push(format!(
                r#"{{"key":"{key}","MD5checksum":"{}"}}"#,
                md5_hex(bytes)
            ));
        }
        let json = format!(
            r#"{{"fileFormat":"CSV","fileSchema":"Bucket, Key","files":[{}]}}"#,
            entries.join(",")
        );
        std::fs::write(bucket.join("inv/manifest.json"), &json).unwrap();
        Manifest::new(
            ManifestLocation::new(
                "qcs::cos:ap-guangzhou:uid/1250000000:src-1250000000/inv/manifest.json",
                md5_hex(json.as_bytes()),
            ),
            ManifestSpec::new(ManifestFormat::CosInventoryReportCsvV1, vec![]),
        )
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write as _;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn gzip_inventory_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let plain: &[u8] = b"src-1250000000,a\n";
        let packed = gzip(b"src-1250000000,b%2Fc\nsrc-1250000000,d\n");
        let manifest = inventory(
            dir.path(),
            &[("inv/part1.csv", plain), ("inv/part2.csv.gz", &packed)],
        );
        let tasks = load(dir.path(), "1250000000", &manifest).unwrap();
        let keys: Vec<_> = tasks.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys, ["a", "b/c", "d"]);
    }

    #[test]
    fn an_unreadable_inventory_file_fails_the_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let mut broken = gzip(b"src-1250000000,a\n");
        broken.truncate(12);
        let manifest = inventory(dir.path(), &[("inv/part1.csv.gz", &broken)]);
        let e = load(dir.path(), "1250000000", &manifest).unwrap_err();
        assert_eq!(e.code, "InvalidManifest");
        assert!(
            e.message.contains("part1.csv.gz") && e.message.contains("gzip"),
            "{e}"
        );

        // A data file the manifest lists but the bucket lacks.
        let manifest = inventory(dir.path(), &[("inv/part2.csv", b"src-1250000000,a\n")]);
        std::fs::remove_file(dir.path().join("src-1250000000/inv/part2.csv")).unwrap();
        let e = load(dir.path(), "1250000000", &manifest).unwrap_err();
        assert_eq!(e.code, "ManifestNotFound");
        assert!(e.message.contains("part2.csv"), "{e}");
    }

    #[test]
    fn the_manifest_is_read_at_its_version() {
        let dir = tempfile::tempdir().unwrap();
        let bucket = dir.path().join("src-1250000000");
        std::fs::create_dir_all(&bucket).unwrap();
        let csv = b"src-1250000000,a\n";
        std::fs::write(bucket.join("m.csv"), csv).unwrap();
        let mut location = ManifestLocation::new(
            "qcs::cos:ap-guangzhou:uid/1250000000:src-1250000000/m.csv",
            md5_hex(csv),
        );
        let spec = ManifestSpec::new(ManifestFormat::CosBatchOperationsCsvV1, bk());
        location.object_version_id = Some("null".into());
        let at_null = Manifest::new(location.clone(), spec.clone());
        assert_eq!(load(dir.path(), "1250000000", &at_null).unwrap().len(), 1);
        location.object_version_id = Some("MTg0NDUxNzc2ODQ2MjQ1MzY".into());
        let e = load(dir.path(), "1250000000", &Manifest::new(location, spec)).unwrap_err();
        assert_eq!(e.code, "NoSuchVersion");
        assert!(e.message.contains("MTg0NDUxNzc2ODQ2MjQ1MzY"), "{e}");
    }

    proptest! {
        /// Rows written as a manifest (keys URL-encoded, CSV quoting) parse back to the same tasks.
        #[test]
        fn encode_then_parse_is_identity(
            rows in proptest::collection::vec(("[a-z0-9][a-z0-9-]{0,10}", "\\PC{1,30}", "[A-Za-z0-9]{0,8}"), 0..20)
        ) {
            let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(vec![]);
            for (b, k, v) in &rows {
                w.write_record([b.as_str(), &encode_key(k), v.as_str()]).unwrap();
            }
            let bytes = w.into_inner().unwrap();
            let fields = vec![ManifestField::Bucket, ManifestField::Key, ManifestField::VersionId];
            let tasks = parse_all(&bytes, &fields).unwrap();
            prop_assert_eq!(tasks.len(), rows.len());
            for (t, (b, k, v)) in tasks.iter().zip(&rows) {
                prop_assert_eq!(&t.bucket, b);
                prop_assert_eq!(&t.key, k);
                prop_assert_eq!(&t.version_id, v);
                prop_assert!(t.invalid.is_none());
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_all(&bytes, &bk());
        }
    }
}
