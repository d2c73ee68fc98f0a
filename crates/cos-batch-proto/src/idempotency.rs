//! CreateJob idempotency: a `ClientRequestToken` fixed before the first attempt and reused on
//! every retry, and the service's answer to a repeated token.
//!
//! A transport that retries CreateJob after a lost response may meet `InvalidRequest`
//! "Duplicate request" ([`crate::CosError::is_duplicate_request`]): the first attempt made the
//! job. It then finds that job (ListJobs, DescribeJob by token) and returns it, instead of
//! failing or creating another.

use cos_batch_model::CreateJobRequest;

/// Fills an empty (or all-blank) `ClientRequestToken` with a new UUID v4 and returns the token
/// the request now carries. A token the caller set is kept.
///
/// ```
/// use cos_batch_proto::ensure_client_token;
/// # use cos_batch_model::*;
/// # let mut request = CreateJobRequest::new(
/// #     "", Manifest::new(ManifestLocation::new("qcs::cos:ap-chengdu::b-1250000000/m.csv", "e"),
/// #     ManifestSpec::new(ManifestFormat::CosBatchOperationsCsvV1, vec![ManifestField::Bucket, ManifestField::Key])),
/// #     Operation::DeleteObject(DeleteObject::default()), 1,
/// #     Report::new("qcs::cos:ap-chengdu::b-1250000000", false, ReportScope::AllTasks), "role");
/// let token = ensure_client_token(&mut request).to_owned();
/// assert_eq!(token.len(), 36);
/// // Called again (a retry), it keeps the token.
/// assert_eq!(ensure_client_token(&mut request), token);
/// ```
pub fn ensure_client_token(request: &mut CreateJobRequest) -> &str {
    if request.client_request_token.trim().is_empty() {
        request.client_request_token = uuid::Uuid::new_v4().to_string();
    }
    &request.client_request_token
}
