//! Condition operators (`StringEquals`, `ForAnyValue:StringLike`,
//! `DateLessThanIfExists`, …): their names and how one condition entry
//! evaluates against the request context.

use std::fmt;

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

#[cfg(test)]
mod tests {
    use super::*;

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
