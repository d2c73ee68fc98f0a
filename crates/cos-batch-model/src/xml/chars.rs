//! The characters XML 1.0 can carry, shared by the reader and the writer so that what one
//! writes the other reads back unchanged.

use std::borrow::Cow;

/// True for a character an XML 1.0 document may contain: tab, LF, CR and the ranges
/// `U+20..=U+D7FF`, `U+E000..=U+FFFD`, `U+10000..`.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `text` with every character XML 1.0 cannot carry (NUL and the other C0 controls, `U+FFFE`,
/// `U+FFFF`; a lenient parser lets them through) replaced by `U+FFFD`, as the writer writes
/// them. Borrowed when there is none.
pub(crate) fn replace_non_xml(text: Cow<'_, str>) -> Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        return text;
    }
    Cow::Owned(
        text.chars()
            .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_the_replacement_character() {
        assert_eq!(
            replace_non_xml("a\0b\u{1b}c\u{FFFF}".into()),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}"
        );
        assert!(matches!(
            replace_non_xml("tab\tok".into()),
            Cow::Borrowed(_)
        ));
    }
}
