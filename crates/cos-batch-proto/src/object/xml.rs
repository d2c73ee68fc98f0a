//! A small XML writer for the object API's documents, and a reader that flattens one into
//! opened elements and leaf texts.

use std::borrow::Cow;

use cos_batch_model::{DecodeError, DecodeErrorKind};
use quick_xml::Reader;
use quick_xml::events::Event;

/// Writes elements into a string, text escaped.
pub(crate) struct Xml(String);

impl Xml {
    pub(crate) fn new(root: &str) -> Self {
        Self(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root}>"
        ))
    }

    pub(crate) fn open(&mut self, name: &str) {
        self.0.push('<');
        self.0.push_str(name);
        self.0.push('>');
    }

    pub(crate) fn close(&mut self, name: &str) {
        self.0.push_str("</");
        self.0.push_str(name);
        self.0.push('>');
    }

    pub(crate) fn text(&mut self, name: &str, text: &str) {
        self.open(name);
        for c in text.chars() {
            match c {
                '&' => self.0.push_str("&amp;"),
                '<' => self.0.push_str("&lt;"),
                '>' => self.0.push_str("&gt;"),
                '"' => self.0.push_str("&quot;"),
                '\'' => self.0.push_str("&apos;"),
                c => self.0.push(c),
            }
        }
        self.close(name);
    }

    pub(crate) fn finish(mut self, root: &str) -> String {
        self.close(root);
        self.0
    }
}

/// What the reader meets, with the path of element names from the root (`A/B/C`).
pub(crate) enum Item<'p> {
    /// An element opens.
    Open(&'p str),
    /// An element without child elements closes: its text (references resolved).
    Leaf(&'p str, String),
}

/// The most nested elements read.
const MAX_DEPTH: usize = 16;

/// Reads `xml`, calling `on` for every element opened and every leaf closed. DOCTYPE,
/// entities other than the five predefined ones and nesting deeper than 16 are refused.
pub(crate) fn read(xml: &str, mut on: impl FnMut(Item<'_>)) -> Result<(), DecodeError> {
    let mut reader = Reader::from_str(xml);
    let mut path = String::new();
    let mut depth = 0usize;
    let mut text = String::new();
    let mut leaf = false;
    let fail = |kind: DecodeErrorKind, path: &str| DecodeError::new(kind, path);
    let syntax = |e: &dyn std::fmt::Display, path: &str| {
        DecodeError::new(DecodeErrorKind::Syntax(e.to_string()), path)
    };
    loop {
        let event = reader.read_event().map_err(|e| syntax(&e, &path))?;
        match event {
            Event::Start(e) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(fail(DecodeErrorKind::TooDeep { limit: MAX_DEPTH }, &path));
                }
                let name = e.name().into_inner().to_owned();
                if !path.is_empty() {
                    path.push('/');
                }
                path.push_str(&name);
                on(Item::Open(&path));
                text.clear();
                leaf = true;
            }
            Event::Empty(e) => {
                let name = e.name().into_inner().to_owned();
                let full = if path.is_empty() {
                    name
                } else {
                    format!("{path}/{name}")
                };
                on(Item::Open(&full));
                on(Item::Leaf(&full, String::new()));
                leaf = false;
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let s: &str = &r;
                let resolved: Cow<'_, str> = match s {
                    "lt" => "<".into(),
                    "gt" => ">".into(),
                    "amp" => "&".into(),
                    "quot" => "\"".into(),
                    "apos" => "'".into(),
                    _ => match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string().into(),
                        _ => {
                            return Err(fail(DecodeErrorKind::UnknownEntity(s.to_owned()), &path));
                        }
                    },
                };
                text.push_str(&resolved);
            }
            Event::End(_) => {
                if leaf {
                    on(Item::Leaf(&path, std::mem::take(&mut text)));
                }
                leaf = false;
                depth = depth.saturating_sub(1);
                let cut = path.rfind('/').unwrap_or(0);
                path.truncate(cut);
            }
            Event::DocType(_) => return Err(fail(DecodeErrorKind::DtdNotAllowed, &path)),
            Event::Eof if depth > 0 => {
                return Err(syntax(&"unexpected end of document", &path));
            }
            Event::Eof => return Ok(()),
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_flatten_to_paths() {
        let mut seen = Vec::new();
        read(
            "<?xml version=\"1.0\"?><R><A>x &amp; &#65;</A><B><C>1</C><D/></B></R>",
            |item| match item {
                Item::Open(p) => seen.push(format!("open {p}")),
                Item::Leaf(p, t) => seen.push(format!("{p}={t}")),
            },
        )
        .unwrap();
        assert_eq!(
            seen,
            [
                "open R",
                "open R/A",
                "R/A=x & A",
                "open R/B",
                "open R/B/C",
                "R/B/C=1",
                "open R/B/D",
                "R/B/D="
            ]
        );
        assert!(read("<!DOCTYPE x><R/>", |_| {}).is_err());
        assert!(read("<R>&ent;</R>", |_| {}).is_err());
        assert!(read("<R><A></R>", |_| {}).is_err());
    }

    #[test]
    fn text_is_escaped() {
        let mut x = Xml::new("R");
        x.text("K", "a<b>&\"'");
        assert!(
            x.finish("R")
                .ends_with("<R><K>a&lt;b&gt;&amp;&quot;&apos;</K></R>")
        );
    }
}
