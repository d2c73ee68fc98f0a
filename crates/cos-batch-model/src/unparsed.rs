//! `UnparsedValue`: the wire text of a response value that did not parse.

/// A value of a response that is present but does not parse as its type (a timestamp such as
/// `2019-12-19 18:00:30`, a count such as `1e3`, a boolean such as `-`), kept as sent.
///
/// Response decoding is tolerant per element: such a value never fails the document. The typed
/// field stays `None` (the value is not known) and the text is kept in the `unparsed` list of
/// the [`Job`](crate::Job), [`JobListEntry`](crate::JobListEntry) or
/// [`UpdateJobPriorityResult`](crate::UpdateJobPriorityResult) it belongs to, under its
/// element path relative to that job (`TerminationDate`, `ProgressSummary/NumberOfTasksFailed`,
/// `Report/Enabled`). An empty element is absent and is not listed here.
///
/// Why this shape rather than a `Lenient<T>` per field: every caller keeps reading plain typed
/// fields (`job.priority: Option<u32>`), which hold only values that are known; the rare odd
/// text is one lookup away ([`Job::unparsed`](crate::Job::unparsed)) instead of a match on
/// every field read, and requests (which share `Manifest`, `Operation` and `Report`) keep their
/// strict types. Unparsed values are not encoded again.
///
/// ```
/// use cos_batch_model::{DescribeJobResult, XmlDocument};
///
/// let xml = b"<DescribeJobResult><Job><Priority>1e3</Priority>\
///     <TerminationDate>2019-12-19 18:00:30</TerminationDate></Job></DescribeJobResult>";
/// let job = DescribeJobResult::from_xml(xml)?.job.unwrap();
/// assert_eq!(job.priority, None);
/// assert_eq!(job.unparsed("Priority"), Some("1e3"));
/// assert_eq!(job.unparsed("TerminationDate"), Some("2019-12-19 18:00:30"));
/// # Ok::<(), cos_batch_model::DecodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct UnparsedValue {
    /// The element path relative to the job, e.g. `ProgressSummary/TotalNumberOfTasks`.
    pub element: String,
    /// The element's text as sent (not trimmed).
    pub text: String,
}

impl UnparsedValue {
    /// The value `text` of `element`.
    pub fn new(element: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            element: element.into(),
            text: text.into(),
        }
    }
}

/// The text of `element` in `list`, if it did not parse.
pub(crate) fn find<'a>(list: &'a [UnparsedValue], element: &str) -> Option<&'a str> {
    list.iter()
        .find(|u| u.element == element)
        .map(|u| u.text.as_str())
}
