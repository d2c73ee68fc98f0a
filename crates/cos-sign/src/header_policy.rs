//! `HeaderPolicy`: which request headers a signature covers.

use http::header::{self, HeaderName};

/// Which request headers a signature covers. No policy signs `authorization`, `user-agent` or
/// the hop-by-hop headers, which proxies rewrite; a missing `host` is taken from the URI.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderPolicy {
    /// `host`, `content-type`, `content-length`, `content-md5` and every `x-cos-*` header, as the
    /// official SDKs do for the batch API.
    #[default]
    Default,
    /// Every header present.
    All,
    /// Exactly these headers, where present.
    Only(Vec<HeaderName>),
}

impl HeaderPolicy {
    /// Whether a header of this name is signed.
    pub fn signs(&self, name: &HeaderName) -> bool {
        match self {
            Self::Default => {
                name == header::HOST
                    || name == header::CONTENT_TYPE
                    || name == header::CONTENT_LENGTH
                    || name.as_str() == "content-md5"
                    || name.as_str().starts_with("x-cos-")
            }
            Self::All => !never_signed(name),
            Self::Only(names) => names.contains(name) && !never_signed(name),
        }
    }
}

/// The headers no policy signs.
fn never_signed(name: &HeaderName) -> bool {
    name == header::AUTHORIZATION
        || name == header::USER_AGENT
        || name == header::CONNECTION
        || name == header::PROXY_AUTHENTICATE
        || name == header::PROXY_AUTHORIZATION
        || name == header::TE
        || name == header::TRAILER
        || name == header::TRANSFER_ENCODING
        || name == header::UPGRADE
        || matches!(name.as_str(), "keep-alive" | "proxy-connection")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_signs_hop_by_hop_even_when_asked() {
        let policy = HeaderPolicy::Only(vec![
            header::AUTHORIZATION,
            header::CONNECTION,
            header::CONTENT_TYPE,
        ]);
        assert!(!policy.signs(&header::AUTHORIZATION));
        assert!(!policy.signs(&header::CONNECTION));
        assert!(policy.signs(&header::CONTENT_TYPE));
        assert!(!policy.signs(&header::CONTENT_LENGTH));
        for name in [
            header::TRANSFER_ENCODING,
            HeaderName::from_static("keep-alive"),
        ] {
            assert!(!HeaderPolicy::All.signs(&name), "{name}");
        }
        assert!(HeaderPolicy::All.signs(&HeaderName::from_static("date")));
    }

    #[test]
    fn the_default_policy_signs_the_fixed_list_and_x_cos() {
        for name in [
            "host",
            "content-type",
            "content-length",
            "content-md5",
            "x-cos-acl",
        ] {
            assert!(
                HeaderPolicy::Default.signs(&HeaderName::from_static(name)),
                "{name}"
            );
        }
        for name in [
            "date",
            "authorization",
            "user-agent",
            "x-cosy",
            "content-encoding",
        ] {
            assert!(
                !HeaderPolicy::Default.signs(&HeaderName::from_static(name)),
                "{name}"
            );
        }
    }
}
