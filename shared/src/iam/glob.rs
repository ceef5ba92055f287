//! The `*` / `?` wildcard matcher of IAM: `*` matches any run of characters
//! (including none, and across `:` and `/`), `?` exactly one character.
//!
//! Hand-written instead of a regex so the wasm build stays small and a match
//! never allocates: the classic greedy algorithm with one backtrack point is
//! linear in practice and never worse than `pattern × text`. Plain patterns
//! are matched on bytes, after comparing the literal prefix before the first
//! wildcard in one go (most ARN patterns share long prefixes with the text).

/// One element of a wildcard pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Token {
    /// A character that must appear as is (also `*`/`?` from `${*}`/`${?}`).
    Literal(char),
    /// `*`
    AnyRun,
    /// `?`
    AnyOne,
}

/// Something that can be read as a sequence of [`Token`]s by position.
pub trait Pattern {
    /// The token at `pos` and the position after it; `None` at the end.
    fn token_at(&self, pos: usize) -> Option<(Token, usize)>;

    /// The pattern as plain text, when `*` and `?` in it are wildcards and
    /// everything else is literal (then it is matched on bytes).
    fn as_plain(&self) -> Option<&str> {
        None
    }
}

/// A plain pattern: `*` and `?` are wildcards, everything else literal.
impl Pattern for str {
    fn token_at(&self, pos: usize) -> Option<(Token, usize)> {
        let c = self.get(pos..)?.chars().next()?;
        let token = match c {
            '*' => Token::AnyRun,
            '?' => Token::AnyOne,
            other => Token::Literal(other),
        };
        Some((token, pos + c.len_utf8()))
    }

    fn as_plain(&self) -> Option<&str> {
        Some(self)
    }
}

impl Pattern for [Token] {
    fn token_at(&self, pos: usize) -> Option<(Token, usize)> {
        self.get(pos).map(|t| (*t, pos + 1))
    }
}

/// Whether letters compare exactly or ASCII-case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Sensitive,
    /// ASCII letters only: action names are ASCII.
    InsensitiveAscii,
}

/// Whether `text` matches the whole `pattern`.
///
/// A plain `&str` pattern is matched on bytes (the hot path: every action
/// and resource of every statement); a token pattern (after variable
/// substitution) by token. Both are the greedy algorithm with one backtrack
/// point.
pub fn matches<P: Pattern + ?Sized>(pattern: &P, text: &str, case: Case) -> bool {
    match pattern.as_plain() {
        Some(plain) => matches_bytes(plain.as_bytes(), text.as_bytes(), case),
        None => matches_tokens(pattern, text, case),
    }
}

/// The length of the UTF-8 sequence that starts with `lead` (1 for a
/// continuation byte, which never starts a character of valid text).
fn utf8_width(lead: u8) -> usize {
    match lead {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Byte-wise matching of a plain pattern. Literal bytes compare as bytes
/// (equal UTF-8 sequences are equal characters); `?` and a backtracking `*`
/// step over one whole character, so a match never splits one.
fn matches_bytes(pattern: &[u8], text: &[u8], case: Case) -> bool {
    // Fast paths: no wildcard, a lone `*`, or a literal prefix then `*`.
    let wildcard = pattern.iter().position(|&b| b == b'*' || b == b'?');
    let same = |a: &[u8], b: &[u8]| match case {
        Case::Sensitive => a == b,
        Case::InsensitiveAscii => a.eq_ignore_ascii_case(b),
    };
    let start = match wildcard {
        None => return same(pattern, text),
        Some(at) if text.len() < at || !same(&pattern[..at], &text[..at]) => return false,
        Some(at) if at == pattern.len() - 1 && pattern[at] == b'*' => return true,
        Some(at) => at,
    };
    let (mut p, mut t) = (start, start);
    let mut backtrack: Option<(usize, usize)> = None;
    loop {
        if p < pattern.len() {
            let b = pattern[p];
            if b == b'*' {
                p += 1;
                backtrack = Some((p, t));
                continue;
            }
            if t < text.len() {
                let c = text[t];
                if b == b'?' {
                    p += 1;
                    t += utf8_width(c);
                    continue;
                }
                let equal = match case {
                    Case::Sensitive => b == c,
                    Case::InsensitiveAscii => b.eq_ignore_ascii_case(&c),
                };
                if equal {
                    p += 1;
                    t += 1;
                    continue;
                }
            }
        } else if t == text.len() {
            return true;
        }
        // Mismatch: let the last `*` eat one more character and retry.
        let Some((resume, eaten_to)) = backtrack else { return false };
        if eaten_to >= text.len() {
            return false;
        }
        let next = eaten_to + utf8_width(text[eaten_to]);
        backtrack = Some((resume, next));
        p = resume;
        t = next;
    }
}

fn next_char(text: &str, pos: usize) -> Option<(char, usize)> {
    let c = text.get(pos..)?.chars().next()?;
    Some((c, pos + c.len_utf8()))
}

fn matches_tokens<P: Pattern + ?Sized>(pattern: &P, text: &str, case: Case) -> bool {
    let (mut p, mut t) = (0, 0);
    // After a `*`: where the pattern resumes and how much text the `*` has eaten.
    let mut backtrack: Option<(usize, usize)> = None;
    loop {
        match pattern.token_at(p) {
            Some((Token::AnyRun, after)) => {
                backtrack = Some((after, t));
                p = after;
                continue;
            }
            Some((token, after)) => {
                if let Some((c, next)) = next_char(text, t) {
                    let same = match token {
                        Token::AnyOne => true,
                        Token::Literal(l) => match case {
                            Case::Sensitive => l == c,
                            Case::InsensitiveAscii => l.eq_ignore_ascii_case(&c),
                        },
                        Token::AnyRun => false,
                    };
                    if same {
                        p = after;
                        t = next;
                        continue;
                    }
                }
            }
            None if t == text.len() => return true,
            None => {}
        }
        // Mismatch: let the last `*` eat one more character and retry.
        let Some((resume, eaten_to)) = backtrack else { return false };
        let Some((_, next)) = next_char(text, eaten_to) else { return false };
        backtrack = Some((resume, next));
        p = resume;
        t = next;
    }
}

/// The tokens read as literal text (`*` and `?` as themselves): what the
/// `…Equals` operators compare.
pub fn literal_text(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| match t {
            Token::Literal(c) => *c,
            Token::AnyRun => '*',
            Token::AnyOne => '?',
        })
        .collect()
}

/// Splits tokens at literal `:` into at most `limit` parts (the last part
/// keeps any further colons), as ARN components are split.
pub fn split_at_colons(tokens: &[Token], limit: usize) -> Vec<&[Token]> {
    let mut parts = Vec::with_capacity(limit);
    let mut rest = tokens;
    while parts.len() + 1 < limit {
        match rest.iter().position(|t| *t == Token::Literal(':')) {
            Some(i) => {
                parts.push(&rest[..i]);
                rest = &rest[i + 1..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "", true),
            ("*", "anything:at/all", true),
            ("", "", true),
            ("", "a", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a?c", "abbc", false),
            ("db-??????", "db-AbCdEf", true),
            ("db-??????", "db-other-AbCdEf", false),
            ("db*", "db-other-AbCdEf", true),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c", true),
            ("arn:aws:*:us-east-1:*", "arn:aws:ssm:us-east-1:1:parameter/x", true),
            ("*a*b*c", "xxaxxbxxc", true),
            ("*a*b*c", "xxaxxcxxb", false),
            ("a*", "b", false),
            ("é?", "éü", true),
            ("??", "é", false),
            ("?", "é", true),
            ("*ü", "aéü", true),
            ("a*?", "aé", true),
            ("a*?é", "aüé", true),
            ("arn:aws:ssm:*", "arn:aws:ssm", false),
            ("arn:aws:ssm*", "arn:aws:ssm", true),
            ("ab?", "ab", false),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(matches(*pattern, text, Case::Sensitive), *want, "{pattern} vs {text}");
        }
        assert!(matches("S3:Get*", "s3:getobject", Case::InsensitiveAscii));
        assert!(!matches("S3:Get*", "s3:getobject", Case::Sensitive));
        assert!(matches("s3:*OBJECT", "S3:GetObject", Case::InsensitiveAscii));
    }

    proptest::proptest! {
        /// The byte matcher agrees with the character-by-character one.
        #[test]
        fn bytes_and_tokens_agree(pattern in "[ab*?é:]{0,8}", text in "[abé:]{0,8}") {
            let tokens: Vec<Token> = pattern
                .chars()
                .map(|c| match c { '*' => Token::AnyRun, '?' => Token::AnyOne, c => Token::Literal(c) })
                .collect();
            for case in [Case::Sensitive, Case::InsensitiveAscii] {
                proptest::prop_assert_eq!(
                    matches(pattern.as_str(), &text, case),
                    matches(tokens.as_slice(), &text, case),
                    "{} vs {}", pattern, text
                );
            }
        }
    }

    #[test]
    fn token_patterns_keep_escaped_wildcards_literal() {
        let tokens = [Token::Literal('a'), Token::Literal('*'), Token::AnyRun];
        assert!(matches(&tokens[..], "a*bc", Case::Sensitive));
        assert!(!matches(&tokens[..], "abc", Case::Sensitive));
        assert_eq!(literal_text(&tokens), "a**");
    }

    #[test]
    fn splits_arn_components() {
        let tokens: Vec<Token> = "arn:aws:s3:::b:c".chars().map(Token::Literal).collect();
        let parts: Vec<String> = split_at_colons(&tokens, 6).into_iter().map(literal_text).collect();
        assert_eq!(parts, ["arn", "aws", "s3", "", "", "b:c"]);
    }
}
