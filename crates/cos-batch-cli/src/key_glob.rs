//! `--glob`: a key pattern where `*` matches any run of characters but `/`, `**` any run,
//! and `?` one character but `/`; everything else matches itself.
//!
//! Hand-written (a dozen lines of backtracking) rather than a dependency: globset would bring
//! a regex engine to compile for three wildcards.

/// One piece of a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Char(char),
    /// `?`
    One,
    /// `*`
    Segment,
    /// `**`
    Any,
}

/// A compiled key glob.
#[derive(Clone, Debug)]
pub struct KeyGlob {
    pieces: Vec<Piece>,
}

impl KeyGlob {
    /// Compiles `pattern` (every pattern is valid).
    pub fn new(pattern: &str) -> Self {
        let mut pieces = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            pieces.push(match c {
                '*' if chars.peek() == Some(&'*') => {
                    chars.next();
                    Piece::Any
                }
                '*' => Piece::Segment,
                '?' => Piece::One,
                c => Piece::Char(c),
            });
        }
        Self { pieces }
    }

    /// Whether `key` matches the whole pattern.
    pub fn matches(&self, key: &str) -> bool {
        let key: Vec<char> = key.chars().collect();
        // Positions in the key the pieces so far can end at (a set, so no blow-up).
        let mut at = vec![false; key.len() + 1];
        at[0] = true;
        for piece in &self.pieces {
            let mut next = vec![false; key.len() + 1];
            for i in 0..=key.len() {
                if !at[i] {
                    continue;
                }
                match piece {
                    Piece::Char(c) => {
                        if key.get(i) == Some(c) {
                            next[i + 1] = true;
                        }
                    }
                    Piece::One => {
                        if key.get(i).is_some_and(|k| *k != '/') {
                            next[i + 1] = true;
                        }
                    }
                    Piece::Segment | Piece::Any => {
                        next[i] = true;
                        let mut j = i;
                        while j < key.len() && (*piece == Piece::Any || key[j] != '/') {
                            j += 1;
                            next[j] = true;
                        }
                    }
                }
            }
            at = next;
        }
        at[key.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_as_documented() {
        let g = KeyGlob::new("photos/*.jpg");
        assert!(g.matches("photos/a.jpg"));
        assert!(!g.matches("photos/2024/a.jpg"));
        assert!(!g.matches("photos/a.jpeg"));
        let g = KeyGlob::new("photos/**.jpg");
        assert!(g.matches("photos/2024/a.jpg"));
        let g = KeyGlob::new("a?c");
        assert!(g.matches("abc") && !g.matches("a/c") && !g.matches("abbc"));
        assert!(KeyGlob::new("").matches("") && !KeyGlob::new("").matches("x"));
        assert!(KeyGlob::new("**").matches("any/thing"));
        assert!(!KeyGlob::new("*a*a*a*a*b").matches(&"a".repeat(40)));
    }
}
