//! Query strings: written with values escaped, read with `+` as a space and escapes decoded.

use std::borrow::Cow;

use percent_encoding::{percent_decode, utf8_percent_encode};

use crate::path::SEGMENT;

/// Builds `?k=v&k=v` (empty when there are no pairs).
#[derive(Default)]
pub(crate) struct QueryWriter(String);

impl QueryWriter {
    pub(crate) fn pair(&mut self, key: &str, value: &str) -> &mut Self {
        self.0.push(if self.0.is_empty() { '?' } else { '&' });
        self.0.push_str(key);
        self.0.push('=');
        self.0.extend(utf8_percent_encode(value, SEGMENT));
        self
    }

    pub(crate) fn finish(self) -> String {
        self.0
    }
}

fn decode(raw: &str) -> Result<Cow<'_, str>, ()> {
    let spaced: Cow<'_, str> = if raw.contains('+') {
        Cow::Owned(raw.replace('+', " "))
    } else {
        Cow::Borrowed(raw)
    };
    let decoded = percent_decode(spaced.as_bytes())
        .decode_utf8()
        .map_err(|_| ())?;
    Ok(Cow::Owned(decoded.into_owned()))
}

/// The decoded pairs of a query; `Err(key)` for a pair that is not UTF-8 once decoded.
pub(crate) fn pairs(
    query: Option<&str>,
) -> impl Iterator<Item = Result<(String, String), String>> + '_ {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match (decode(k), decode(v)) {
                (Ok(k), Ok(v)) => Ok((k.into_owned(), v.into_owned())),
                (Ok(k), Err(())) => Err(k.into_owned()),
                (Err(()), _) => Err(String::from_utf8_lossy(k.as_bytes()).into_owned()),
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_back() {
        let mut w = QueryWriter::default();
        w.pair("statusUpdateReason", "a b&c=d+é").pair("x", "");
        let q = w.finish();
        assert_eq!(q, "?statusUpdateReason=a%20b%26c%3Dd%2B%C3%A9&x=");
        let read: Vec<_> = pairs(Some(&q[1..])).collect();
        assert_eq!(
            read,
            vec![
                Ok(("statusUpdateReason".into(), "a b&c=d+é".into())),
                Ok(("x".into(), "".into()))
            ]
        );
        assert_eq!(pairs(Some("a=%FF")).next(), Some(Err("a".into())));
        assert_eq!(
            pairs(Some("a+b=c+d")).next(),
            Some(Ok(("a b".into(), "c d".into())))
        );
    }
}
