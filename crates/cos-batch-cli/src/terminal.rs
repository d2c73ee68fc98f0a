//! `printable`: the one sanitiser every untrusted text goes through before it reaches the
//! terminal (job fields, service messages, error text).
//!
//! Control characters (C0 but tab and line feed, DEL, C1) and the Unicode bidirectional
//! overrides are shown as `\uXXXX` escapes, so a job id, a failure reason or an error message
//! cannot move the cursor, change colours, ring the bell or reorder what is shown. The escape
//! is also valid inside a JSON string, so JSON output stays JSON.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal as itself.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every character that could drive the terminal escaped as `\uXXXX`.
///
/// ```text
/// "a\u{1b}[31mb" is shown as: a\u001b[31mb
/// ```
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_plain_text_kept() {
        assert_eq!(printable("job-1\tok\n"), "job-1\tok\n");
        assert!(matches!(printable("plain 中文"), Cow::Borrowed(_)));
        assert_eq!(
            printable("a\u{1b}[2Jb\u{7}\r\u{0}\u{9b}\u{7f}\u{202e}c"),
            "a\\u001b[2Jb\\u0007\\u000d\\u0000\\u009b\\u007f\\u202ec"
        );
    }

    #[test]
    fn escaped_json_stays_json() {
        let value = serde_json::json!({ "Message": "x\u{9b}31m\u{202e}y" });
        let text = serde_json::to_string(&value).unwrap();
        let shown = printable(&text);
        assert!(!shown.chars().any(unsafe_char));
        let back: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(back, value);
    }
}
