//! `cos://bucket-appid/key`: where the object commands read and write, and the COS ARNs
//! (`qcs::cos:{region}::{bucket}/{key}`) jobs name objects and buckets by.

use std::fmt;

use crate::failure::Failure;

/// A bucket and a key (empty for the bucket itself, or a prefix for `ls`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CosUrl {
    /// `{name}-{appid}`.
    pub bucket: String,
    /// The key, as written (no decoding).
    pub key: String,
}

impl CosUrl {
    /// Reads `cos://bucket[/key]`.
    pub fn parse(text: &str) -> Result<Self, Failure> {
        let rest = text.strip_prefix("cos://").ok_or_else(|| {
            Failure::usage(format!(
                "`{text}` is not a COS URL: expected cos://name-appid/key"
            ))
        })?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(Failure::usage(format!("`{text}` names no bucket")));
        }
        Ok(Self {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
        })
    }

    /// Reads `cos://bucket/key` with a key.
    pub fn parse_object(text: &str) -> Result<Self, Failure> {
        let url = Self::parse(text)?;
        if url.key.is_empty() {
            return Err(Failure::usage(format!(
                "`{text}` names no object: expected cos://name-appid/key"
            )));
        }
        Ok(url)
    }

    /// The object's ARN in `region`.
    pub fn object_arn(&self, region: &str) -> String {
        format!("qcs::cos:{region}::{}/{}", self.bucket, self.key)
    }
}

impl fmt::Display for CosUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cos://{}/{}", self.bucket, self.key)
    }
}

/// The bucket (`name-appid`) and key of a COS ARN, `qcs::cos:{region}::{bucket}[/{key}]` or
/// `qcs::cos:{region}:uid/{appid}:{bucket}[/{key}]` (where `bucket` may lack its APPID).
pub fn parse_arn(arn: &str) -> Result<CosUrl, Failure> {
    let bad = || {
        Failure::usage(format!(
            "`{arn}` is not a COS ARN (qcs::cos:REGION::BUCKET/KEY)"
        ))
    };
    let rest = arn.strip_prefix("qcs::cos:").ok_or_else(bad)?;
    let (_region, rest) = rest.split_once(':').ok_or_else(bad)?;
    let (account, resource) = rest.split_once(':').ok_or_else(bad)?;
    let (bucket, key) = resource.split_once('/').unwrap_or((resource, ""));
    if bucket.is_empty() {
        return Err(bad());
    }
    let appid = account.strip_prefix("uid/").filter(|a| !a.is_empty());
    let bucket = match appid {
        Some(appid) if !bucket.ends_with(&format!("-{appid}")) => format!("{bucket}-{appid}"),
        _ => bucket.to_owned(),
    };
    Ok(CosUrl {
        bucket,
        key: key.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_arns_are_read() {
        let u = CosUrl::parse("cos://b-1/dir/k.csv").unwrap();
        assert_eq!((u.bucket.as_str(), u.key.as_str()), ("b-1", "dir/k.csv"));
        assert_eq!(u.object_arn("ap-x"), "qcs::cos:ap-x::b-1/dir/k.csv");
        assert_eq!(CosUrl::parse("cos://b-1").unwrap().key, "");
        for bad in ["b-1/k", "s3://b/k", "cos:///k"] {
            assert!(CosUrl::parse(bad).is_err(), "{bad}");
        }
        assert!(CosUrl::parse_object("cos://b-1/").is_err());
        assert_eq!(
            parse_arn("qcs::cos:ap-x::b-1/a/b").unwrap(),
            CosUrl::parse("cos://b-1/a/b").unwrap()
        );
        assert_eq!(parse_arn("qcs::cos:ap-x:uid/1:b").unwrap().bucket, "b-1");
        assert_eq!(parse_arn("qcs::cos:ap-x::b-1").unwrap().key, "");
        assert!(parse_arn("arn:aws:s3:::b").is_err());
    }
}
