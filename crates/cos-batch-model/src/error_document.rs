//! The error document `<Error>` of a failed request.

use crate::enums::ErrorCode;
use crate::error::DecodeError;
use crate::limits::Limits;
use crate::xml::reader::Mode;
use crate::xml::writer::XmlWriter;
use crate::xml::{XmlDocument, decode_document};

/// `Error`: the body of an error response. Every element may be absent; the codec falls back
/// to the `x-cos-request-id` / `x-cos-trace-id` headers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct ErrorDocument {
    /// `Code`, e.g. `NoSuchJob`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub code: Option<ErrorCode>,
    /// `Message`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub message: Option<String>,
    /// `Resource`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub resource: Option<String>,
    /// `RequestId`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub request_id: Option<String>,
    /// `TraceId`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub trace_id: Option<String>,
}

impl ErrorDocument {
    /// An error document with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code: Some(code),
            message: Some(message.into()),
            ..Self::default()
        }
    }
}

impl XmlDocument for ErrorDocument {
    const ROOT: &'static str = "Error";

    fn from_xml_with(bytes: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        decode_document(bytes, limits, Self::ROOT, Mode::Lenient, |r| {
            let mut e = Self::default();
            r.each_child(|r, name| match name {
                "Code" => r.value(&mut e.code, "an error code", |s| Some(ErrorCode::from(s))),
                "Message" => r.string(&mut e.message),
                "Resource" => r.string(&mut e.resource),
                "RequestId" => r.string(&mut e.request_id),
                "TraceId" => r.string(&mut e.trace_id),
                _ => Ok(()),
            })?;
            Ok(e)
        })
    }

    fn to_xml(&self) -> String {
        let mut w = XmlWriter::with_capacity(256);
        w.element(Self::ROOT, |w| {
            if let Some(c) = &self.code {
                w.text("Code", c.as_str());
            }
            w.opt_text("Message", self.message.as_deref());
            w.opt_text("Resource", self.resource.as_deref());
            w.opt_text("RequestId", self.request_id.as_deref());
            w.opt_text("TraceId", self.trace_id.as_deref());
        });
        w.finish()
    }
}
