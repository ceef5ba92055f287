//! Policy variables: `${aws:username}`, `${aws:PrincipalTag/team}`, any
//! `${key}` taken from the request context, with a default value
//! (`${aws:PrincipalTag/team, 'none'}`) and the escapes `${*}`, `${?}`, `${$}`
//! for a literal `*`, `?` and `$`.
//!
//! Only `2012-10-17` documents substitute variables (the caller checks).
//! A substituted value is literal text: a `*` inside a user name is not a
//! wildcard. A key that is absent (and has no default) leaves the value
//! unresolved — it then matches nothing — and is reported so the caller can
//! list it among the missing context keys. A key with several values cannot
//! be substituted either (AWS: multi-valued keys are not variables); that
//! value matches nothing but nothing is missing.

use crate::iam::context::ContextLookup;
use crate::iam::glob::Token;

/// The outcome of substituting a pattern's variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The pattern with variables replaced by literal text.
    Resolved(Vec<Token>),
    /// These referenced keys are absent from the context.
    Missing(Vec<String>),
    /// A referenced key has several values; the pattern matches nothing.
    Unresolvable,
}

/// Whether `text` might contain a variable (cheap pre-check, on bytes: it
/// runs for every resource pattern the evaluator reads).
pub fn has_variables(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| b == b'$' && bytes.get(i + 1) == Some(&b'{'))
}

/// One `${…}` occurrence.
enum Variable<'a> {
    /// `${*}`, `${?}`, `${$}`.
    Escape(char),
    Key {
        key: &'a str,
        default: Option<&'a str>,
    },
}

fn parse_variable(inner: &str) -> Variable<'_> {
    match inner.trim() {
        "*" => Variable::Escape('*'),
        "?" => Variable::Escape('?'),
        "$" => Variable::Escape('$'),
        trimmed => match trimmed.split_once(',') {
            Some((key, default)) => {
                let default = default.trim();
                let default = default.strip_prefix('\'').and_then(|d| d.strip_suffix('\'')).unwrap_or(default);
                Variable::Key { key: key.trim(), default: Some(default) }
            }
            None => Variable::Key { key: trimmed, default: None },
        },
    }
}

/// The keys `text` references (without escapes); for reporting.
pub fn referenced_keys(text: &str) -> Vec<&str> {
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        if let Variable::Key { key, .. } = parse_variable(&after[..end]) {
            keys.push(key);
        }
        rest = &after[end + 1..];
    }
    keys
}

/// Substitutes the variables of `text` from `context`. Outside `${…}`, `*`
/// and `?` stay wildcards; an unterminated `${` is literal text.
pub fn resolve(text: &str, context: &ContextLookup<'_>) -> Resolution {
    let mut tokens = Vec::with_capacity(text.len());
    let mut missing = Vec::new();
    let mut unresolvable = false;
    let mut rest = text;
    while let Some((start, end)) = rest.find("${").and_then(|start| Some((start, rest[start + 2..].find('}')?))) {
        push_plain(&mut tokens, &rest[..start]);
        match parse_variable(&rest[start + 2..start + 2 + end]) {
            Variable::Escape(c) => tokens.push(Token::Literal(c)),
            Variable::Key { key, default } => match (context.get(key), default) {
                (Some([one]), _) => tokens.extend(one.chars().map(Token::Literal)),
                (Some([]) | None, Some(default)) => tokens.extend(default.chars().map(Token::Literal)),
                (None, None) => missing.push(key.to_owned()),
                (Some(_), _) => unresolvable = true,
            },
        }
        rest = &rest[start + 2 + end + 1..];
    }
    push_plain(&mut tokens, rest);
    if !missing.is_empty() {
        Resolution::Missing(missing)
    } else if unresolvable {
        Resolution::Unresolvable
    } else {
        Resolution::Resolved(tokens)
    }
}

fn push_plain(tokens: &mut Vec<Token>, text: &str) {
    tokens.extend(text.chars().map(|c| match c {
        '*' => Token::AnyRun,
        '?' => Token::AnyOne,
        other => Token::Literal(other),
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::context::RequestContext;
    use crate::iam::glob::literal_text;

    fn lookup_in(context: &RequestContext, text: &str) -> Resolution {
        let derived = std::cell::OnceCell::new();
        resolve(text, &ContextLookup::new(context, &derived, &Vec::new))
    }

    #[test]
    fn substitutes_escapes_defaults_and_reports_missing() {
        let mut context = RequestContext::new();
        context.insert("aws:username", ["al*ce"]);
        context.insert("aws:TagKeys", ["a", "b"]);
        let resolved = |text| match lookup_in(&context, text) {
            Resolution::Resolved(tokens) => literal_text(&tokens),
            other => format!("{other:?}"),
        };
        assert_eq!(resolved("home/${AWS:UserName}/*"), "home/al*ce/*");
        assert_eq!(resolved("a${*}b${?}c${$}"), "a*b?c$");
        assert_eq!(resolved("team/${aws:PrincipalTag/team, 'none'}"), "team/none");
        assert_eq!(resolved("open ${ never closed"), "open ${ never closed");
        assert_eq!(lookup_in(&context, "${aws:TagKeys}"), Resolution::Unresolvable);
        assert_eq!(
            lookup_in(&context, "${aws:userid}/${x:y}"),
            Resolution::Missing(vec!["aws:userid".into(), "x:y".into()])
        );
        // The user name's `*` is literal, the pattern's `*` a wildcard.
        let Resolution::Resolved(tokens) = lookup_in(&context, "${aws:username}*") else { panic!("resolves") };
        assert_eq!(tokens[2], Token::Literal('*'));
        assert_eq!(tokens[5], Token::AnyRun);
        assert_eq!(referenced_keys("${a:b}/${*}/${c:d, 'x'}"), ["a:b", "c:d"]);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_plain_text_is_unchanged(text in "[a-zé/*?$}{ ,']{0,30}") {
            let context = RequestContext::new().with("k", "v");
            let resolution = lookup_in(&context, &text);
            if !has_variables(&text) {
                let Resolution::Resolved(tokens) = resolution else { panic!("plain text always resolves") };
                proptest::prop_assert_eq!(literal_text(&tokens), text.clone());
            }
            let _ = referenced_keys(&text);
        }
    }
}
