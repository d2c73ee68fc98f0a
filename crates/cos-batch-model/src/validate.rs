//! Validation of inputs against the documented lengths and ranges.

use std::fmt;

/// What is wrong with one value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ViolationKind {
    /// A string's length in bytes is outside `min..=max`.
    Length {
        /// Shortest allowed, in bytes.
        min: usize,
        /// Longest allowed, in bytes.
        max: usize,
        /// The actual length in bytes.
        actual: usize,
    },
    /// A number is outside `min..=max`.
    Range {
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
        /// The actual value.
        actual: i64,
    },
    /// A list or an enumerated value that must not be empty is empty.
    Empty,
    /// A required element is absent (e.g. a `ClientRequestToken` not chosen yet).
    Missing,
    /// A value outside the set the API accepts here (e.g. a requested status other than Ready or Cancelled).
    NotAllowed {
        /// The offending value.
        value: String,
        /// The accepted values.
        allowed: &'static str,
    },
}

impl fmt::Display for ViolationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length { min, max, actual } => {
                write!(f, "length {actual} bytes is outside {min}..={max}")
            }
            Self::Range { min, max, actual } => write!(f, "{actual} is outside {min}..={max}"),
            Self::Empty => f.write_str("must not be empty"),
            Self::Missing => f.write_str("missing required element"),
            Self::NotAllowed { value, allowed } => {
                write!(f, "{value:?} is not allowed here, expected {allowed}")
            }
        }
    }
}

/// One violation: the element path of the value (e.g. `CreateJobRequest/Description`) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Violation {
    /// Slash-separated path of wire names from the input's root.
    pub path: String,
    /// What is wrong.
    pub kind: ViolationKind,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.kind)
    }
}

/// Every violation found by a `validate()` (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors {
    violations: Vec<Violation>,
}

impl ValidationErrors {
    /// The violations, in document order.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// The violations, by value.
    pub fn into_violations(self) -> Vec<Violation> {
        self.violations
    }

    /// Whether a violation has exactly this path.
    pub fn has_path(&self, path: &str) -> bool {
        self.violations.iter().any(|v| v.path == path)
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} invalid value(s): ", self.violations.len())?;
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Collects violations while walking an input, tracking the path.
pub(crate) struct Validator {
    path: String,
    violations: Vec<Violation>,
}

impl Validator {
    pub(crate) fn new(root: &str) -> Self {
        Self {
            path: root.to_owned(),
            violations: Vec::new(),
        }
    }

    pub(crate) fn finish(self) -> Result<(), ValidationErrors> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors {
                violations: self.violations,
            })
        }
    }

    /// Runs `f` with `name` appended to the path.
    pub(crate) fn nested(&mut self, name: &str, f: impl FnOnce(&mut Self)) {
        let len = self.path.len();
        self.path.push('/');
        self.path.push_str(name);
        f(self);
        self.path.truncate(len);
    }

    pub(crate) fn push(&mut self, name: &str, kind: ViolationKind) {
        let mut path = self.path.clone();
        path.push('/');
        path.push_str(name);
        self.violations.push(Violation { path, kind });
    }

    /// Checks that `value` is `min..=max` bytes long.
    pub(crate) fn length(&mut self, name: &str, value: &str, min: usize, max: usize) {
        let actual = value.len();
        if actual < min || actual > max {
            self.push(name, ViolationKind::Length { min, max, actual });
        }
    }

    /// Like [`Validator::length`] for an optional value (absent is fine).
    pub(crate) fn opt_length(&mut self, name: &str, value: Option<&str>, min: usize, max: usize) {
        if let Some(v) = value {
            self.length(name, v, min, max);
        }
    }

    /// Like [`Validator::length`] for a required value that may not be set yet (absent is a
    /// [`ViolationKind::Missing`]).
    pub(crate) fn required_length(
        &mut self,
        name: &str,
        value: Option<&str>,
        min: usize,
        max: usize,
    ) {
        match value {
            Some(v) => self.length(name, v, min, max),
            None => self.push(name, ViolationKind::Missing),
        }
    }

    /// Checks that `actual` is in `min..=max`.
    pub(crate) fn range(&mut self, name: &str, actual: i64, min: i64, max: i64) {
        if actual < min || actual > max {
            self.push(name, ViolationKind::Range { min, max, actual });
        }
    }

    /// Checks that an enumerated wire value is one of `known` (`allowed` says which).
    pub(crate) fn known(
        &mut self,
        name: &str,
        value: &impl std::fmt::Display,
        known: &[&str],
        allowed: &'static str,
    ) {
        let value = value.to_string();
        if !known.contains(&value.as_str()) {
            self.push(name, ViolationKind::NotAllowed { value, allowed });
        }
    }

    /// Checks that an enumerated wire value is not empty.
    pub(crate) fn non_empty(&mut self, name: &str, value: &str) {
        if value.is_empty() {
            self.push(name, ViolationKind::Empty);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_violation_with_its_path() {
        let mut v = Validator::new("Root");
        v.length("A", "", 1, 64);
        v.nested("B", |v| v.range("C", 400, 1, 365));
        v.length("D", "ok", 1, 64);
        let errs = v.finish().unwrap_err();
        assert_eq!(errs.violations().len(), 2);
        assert!(errs.has_path("Root/A"));
        assert!(errs.has_path("Root/B/C"));
        assert_eq!(
            errs.to_string(),
            "2 invalid value(s): Root/A: length 0 bytes is outside 1..=64; Root/B/C: 400 is outside 1..=365"
        );
    }

    #[test]
    fn no_violation_is_ok() {
        assert!(Validator::new("Root").finish().is_ok());
    }
}
