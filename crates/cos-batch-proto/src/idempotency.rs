//! CreateJob idempotency: a `ClientRequestToken` fixed before the first attempt and reused on
//! every retry, and the service's answer to a repeated token.
//!
//! A transport that retries CreateJob after a lost response may meet `InvalidRequest`
//! "Duplicate request" ([`crate::CosError::is_duplicate_request`]): the first attempt made the
//! job. It then finds that job (ListJobs, DescribeJob by token) and returns it, instead of
//! failing or creating another.

use cos_batch_model::CreateJobRequest;

/// Fills an absent (`None`) `ClientRequestToken` with a new token and returns the token the
/// request now carries. A blank one (`""`, all spaces) is taken as absent too: it cannot have
/// been meant as a token. A token the caller set is kept, and so is the one an earlier call
/// set: call it before the first attempt and every retry sends the same token.
///
/// The codec has no source of randomness of its own (it does no I/O): `random` gives the 16
/// random bytes of a new token, and is only called when one is needed. The token is those
/// bytes as a UUID version 4 (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`, 36 characters), the form
/// the API recommends.
///
/// ```
/// use cos_batch_proto::ensure_client_token;
/// # use cos_batch_model::*;
/// # let mut request = CreateJobRequest::new(
/// #     "-", Manifest::new(ManifestLocation::new("qcs::cos:ap-chengdu::b-1250000000/m.csv", "e"),
/// #     ManifestSpec::new(ManifestFormat::CosBatchOperationsCsvV1, vec![ManifestField::Bucket, ManifestField::Key])),
/// #     Operation::DeleteObject(DeleteObject::default()), 1,
/// #     Report::new("qcs::cos:ap-chengdu::b-1250000000", false, ReportScope::AllTasks), "role");
/// request.client_request_token = None;
/// // Any source of random bytes: an OS RNG, a seeded RNG in tests, ...
/// let random = || 0x0123_4567_89ab_cdef_0123_4567_89ab_cdef_u128.to_be_bytes();
/// let token = ensure_client_token(&mut request, random).to_owned();
/// assert_eq!(token, "01234567-89ab-4def-8123-456789abcdef");
/// // Called again (a retry), it keeps the token and does not ask for new bytes.
/// assert_eq!(ensure_client_token(&mut request, || unreachable!()), token);
/// ```
pub fn ensure_client_token(
    request: &mut CreateJobRequest,
    random: impl FnOnce() -> [u8; 16],
) -> &str {
    let token = request
        .client_request_token
        .take()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| {
            uuid::Builder::from_random_bytes(random())
                .into_uuid()
                .to_string()
        });
    request.client_request_token.insert(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cos_batch_model::{
        DeleteObject, Manifest, ManifestField, ManifestFormat, ManifestLocation, ManifestSpec,
        Operation, Report, ReportScope,
    };

    fn request(token: Option<&str>) -> CreateJobRequest {
        let mut request = CreateJobRequest::new(
            "-",
            Manifest::new(
                ManifestLocation::new("qcs::cos:ap-chengdu::b-1250000000/m.csv", "e"),
                ManifestSpec::new(
                    ManifestFormat::CosBatchOperationsCsvV1,
                    vec![ManifestField::Bucket, ManifestField::Key],
                ),
            ),
            Operation::DeleteObject(DeleteObject::default()),
            1,
            Report::new(
                "qcs::cos:ap-chengdu::b-1250000000",
                false,
                ReportScope::AllTasks,
            ),
            "role",
        );
        request.client_request_token = token.map(str::to_owned);
        request
    }

    #[test]
    fn an_absent_or_blank_token_becomes_a_uuid_v4_of_the_given_bytes() {
        for absent in [None, Some(""), Some("  ")] {
            let mut r = request(absent);
            let token = ensure_client_token(&mut r, || [0xff; 16]).to_owned();
            // Version nibble 4 and variant bits 10, the rest from the bytes.
            assert_eq!(token, "ffffffff-ffff-4fff-bfff-ffffffffffff");
            assert_eq!(r.client_request_token.as_deref(), Some(token.as_str()));
        }
    }

    #[test]
    fn a_set_token_is_kept_and_no_randomness_is_asked_for() {
        let mut r = request(Some("my-token"));
        let mut asked = false;
        let token = ensure_client_token(&mut r, || {
            asked = true;
            [0; 16]
        });
        assert_eq!(token, "my-token");
        assert!(!asked);
    }
}
