//! `Manifest` (the object list of a job) and `Report` (the completion report).

use crate::enums::{ManifestField, ManifestFormat, ReportFormat, ReportScope};
use crate::error::DecodeError;
use crate::validate::Validator;
use crate::xml::reader::{self, XmlReader};
use crate::xml::writer::XmlWriter;

/// `Manifest`: where the list of objects is and how to read it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct Manifest {
    /// `Location`: the manifest object.
    pub location: ManifestLocation,
    /// `Spec`: its format and columns.
    pub spec: ManifestSpec,
}

impl Manifest {
    /// A manifest at `location` read as `spec`.
    pub fn new(location: ManifestLocation, spec: ManifestSpec) -> Self {
        Self { location, spec }
    }

    pub(crate) fn decode(r: &mut XmlReader<'_>) -> Result<Self, DecodeError> {
        let (mut location, mut spec) = (None, None);
        r.each_child(|r, name| match name {
            "Location" => r.nested(&mut location, ManifestLocation::decode),
            "Spec" => r.nested(&mut spec, ManifestSpec::decode),
            _ => Ok(()),
        })?;
        Ok(Self {
            location: r.required(location, "Location")?,
            spec: r.required(spec, "Spec")?,
        })
    }

    pub(crate) fn encode(&self, w: &mut XmlWriter) {
        w.element("Manifest", |w| {
            self.location.encode(w);
            self.spec.encode(w);
        });
    }

    pub(crate) fn known_values_into(&self, v: &mut Validator) {
        v.nested("Manifest", |v| {
            v.nested("Spec", |v| {
                v.known(
                    "Format",
                    &self.spec.format,
                    ManifestFormat::KNOWN,
                    "COSBatchOperations_CSV_V1 or COSInventoryReport_CSV_V1",
                );
                v.nested("Fields", |v| {
                    for f in &self.spec.fields {
                        v.known(
                            "member",
                            f,
                            ManifestField::KNOWN,
                            "Ignore, Bucket, Key or VersionId",
                        );
                    }
                });
            });
        });
    }

    pub(crate) fn validate_into(&self, v: &mut Validator) {
        v.nested("Manifest", |v| {
            v.nested("Location", |v| {
                let l = &self.location;
                v.length("ETag", &l.etag, 1, 1024);
                v.length("ObjectArn", &l.object_arn, 1, 1024);
                v.opt_length("ObjectVersionId", l.object_version_id.as_deref(), 1, 1024);
            });
            v.nested("Spec", |v| {
                let s = &self.spec;
                v.non_empty("Format", s.format.as_str());
                if s.format == ManifestFormat::CosBatchOperationsCsvV1 && s.fields.is_empty() {
                    v.push("Fields", crate::ViolationKind::Empty);
                }
                v.nested("Fields", |v| {
                    for f in &s.fields {
                        v.non_empty("member", f.as_str());
                    }
                });
            });
        });
    }
}

/// `Manifest/Location`: the manifest object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct ManifestLocation {
    /// `ETag` of the manifest object, 1–1024 bytes, may carry quotes.
    #[cfg_attr(feature = "serde", serde(rename = "ETag"))]
    pub etag: String,
    /// `ObjectArn`, 1–1024 bytes, e.g. `qcs::cos:ap-chengdu::bucket-1250000000/manifest.csv`.
    pub object_arn: String,
    /// `ObjectVersionId`, 1–1024 bytes, optional.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub object_version_id: Option<String>,
}

impl ManifestLocation {
    /// The manifest object `object_arn` with entity tag `etag`.
    pub fn new(object_arn: impl Into<String>, etag: impl Into<String>) -> Self {
        Self {
            etag: etag.into(),
            object_arn: object_arn.into(),
            object_version_id: None,
        }
    }

    fn decode(r: &mut XmlReader<'_>) -> Result<Self, DecodeError> {
        let (mut etag, mut arn, mut version) = (None, None, None);
        r.each_child(|r, name| match name {
            "ETag" => r.string(&mut etag),
            "ObjectArn" => r.string(&mut arn),
            "ObjectVersionId" => r.string(&mut version),
            _ => Ok(()),
        })?;
        Ok(Self {
            etag: r.required(etag, "ETag")?,
            object_arn: r.required(arn, "ObjectArn")?,
            object_version_id: version,
        })
    }

    fn encode(&self, w: &mut XmlWriter) {
        w.element("Location", |w| {
            w.text("ETag", &self.etag);
            w.text("ObjectArn", &self.object_arn);
            w.opt_text("ObjectVersionId", self.object_version_id.as_deref());
        });
    }
}

/// `Manifest/Spec`: the manifest's format and, for CSV, its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct ManifestSpec {
    /// `Fields>member*`: the CSV columns in order; required for `COSBatchOperations_CSV_V1`.
    /// Encoded only when not empty.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub fields: Vec<ManifestField>,
    /// `Format`.
    pub format: ManifestFormat,
}

impl Default for ManifestSpec {
    /// An empty spec (`Format` empty), the value of an absent `Spec` in a response.
    fn default() -> Self {
        Self {
            fields: Vec::new(),
            format: ManifestFormat::Other(String::new()),
        }
    }
}

impl ManifestSpec {
    /// A spec of `format` with columns `fields`.
    pub fn new(format: ManifestFormat, fields: Vec<ManifestField>) -> Self {
        Self { fields, format }
    }

    fn decode(r: &mut XmlReader<'_>) -> Result<Self, DecodeError> {
        let (mut fields, mut format) = (None, None);
        r.each_child(|r, name| match name {
            "Fields" => r.list(&mut fields, "member", |r| {
                Ok(ManifestField::from(reader::trim_xml(&r.text()?)))
            }),
            "Format" => r.value(&mut format, "a manifest format", |s| {
                Some(ManifestFormat::from(s))
            }),
            _ => Ok(()),
        })?;
        Ok(Self {
            fields: fields.unwrap_or_default(),
            format: r
                .required(format.map(Some), "Format")?
                .unwrap_or_else(|| ManifestFormat::Other(String::new())),
        })
    }

    fn encode(&self, w: &mut XmlWriter) {
        w.element("Spec", |w| {
            if !self.fields.is_empty() {
                w.element("Fields", |w| {
                    for f in &self.fields {
                        w.text("member", f.as_str());
                    }
                });
            }
            w.text("Format", self.format.as_str());
        });
    }
}

/// `Report`: the completion report of a job. `Bucket`, `Format` and `ReportScope` are required
/// only when `Enabled` is true: a disabled report decodes with them empty.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct Report {
    /// `Bucket`: ARN of the bucket the report is written to.
    pub bucket: String,
    /// `Enabled`: whether a report is written.
    pub enabled: bool,
    /// `Format`.
    pub format: ReportFormat,
    /// `Prefix` of the report objects, 0–256 bytes, optional.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub prefix: Option<String>,
    /// `ReportScope`.
    pub report_scope: ReportScope,
}

impl Default for Report {
    /// An empty report (empty bucket, format and scope, disabled): the value of absent elements in a response.
    fn default() -> Self {
        Self {
            bucket: String::new(),
            enabled: false,
            format: ReportFormat::Other(String::new()),
            prefix: None,
            report_scope: ReportScope::Other(String::new()),
        }
    }
}

impl Report {
    /// A report in `bucket` (an ARN), `Report_CSV_V1`, of `scope`, enabled or not.
    pub fn new(bucket: impl Into<String>, enabled: bool, scope: ReportScope) -> Self {
        Self {
            bucket: bucket.into(),
            enabled,
            format: ReportFormat::ReportCsvV1,
            prefix: None,
            report_scope: scope,
        }
    }

    /// This report with `Prefix` set.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    pub(crate) fn decode(r: &mut XmlReader<'_>) -> Result<Self, DecodeError> {
        let (mut bucket, mut enabled, mut format, mut prefix, mut scope) =
            (None, None, None, None, None);
        r.each_child(|r, name| match name {
            "Bucket" => r.string(&mut bucket),
            "Enabled" => r.value(&mut enabled, reader::BOOL, reader::parse_bool),
            "Format" => r.value(&mut format, "a report format", |s| {
                Some(ReportFormat::from(s))
            }),
            "Prefix" => r.string(&mut prefix),
            "ReportScope" => r.value(&mut scope, "a report scope", |s| Some(ReportScope::from(s))),
            _ => Ok(()),
        })?;
        // Only `Enabled` is required: a disabled report needs nothing else (the Go SDK sends
        // `<Bucket></Bucket>`, `<Format></Format>`, `<ReportScope></ReportScope>`). An enabled
        // report without them fails `validate()`.
        let d = Self::default();
        Ok(Self {
            bucket: bucket.unwrap_or(d.bucket),
            enabled: r.required(enabled, "Enabled")?,
            format: format.unwrap_or(d.format),
            prefix,
            report_scope: scope.unwrap_or(d.report_scope),
        })
    }

    pub(crate) fn encode(&self, w: &mut XmlWriter) {
        w.element("Report", |w| {
            w.text("Bucket", &self.bucket);
            w.bool("Enabled", self.enabled);
            w.text("Format", self.format.as_str());
            w.opt_text("Prefix", self.prefix.as_deref());
            w.text("ReportScope", self.report_scope.as_str());
        });
    }

    pub(crate) fn validate_into(&self, v: &mut Validator) {
        v.nested("Report", |v| {
            if self.enabled {
                v.length("Bucket", &self.bucket, 1, 1024);
                v.non_empty("Format", self.format.as_str());
                v.non_empty("ReportScope", self.report_scope.as_str());
            } else {
                v.opt_length("Bucket", Some(&self.bucket), 0, 1024);
            }
            v.opt_length("Prefix", self.prefix.as_deref(), 0, 256);
        });
    }

    pub(crate) fn known_values_into(&self, v: &mut Validator) {
        v.nested("Report", |v| {
            if self.enabled || !self.format.as_str().is_empty() {
                v.known("Format", &self.format, ReportFormat::KNOWN, "Report_CSV_V1");
            }
            if self.enabled || !self.report_scope.as_str().is_empty() {
                v.known(
                    "ReportScope",
                    &self.report_scope,
                    ReportScope::KNOWN,
                    "AllTasks or FailedTasksOnly",
                );
            }
        });
    }
}
