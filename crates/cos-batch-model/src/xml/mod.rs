//! The XML side: the [`XmlDocument`] trait and the reader and writer behind it.

mod chars;
pub(crate) mod reader;
pub(crate) mod writer;

use crate::error::DecodeError;
use crate::limits::Limits;
use reader::{Mode, XmlReader};

/// A document with an XML body: a request body or a response body.
///
/// Decoding accepts documents with or without an `<?xml ...?>` prolog and with whitespace
/// between elements, ignores unknown elements, and names the element path in every error.
/// Encoding writes no prolog and no whitespace, elements in the order of the vendor's skeletons.
pub trait XmlDocument: Sized {
    /// The root element's name, e.g. `CreateJobRequest`.
    const ROOT: &'static str;

    /// Decodes `bytes` with the default [`Limits`].
    fn from_xml(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::from_xml_with(bytes, &Limits::default())
    }

    /// Decodes `bytes` within `limits`.
    fn from_xml_with(bytes: &[u8], limits: &Limits) -> Result<Self, DecodeError>;

    /// Encodes the document (UTF-8, no prolog).
    fn to_xml(&self) -> String;
}

/// Opens `bytes` at root `root`, decodes the root's content with `f` and checks the rest.
pub(crate) fn decode_document<'a, T>(
    bytes: &'a [u8],
    limits: &Limits,
    root: &'static str,
    mode: Mode,
    f: impl FnOnce(&mut XmlReader<'a>) -> Result<T, DecodeError>,
) -> Result<T, DecodeError> {
    let mut r = XmlReader::open(bytes, limits, root, mode)?;
    let v = f(&mut r)?;
    r.pop();
    r.finish()?;
    Ok(v)
}
