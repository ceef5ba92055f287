//! Condition operators (`StringEquals`, `ForAnyValue:StringLike`,
//! `DateLessThanIfExists`, …): their names and how one condition entry
//! evaluates against the request context.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use crate::iam::context::ContextLookup;
use crate::iam::date;
use crate::iam::glob::{self, Case, Token};
use crate::iam::policy::ConditionEntry;
use crate::iam::variables::{self, Resolution};

/// `ForAnyValue:` / `ForAllValues:` — how a multi-valued context key is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

impl SetQualifier {
    pub fn prefix(self) -> &'static str {
        match self {
            SetQualifier::ForAnyValue => "ForAnyValue:",
            SetQualifier::ForAllValues => "ForAllValues:",
        }
    }
}

/// A condition operator without its set qualifier and `IfExists` suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaseOperator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

impl BaseOperator {
    pub const ALL: [BaseOperator; 27] = [
        BaseOperator::StringEquals,
        BaseOperator::StringNotEquals,
        BaseOperator::StringEqualsIgnoreCase,
        BaseOperator::StringNotEqualsIgnoreCase,
        BaseOperator::StringLike,
        BaseOperator::StringNotLike,
        BaseOperator::NumericEquals,
        BaseOperator::NumericNotEquals,
        BaseOperator::NumericLessThan,
        BaseOperator::NumericLessThanEquals,
        BaseOperator::NumericGreaterThan,
        BaseOperator::NumericGreaterThanEquals,
        BaseOperator::DateEquals,
        BaseOperator::DateNotEquals,
        BaseOperator::DateLessThan,
        BaseOperator::DateLessThanEquals,
        BaseOperator::DateGreaterThan,
        BaseOperator::DateGreaterThanEquals,
        BaseOperator::Bool,
        BaseOperator::BinaryEquals,
        BaseOperator::IpAddress,
        BaseOperator::NotIpAddress,
        BaseOperator::ArnEquals,
        BaseOperator::ArnLike,
        BaseOperator::ArnNotEquals,
        BaseOperator::ArnNotLike,
        BaseOperator::Null,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BaseOperator::StringEquals => "StringEquals",
            BaseOperator::StringNotEquals => "StringNotEquals",
            BaseOperator::StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            BaseOperator::StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            BaseOperator::StringLike => "StringLike",
            BaseOperator::StringNotLike => "StringNotLike",
            BaseOperator::NumericEquals => "NumericEquals",
            BaseOperator::NumericNotEquals => "NumericNotEquals",
            BaseOperator::NumericLessThan => "NumericLessThan",
            BaseOperator::NumericLessThanEquals => "NumericLessThanEquals",
            BaseOperator::NumericGreaterThan => "NumericGreaterThan",
            BaseOperator::NumericGreaterThanEquals => "NumericGreaterThanEquals",
            BaseOperator::DateEquals => "DateEquals",
            BaseOperator::DateNotEquals => "DateNotEquals",
            BaseOperator::DateLessThan => "DateLessThan",
            BaseOperator::DateLessThanEquals => "DateLessThanEquals",
            BaseOperator::DateGreaterThan => "DateGreaterThan",
            BaseOperator::DateGreaterThanEquals => "DateGreaterThanEquals",
            BaseOperator::Bool => "Bool",
            BaseOperator::BinaryEquals => "BinaryEquals",
            BaseOperator::IpAddress => "IpAddress",
            BaseOperator::NotIpAddress => "NotIpAddress",
            BaseOperator::ArnEquals => "ArnEquals",
            BaseOperator::ArnLike => "ArnLike",
            BaseOperator::ArnNotEquals => "ArnNotEquals",
            BaseOperator::ArnNotLike => "ArnNotLike",
            BaseOperator::Null => "Null",
        }
    }

    /// Negated operators (`StringNotEquals`, …): true when the key's value
    /// matches none of the policy values (NOR), and true when the key is absent.
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            BaseOperator::StringNotEquals
                | BaseOperator::StringNotEqualsIgnoreCase
                | BaseOperator::StringNotLike
                | BaseOperator::NumericNotEquals
                | BaseOperator::DateNotEquals
                | BaseOperator::NotIpAddress
                | BaseOperator::ArnNotEquals
                | BaseOperator::ArnNotLike
        )
    }

    /// Whether policy variables (`${…}`) are substituted in this operator's
    /// values: AWS supports them in string and ARN comparisons.
    pub fn takes_variables(self) -> bool {
        matches!(
            self,
            BaseOperator::StringEquals
                | BaseOperator::StringNotEquals
                | BaseOperator::StringEqualsIgnoreCase
                | BaseOperator::StringNotEqualsIgnoreCase
                | BaseOperator::StringLike
                | BaseOperator::StringNotLike
                | BaseOperator::ArnEquals
                | BaseOperator::ArnLike
                | BaseOperator::ArnNotEquals
                | BaseOperator::ArnNotLike
        )
    }
}

/// A full condition operator name, e.g. `ForAllValues:StringLikeIfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConditionOperator {
    pub set: Option<SetQualifier>,
    pub base: BaseOperator,
    /// `…IfExists`: the condition is true when the key is absent.
    pub if_exists: bool,
}

impl ConditionOperator {
    /// The operator without qualifier or `IfExists`.
    pub const fn plain(base: BaseOperator) -> Self {
        ConditionOperator { set: None, base, if_exists: false }
    }

    /// Parses an operator name exactly as AWS spells it; the error is a
    /// message for the user (the caller adds the JSON path).
    pub fn parse(name: &str) -> Result<Self, String> {
        let (set, rest) = if let Some(rest) = name.strip_prefix(SetQualifier::ForAnyValue.prefix()) {
            (Some(SetQualifier::ForAnyValue), rest)
        } else if let Some(rest) = name.strip_prefix(SetQualifier::ForAllValues.prefix()) {
            (Some(SetQualifier::ForAllValues), rest)
        } else {
            (None, name)
        };
        let (base_name, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let Some(base) = BaseOperator::ALL.into_iter().find(|op| op.as_str() == base_name) else {
            let hint = BaseOperator::ALL
                .into_iter()
                .find(|op| op.as_str().eq_ignore_ascii_case(base_name))
                .map(|op| format!(" (did you mean \"{}\"? operator names are case-sensitive)", op.as_str()))
                .unwrap_or_default();
            return Err(format!(
                "unknown condition operator {name:?}{hint}; expected e.g. StringEquals, StringLike, ArnLike, Bool, \
                 NumericLessThan, DateGreaterThan, IpAddress or Null, optionally with a ForAnyValue:/ForAllValues: \
                 prefix or an IfExists suffix"
            ));
        };
        if base == BaseOperator::Null && if_exists {
            return Err(format!("{name:?} is not valid: Null already tests whether the key exists; use \"Null\""));
        }
        Ok(ConditionOperator { set, base, if_exists })
    }
}

impl fmt::Display for ConditionOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(set) = self.set {
            f.write_str(set.prefix())?;
        }
        f.write_str(self.base.as_str())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

/// Whether one part of a statement holds for a request: an `operator → key
/// → values` condition entry, or (in [`crate::iam::eval`]) its `Resource` /
/// `NotResource` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchOutcome {
    /// Whether the part holds (missing keys treated as absent).
    pub holds: bool,
    /// Keys the part read that the context did not supply: the condition key
    /// itself, or keys of policy variables in its values or patterns.
    pub missing: Vec<String>,
    /// A policy value has a variable that could not be substituted (absent
    /// or multi-valued key). AWS documents that this can make the whole
    /// statement invalid; [`crate::iam::eval`] decides what that means for
    /// the statement, so `holds` alone must not be trusted then.
    pub unresolved: bool,
}

/// A policy value ready to compare: plain text, or a pattern whose policy
/// variables have been substituted.
enum PolicyPattern<'a> {
    Plain(Cow<'a, str>),
    Tokens(Vec<Token>),
}

impl PolicyPattern<'_> {
    fn literal(&self) -> Cow<'_, str> {
        match self {
            PolicyPattern::Plain(text) => Cow::Borrowed(text),
            PolicyPattern::Tokens(tokens) => Cow::Owned(glob::literal_text(tokens)),
        }
    }

    fn glob(&self, text: &str) -> bool {
        match self {
            PolicyPattern::Plain(pattern) => glob::matches(pattern.as_ref(), text, Case::Sensitive),
            PolicyPattern::Tokens(tokens) => glob::matches(tokens.as_slice(), text, Case::Sensitive),
        }
    }

    /// `ArnEquals`/`ArnLike`: the six colon-separated components compared one
    /// by one, each with wildcards (the last component keeps its colons).
    /// `None` when the request value is not an ARN.
    fn arn(&self, text: &str) -> Option<bool> {
        let value_parts: Vec<&str> = text.splitn(6, ':').collect();
        if value_parts.len() != 6 || value_parts[0] != "arn" {
            return None;
        }
        Some(match self {
            PolicyPattern::Plain(pattern) => {
                let parts: Vec<&str> = pattern.splitn(6, ':').collect();
                parts.len() == 6 && parts.iter().zip(&value_parts).all(|(p, v)| glob::matches(*p, v, Case::Sensitive))
            }
            PolicyPattern::Tokens(tokens) => {
                let parts = glob::split_at_colons(tokens, 6);
                parts.len() == 6 && parts.iter().zip(&value_parts).all(|(p, v)| glob::matches(*p, v, Case::Sensitive))
            }
        })
    }
}

/// Evaluates one condition entry against the request context.
///
/// AWS semantics: several policy values for the key are ORed; for negated
/// operators (`StringNotEquals`, …) the entry holds when the request value
/// matches none of them (NOR). A key absent from the context makes positive
/// operators false and negated operators true; `…IfExists` makes the entry
/// true; `ForAllValues:` is true and `ForAnyValue:` false on an absent or
/// empty key. A multi-valued key without a set qualifier holds when any
/// value matches (negated: when none does). `Null: true` holds when the key
/// is absent (or empty), `Null: false` when it is present.
pub fn evaluate_entry(entry: &ConditionEntry, context: &ContextLookup<'_>, variables_enabled: bool) -> MatchOutcome {
    let operator = entry.operator;
    let base = operator.base;
    let supplied = context.get(&entry.key);
    let mut missing = Vec::new();
    if supplied.is_none() {
        missing.push(entry.key.clone());
    }
    let present = supplied.unwrap_or(&[]);
    if base == BaseOperator::Null {
        let absent = present.is_empty();
        let holds = entry.values.values.iter().any(|v| {
            let text = v.as_text();
            (text.eq_ignore_ascii_case("true") && absent) || (text.eq_ignore_ascii_case("false") && !absent)
        });
        return MatchOutcome { holds, missing, unresolved: false };
    }
    if present.is_empty() {
        let holds = operator.if_exists
            || match operator.set {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => base.is_negated(),
            };
        return MatchOutcome { holds, missing, unresolved: false };
    }
    let substitute = variables_enabled && base.takes_variables();
    let mut patterns = Vec::with_capacity(entry.values.values.len());
    let mut unresolved = false;
    for value in &entry.values.values {
        let text = value.as_text();
        if substitute && variables::has_variables(&text) {
            match variables::resolve(&text, context) {
                Resolution::Resolved(tokens) => patterns.push(PolicyPattern::Tokens(tokens)),
                Resolution::Missing(keys) => {
                    missing.extend(keys);
                    unresolved = true;
                }
                Resolution::Unresolvable => unresolved = true,
            }
        } else {
            patterns.push(PolicyPattern::Plain(text));
        }
    }
    let negated = base.is_negated();
    // A value that is not an IP / number / date / ARN makes the condition
    // false, for the negated operators too (never "not equal, so true").
    let unparsable = present.iter().any(|v| patterns.iter().any(|p| positive_match(base, p, v).is_none()));
    if negated && unparsable {
        return MatchOutcome { holds: false, missing, unresolved };
    }
    let matches =
        |request_value: &String| patterns.iter().any(|p| positive_match(base, p, request_value) == Some(true));
    let holds = match operator.set {
        None | Some(SetQualifier::ForAnyValue) if !negated => present.iter().any(matches),
        None => !present.iter().any(matches),
        Some(SetQualifier::ForAnyValue) => present.iter().any(|v| !matches(v)),
        Some(SetQualifier::ForAllValues) if !negated => present.iter().all(matches),
        Some(SetQualifier::ForAllValues) => present.iter().all(|v| !matches(v)),
    };
    MatchOutcome { holds, missing, unresolved }
}

/// Whether `value` (from the request) matches `pattern` (from the policy)
/// under the positive form of `base` (`StringNotEquals` → `StringEquals`);
/// `None` when either side cannot be read as the operator's type (an IP,
/// number, date or ARN).
fn positive_match(base: BaseOperator, pattern: &PolicyPattern<'_>, value: &str) -> Option<bool> {
    use BaseOperator as Op;
    match base {
        Op::StringEquals | Op::StringNotEquals | Op::BinaryEquals => Some(pattern.literal() == value),
        Op::StringEqualsIgnoreCase | Op::StringNotEqualsIgnoreCase => {
            Some(equal_ignoring_case(&pattern.literal(), value))
        }
        Op::StringLike | Op::StringNotLike => Some(pattern.glob(value)),
        Op::Bool => Some(pattern.literal().eq_ignore_ascii_case(value)),
        Op::ArnEquals | Op::ArnLike | Op::ArnNotEquals | Op::ArnNotLike => pattern.arn(value),
        Op::IpAddress | Op::NotIpAddress => cidr_contains(&pattern.literal(), value),
        Op::NumericEquals
        | Op::NumericNotEquals
        | Op::NumericLessThan
        | Op::NumericLessThanEquals
        | Op::NumericGreaterThan
        | Op::NumericGreaterThanEquals => {
            let (request, policy) = (parse_number(value)?, parse_number(&pattern.literal())?);
            Some(compare(base, request.partial_cmp(&policy)))
        }
        Op::DateEquals
        | Op::DateNotEquals
        | Op::DateLessThan
        | Op::DateLessThanEquals
        | Op::DateGreaterThan
        | Op::DateGreaterThanEquals => {
            let (request, policy) = (date::parse_millis(value)?, date::parse_millis(&pattern.literal())?);
            Some(compare(base, Some(request.cmp(&policy))))
        }
        Op::Null => Some(false),
    }
}

/// Applies an ordering operator to `request.cmp(policy)`.
fn compare(base: BaseOperator, ordering: Option<std::cmp::Ordering>) -> bool {
    use BaseOperator as Op;
    use std::cmp::Ordering::{Equal, Greater, Less};
    let Some(ordering) = ordering else { return false };
    match base {
        Op::NumericEquals | Op::NumericNotEquals | Op::DateEquals | Op::DateNotEquals => ordering == Equal,
        Op::NumericLessThan | Op::DateLessThan => ordering == Less,
        Op::NumericLessThanEquals | Op::DateLessThanEquals => ordering != Greater,
        Op::NumericGreaterThan | Op::DateGreaterThan => ordering == Greater,
        Op::NumericGreaterThanEquals | Op::DateGreaterThanEquals => ordering != Less,
        _ => false,
    }
}

fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    // Rust also reads "inf" and "NaN"; IAM numbers are plain decimals.
    if !text.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')) {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn equal_ignoring_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() { a.eq_ignore_ascii_case(b) } else { a.to_lowercase() == b.to_lowercase() }
}

/// Whether the IP address `value` lies in `cidr` (`203.0.113.0/24`,
/// `2001:db8::/32`, or a single address).
fn cidr_contains(cidr: &str, value: &str) -> Option<bool> {
    let (network, prefix) = match cidr.trim().split_once('/') {
        Some((network, prefix)) => (network, Some(prefix.parse::<u32>().ok()?)),
        None => (cidr.trim(), None),
    };
    let network = network.parse::<IpAddr>().ok()?;
    let address = value.trim().parse::<IpAddr>().ok()?;
    // Both families as numbers of their width: the first `bits` bits match.
    let (network, address, width) = match (network, address) {
        (IpAddr::V4(n), IpAddr::V4(a)) => (u128::from(u32::from(n)), u128::from(u32::from(a)), 32),
        (IpAddr::V6(n), IpAddr::V6(a)) => (u128::from(n), u128::from(a), 128),
        _ => return Some(false),
    };
    let bits = prefix.unwrap_or(width);
    if bits > width {
        return None;
    }
    let host_bits = width - bits;
    Some(network.checked_shr(host_bits).unwrap_or(0) == address.checked_shr(host_bits).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_matching() {
        let cases = [
            ("203.0.113.0/24", "203.0.113.7", Some(true)),
            ("203.0.113.0/24", "203.0.114.7", Some(false)),
            ("203.0.113.7", "203.0.113.7", Some(true)),
            ("0.0.0.0/0", "8.8.8.8", Some(true)),
            ("2001:db8::/32", "2001:DB8:0:1::5", Some(true)),
            ("2001:db8::/32", "2001:db9::5", Some(false)),
            ("203.0.113.0/24", "2001:db8::1", Some(false)),
            ("203.0.113.0/33", "203.0.113.7", None),
            ("nonsense", "203.0.113.7", None),
            ("203.0.113.0/24", "not-an-ip", None),
        ];
        for (cidr, ip, want) in cases {
            assert_eq!(cidr_contains(cidr, ip), want, "{cidr} {ip}");
        }
    }

    #[test]
    fn numbers_reject_words() {
        assert_eq!(parse_number("10"), Some(10.0));
        assert_eq!(parse_number("-1.5"), Some(-1.5));
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("ten"), None);
    }

    #[test]
    fn operator_names_round_trip() {
        for name in
            ["StringEquals", "ForAnyValue:StringLike", "ForAllValues:ArnNotLikeIfExists", "Null", "BoolIfExists"]
        {
            let op = ConditionOperator::parse(name).expect(name);
            assert_eq!(op.to_string(), name);
        }
        let op = ConditionOperator::parse("ForAllValues:StringEqualsIgnoreCaseIfExists").expect("valid");
        assert_eq!(
            op,
            ConditionOperator {
                set: Some(SetQualifier::ForAllValues),
                base: BaseOperator::StringEqualsIgnoreCase,
                if_exists: true
            }
        );
    }

    #[test]
    fn bad_operator_names_explain_themselves() {
        let err = ConditionOperator::parse("stringequals").expect_err("case");
        assert!(err.contains("did you mean \"StringEquals\""), "{err}");
        let err = ConditionOperator::parse("NullIfExists").expect_err("null");
        assert!(err.contains("use \"Null\""), "{err}");
        assert!(ConditionOperator::parse("ForSomeValues:StringEquals").is_err());
    }
}
