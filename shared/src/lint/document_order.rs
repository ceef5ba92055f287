//! Sort keys that order JSON pointers the way `export` writes the document.
//!
//! Export writes typed fields in model declaration order and unknown fields
//! after them, sorted by name; array items in index order; a parent before
//! its children. A pointer's key is one entry per token mirroring exactly
//! that, so sorting diagnostics by key lists them top to bottom.

use crate::task_def::TYPED_FIELDS;

/// One token of a sort key: array index, typed field (by rank), or an
/// unknown field (after every typed one, by name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Token {
    Index(u64),
    Field(usize),
    Other(String),
}

/// The sort key of a JSON pointer.
pub(super) fn key(pointer: &str) -> Vec<Token> {
    let Some(tokens) = crate::json_pointer::tokens(pointer) else {
        return vec![Token::Other(pointer.to_owned())];
    };
    tokens
        .into_iter()
        .map(|token| {
            if let Ok(index) = token.parse::<u64>() {
                Token::Index(index)
            } else if let Some(rank) = TYPED_FIELDS.iter().position(|f| *f == token) {
                Token::Field(rank)
            } else {
                Token::Other(token)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_like_the_exported_document() {
        let mut paths = vec![
            "/tags",
            "/containerDefinitions/10/name",
            "/containerDefinitions/2/secrets/0/valueFrom",
            "/containerDefinitions/2/environment/1/value",
            "/containerDefinitions/2/environment/0",
            "/containerDefinitions/2",
            "/memory",
            "/cpu",
            "/executionRoleArn",
            "/family",
            "",
            "/containerDefinitions/2/logConfiguration/secretOptions/0/valueFrom",
            "/containerDefinitions/2/repositoryCredentials/credentialsParameter",
            "/ephemeralStorage",
        ];
        paths.sort_by_key(|p| key(p));
        assert_eq!(
            paths,
            [
                "",
                "/family",
                "/executionRoleArn",
                "/cpu",
                "/memory",
                "/containerDefinitions/2",
                "/containerDefinitions/2/environment/0",
                "/containerDefinitions/2/environment/1/value",
                "/containerDefinitions/2/secrets/0/valueFrom",
                "/containerDefinitions/2/logConfiguration/secretOptions/0/valueFrom",
                "/containerDefinitions/2/repositoryCredentials/credentialsParameter",
                "/containerDefinitions/10/name",
                "/ephemeralStorage",
                "/tags",
            ]
        );
    }
}
