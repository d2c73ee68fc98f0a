//! Writes XML text directly into a `String`, escaping `<&>"'` and CR in text.

use std::fmt::Write as _;

use super::chars::is_xml_char;
use crate::Timestamp;

/// An XML text being written; no prolog, no indentation.
pub(crate) struct XmlWriter {
    out: String,
}

impl XmlWriter {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            out: String::with_capacity(capacity),
        }
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }

    /// `<name>` + `f` + `</name>`.
    pub(crate) fn element(&mut self, name: &str, f: impl FnOnce(&mut Self)) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        f(self);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// `<name/>`.
    pub(crate) fn empty(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str("/>");
    }

    /// `<name>escaped text</name>`.
    pub(crate) fn text(&mut self, name: &str, text: &str) {
        self.element(name, |w| escape_into(&mut w.out, text));
    }

    /// [`XmlWriter::text`] when `text` is present.
    pub(crate) fn opt_text(&mut self, name: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.text(name, t);
        }
    }

    /// `<name>true|false</name>`.
    pub(crate) fn bool(&mut self, name: &str, v: bool) {
        self.text(name, if v { "true" } else { "false" });
    }

    /// [`XmlWriter::bool`] when present.
    pub(crate) fn opt_bool(&mut self, name: &str, v: Option<bool>) {
        if let Some(v) = v {
            self.bool(name, v);
        }
    }

    /// `<name>integer</name>`.
    pub(crate) fn number(&mut self, name: &str, v: u64) {
        self.element(name, |w| {
            let _ = write!(w.out, "{v}");
        });
    }

    /// [`XmlWriter::number`] when present.
    pub(crate) fn opt_number(&mut self, name: &str, v: Option<u64>) {
        if let Some(v) = v {
            self.number(name, v);
        }
    }

    /// A timestamp as epoch seconds, when present.
    pub(crate) fn opt_epoch_seconds(&mut self, name: &str, v: Option<&Timestamp>) {
        if let Some(t) = v {
            self.element(name, |w| {
                let _ = write!(w.out, "{}", t.unix_seconds());
            });
        }
    }

    /// A timestamp's wire text, when present.
    pub(crate) fn opt_timestamp(&mut self, name: &str, v: Option<&Timestamp>) {
        if let Some(t) = v {
            self.text(name, t.as_str());
        }
    }
}

/// Appends `text` with `<`, `&`, `>`, `"`, `'` escaped as entities, CR as `&#13;` (so XML
/// end-of-line normalisation does not change it), and every character XML 1.0 cannot carry
/// (NUL and the other C0 controls, `U+FFFE`, `U+FFFF`) replaced by `U+FFFD`: the document
/// stays well-formed whatever the text (an untrusted job id echoed in an error message).
pub(crate) fn escape_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(i) =
        rest.find(|c: char| matches!(c, '<' | '&' | '>' | '"' | '\'' | '\r') || !is_xml_char(c))
    {
        let (plain, tail) = rest.split_at(i);
        out.push_str(plain);
        let mut chars = tail.chars();
        let entity = match chars.next() {
            Some('<') => "&lt;",
            Some('&') => "&amp;",
            Some('>') => "&gt;",
            Some('"') => "&quot;",
            Some('\'') => "&apos;",
            Some('\r') => "&#13;",
            _ => "\u{FFFD}",
        };
        out.push_str(entity);
        rest = chars.as_str();
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_specials() {
        let mut w = XmlWriter::with_capacity(16);
        w.text("A", "a<b>&\"c'\r\nd");
        w.empty("B");
        assert_eq!(
            w.finish(),
            "<A>a&lt;b&gt;&amp;&quot;c&apos;&#13;\nd</A><B/>"
        );
    }

    #[test]
    fn replaces_what_xml_cannot_carry() {
        let mut out = String::new();
        escape_into(
            &mut out,
            "job\0id\u{1b}[31m\u{7}\t\u{FFFE}\u{FFFF}\u{10000}\u{D7FF}",
        );
        assert_eq!(
            out,
            "job\u{FFFD}id\u{FFFD}[31m\u{FFFD}\t\u{FFFD}\u{FFFD}\u{10000}\u{D7FF}"
        );
    }

    proptest::proptest! {
        #[test]
        fn escaped_text_is_always_xml_and_reads_back(
            text in "\\PC*|[\\x00-\\x20<&>\"'\r\u{FFFE}\u{FFFF}a]*"
        ) {
            use crate::limits::Limits;
            use crate::xml::reader::{Mode, XmlReader};
            let mut w = XmlWriter::with_capacity(16);
            w.text("A", &text);
            let doc = format!("<R>{}</R>", w.finish());
            proptest::prop_assert!(doc.chars().all(is_xml_char), "{doc:?}");
            let expected: String = text
                .chars()
                .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
                .collect();
            let mut r = XmlReader::open(doc.as_bytes(), &Limits::default(), "R", Mode::Strict)
                .unwrap();
            let mut read = None;
            r.each_child(|r, _| r.string(&mut read)).unwrap();
            proptest::prop_assert_eq!(read.unwrap_or_default(), expected);
        }
    }
}
