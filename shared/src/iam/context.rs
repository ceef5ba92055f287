//! The request context the evaluator reads: condition keys and their
//! values as supplied ([`RequestContext`]) and, on top, the facts derived
//! from the request ([`ContextLookup`]). Its own module so that
//! [`crate::iam::condition`] and [`crate::iam::variables`] read the context
//! without depending on the evaluator that calls them.

use std::cell::OnceCell;

/// Request context: condition keys (case-insensitive) → one or many values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestContext {
    entries: Vec<(String, Vec<String>)>,
}

impl RequestContext {
    pub fn new() -> Self {
        RequestContext::default()
    }

    /// Sets `key` (replacing a value under the same key in any case).
    pub fn insert<K, I, V>(&mut self, key: K, values: I)
    where
        K: Into<String>,
        I: IntoIterator<Item = V>,
        V: Into<String>,
    {
        let key = key.into();
        let values: Vec<String> = values.into_iter().map(Into::into).collect();
        match self.entries.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(&key)) {
            Some(entry) => *entry = (key, values),
            None => self.entries.push((key, values)),
        }
    }

    /// Builder form of [`RequestContext::insert`] with one value.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.insert(key, [value.into()]);
        self
    }

    /// The values of `key`, compared case-insensitively.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.entries.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_slice())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Facts derived from a request: `(key, values)` pairs.
pub type DerivedFacts = Vec<(&'static str, Vec<String>)>;

/// What the request supplied plus the facts derived from it. The derived
/// facts are computed on first use: most requests never read them, and
/// building them allocates.
#[derive(Clone, Copy)]
pub struct ContextLookup<'a> {
    context: &'a RequestContext,
    derived: &'a OnceCell<DerivedFacts>,
    derive: &'a dyn Fn() -> DerivedFacts,
}

impl std::fmt::Debug for ContextLookup<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContextLookup").field("context", self.context).field("derived", self.derived).finish()
    }
}

impl<'a> ContextLookup<'a> {
    /// `derive` runs at most once, when a key is not in `context`; its
    /// result is kept in `derived`.
    pub fn new(
        context: &'a RequestContext,
        derived: &'a OnceCell<DerivedFacts>,
        derive: &'a dyn Fn() -> DerivedFacts,
    ) -> Self {
        ContextLookup { context, derived, derive }
    }

    /// Supplied values first, then derived ones; keys case-insensitive.
    pub fn get(&self, key: &str) -> Option<&'a [String]> {
        self.context.get(key).or_else(|| {
            let derived: &'a DerivedFacts = self.derived.get_or_init(self.derive);
            derived.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_slice())
        })
    }
}
