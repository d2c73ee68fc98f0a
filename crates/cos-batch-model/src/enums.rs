//! Enumerated wire values. Each keeps values it does not know in `Other(String)` and writes them
//! back unchanged.

/// Defines a wire enum: known variants, `Other(String)`, `as_str`, `Display`, `From<&str>`,
/// `FromStr` (infallible) and serde as the plain wire string.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        ///
        /// Unknown wire values are kept in `Other` and round-trip unchanged; `From<&str>` maps a
        /// known wire string to its variant, so build `Other` only from unknown strings.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this crate does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The wire strings of the known variants.
            pub const KNOWN: &'static [&'static str] = &[$($wire),+];

            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Other(s) => s,
                }
            }

            /// Whether this is a known variant (not `Other`).
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $wire => Self::$variant, )+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match Self::from(s.as_str()) {
                    Self::Other(_) => Self::Other(s),
                    known => known,
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <String as serde::Deserialize>::deserialize(d).map(Self::from)
            }
        }
    };
}

wire_enum! {
    /// A job's status (`Job/Status`, `ListJobs` members, `jobStatuses`).
    JobStatus {
        /// `Active`: running.
        Active => "Active",
        /// `Cancelled`: cancelled on request (terminal).
        Cancelled => "Cancelled",
        /// `Cancelling`: being cancelled.
        Cancelling => "Cancelling",
        /// `Complete`: finished (terminal).
        Complete => "Complete",
        /// `Completing`: finishing.
        Completing => "Completing",
        /// `Failed`: failed (terminal).
        Failed => "Failed",
        /// `Failing`: failing.
        Failing => "Failing",
        /// `New`: just created.
        New => "New",
        /// `Paused`: paused for a higher-priority job.
        Paused => "Paused",
        /// `Pausing`: being paused.
        Pausing => "Pausing",
        /// `Preparing`: reading the manifest.
        Preparing => "Preparing",
        /// `Ready`: ready to run.
        Ready => "Ready",
        /// `Suspended`: waiting for confirmation.
        Suspended => "Suspended",
    }
}

impl JobStatus {
    /// Whether the status is terminal (Complete, Cancelled, Failed).
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Complete | Self::Cancelled | Self::Failed)
    }
}

wire_enum! {
    /// The status asked for by UpdateJobStatus (`requestedJobStatus`); the API accepts Ready and Cancelled.
    RequestedJobStatus {
        /// `Ready`: confirm a suspended job.
        Ready => "Ready",
        /// `Cancelled`: cancel the job.
        Cancelled => "Cancelled",
    }
}

wire_enum! {
    /// `Manifest/Spec/Format`.
    ManifestFormat {
        /// `COSBatchOperations_CSV_V1`: a CSV of objects, columns in `Spec/Fields` order.
        CosBatchOperationsCsvV1 => "COSBatchOperations_CSV_V1",
        /// `COSInventoryReport_CSV_V1`: an inventory report `manifest.json`.
        CosInventoryReportCsvV1 => "COSInventoryReport_CSV_V1",
    }
}

wire_enum! {
    /// A column of a CSV manifest (`Manifest/Spec/Fields/member`).
    ManifestField {
        /// `Ignore`: skip the column.
        Ignore => "Ignore",
        /// `Bucket`.
        Bucket => "Bucket",
        /// `Key`: URL-encoded object key.
        Key => "Key",
        /// `VersionId`.
        VersionId => "VersionId",
    }
}

wire_enum! {
    /// `Report/Format`.
    ReportFormat {
        /// `Report_CSV_V1`.
        ReportCsvV1 => "Report_CSV_V1",
    }
}

wire_enum! {
    /// `Report/ReportScope`.
    ReportScope {
        /// `AllTasks`.
        AllTasks => "AllTasks",
        /// `FailedTasksOnly`.
        FailedTasksOnly => "FailedTasksOnly",
    }
}

wire_enum! {
    /// `COSInitiateRestoreObject/JobTier`.
    JobTier {
        /// `Bulk`.
        Bulk => "Bulk",
        /// `Standard`.
        Standard => "Standard",
    }
}

wire_enum! {
    /// `COSPutObjectCopy/StorageClass`.
    StorageClass {
        /// `STANDARD`.
        Standard => "STANDARD",
        /// `STANDARD_IA`.
        StandardIa => "STANDARD_IA",
        /// `ARCHIVE`.
        Archive => "ARCHIVE",
        /// `DEEP_ARCHIVE`.
        DeepArchive => "DEEP_ARCHIVE",
        /// `INTELLIGENT_TIERING`.
        IntelligentTiering => "INTELLIGENT_TIERING",
        /// `MAZ_STANDARD`.
        MazStandard => "MAZ_STANDARD",
        /// `MAZ_STANDARD_IA`.
        MazStandardIa => "MAZ_STANDARD_IA",
    }
}

wire_enum! {
    /// `AccessControlDirective`, `MetadataDirective` and `TaggingDirective`.
    Directive {
        /// `Copy`: keep the source's.
        Copy => "Copy",
        /// `Replaced`: replace with the request's.
        Replaced => "Replaced",
        /// `Add`: add the request's.
        Add => "Add",
    }
}

wire_enum! {
    /// `COSPutObjectCopy/CannedAccessControlList`.
    CannedAcl {
        /// `private`.
        Private => "private",
        /// `public-read`.
        PublicRead => "public-read",
    }
}

wire_enum! {
    /// `COSGrant/Permission`.
    Permission {
        /// `READ`.
        Read => "READ",
        /// `WRITE`.
        Write => "WRITE",
        /// `FULL_CONTROL`.
        FullControl => "FULL_CONTROL",
    }
}

wire_enum! {
    /// `Grantee/TypeIdentifier`.
    GranteeType {
        /// `ID`: a CAM account identifier.
        Id => "ID",
    }
}

wire_enum! {
    /// `NewObjectMetadata/SSEAlgorithm`.
    SseAlgorithm {
        /// `AES256`.
        Aes256 => "AES256",
    }
}

wire_enum! {
    /// The operation of a job as text, as `ListJobsResult` members carry it (`COSPutObjectCopy`).
    OperationName {
        /// `COSPutObjectCopy`.
        PutObjectCopy => "COSPutObjectCopy",
        /// `COSInitiateRestoreObject`.
        InitiateRestoreObject => "COSInitiateRestoreObject",
        /// `COSPutObjectTagging`.
        PutObjectTagging => "COSPutObjectTagging",
        /// `COSDeleteObject`.
        DeleteObject => "COSDeleteObject",
    }
}

wire_enum! {
    /// `Error/Code` of an error document.
    ErrorCode {
        /// `InvalidArgument` (400).
        InvalidArgument => "InvalidArgument",
        /// `InvalidRequest` (400).
        InvalidRequest => "InvalidRequest",
        /// `MalformedXML` (400).
        MalformedXml => "MalformedXML",
        /// `NoSuchJob` (404).
        NoSuchJob => "NoSuchJob",
        /// `AccessDenied` (403).
        AccessDenied => "AccessDenied",
        /// `InvalidAccessKeyId` (403).
        InvalidAccessKeyId => "InvalidAccessKeyId",
        /// `SignatureDoesNotMatch` (403).
        SignatureDoesNotMatch => "SignatureDoesNotMatch",
        /// `RequestTimeTooSkewed` (403).
        RequestTimeTooSkewed => "RequestTimeTooSkewed",
        /// `ExpiredToken` (400).
        ExpiredToken => "ExpiredToken",
        /// `MethodNotAllowed` (405).
        MethodNotAllowed => "MethodNotAllowed",
        /// `InternalError` (500, retryable).
        InternalError => "InternalError",
        /// `ServiceUnavailable` (500 or 503, retryable).
        ServiceUnavailable => "ServiceUnavailable",
        /// `TooManyJobs` (500).
        TooManyJobs => "TooManyJobs",
        /// `SlowDown` (503, retryable).
        SlowDown => "SlowDown",
    }
}

impl ErrorCode {
    /// Whether the API documents this error as retryable (InternalError, ServiceUnavailable, SlowDown).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::InternalError | Self::ServiceUnavailable | Self::SlowDown
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip() {
        for s in JobStatus::KNOWN {
            let v = JobStatus::from(*s);
            assert!(v.is_known());
            assert_eq!(v.as_str(), *s);
        }
        assert_eq!(
            StorageClass::from("MAZ_STANDARD_IA"),
            StorageClass::MazStandardIa
        );
        assert_eq!(CannedAcl::from("public-read").to_string(), "public-read");
    }

    #[test]
    fn unknown_values_are_kept() {
        let v: StorageClass = "COLD<&>".parse().unwrap();
        assert_eq!(v, StorageClass::Other("COLD<&>".into()));
        assert_eq!(v.as_str(), "COLD<&>");
        assert_eq!(
            StorageClass::from(String::from("STANDARD")),
            StorageClass::Standard
        );
        assert!(!v.is_known());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_uses_the_wire_string() {
        let json = serde_json::to_string(&ManifestFormat::CosBatchOperationsCsvV1).unwrap();
        assert_eq!(json, "\"COSBatchOperations_CSV_V1\"");
        let back: ManifestFormat = serde_json::from_str("\"Other_V9\"").unwrap();
        assert_eq!(back, ManifestFormat::Other("Other_V9".into()));
    }
}
