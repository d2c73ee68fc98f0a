//! An event-driven decoder over `quick_xml::Reader` borrowing from the input.
//!
//! It tracks the element path (for errors), the depth and list lengths, resolves only the five
//! predefined entities and character references, and rejects any DOCTYPE.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};

use super::chars::replace_non_xml;
use crate::error::{DecodeError, DecodeErrorKind, truncate_value};
use crate::limits::Limits;

/// Whether missing required elements are errors (requests) or defaults (responses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Requests: a missing required element is an error.
    Strict,
    /// Responses: any element may be absent.
    Lenient,
}

/// The decoder state: the quick-xml reader and the path of open elements.
pub(crate) struct XmlReader<'a> {
    reader: Reader<&'a [u8]>,
    /// `Root/Child/...` of the open elements.
    path: String,
    /// Length of `path` before each open element was pushed; its length is the depth.
    marks: Vec<usize>,
    /// The current element was an empty-element tag `<X/>`: it has no content and no end tag.
    empty: bool,
    limits: Limits,
    mode: Mode,
    /// Lenient mode: `(full path, text)` of each value that did not parse, in document order.
    unparsed: Vec<(String, String)>,
}

impl<'a> XmlReader<'a> {
    /// Opens `bytes`, checks the size limit, skips the prolog and enters the root element `root`.
    pub(crate) fn open(
        bytes: &'a [u8],
        limits: &Limits,
        root: &'static str,
        mode: Mode,
    ) -> Result<Self, DecodeError> {
        if bytes.len() > limits.max_bytes {
            return Err(DecodeError::new(
                DecodeErrorKind::TooLarge {
                    size: bytes.len(),
                    limit: limits.max_bytes,
                },
                "",
            ));
        }
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        // quick-xml checks UTF-8 event by event (`Error::Encoding`); no separate pass here.
        let mut r = Self {
            reader: Reader::from_reader(bytes),
            path: String::with_capacity(64),
            marks: Vec::with_capacity(8),
            empty: false,
            limits: *limits,
            mode,
            unparsed: Vec::new(),
        };
        loop {
            match r.read()? {
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
                Event::Text(t) if is_blank(&t) => {}
                Event::Start(e) | Event::Empty(e) if e.name().as_ref() != root => {
                    return Err(r.error(DecodeErrorKind::UnexpectedRoot {
                        expected: root,
                        found: truncate_value(e.name().as_ref()),
                    }));
                }
                Event::Start(_) => break,
                Event::Empty(_) => {
                    r.empty = true;
                    break;
                }
                Event::Eof => return Err(r.syntax("no root element")),
                _ => return Err(r.syntax("content before the root element")),
            }
        }
        r.push(root)?;
        Ok(r)
    }

    /// Whether missing elements are errors.
    pub(crate) fn mode(&self) -> Mode {
        self.mode
    }

    /// Checks that nothing but whitespace, comments and processing instructions follow the root
    /// element (which must have been consumed and popped).
    pub(crate) fn finish(mut self) -> Result<(), DecodeError> {
        loop {
            match self.read()? {
                Event::Eof => return Ok(()),
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(t) if is_blank(&t) => {}
                _ => return Err(self.syntax("content after the root element")),
            }
        }
    }

    /// Reads the next event, mapping errors and rejecting DOCTYPE anywhere.
    #[inline]
    fn read(&mut self) -> Result<Event<'a>, DecodeError> {
        match self.reader.read_event() {
            Ok(Event::DocType(_)) => Err(self.error(DecodeErrorKind::DtdNotAllowed)),
            Ok(ev) => Ok(ev),
            Err(quick_xml::Error::Encoding(_)) => Err(self.error(DecodeErrorKind::InvalidUtf8)),
            Err(e) => Err(self.syntax(&e.to_string())),
        }
    }

    /// An error of `kind` at the current path.
    pub(crate) fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(kind, self.path.as_str())
    }

    /// An error of `kind` at the current path extended by `name`.
    pub(crate) fn error_at(&self, name: &str, kind: DecodeErrorKind) -> DecodeError {
        let mut path = String::with_capacity(self.path.len() + 1 + name.len());
        path.push_str(&self.path);
        path.push('/');
        path.push_str(name);
        DecodeError::new(kind, path)
    }

    fn syntax(&self, msg: &str) -> DecodeError {
        self.error(DecodeErrorKind::Syntax(truncate_value(msg)))
    }

    fn push(&mut self, name: &str) -> Result<(), DecodeError> {
        self.marks.push(self.path.len());
        if !self.path.is_empty() {
            self.path.push('/');
        }
        self.path.push_str(name);
        if self.marks.len() > self.limits.max_depth {
            return Err(self.error(DecodeErrorKind::TooDeep {
                limit: self.limits.max_depth,
            }));
        }
        Ok(())
    }

    /// Leaves the current element (after its end tag was read).
    pub(crate) fn pop(&mut self) {
        if let Some(len) = self.marks.pop() {
            self.path.truncate(len);
        }
    }

    /// Calls `f(self, name)` for each child element of the current element, until its end tag,
    /// which is consumed (the current element stays on the path: the caller pops it). `f` must
    /// consume the child it is given (with [`XmlReader::text`] or a nested decoder followed by
    /// [`XmlReader::pop`]); a child `f` leaves alone, e.g. an unknown element, is skipped.
    pub(crate) fn each_child(
        &mut self,
        mut f: impl FnMut(&mut Self, &str) -> Result<(), DecodeError>,
    ) -> Result<(), DecodeError> {
        if std::mem::take(&mut self.empty) {
            return Ok(());
        }
        let depth = self.marks.len();
        loop {
            match self.read()? {
                Event::Start(e) => {
                    let name = e.name();
                    let name = name.as_ref();
                    self.push(name)?;
                    f(self, name)?;
                }
                Event::Empty(e) => {
                    let name = e.name();
                    let name = name.as_ref();
                    self.push(name)?;
                    self.empty = true;
                    f(self, name)?;
                }
                Event::End(_) => return Ok(()),
                Event::Eof => return Err(self.syntax("unexpected end of document")),
                Event::Decl(_) => return Err(self.syntax("XML declaration inside an element")),
                // Text between elements (indentation or stray text), comments, PIs, CDATA and
                // references between elements are ignored.
                _ => {}
            }
            if self.marks.len() > depth {
                self.skip()?;
            }
        }
    }

    /// Skips the rest of the current element, including its end tag, and pops it.
    pub(crate) fn skip(&mut self) -> Result<(), DecodeError> {
        if !std::mem::take(&mut self.empty) {
            let mut nested = 0usize;
            loop {
                match self.read()? {
                    Event::Start(_) => {
                        nested += 1;
                        if self.marks.len() + nested > self.limits.max_depth {
                            return Err(self.error(DecodeErrorKind::TooDeep {
                                limit: self.limits.max_depth,
                            }));
                        }
                    }
                    Event::End(_) if nested == 0 => break,
                    Event::End(_) => nested -= 1,
                    Event::Eof => return Err(self.syntax("unexpected end of document")),
                    Event::Decl(_) => {
                        return Err(self.syntax("XML declaration inside an element"));
                    }
                    _ => {}
                }
            }
        }
        self.pop();
        Ok(())
    }

    /// Reads the text content of the current element up to and including its end tag, resolving
    /// references; child elements inside it are skipped. Does not pop: the caller does, after
    /// parsing, so value errors name the element.
    pub(crate) fn text(&mut self) -> Result<Cow<'a, str>, DecodeError> {
        if std::mem::take(&mut self.empty) {
            return Ok(Cow::Borrowed(""));
        }
        // Fast path: one text event then the end tag, the usual shape of a value.
        let mut acc: Cow<'a, str> = Cow::Borrowed("");
        let mut ev = self.read()?;
        if let Event::Text(t) = ev {
            acc = t.xml10_content();
            ev = self.read()?;
        }
        while !self.text_event(&mut acc, ev)? {
            ev = self.read()?;
        }
        // What the writer cannot write is read as the writer writes it (U+FFFD).
        Ok(replace_non_xml(acc))
    }

    /// Adds one event inside a text value to `acc`; `true` at the end tag.
    fn text_event(&mut self, acc: &mut Cow<'a, str>, ev: Event<'a>) -> Result<bool, DecodeError> {
        match ev {
            Event::Text(t) => append(acc, t.xml10_content()),
            Event::CData(t) => append(acc, t.xml10_content()),
            Event::GeneralRef(r) => {
                let resolved = self.resolve(&r)?;
                append(acc, resolved);
            }
            Event::End(_) => return Ok(true),
            Event::Start(e) => {
                // Lenient: an element inside a text value is skipped.
                self.push(e.name().as_ref())?;
                self.skip()?;
            }
            Event::Eof => return Err(self.syntax("unexpected end of document")),
            Event::Decl(_) => return Err(self.syntax("XML declaration inside an element")),
            Event::Empty(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
        Ok(false)
    }

    /// Resolves a reference: the five predefined entities and character references only.
    fn resolve(&self, r: &BytesRef<'a>) -> Result<Cow<'a, str>, DecodeError> {
        let s: &str = r;
        let fixed = match s {
            "lt" => "<",
            "gt" => ">",
            "amp" => "&",
            "quot" => "\"",
            "apos" => "'",
            _ => match r.resolve_char_ref() {
                Ok(Some(c)) => return Ok(Cow::Owned(c.to_string())),
                Ok(None) => {
                    return Err(self.error(DecodeErrorKind::UnknownEntity(truncate_value(s))));
                }
                Err(e) => return Err(self.syntax(&e.to_string())),
            },
        };
        Ok(Cow::Borrowed(fixed))
    }

    /// Reads a string value (verbatim, not trimmed) into `slot`; a second occurrence is an error.
    pub(crate) fn string(&mut self, slot: &mut Option<String>) -> Result<(), DecodeError> {
        if slot.is_some() {
            return self.duplicate();
        }
        *slot = Some(self.text()?.into_owned());
        self.pop();
        Ok(())
    }

    /// A second occurrence of an element that may appear once: an error in strict mode; in
    /// lenient mode (responses) the first one is kept and this one skipped.
    fn duplicate(&mut self) -> Result<(), DecodeError> {
        match self.mode {
            Mode::Strict => Err(self.error(DecodeErrorKind::DuplicateElement)),
            Mode::Lenient => self.skip(),
        }
    }

    /// Reads a trimmed value parsed by `parse` into `slot`; `expected` describes valid values.
    ///
    /// An empty element (`<X></X>`, `<X/>`, or only whitespace) is absent: `slot` stays `None`.
    /// A value that does not parse is an error in strict mode; in lenient mode `slot` stays
    /// `None` and the text is kept (see [`XmlReader::take_unparsed`]).
    pub(crate) fn value<T>(
        &mut self,
        slot: &mut Option<T>,
        expected: &'static str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<(), DecodeError> {
        if slot.is_some() {
            return self.duplicate();
        }
        let text = self.text()?;
        let trimmed = trim_xml(&text);
        if trimmed.is_empty() {
            self.pop();
            return Ok(());
        }
        match parse(trimmed) {
            Some(v) => *slot = Some(v),
            None if self.mode == Mode::Lenient => {
                self.unparsed.push((self.path.clone(), text.into_owned()));
            }
            None => {
                return Err(self.error(DecodeErrorKind::InvalidValue {
                    value: truncate_value(&text),
                    expected,
                }));
            }
        }
        self.pop();
        Ok(())
    }

    /// How many unparsed values were kept so far (a mark for [`XmlReader::take_unparsed`]).
    pub(crate) fn unparsed_mark(&self) -> usize {
        self.unparsed.len()
    }

    /// The unparsed values kept since `mark`, with paths relative to the current element.
    pub(crate) fn take_unparsed(&mut self, mark: usize) -> Vec<crate::UnparsedValue> {
        let base = self.path.len() + 1;
        self.unparsed
            .drain(mark.min(self.unparsed.len())..)
            .map(|(path, text)| crate::UnparsedValue {
                element: path.get(base..).unwrap_or(&path).to_owned(),
                text,
            })
            .collect()
    }

    /// Decodes the current element with `f` into `slot` and pops it; a second occurrence is an error.
    pub(crate) fn nested<T>(
        &mut self,
        slot: &mut Option<T>,
        f: impl FnOnce(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<(), DecodeError> {
        if slot.is_some() {
            return self.duplicate();
        }
        let v = f(self)?;
        self.pop();
        *slot = Some(v);
        Ok(())
    }

    /// Decodes a list wrapper (the current element) whose items are `item` elements decoded by
    /// `f`; other children are skipped. A second wrapper is an error.
    pub(crate) fn list<T>(
        &mut self,
        slot: &mut Option<Vec<T>>,
        item: &str,
        mut f: impl FnMut(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<(), DecodeError> {
        if slot.is_some() {
            return self.duplicate();
        }
        let mut items = Vec::new();
        let limit = self.limits.max_list_len;
        self.each_child(|r, name| {
            if name == item {
                if items.len() >= limit {
                    return Err(r.error(DecodeErrorKind::TooManyItems { limit }));
                }
                items.push(f(r)?);
                r.pop();
            }
            Ok(())
        })?;
        self.pop();
        *slot = Some(items);
        Ok(())
    }

    /// The value of a required element: in strict mode absence is an error naming `name`, in
    /// lenient mode it is the default.
    pub(crate) fn required<T: Default>(
        &self,
        slot: Option<T>,
        name: &str,
    ) -> Result<T, DecodeError> {
        match (slot, self.mode) {
            (Some(v), _) => Ok(v),
            (None, Mode::Lenient) => Ok(T::default()),
            (None, Mode::Strict) => Err(self.error_at(name, DecodeErrorKind::MissingElement)),
        }
    }
}

fn append<'a>(acc: &mut Cow<'a, str>, more: Cow<'a, str>) {
    if acc.is_empty() {
        *acc = more;
    } else {
        acc.to_mut().push_str(&more);
    }
}

fn is_blank(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Trims XML whitespace (space, tab, CR, LF) from both ends.
pub(crate) fn trim_xml(s: &str) -> &str {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let bytes = s.as_bytes();
    let start = bytes.iter().position(|b| !ws(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !ws(b)).map_or(start, |i| i + 1);
    // Both ends are at ASCII bytes, so on character boundaries.
    s.get(start..end).unwrap_or("")
}

/// Parses `true`/`false` (any ASCII case) and `1`/`0`.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") || s == "1" {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") || s == "0" {
        Some(false)
    } else {
        None
    }
}

/// Parses a priority: an integer in `0..=2147483647`.
pub(crate) fn parse_priority(s: &str) -> Option<u32> {
    s.parse::<u32>().ok().filter(|p| *p <= crate::MAX_PRIORITY)
}

/// Expected-value text for [`parse_priority`].
pub(crate) const PRIORITY: &str = "an integer in 0..=2147483647";
/// Expected-value text for [`parse_bool`].
pub(crate) const BOOL: &str = "true or false";
/// Expected-value text for task counts.
pub(crate) const COUNT: &str = "an integer in 0..=18446744073709551615";
/// Expected-value text for timestamps.
pub(crate) const TIMESTAMP: &str = "an ISO 8601 timestamp or epoch seconds";

#[cfg(test)]
mod tests {
    use super::*;

    fn root(xml: &str) -> Result<XmlReader<'_>, DecodeError> {
        XmlReader::open(xml.as_bytes(), &Limits::default(), "R", Mode::Strict)
    }

    #[test]
    fn reads_text_with_references_and_cdata() {
        let mut r = root("<R><A> a&lt;&#x4e2d;&amp;<![CDATA[<x>]]>b </A></R>").unwrap();
        let mut a = None;
        r.each_child(|r, name| {
            assert_eq!(name, "A");
            r.string(&mut a)
        })
        .unwrap();
        assert_eq!(a.as_deref(), Some(" a<中&<x>b "));
        r.pop();
        r.finish().unwrap();
    }

    #[test]
    fn rejects_doctype_and_unknown_entities() {
        let e = root("<!DOCTYPE R [<!ENTITY x \"y\">]><R/>").err().unwrap();
        assert_eq!(e.kind(), &DecodeErrorKind::DtdNotAllowed);
        let mut r = root("<R><A>&x;</A></R>").unwrap();
        let mut a = None;
        let e = r.each_child(|r, _| r.string(&mut a)).unwrap_err();
        assert_eq!(e.kind(), &DecodeErrorKind::UnknownEntity("x".into()));
        assert_eq!(e.path(), "R/A");
    }

    #[test]
    fn checks_root_and_trailing_content() {
        let e = root("<?xml version=\"1.0\"?><Q/>").err().unwrap();
        assert!(matches!(e.kind(), DecodeErrorKind::UnexpectedRoot { .. }));
        let mut r = root("<R/><R/>").unwrap();
        r.each_child(|_, _| Ok(())).unwrap();
        r.pop();
        assert!(r.finish().is_err());
    }

    #[test]
    fn depth_limit_is_typed() {
        let deep = format!("<R>{}{}</R>", "<A>".repeat(40), "</A>".repeat(40));
        let mut r = root(&deep).unwrap();
        let e = r.each_child(|_, _| Ok(())).unwrap_err();
        assert_eq!(e.kind(), &DecodeErrorKind::TooDeep { limit: 32 });
    }

    #[test]
    fn invalid_utf8_is_typed() {
        let e = XmlReader::open(b"<R>\xff</R>", &Limits::default(), "R", Mode::Strict)
            .and_then(|mut r| {
                let mut a = None;
                r.each_child(|r, _| r.string(&mut a))?;
                r.text().map(|_| ())
            })
            .unwrap_err();
        assert_eq!(e.kind(), &DecodeErrorKind::InvalidUtf8);
        let e = XmlReader::open(b"<\xff/>", &Limits::default(), "R", Mode::Strict)
            .err()
            .unwrap();
        assert_eq!(e.kind(), &DecodeErrorKind::InvalidUtf8);
    }

    #[test]
    fn parses_scalars() {
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("yes"), None);
        assert_eq!(parse_priority("2147483647"), Some(2_147_483_647));
        assert_eq!(parse_priority("2147483648"), None);
        assert_eq!(parse_priority("-1"), None);
        assert_eq!(trim_xml(" \n\tx \r"), "x");
        assert_eq!(trim_xml("  "), "");
        assert_eq!(trim_xml(" é中 "), "é中");
    }
}
