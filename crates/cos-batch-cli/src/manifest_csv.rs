//! Writing a `COSBatchOperations_CSV_V1` manifest: `bucket,key` rows, the key URL-encoded
//! as the format requires (every byte but the unreserved characters and `/` escaped, which
//! the emulator's manifest reader, like COS, decodes), into a local temporary file, one row
//! at a time.

use std::io::Write as _;
use std::path::Path;

use cos_batch_proto::object::encode_manifest_key;

use crate::failure::Failure;

/// A manifest being written to a temporary file (removed when dropped).
pub struct ManifestFile {
    file: tempfile::NamedTempFile,
    csv: csv::Writer<std::io::BufWriter<std::fs::File>>,
    rows: u64,
}

impl ManifestFile {
    /// An empty manifest in the system's temporary directory.
    pub fn new() -> Result<Self, Failure> {
        let file = tempfile::Builder::new()
            .prefix("cos-batch-manifest-")
            .suffix(".csv")
            .tempfile()
            .map_err(|e| Failure::local(format!("cannot create a temporary manifest: {e}")))?;
        let handle = file
            .reopen()
            .map_err(|e| Failure::local(format!("cannot open the temporary manifest: {e}")))?;
        let csv = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(std::io::BufWriter::new(handle));
        Ok(Self { file, csv, rows: 0 })
    }

    /// Adds the row of `key` in `bucket` (and its version, when given: the manifest then has
    /// the columns Bucket, Key, VersionId).
    pub fn push(&mut self, bucket: &str, key: &str, version: Option<&str>) -> Result<(), Failure> {
        let key = encode_manifest_key(key);
        let written = match version {
            Some(v) => self.csv.write_record([bucket, &key, v]),
            None => self.csv.write_record([bucket, &key]),
        };
        written.map_err(|e| Failure::local(format!("cannot write the manifest: {e}")))?;
        self.rows += 1;
        Ok(())
    }

    /// Rows written.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Flushes the rows; the file is then ready to upload (at [`ManifestFile::path`]).
    pub fn finish(&mut self) -> Result<(), Failure> {
        self.csv
            .flush()
            .and_then(|()| self.file.as_file_mut().flush())
            .map_err(|e| Failure::local(format!("cannot write the manifest: {e}")))
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        self.file.path()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_carry_encoded_keys() {
        let mut m = ManifestFile::new().unwrap();
        m.push("b-1", "x y", None).unwrap();
        m.push("b-1", "q\"z", None).unwrap();
        m.finish().unwrap();
        assert_eq!(
            std::fs::read_to_string(m.path()).unwrap(),
            "b-1,x%20y\nb-1,q%22z\n"
        );
        assert_eq!(m.rows(), 2);
        let mut versioned = ManifestFile::new().unwrap();
        versioned.push("b-1", "k", Some("v1")).unwrap();
        versioned.finish().unwrap();
        assert_eq!(
            std::fs::read_to_string(versioned.path()).unwrap(),
            "b-1,k,v1\n"
        );
    }
}
