//! `Ownership`: which buckets a job of one account may read and write.
//!
//! A bucket belongs to the account whose APPID it carries: the `uid/{appid}` of its ARN, else
//! the `-{appid}` suffix of its name when that is the APPID of another account the emulator
//! serves, else the job's own account (the emulator puts a bare name under the job's APPID).
//! A job may use only its own account's buckets: anything else is `AccessDenied`, refused at
//! CreateJob when an ARN says so and per task for a manifest row. The message names only what
//! the caller wrote, never whether the other account's bucket or object exists.

use cos_batch_model::{CreateJobRequest, Operation};

use crate::Account;
use crate::arn::CosArn;
use crate::manifest::ManifestTask;
use crate::task_outcome::{TaskErrorCode, TaskFailure, TaskOutcome};

/// The `AccessDenied` message of a bucket of another account; the same whatever the bucket
/// holds.
pub(crate) fn denied_message(what: &str, bucket: &str) -> String {
    format!("Access Denied: {what} {bucket:?} is not a bucket of the job's account")
}

/// The buckets one account may use.
#[derive(Debug, Clone)]
pub(crate) struct Ownership {
    appid: String,
    others: Vec<String>,
}

impl Ownership {
    /// The rule for jobs of account `appid` among the `accounts` served.
    pub(crate) fn new(appid: &str, accounts: &[Account]) -> Self {
        Self {
            appid: appid.to_owned(),
            others: accounts
                .iter()
                .filter(|a| a.appid != appid)
                .map(|a| a.appid.clone())
                .collect(),
        }
    }

    /// Whether `bucket` (as a manifest row or an ARN names it, with the ARN's APPID if any)
    /// is a bucket of the account.
    pub(crate) fn owns(&self, arn_appid: Option<&str>, bucket: &str) -> bool {
        if let Some(appid) = arn_appid
            && appid != self.appid
        {
            return false;
        }
        let carries = |appid: &str| {
            bucket
                .strip_suffix(appid)
                .is_some_and(|name| name.len() > 1 && name.ends_with('-'))
        };
        // A name that ends with the account's own APPID is its own even if another APPID is a
        // suffix of it (`x-11` with APPIDs `11` and `1`).
        carries(&self.appid) || !self.others.iter().any(|other| carries(other))
    }

    /// Checks the ARN `text` (named `what` in the message); an ARN that does not parse is left
    /// to the checks that explain it.
    pub(crate) fn check_arn(&self, what: &str, text: &str) -> Result<(), String> {
        match CosArn::parse(text) {
            Ok(arn) if !self.owns(arn.appid.as_deref(), &arn.bucket) => {
                Err(denied_message(what, &arn.bucket))
            }
            _ => Ok(()),
        }
    }

    /// Checks every ARN of a CreateJob: the manifest, the report bucket and a copy's target.
    pub(crate) fn check_job(&self, request: &CreateJobRequest) -> Result<(), String> {
        self.check_arn("the manifest bucket", &request.manifest.location.object_arn)?;
        self.check_arn("the report bucket", &request.report.bucket)?;
        if let Operation::PutObjectCopy(copy) = &request.operation {
            self.check_arn("the target bucket", &copy.target_resource)?;
        }
        Ok(())
    }

    /// The `AccessDenied` outcome of a manifest row that names another account's bucket
    /// (before anything about the object is looked at), or `None` for a row of the account.
    pub(crate) fn deny_task(&self, task: &ManifestTask) -> Option<TaskOutcome> {
        (!self.owns(None, &task.bucket)).then(|| {
            TaskOutcome::from(TaskFailure::new(
                TaskErrorCode::AccessDenied,
                denied_message("the bucket", &task.bucket),
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> Ownership {
        let accounts = [
            Account::new("1", "1250000000", "AKIDa", "a"),
            Account::new("2", "1250000001", "AKIDb", "b"),
        ];
        Ownership::new("1250000000", &accounts)
    }

    #[test]
    fn own_and_bare_buckets_are_the_accounts() {
        let r = rule();
        assert!(r.owns(None, "src-1250000000"));
        assert!(r.owns(None, "src"));
        assert!(r.owns(Some("1250000000"), "src-1250000000"));
        assert!(r.owns(None, "src-9999"));
    }

    #[test]
    fn another_accounts_buckets_are_not() {
        let r = rule();
        assert!(!r.owns(Some("1250000001"), "src-1250000001"));
        assert!(!r.owns(Some("1250000001"), "src"));
        assert!(!r.owns(None, "src-1250000001"));
        assert!(!r.owns(Some("1250000000"), "src-1250000001"));
        // An APPID that is a suffix of the other: the longest (own) one wins.
        let accounts = [
            Account::new("1", "11", "AKIDa", "a"),
            Account::new("2", "1", "AKIDb", "b"),
        ];
        assert!(Ownership::new("11", &accounts).owns(None, "x-11"));
        assert!(!Ownership::new("1", &accounts).owns(None, "x-11"));
    }

    #[test]
    fn arns_are_checked_and_messages_name_only_the_input() {
        let r = rule();
        let err = r
            .check_arn(
                "the report bucket",
                "qcs::cos:ap:uid/1250000001:rep-1250000001",
            )
            .unwrap_err();
        assert!(err.contains("rep-1250000001"), "{err}");
        assert!(r.check_arn("x", "not an arn").is_ok());
        assert!(r.check_arn("x", "qcs::cos:ap:uid/1250000000:b").is_ok());
    }
}
