//! COS resource names: `qcs::cos:{region}:uid/{appid}:{bucket}[/{key}]` and
//! `qcs::cos:{region}::{bucket}[/{key}]`.

use std::fmt;

/// A parsed COS ARN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CosArn {
    /// The APPID of `uid/{appid}`, when given.
    pub appid: Option<String>,
    /// The bucket as written (with or without `-{appid}`).
    pub bucket: String,
    /// The object key, for an object ARN (not decoded: ARNs carry keys as they are).
    pub key: Option<String>,
}

/// Why a text is not a COS ARN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ArnError(&'static str);

impl fmt::Display for ArnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl CosArn {
    /// Parses an ARN.
    pub fn parse(text: &str) -> Result<Self, ArnError> {
        let rest = text
            .trim()
            .strip_prefix("qcs::cos:")
            .ok_or(ArnError("a COS ARN starts with qcs::cos:"))?;
        let (_region, rest) = rest.split_once(':').ok_or(ArnError(
            "a COS ARN has a region, an account and a resource",
        ))?;
        let (account, resource) = rest.split_once(':').ok_or(ArnError(
            "a COS ARN has a region, an account and a resource",
        ))?;
        let appid = match account {
            "" => None,
            a => Some(
                a.strip_prefix("uid/")
                    .filter(|id| !id.is_empty())
                    .ok_or(ArnError(
                        "the account part of a COS ARN is uid/{appid} or empty",
                    ))?
                    .to_owned(),
            ),
        };
        let (bucket, key) = match resource.split_once('/') {
            Some((b, k)) => (b, Some(k.to_owned())),
            None => (resource, None),
        };
        if bucket.is_empty() {
            return Err(ArnError("the COS ARN names no bucket"));
        }
        Ok(Self {
            appid,
            bucket: bucket.to_owned(),
            key,
        })
    }

    /// The APPID the bucket belongs to: the ARN's own, else `default`.
    pub fn appid_or<'a>(&'a self, default: &'a str) -> &'a str {
        self.appid.as_deref().unwrap_or(default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms() {
        let a =
            CosArn::parse("qcs::cos:ap-chengdu:uid/1250000000:src-1250000000/dir/m.csv").unwrap();
        assert_eq!(a.appid.as_deref(), Some("1250000000"));
        assert_eq!(a.bucket, "src-1250000000");
        assert_eq!(a.key.as_deref(), Some("dir/m.csv"));
        let b = CosArn::parse("qcs::cos:ap-chengdu::dst-1250000000").unwrap();
        assert_eq!(b.appid, None);
        assert_eq!(b.bucket, "dst-1250000000");
        assert_eq!(b.key, None);
        assert_eq!(b.appid_or("9"), "9");
        let c = CosArn::parse("qcs::cos:ap-chengdu::b/k:with:colons").unwrap();
        assert_eq!(c.key.as_deref(), Some("k:with:colons"));
    }

    #[test]
    fn malformed() {
        for bad in [
            "",
            "arn:aws:s3:::b",
            "qcs::cos:ap",
            "qcs::cos:ap:",
            "qcs::cos:ap::",
            "qcs::cos:ap:uid/:b",
            "qcs::cos:ap:acct:b",
        ] {
            assert!(CosArn::parse(bad).is_err(), "{bad:?}");
        }
    }
}
