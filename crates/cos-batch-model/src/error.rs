//! Decoding errors: what went wrong and at which element path.

use std::fmt;

/// The most characters of an offending value kept in [`DecodeErrorKind::InvalidValue`].
pub(crate) const MAX_REPORTED_VALUE_CHARS: usize = 64;

/// Why a document could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The bytes are not well-formed XML (quick-xml's message).
    Syntax(String),
    /// The bytes are not UTF-8.
    InvalidUtf8,
    /// The root element is not the one this document type has.
    UnexpectedRoot {
        /// The root element this document type expects.
        expected: &'static str,
        /// The root element found.
        found: String,
    },
    /// A required element is absent (the path ends with its name).
    MissingElement,
    /// An element that may appear once appears again.
    DuplicateElement,
    /// `<Operation>` holds no known operation element.
    MissingOperation,
    /// `<Operation>` holds a second operation (the path ends with it).
    SecondOperation,
    /// `<Operation>` of a request holds an element that is not an operation this crate knows.
    UnknownOperation,
    /// A value cannot be parsed or is out of its documented range.
    InvalidValue {
        /// The offending text, cut to its first 64 characters (then `...`).
        value: String,
        /// What was expected, e.g. `an integer in 0..=2147483647`.
        expected: &'static str,
    },
    /// The document is larger than [`Limits::max_bytes`](crate::Limits::max_bytes).
    TooLarge {
        /// The document's size in bytes.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// Elements nest deeper than [`Limits::max_depth`](crate::Limits::max_depth).
    TooDeep {
        /// The limit in force.
        limit: usize,
    },
    /// A list has more items than [`Limits::max_list_len`](crate::Limits::max_list_len).
    TooManyItems {
        /// The limit in force.
        limit: usize,
    },
    /// The document has a `<!DOCTYPE ...>` (and so possibly entity declarations); never accepted.
    DtdNotAllowed,
    /// An entity reference other than the five predefined ones or a character reference.
    UnknownEntity(String),
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax(msg) => write!(f, "malformed XML: {msg}"),
            Self::InvalidUtf8 => f.write_str("document is not valid UTF-8"),
            Self::UnexpectedRoot { expected, found } => {
                write!(
                    f,
                    "unexpected root element <{found}>, expected <{expected}>"
                )
            }
            Self::MissingElement => f.write_str("missing required element"),
            Self::DuplicateElement => f.write_str("element may appear only once"),
            Self::MissingOperation => f.write_str("no operation element"),
            Self::SecondOperation => f.write_str("second operation; exactly one is allowed"),
            Self::UnknownOperation => f.write_str("unknown operation"),
            Self::InvalidValue { value, expected } => {
                write!(f, "invalid value {value:?}, expected {expected}")
            }
            Self::TooLarge { size, limit } => {
                write!(
                    f,
                    "document of {size} bytes exceeds the limit of {limit} bytes"
                )
            }
            Self::TooDeep { limit } => write!(f, "elements nest deeper than {limit}"),
            Self::TooManyItems { limit } => write!(f, "list has more than {limit} items"),
            Self::DtdNotAllowed => f.write_str("DOCTYPE and entity declarations are not allowed"),
            Self::UnknownEntity(name) => write!(f, "unknown entity reference &{name};"),
        }
    }
}

/// A document could not be decoded: the kind of failure and the element path where it happened
/// (e.g. `CreateJobRequest/Manifest/Spec/Format`; empty when it concerns the whole document).
///
/// Displays as `path: kind`, e.g. `CreateJobRequest/Manifest/Spec/Format: missing required element`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    // Boxed so that `Result<T, DecodeError>` stays small on the decoder's hot path.
    inner: Box<Inner>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    kind: DecodeErrorKind,
    path: String,
}

impl DecodeError {
    /// Builds an error of `kind` at `path`.
    pub fn new(kind: DecodeErrorKind, path: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                path: path.into(),
            }),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.inner.kind
    }

    /// The slash-separated element path, from the root element; empty for document-wide errors.
    pub fn path(&self) -> &str {
        &self.inner.path
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.inner.path.is_empty() {
            write!(f, "{}", self.inner.kind)
        } else {
            write!(f, "{}: {}", self.inner.path, self.inner.kind)
        }
    }
}

impl std::error::Error for DecodeError {}

/// Cuts `value` to [`MAX_REPORTED_VALUE_CHARS`] characters for an error message.
pub(crate) fn truncate_value(value: &str) -> String {
    match value.char_indices().nth(MAX_REPORTED_VALUE_CHARS) {
        Some((end, _)) => format!("{}...", value.get(..end).unwrap_or(value)),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_path() {
        let e = DecodeError::new(
            DecodeErrorKind::MissingElement,
            "CreateJobRequest/Manifest/Spec/Format",
        );
        assert_eq!(
            e.to_string(),
            "CreateJobRequest/Manifest/Spec/Format: missing required element"
        );
        let e = DecodeError::new(DecodeErrorKind::InvalidUtf8, "");
        assert_eq!(e.to_string(), "document is not valid UTF-8");
    }

    #[test]
    fn long_values_are_truncated() {
        let long = "é".repeat(100);
        let cut = truncate_value(&long);
        assert_eq!(cut.chars().count(), MAX_REPORTED_VALUE_CHARS + 3);
        assert_eq!(truncate_value("short"), "short");
    }
}
