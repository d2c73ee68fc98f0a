//! Builders for the request types: [`CreateJobRequestBuilder`] (the body with six required
//! elements) and `with_*` setters on the small inputs, so that no caller mutates the fields of a
//! `#[non_exhaustive]` struct after a long constructor.

use std::fmt;

use crate::create_job::CreateJobRequest;
use crate::enums::JobStatus;
use crate::list_jobs::ListJobsRequest;
use crate::manifest::{Manifest, Report};
use crate::operation::Operation;
use crate::update_job::UpdateJobStatusRequest;

/// A required element a [`CreateJobRequestBuilder`] was not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MissingField {
    /// The element's wire name (`Manifest`, `Operation`, `Report`, `RoleArn`, `Priority`).
    pub field: &'static str,
}

impl MissingField {
    /// The element `field` is missing.
    pub fn new(field: &'static str) -> Self {
        Self { field }
    }
}

impl fmt::Display for MissingField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CreateJobRequest: the required element {} was not set",
            self.field
        )
    }
}

impl std::error::Error for MissingField {}

/// Builds a [`CreateJobRequest`]: [`CreateJobRequest::builder`].
///
/// `ClientRequestToken` is optional here: a request built without one carries `None`, which
/// the clients fill with a fresh UUID before the first attempt and reuse on every retry.
///
/// ```
/// use cos_batch_model::*;
///
/// let request = CreateJobRequest::builder()
///     .manifest(Manifest::new(
///         ManifestLocation::new("qcs::cos:ap-chengdu::b-1250000000/m.csv", "\"etag\""),
///         ManifestSpec::new(
///             ManifestFormat::CosBatchOperationsCsvV1,
///             vec![ManifestField::Bucket, ManifestField::Key],
///         ),
///     ))
///     .operation(Operation::DeleteObject(DeleteObject::default()))
///     .report(Report::new("qcs::cos:ap-chengdu::b-1250000000", true, ReportScope::AllTasks))
///     .role_arn("qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole")
///     .priority(10)
///     .description("tidy up")
///     .build()?;
/// assert_eq!(request.client_request_token(), None);
/// assert_eq!(request.description.as_deref(), Some("tidy up"));
///
/// let missing = CreateJobRequest::builder().priority(1).build().unwrap_err();
/// assert_eq!(missing.field, "Manifest");
/// # Ok::<(), MissingField>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct CreateJobRequestBuilder {
    client_request_token: Option<String>,
    confirmation_required: Option<bool>,
    description: Option<String>,
    manifest: Option<Manifest>,
    operation: Option<Operation>,
    priority: Option<u32>,
    report: Option<Report>,
    role_arn: Option<String>,
}

impl CreateJobRequestBuilder {
    /// `ClientRequestToken` (1–64 bytes); leave it unset to have the client generate one.
    pub fn client_request_token(mut self, token: impl Into<String>) -> Self {
        self.client_request_token = Some(token.into());
        self
    }

    /// Sets or clears `ClientRequestToken`.
    pub fn set_client_request_token(mut self, token: Option<String>) -> Self {
        self.client_request_token = token;
        self
    }

    /// `ConfirmationRequired`: the job waits in `Suspended` until confirmed.
    pub fn confirmation_required(mut self, required: bool) -> Self {
        self.confirmation_required = Some(required);
        self
    }

    /// `Description` (0–256 bytes).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// `Manifest` (required).
    pub fn manifest(mut self, manifest: Manifest) -> Self {
        self.manifest = Some(manifest);
        self
    }

    /// `Operation` (required).
    pub fn operation(mut self, operation: Operation) -> Self {
        self.operation = Some(operation);
        self
    }

    /// `Priority` (required, 0–2147483647; higher runs first).
    pub fn priority(mut self, priority: u32) -> Self {
        self.priority = Some(priority);
        self
    }

    /// `Report` (required).
    pub fn report(mut self, report: Report) -> Self {
        self.report = Some(report);
        self
    }

    /// `RoleArn` (required).
    pub fn role_arn(mut self, role_arn: impl Into<String>) -> Self {
        self.role_arn = Some(role_arn.into());
        self
    }

    /// The request, or the first required element not set (in wire order). Lengths and ranges
    /// are checked by [`CreateJobRequest::validate`] (the codec calls it before sending).
    pub fn build(self) -> Result<CreateJobRequest, MissingField> {
        fn need<T>(value: Option<T>, field: &'static str) -> Result<T, MissingField> {
            value.ok_or(MissingField { field })
        }
        let manifest = need(self.manifest, "Manifest")?;
        let operation = need(self.operation, "Operation")?;
        let priority = need(self.priority, "Priority")?;
        let report = need(self.report, "Report")?;
        let role_arn = need(self.role_arn, "RoleArn")?;
        let mut request = CreateJobRequest::new(
            String::new(),
            manifest,
            operation,
            priority,
            report,
            role_arn,
        );
        request.client_request_token = self.client_request_token;
        request.confirmation_required = self.confirmation_required;
        request.description = self.description;
        Ok(request)
    }
}

impl CreateJobRequest {
    /// A builder (see [`CreateJobRequestBuilder`]).
    pub fn builder() -> CreateJobRequestBuilder {
        CreateJobRequestBuilder::default()
    }

    /// The `ClientRequestToken` the request will be sent with, `None` while it is unset or
    /// blank (the client fills either with a fresh UUID when sending).
    pub fn client_request_token(&self) -> Option<&str> {
        self.client_request_token
            .as_deref()
            .filter(|t| !t.trim().is_empty())
    }
}

impl ListJobsRequest {
    /// Only jobs in `status` (added to the statuses already asked for).
    ///
    /// ```
    /// use cos_batch_model::{JobStatus, ListJobsRequest};
    ///
    /// let request = ListJobsRequest::new().with_status(JobStatus::Active).with_max_results(50);
    /// assert_eq!(request.job_statuses, vec![JobStatus::Active]);
    /// assert_eq!(request.max_results, Some(50));
    /// ```
    #[must_use]
    pub fn with_status(mut self, status: JobStatus) -> Self {
        self.job_statuses.push(status);
        self
    }

    /// `maxResults`: the page size (1–1000).
    #[must_use]
    pub fn with_max_results(mut self, max: u32) -> Self {
        self.max_results = Some(max);
        self
    }

    /// `nextToken`: start at the page this token names.
    #[must_use]
    pub fn with_next_token(mut self, token: impl Into<String>) -> Self {
        self.next_token = Some(token.into());
        self
    }
}

impl UpdateJobStatusRequest {
    /// `statusUpdateReason` (0–256 bytes).
    #[must_use]
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.status_update_reason = Some(reason.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        DeleteObject, ManifestField, ManifestFormat, ManifestLocation, ManifestSpec, ReportScope,
    };

    fn complete() -> CreateJobRequestBuilder {
        CreateJobRequest::builder()
            .manifest(Manifest::new(
                ManifestLocation::new("qcs::cos:ap-chengdu::b-1250000000/m.csv", "\"e\""),
                ManifestSpec::new(
                    ManifestFormat::CosBatchOperationsCsvV1,
                    vec![ManifestField::Bucket, ManifestField::Key],
                ),
            ))
            .operation(Operation::DeleteObject(DeleteObject::default()))
            .report(Report::new(
                "qcs::cos:ap-chengdu::b-1250000000",
                false,
                ReportScope::AllTasks,
            ))
            .role_arn("qcs::cam::uin/1:roleName/R")
            .priority(3)
    }

    #[test]
    fn builds_what_the_constructor_builds() {
        let built = complete()
            .client_request_token("t-1")
            .confirmation_required(true)
            .build();
        let mut expected = CreateJobRequest::new(
            "t-1",
            complete().build().map(|r| r.manifest).unwrap(),
            Operation::DeleteObject(DeleteObject::default()),
            3,
            Report::new(
                "qcs::cos:ap-chengdu::b-1250000000",
                false,
                ReportScope::AllTasks,
            ),
            "qcs::cam::uin/1:roleName/R",
        );
        expected.confirmation_required = Some(true);
        assert_eq!(built, Ok(expected));
    }

    #[test]
    fn names_each_missing_required_element() {
        assert_eq!(complete().role_arn("r").build().map(|_| ()), Ok(()));
        let mut b = complete();
        b.role_arn = None;
        assert_eq!(b.build().unwrap_err().field, "RoleArn");
        let mut b = complete();
        b.priority = None;
        assert_eq!(b.build().unwrap_err().field, "Priority");
        let mut b = complete();
        b.report = None;
        assert_eq!(b.build().unwrap_err().field, "Report");
        let mut b = complete();
        b.operation = None;
        assert_eq!(b.build().unwrap_err().field, "Operation");
    }

    #[test]
    fn an_absent_token_writes_no_element_and_fails_validation_and_decoding() {
        use crate::{DecodeErrorKind, ViolationKind, XmlDocument};
        let request = complete().build().unwrap();
        assert_eq!(request.client_request_token, None);
        let xml = request.to_xml();
        assert!(!xml.contains("ClientRequestToken"), "{xml}");
        let errors = request.validate().unwrap_err();
        let first = &errors.violations()[0];
        assert_eq!(first.path, "CreateJobRequest/ClientRequestToken");
        assert_eq!(first.kind, ViolationKind::Missing);
        assert_eq!(errors.violations().len(), 1);
        // A server decoding it refuses it, as it refuses any request without the element.
        let e = CreateJobRequest::from_xml(xml.as_bytes()).unwrap_err();
        assert_eq!(e.path(), "CreateJobRequest/ClientRequestToken");
        assert_eq!(e.kind(), &DecodeErrorKind::MissingElement);
        let with = complete().client_request_token("t").build().unwrap();
        assert_eq!(with.validate(), Ok(()));
        assert_eq!(
            CreateJobRequest::from_xml(with.to_xml().as_bytes()),
            Ok(with)
        );
    }

    #[test]
    fn an_unset_or_blank_token_is_none() {
        assert_eq!(complete().build().unwrap().client_request_token(), None);
        assert_eq!(
            complete()
                .client_request_token("  ")
                .build()
                .unwrap()
                .client_request_token(),
            None
        );
        assert_eq!(
            complete()
                .client_request_token("x")
                .build()
                .unwrap()
                .client_request_token(),
            Some("x")
        );
    }
}
