//! The `*` / `?` wildcard matcher of IAM: `*` matches any run of characters
//! (including none, and across `:` and `/`), `?` exactly one character.
//!
//! Hand-written instead of a regex so the wasm build stays small and a match
//! never allocates: the classic greedy algorithm with one backtrack point is
//! linear in practice and never worse than `pattern × text`.

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

fn next_char(text: &str, pos: usize) -> Option<(char, usize)> {
    let c = text.get(pos..)?.chars().next()?;
    Some((c, pos + c.len_utf8()))
}

/// Whether `text` matches the whole `pattern`.
pub fn matches<P: Pattern + ?Sized>(pattern: &P, text: &str, case: Case) -> bool {
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
        ];
        for (pattern, text, want) in cases {
            assert_eq!(matches(*pattern, text, Case::Sensitive), *want, "{pattern} vs {text}");
        }
        assert!(matches("S3:Get*", "s3:getobject", Case::InsensitiveAscii));
        assert!(!matches("S3:Get*", "s3:getobject", Case::Sensitive));
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
