//! CreateJob idempotency: a `ClientRequestToken` fixed before the first attempt and reused on
//! every retry, and the service's answer to a repeated token.
//!
//! A transport that retries CreateJob after a lost response may meet `InvalidRequest`
//! "Duplicate request" ([`crate::CosError::is_duplicate_request`]): the first attempt made the
//! job. It then finds that job (ListJobs, DescribeJob by token) and returns it, instead of
//! failing or creating another.

use cos_batch_model::CreateJobRequest;

/// Fills an empty (or all-blank) `ClientRequestToken` with a new token and returns the token
/// the request now carries. A token the caller set is kept, and so is the one an earlier call
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
/// #     "", Manifest::new(ManifestLocation::new("qcs::cos:ap-chengdu::b-1250000000/m.csv", "e"),
/// #     ManifestSpec::new(ManifestFormat::CosBatchOperationsCsvV1, vec![ManifestField::Bucket, ManifestField::Key])),
/// #     Operation::DeleteObject(DeleteObject::default()), 1,
/// #     Report::new("qcs::cos:ap-chengdu::b-1250000000", false, ReportScope::AllTasks), "role");
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
    if request.client_request_token.trim().is_empty() {
        request.client_request_token = uuid::Builder::from_random_bytes(random())
            .into_uuid()
            .to_string();
    }
    &request.client_request_token
}

#[cfg(test)]
mod tests {
    use super::*;
    use cos_batch_model::{
        DeleteObject, Manifest, ManifestField, ManifestFormat, ManifestLocation, ManifestSpec,
        Operation, Report, ReportScope,
    };

    fn request(token: &str) -> CreateJobRequest {
        CreateJobRequest::new(
            token,
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
        )
    }

    #[test]
    fn a_blank_token_becomes_a_uuid_v4_of_the_given_bytes() {
        for blank in ["", "  "] {
            let mut r = request(blank);
            let token = ensure_client_token(&mut r, || [0xff; 16]).to_owned();
            // Version nibble 4 and variant bits 10, the rest from the bytes.
            assert_eq!(token, "ffffffff-ffff-4fff-bfff-ffffffffffff");
            assert_eq!(r.client_request_token, token);
        }
    }

    #[test]
    fn a_set_token_is_kept_and_no_randomness_is_asked_for() {
        let mut r = request("my-token");
        let mut asked = false;
        let token = ensure_client_token(&mut r, || {
            asked = true;
            [0; 16]
        });
        assert_eq!(token, "my-token");
        assert!(!asked);
    }
}
