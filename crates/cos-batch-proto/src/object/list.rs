//! GET Bucket (list objects): the query, the selection of one page from the sorted keys, and
//! the `ListBucketResult` document.

use percent_encoding::utf8_percent_encode;

use bytes::Bytes;
use cos_batch_model::{DecodeError, DecodeErrorKind};
use http::Response;
use percent_encoding::percent_decode_str;

use super::xml::{Item, Xml, read};
use crate::path::SEGMENT;
use crate::query::{QueryWriter, pairs};
use crate::{CosError, REQUEST_ID, ResponseError};

/// The largest (and default) `max-keys`.
pub const MAX_KEYS: usize = 1000;

/// The query of GET Bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListObjectsInput {
    /// Only keys that start with this.
    pub prefix: String,
    /// Keys with this after the prefix are rolled up into common prefixes.
    pub delimiter: String,
    /// Only keys (and common prefixes) after this, in byte order.
    pub marker: String,
    /// At most this many keys and common prefixes (0..=1000; 0 lists nothing but says whether
    /// there is something).
    pub max_keys: usize,
    /// `encoding-type=url`: keys, prefixes, markers and the delimiter come back URL-encoded.
    pub encoding_url: bool,
}

impl Default for ListObjectsInput {
    fn default() -> Self {
        Self {
            prefix: String::new(),
            delimiter: String::new(),
            marker: String::new(),
            max_keys: MAX_KEYS,
            encoding_url: false,
        }
    }
}

/// One page chosen from the keys: the keys listed, the common prefixes, and where the next
/// page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<K> {
    /// The keys listed, in order.
    pub keys: Vec<K>,
    /// The common prefixes, in order.
    pub common_prefixes: Vec<String>,
    /// Whether keys remain after this page.
    pub is_truncated: bool,
    /// The marker of the next page (the last key or common prefix of this one) when truncated.
    pub next_marker: Option<String>,
}

impl ListObjectsInput {
    /// Reads the query; `InvalidArgument` for a bad `max-keys` or `encoding-type`.
    pub fn from_query(query: Option<&str>) -> Result<Self, CosError> {
        let mut input = Self::default();
        for pair in pairs(query) {
            let (k, v) = pair.map_err(|k| {
                CosError::invalid_argument(format!("The {k} parameter is not UTF-8"))
            })?;
            match k.as_str() {
                "prefix" => input.prefix = v,
                "delimiter" => input.delimiter = v,
                "marker" => input.marker = v,
                "max-keys" => {
                    input.max_keys = v
                        .parse::<usize>()
                        .ok()
                        .filter(|n| *n <= MAX_KEYS)
                        .ok_or_else(|| {
                            CosError::invalid_argument(format!(
                                "max-keys must be an integer in 0..={MAX_KEYS}"
                            ))
                        })?;
                }
                "encoding-type" if v == "url" => input.encoding_url = true,
                "encoding-type" => {
                    return Err(CosError::invalid_argument("encoding-type must be url"));
                }
                _ => {}
            }
        }
        Ok(input)
    }

    /// The query string (`""` or `?...`).
    pub fn to_query(&self) -> String {
        let mut w = QueryWriter::default();
        for (k, v) in [
            ("delimiter", &self.delimiter),
            ("marker", &self.marker),
            ("prefix", &self.prefix),
        ] {
            if !v.is_empty() {
                w.pair(k, v);
            }
        }
        if self.encoding_url {
            w.pair("encoding-type", "url");
        }
        if self.max_keys != MAX_KEYS {
            w.pair("max-keys", &self.max_keys.to_string());
        }
        w.finish()
    }

    /// Chooses the page from `sorted_keys` (every key of the bucket, in byte order).
    ///
    /// ```
    /// use cos_batch_proto::object::ListObjectsInput;
    /// let mut input = ListObjectsInput::default();
    /// input.delimiter = "/".into();
    /// input.max_keys = 2;
    /// let page = input.select(["a/1", "a/2", "b", "c/1", "d"].into_iter());
    /// assert_eq!(page.common_prefixes, ["a/"]);
    /// assert_eq!(page.keys, ["b"]);
    /// assert_eq!(page.next_marker.as_deref(), Some("b"));
    /// ```
    pub fn select<K: AsRef<str>>(&self, sorted_keys: impl Iterator<Item = K>) -> Page<K> {
        let mut page = Page {
            keys: Vec::new(),
            common_prefixes: Vec::new(),
            is_truncated: false,
            next_marker: None,
        };
        let mut last: Option<String> = None;
        for key in sorted_keys {
            let k = key.as_ref();
            if !k.starts_with(&self.prefix) || k <= self.marker.as_str() {
                continue;
            }
            let rolled = (!self.delimiter.is_empty())
                .then(|| {
                    k[self.prefix.len()..]
                        .find(&self.delimiter)
                        .map(|at| k[..self.prefix.len() + at + self.delimiter.len()].to_owned())
                })
                .flatten();
            if let Some(common) = &rolled
                && (page.common_prefixes.last() == Some(common) || *common <= self.marker)
            {
                continue;
            }
            if page.keys.len() + page.common_prefixes.len() == self.max_keys {
                page.is_truncated = true;
                page.next_marker = last;
                return page;
            }
            match rolled {
                Some(common) => {
                    last = Some(common.clone());
                    page.common_prefixes.push(common);
                }
                None => {
                    last = Some(k.to_owned());
                    page.keys.push(key);
                }
            }
        }
        page
    }
}

/// One object of a listing.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListedObject {
    /// The key.
    pub key: String,
    /// `2024-01-01T00:00:00.000Z`.
    pub last_modified: String,
    /// The quoted ETag.
    pub etag: String,
    /// The size in bytes.
    pub size: u64,
    /// The owner's id (`qcs::cam::uin/{uin}:uin/{uin}`).
    pub owner: String,
    /// The storage class.
    pub storage_class: String,
}

impl ListedObject {
    /// An entry.
    pub fn new(
        key: impl Into<String>,
        last_modified: impl Into<String>,
        etag: impl Into<String>,
        size: u64,
        owner: impl Into<String>,
        storage_class: impl Into<String>,
    ) -> Self {
        Self {
            key: key.into(),
            last_modified: last_modified.into(),
            etag: etag.into(),
            size,
            owner: owner.into(),
            storage_class: storage_class.into(),
        }
    }
}

/// A GET Bucket answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListObjectsOutput {
    /// The bucket, `{name}-{appid}`.
    pub name: String,
    /// The query it answers.
    pub input: ListObjectsInput,
    /// The objects.
    pub contents: Vec<ListedObject>,
    /// The common prefixes.
    pub common_prefixes: Vec<String>,
    /// Whether more keys follow.
    pub is_truncated: bool,
    /// Where the next page starts, when truncated.
    pub next_marker: Option<String>,
}

impl ListObjectsOutput {
    /// An answer to `input` for bucket `name`.
    pub fn new(
        name: impl Into<String>,
        input: ListObjectsInput,
        contents: Vec<ListedObject>,
        common_prefixes: Vec<String>,
        is_truncated: bool,
        next_marker: Option<String>,
    ) -> Self {
        Self {
            name: name.into(),
            input,
            contents,
            common_prefixes,
            is_truncated,
            next_marker,
        }
    }

    /// Reads a `ListBucketResult` document (keys, prefixes and markers decoded when it says
    /// `EncodingType` `url`). Elements it does not know are skipped.
    ///
    /// ```
    /// use cos_batch_proto::object::{ListObjectsInput, ListObjectsOutput, ListedObject};
    /// let mut input = ListObjectsInput::default();
    /// input.encoding_url = true;
    /// input.delimiter = "/".into();
    /// let out = ListObjectsOutput::new(
    ///     "b-1",
    ///     input,
    ///     vec![ListedObject::new("a b", "2024-01-01T00:00:00Z", "\"e\"", 3, "o", "STANDARD")],
    ///     vec!["c/".into()],
    ///     true,
    ///     Some("c/".into()),
    /// );
    /// assert_eq!(ListObjectsOutput::from_xml(&out.to_xml()).unwrap(), out);
    /// ```
    pub fn from_xml(xml: &str) -> Result<Self, DecodeError> {
        let mut out = Self::new(
            "",
            ListObjectsInput::default(),
            Vec::new(),
            Vec::new(),
            false,
            None,
        );
        let mut bad: Option<DecodeError> = None;
        let invalid = |path: &str, value: &str, expected: &'static str| {
            DecodeError::new(
                DecodeErrorKind::InvalidValue {
                    value: value.to_owned(),
                    expected,
                },
                path,
            )
        };
        let mut root_seen = false;
        read(xml, |item| match item {
            Item::Open("ListBucketResult") => root_seen = true,
            Item::Open("ListBucketResult/Contents") => {
                out.contents.push(ListedObject::new("", "", "", 0, "", ""))
            }
            Item::Open(_) => {}
            Item::Leaf(path, text) => {
                let Some(field) = path.strip_prefix("ListBucketResult/") else {
                    return;
                };
                let object = out.contents.last_mut();
                match (field, object) {
                    ("Name", _) => out.name = text,
                    ("EncodingType", _) => out.input.encoding_url = text == "url",
                    ("Prefix", _) => out.input.prefix = text,
                    ("Marker", _) => out.input.marker = text,
                    ("Delimiter", _) => out.input.delimiter = text,
                    ("NextMarker", _) => out.next_marker = Some(text),
                    ("CommonPrefixes/Prefix", _) => out.common_prefixes.push(text),
                    ("MaxKeys", _) => match text.trim().parse() {
                        Ok(n) => out.input.max_keys = n,
                        Err(_) => bad = Some(invalid(path, &text, "an integer")),
                    },
                    ("IsTruncated", _) => match text.trim() {
                        "true" => out.is_truncated = true,
                        "false" => out.is_truncated = false,
                        _ => bad = Some(invalid(path, &text, "true or false")),
                    },
                    ("Contents/Key", Some(o)) => o.key = text,
                    ("Contents/LastModified", Some(o)) => o.last_modified = text,
                    ("Contents/ETag", Some(o)) => o.etag = text,
                    ("Contents/StorageClass", Some(o)) => o.storage_class = text,
                    ("Contents/Owner/ID", Some(o)) => o.owner = text,
                    ("Contents/Size", Some(o)) => match text.trim().parse() {
                        Ok(n) => o.size = n,
                        Err(_) => bad = Some(invalid(path, &text, "an integer")),
                    },
                    _ => {}
                }
            }
        })?;
        if let Some(e) = bad {
            return Err(e);
        }
        if !root_seen {
            return Err(DecodeError::new(
                DecodeErrorKind::UnexpectedRoot {
                    expected: "ListBucketResult",
                    found: String::new(),
                },
                "",
            ));
        }
        if out.input.encoding_url {
            let decode = |s: &mut String| {
                if let Ok(d) = percent_decode_str(s).decode_utf8() {
                    *s = d.into_owned();
                }
            };
            decode(&mut out.input.prefix);
            decode(&mut out.input.marker);
            decode(&mut out.input.delimiter);
            out.next_marker.as_mut().map(decode);
            out.common_prefixes.iter_mut().for_each(decode);
            out.contents.iter_mut().for_each(|o| decode(&mut o.key));
        }
        Ok(out)
    }

    /// Decodes a GET Bucket response: the listing, or the service error.
    pub fn decode_response(response: &Response<Bytes>) -> Result<Self, ResponseError> {
        let (status, headers) = (response.status(), response.headers());
        if !status.is_success() {
            return Err(ResponseError::Service(CosError::from_response(
                status,
                headers,
                response.body(),
            )));
        }
        let request_id = || {
            headers
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let text = std::str::from_utf8(response.body()).map_err(|_| ResponseError::Decode {
            status,
            request_id: request_id(),
            error: DecodeError::new(DecodeErrorKind::InvalidUtf8, ""),
        })?;
        Self::from_xml(text).map_err(|error| ResponseError::Decode {
            status,
            request_id: request_id(),
            error,
        })
    }

    /// The `ListBucketResult` document (names as COS writes them).
    pub fn to_xml(&self) -> String {
        let encode = |s: &str| -> String {
            if self.input.encoding_url {
                utf8_percent_encode(s, SEGMENT).to_string()
            } else {
                s.to_owned()
            }
        };
        let root = "ListBucketResult";
        let mut x = Xml::new(root);
        x.text("Name", &self.name);
        if self.input.encoding_url {
            x.text("EncodingType", "url");
        }
        x.text("Prefix", &encode(&self.input.prefix));
        x.text("Marker", &encode(&self.input.marker));
        x.text("MaxKeys", &self.input.max_keys.to_string());
        if !self.input.delimiter.is_empty() {
            x.text("Delimiter", &encode(&self.input.delimiter));
        }
        x.text(
            "IsTruncated",
            if self.is_truncated { "true" } else { "false" },
        );
        if let Some(next) = &self.next_marker {
            x.text("NextMarker", &encode(next));
        }
        for p in &self.common_prefixes {
            x.open("CommonPrefixes");
            x.text("Prefix", &encode(p));
            x.close("CommonPrefixes");
        }
        for o in &self.contents {
            x.open("Contents");
            x.text("Key", &encode(&o.key));
            x.text("LastModified", &o.last_modified);
            x.text("ETag", &o.etag);
            x.text("Size", &o.size.to_string());
            x.open("Owner");
            x.text("ID", &o.owner);
            x.text("DisplayName", &o.owner);
            x.close("Owner");
            x.text("StorageClass", &o.storage_class);
            x.close("Contents");
        }
        x.finish(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input(prefix: &str, delimiter: &str, marker: &str, max_keys: usize) -> ListObjectsInput {
        ListObjectsInput {
            prefix: prefix.into(),
            delimiter: delimiter.into(),
            marker: marker.into(),
            max_keys,
            encoding_url: false,
        }
    }

    #[test]
    fn queries_round_trip() {
        let mut i = input("a b/", "/", "a b/c&d", 7);
        i.encoding_url = true;
        let q = i.to_query();
        assert_eq!(ListObjectsInput::from_query(Some(&q[1..])).unwrap(), i);
        for bad in [
            "max-keys=-1",
            "max-keys=1001",
            "max-keys=x",
            "encoding-type=base64",
        ] {
            assert_eq!(
                ListObjectsInput::from_query(Some(bad))
                    .unwrap_err()
                    .code()
                    .as_str(),
                "InvalidArgument"
            );
        }
    }

    proptest! {
        /// Paging through with NextMarker lists every key once, in order, whatever the page
        /// size; common prefixes stand for all their keys.
        #[test]
        fn pages_cover_every_key_once(
            keys in proptest::collection::btree_set("[ab/]{1,5}", 0..30),
            max_keys in 1usize..5,
            delimited in any::<bool>(),
        ) {
            let keys: Vec<String> = keys.into_iter().collect();
            let delimiter = if delimited { "/" } else { "" };
            let mut marker = String::new();
            let mut seen = Vec::new();
            for _ in 0..=keys.len() {
                let page = input("", delimiter, &marker, max_keys).select(keys.iter());
                prop_assert!(page.keys.len() + page.common_prefixes.len() <= max_keys);
                // Keys and common prefixes interleave in key order within a page.
                let mut this_page: Vec<String> = page.keys.iter().map(|k| (*k).clone()).collect();
                for p in &page.common_prefixes {
                    prop_assert!(delimited);
                    this_page.extend(keys.iter().filter(|k| k.starts_with(p.as_str())).cloned());
                }
                this_page.sort();
                seen.extend(this_page);
                if !page.is_truncated {
                    break;
                }
                marker = page.next_marker.clone().unwrap();
            }
            prop_assert_eq!(seen, keys);
        }
    }

    proptest! {
        #[test]
        fn documents_round_trip(
            keys in proptest::collection::vec("\\PC{1,12}", 0..4),
            prefixes in proptest::collection::vec("\\PC{1,6}", 0..3),
            marker in "\\PC{0,8}",
            next in proptest::option::of("\\PC{1,8}"),
            encoding_url in any::<bool>(),
            size in any::<u64>(),
        ) {
            let mut input = input("p", "/", &marker, 17);
            input.encoding_url = encoding_url;
            let contents = keys
                .iter()
                .map(|k| ListedObject::new(k.as_str(), "2024-01-01T00:00:00Z", "\"e\"", size, "o", "ARCHIVE"))
                .collect();
            let out = ListObjectsOutput::new("b-1", input, contents, prefixes, next.is_some(), next);
            prop_assert_eq!(ListObjectsOutput::from_xml(&out.to_xml()).unwrap(), out);
        }
    }

    #[test]
    fn bad_documents_are_decode_errors() {
        for bad in [
            "<Other/>",
            "<ListBucketResult><MaxKeys>x</MaxKeys></ListBucketResult>",
            "<ListBucketResult><IsTruncated>yes</IsTruncated></ListBucketResult>",
            "<ListBucketResult><Contents><Size>-1</Size></Contents></ListBucketResult>",
            "<ListBucketResult>",
        ] {
            assert!(ListObjectsOutput::from_xml(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn prefix_and_marker_filter() {
        let keys = ["a/1", "a/2", "a/b/3", "b"];
        let page = input("a/", "/", "a/1", 10).select(keys.iter());
        assert_eq!(page.keys, [&"a/2"]);
        assert_eq!(page.common_prefixes, ["a/b/"]);
        assert!(!page.is_truncated);
    }

    #[test]
    fn xml_is_encoded_when_asked() {
        let mut i = input("a b", "", "", 1);
        i.encoding_url = true;
        let o = ListObjectsOutput::new(
            "b-1",
            i,
            vec![ListedObject::new("a b<", "t", "\"e\"", 3, "o", "STANDARD")],
            vec![],
            true,
            Some("a b<".into()),
        );
        let xml = o.to_xml();
        assert!(xml.contains("<Key>a%20b%3C</Key>"), "{xml}");
        assert!(xml.contains("<NextMarker>a%20b%3C</NextMarker>"), "{xml}");
        assert!(xml.contains("<EncodingType>url</EncodingType>"), "{xml}");
        assert!(xml.contains("<IsTruncated>true</IsTruncated>"), "{xml}");
    }
}
