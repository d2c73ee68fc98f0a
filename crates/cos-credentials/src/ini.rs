//! The INI subset `coscmd` writes with Python's `configparser`: `[section]` headers,
//! `key = value` or `key: value` lines, `#` and `;` comment lines, keys case-insensitive.

/// The value of `key` in `[section]`, if the text has it (the last one wins, as in
/// `configparser` with duplicates allowed). `None` also when a line cannot be read: the
/// caller says what is missing, never what a line held.
pub(crate) fn get(text: &str, section: &str, key: &str) -> Option<String> {
    let mut current: Option<&str> = None;
    let mut found = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name.trim());
            continue;
        }
        if current != Some(section) {
            continue;
        }
        let Some(split) = line.find(['=', ':']) else {
            continue;
        };
        let (k, v) = (line[..split].trim(), line[split + 1..].trim());
        if k.eq_ignore_ascii_case(key) {
            found = Some(v.to_owned());
        }
    }
    found
}

/// Whether the text has a `[section]` header.
pub(crate) fn has_section(text: &str, section: &str) -> bool {
    text.lines().any(|line| {
        line.trim()
            .strip_prefix('[')
            .and_then(|l| l.strip_suffix(']'))
            .is_some_and(|name| name.trim() == section)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONF: &str = "\
# written by coscmd config
[common]
secret_id = AKIDexample
Secret_Key: key=with=equals
; a comment
token =
region = ap-guangzhou

[other]
secret_id = AKIDother
";

    #[test]
    fn reads_keys_of_the_section_only() {
        assert_eq!(
            get(CONF, "common", "secret_id").as_deref(),
            Some("AKIDexample")
        );
        assert_eq!(
            get(CONF, "common", "secret_key").as_deref(),
            Some("key=with=equals")
        );
        assert_eq!(get(CONF, "common", "token").as_deref(), Some(""));
        assert_eq!(
            get(CONF, "other", "secret_id").as_deref(),
            Some("AKIDother")
        );
        assert_eq!(get(CONF, "other", "region"), None);
        assert_eq!(get(CONF, "missing", "secret_id"), None);
        assert!(has_section(CONF, "other"));
        assert!(!has_section(CONF, "missing"));
    }

    #[test]
    fn the_last_duplicate_wins_and_junk_lines_are_skipped() {
        let text = "[common]\nnot a pair\nsecret_id = a\nsecret_id = b\n";
        assert_eq!(get(text, "common", "secret_id").as_deref(), Some("b"));
    }
}
