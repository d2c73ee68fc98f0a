//! CreateJob: `CreateJobRequest` and `CreateJobResult`.

use crate::error::DecodeError;
use crate::limits::Limits;
use crate::manifest::{Manifest, Report};
use crate::operation::Operation;
use crate::validate::{ValidationErrors, Validator};
use crate::xml::reader::{self, Mode, XmlReader};
use crate::xml::writer::XmlWriter;
use crate::xml::{XmlDocument, decode_document};

/// The largest priority the API accepts (2147483647).
pub const MAX_PRIORITY: u32 = 2_147_483_647;

/// `CreateJobRequest`: the body of `POST /jobs`.
///
/// Decoding is strict: a missing required element, an out-of-range `Priority` or
/// `ExpirationInDays`, and a missing, second or unknown operation are errors naming the path.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct CreateJobRequest {
    /// `ClientRequestToken`: 1–64 bytes, unique per job (a UUID is recommended); the server
    /// rejects a repeated token as a duplicate request.
    ///
    /// Required on the wire: decoding a request without it is an error, and
    /// [`CreateJobRequest::validate`] names it when it is `None`. `None` means "not chosen
    /// yet": the clients fill it with a fresh UUID v4 before the first attempt and send the same
    /// token on every retry (`cos_batch_proto::ensure_client_token`). Encoding `None` writes no
    /// element.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub client_request_token: Option<String>,
    /// `ConfirmationRequired`: whether the job waits in `Suspended` for confirmation (default false).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub confirmation_required: Option<bool>,
    /// `Description`: 0–256 bytes.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub description: Option<String>,
    /// `Manifest`: the objects to process.
    pub manifest: Manifest,
    /// `Operation`: what to do with each object.
    pub operation: Operation,
    /// `Priority`: 0–2147483647, higher runs first.
    pub priority: u32,
    /// `Report`: the completion report.
    pub report: Report,
    /// `RoleArn`: 1–1024 bytes, e.g. `qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole`.
    pub role_arn: String,
}

impl CreateJobRequest {
    /// A request with every required element; set `confirmation_required` and `description` after.
    ///
    /// To leave the token to the client, use [`CreateJobRequest::builder`] (or set
    /// `client_request_token` to `None`).
    pub fn new(
        client_request_token: impl Into<String>,
        manifest: Manifest,
        operation: Operation,
        priority: u32,
        report: Report,
        role_arn: impl Into<String>,
    ) -> Self {
        Self {
            client_request_token: Some(client_request_token.into()),
            confirmation_required: None,
            description: None,
            manifest,
            operation,
            priority,
            report,
            role_arn: role_arn.into(),
        }
    }

    /// Checks every documented length and range; returns all violations with their paths.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut v = Validator::new(Self::ROOT);
        v.required_length(
            "ClientRequestToken",
            self.client_request_token.as_deref(),
            1,
            64,
        );
        v.opt_length("Description", self.description.as_deref(), 0, 256);
        self.manifest.validate_into(&mut v);
        self.operation.validate_into(&mut v);
        v.range(
            "Priority",
            i64::from(self.priority),
            0,
            i64::from(MAX_PRIORITY),
        );
        self.report.validate_into(&mut v);
        v.length("RoleArn", &self.role_arn, 1, 1024);
        v.finish()
    }

    /// Checks that every enumerated value of `Manifest`, `Operation` and `Report` is one the
    /// API documents (`JobTier`, `Spec/Format`, `Spec/Fields`, every `*Directive`,
    /// `StorageClass`, `CannedAccessControlList`, `Permission`, `TypeIdentifier`,
    /// `SSEAlgorithm`, and `Report/Format` and `ReportScope` of an enabled report).
    ///
    /// Decoding keeps unknown values (`Other`) so that a client never refuses what a newer
    /// service accepts; a server (the emulator) refuses them with this check, as the service
    /// answers `MalformedXML`.
    ///
    /// ```
    /// use cos_batch_model::{CreateJobRequest, XmlDocument};
    /// let xml = "<CreateJobRequest><ClientRequestToken>t</ClientRequestToken><Manifest><Location>\
    ///     <ETag>e</ETag><ObjectArn>qcs::cos:ap-guangzhou::b-1250000000/m.csv</ObjectArn></Location>\
    ///     <Spec><Fields><member>Bucket</member><member>Key</member></Fields>\
    ///     <Format>COSBatchOperations_CSV_V1</Format></Spec></Manifest><Operation>\
    ///     <COSInitiateRestoreObject><ExpirationInDays>1</ExpirationInDays><JobTier>Fast</JobTier>\
    ///     </COSInitiateRestoreObject></Operation><Priority>1</Priority><Report><Enabled>false</Enabled>\
    ///     </Report><RoleArn>r</RoleArn></CreateJobRequest>";
    /// let request = CreateJobRequest::from_xml(xml.as_bytes())?;
    /// let errors = request.validate_known_values().unwrap_err();
    /// assert!(errors.has_path("CreateJobRequest/Operation/COSInitiateRestoreObject/JobTier"));
    /// # Ok::<(), cos_batch_model::DecodeError>(())
    /// ```
    pub fn validate_known_values(&self) -> Result<(), ValidationErrors> {
        let mut v = Validator::new(Self::ROOT);
        self.manifest.known_values_into(&mut v);
        self.operation.known_values_into(&mut v);
        self.report.known_values_into(&mut v);
        v.finish()
    }

    fn decode(r: &mut XmlReader<'_>) -> Result<Self, DecodeError> {
        let (mut token, mut confirm, mut description, mut manifest) = (None, None, None, None);
        let (mut operation, mut priority, mut report, mut role) = (None, None, None, None);
        r.each_child(|r, name| match name {
            "ClientRequestToken" => r.string(&mut token),
            "ConfirmationRequired" => r.value(&mut confirm, reader::BOOL, reader::parse_bool),
            "Description" => r.string(&mut description),
            "Manifest" => r.nested(&mut manifest, Manifest::decode),
            "Operation" => r.nested(&mut operation, Operation::decode),
            "Priority" => r.value(&mut priority, reader::PRIORITY, reader::parse_priority),
            "Report" => r.nested(&mut report, Report::decode),
            "RoleArn" => r.string(&mut role),
            _ => Ok(()),
        })?;
        // `Operation::decode` in strict mode returns `Some` or an error; `None` means absent.
        let Some(operation) = operation.flatten() else {
            return Err(r.error_at("Operation", crate::DecodeErrorKind::MissingElement));
        };
        Ok(Self {
            client_request_token: Some(r.required(token, "ClientRequestToken")?),
            confirmation_required: confirm,
            description,
            manifest: r.required(manifest, "Manifest")?,
            operation,
            priority: r.required(priority, "Priority")?,
            report: r.required(report, "Report")?,
            role_arn: r.required(role, "RoleArn")?,
        })
    }
}

impl XmlDocument for CreateJobRequest {
    const ROOT: &'static str = "CreateJobRequest";

    fn from_xml_with(bytes: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        decode_document(bytes, limits, Self::ROOT, Mode::Strict, Self::decode)
    }

    fn to_xml(&self) -> String {
        let mut w = XmlWriter::with_capacity(1024);
        w.element(Self::ROOT, |w| {
            w.opt_text("ClientRequestToken", self.client_request_token.as_deref());
            w.opt_bool("ConfirmationRequired", self.confirmation_required);
            w.opt_text("Description", self.description.as_deref());
            self.manifest.encode(w);
            self.operation.encode(w);
            w.number("Priority", u64::from(self.priority));
            self.report.encode(w);
            w.text("RoleArn", &self.role_arn);
        });
        w.finish()
    }
}

/// `CreateJobResult`: the response to CreateJob.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct CreateJobResult {
    /// `JobId` of the new job, 1–64 bytes.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub job_id: Option<String>,
}

impl CreateJobResult {
    /// The result naming `job_id`.
    pub fn new(job_id: impl Into<String>) -> Self {
        Self {
            job_id: Some(job_id.into()),
        }
    }
}

impl XmlDocument for CreateJobResult {
    const ROOT: &'static str = "CreateJobResult";

    fn from_xml_with(bytes: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        decode_document(bytes, limits, Self::ROOT, Mode::Lenient, |r| {
            let mut job_id = None;
            r.each_child(|r, name| match name {
                "JobId" => r.string(&mut job_id),
                _ => Ok(()),
            })?;
            Ok(Self { job_id })
        })
    }

    fn to_xml(&self) -> String {
        let mut w = XmlWriter::with_capacity(96);
        w.element(Self::ROOT, |w| w.opt_text("JobId", self.job_id.as_deref()));
        w.finish()
    }
}
