#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod authorization;
mod canonical;
mod credentials;
mod header_policy;
mod key_cache;
mod key_time;
mod signer;
mod signing_key;
mod verify;

pub use authorization::{ALGORITHM, Authorization, AuthorizationError};
pub use canonical::CanonicalRequest;
pub use credentials::{Credentials, SecretKey, SessionToken};
pub use header_policy::HeaderPolicy;
pub use key_time::{KeyTime, KeyTimeError};
pub use signer::{SECURITY_TOKEN, SignError, Signer};
pub use signing_key::SigningKey;
pub use verify::{DEFAULT_CLOCK_SKEW, KeyLookup, Verified, Verifier, VerifyError};
