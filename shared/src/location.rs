//! Where a task runs, validated once: [`Region`], [`AccountId`] and the
//! pair of them as far as known, [`Location`].
//!
//! Every way in — CLI flags, bundle files, the UI's context fields, library
//! callers through serde or [`FromStr`] — goes through the one validator of
//! each type, so code that holds a `Region` or an `AccountId` never checks
//! it again. Neither can contain `*`, `?` or `${`: a value that reaches a
//! policy ARN can never widen it into a wildcard or a policy variable.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An AWS region name: `us-east-1`, `eu-central-2`, `us-gov-west-1`,
/// `cn-north-1`, `us-isob-east-1`, `eusc-de-east-1`.
///
/// The shape is `^([a-z]{2}|eusc)(-[a-z]+)+-[0-9]+$`: a two-letter prefix
/// (or `eusc`, the European Sovereign Cloud, the one partition whose regions
/// start with four letters), one or more lower-case words, and a number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(String);

/// A 12-digit AWS account id, e.g. `123456789012`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

/// Why a text is not a [`Region`] or an [`AccountId`]; the message quotes
/// the text and shows the right shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocationError {
    #[error("`{0}` is not an AWS region name; write it like us-east-1 or eu-west-3")]
    Region(String),
    #[error("`{0}` is not an AWS account id; an account id is exactly 12 digits, e.g. 123456789012")]
    AccountId(String),
}

impl Region {
    /// True when `text` has the shape of a region name (see [`Region`]).
    pub fn is_valid(text: &str) -> bool {
        // `first-middle[-middle…]-last`, read without allocating: the lint
        // asks this of every reference of a large task definition.
        let word = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
        let (Some((first, rest)), Some((_, last))) = (text.split_once('-'), text.rsplit_once('-')) else {
            return false;
        };
        let Some(middle) = rest.strip_suffix(last).and_then(|m| m.strip_suffix('-')) else { return false };
        ((first.len() == 2 && word(first)) || first == "eusc")
            && middle.split('-').all(word)
            && !last.is_empty()
            && last.bytes().all(|b| b.is_ascii_digit())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AccountId {
    /// True for exactly 12 ASCII digits.
    pub fn is_valid(text: &str) -> bool {
        text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! validated_text {
    ($name:ident, $error:ident) => {
        impl FromStr for $name {
            type Err = LocationError;
            fn from_str(text: &str) -> Result<Self, LocationError> {
                Self::try_from(text.to_owned())
            }
        }

        impl TryFrom<String> for $name {
            type Error = LocationError;
            fn try_from(text: String) -> Result<Self, LocationError> {
                if Self::is_valid(&text) { Ok(Self(text)) } else { Err(LocationError::$error(text)) }
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

validated_text!(Region, Region);
validated_text!(AccountId, AccountId);

/// Where a task runs, as far as it is known: rules and generators that need
/// a fact that is missing stay quiet (or leave a name bare) rather than guess.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// The region the task runs in, e.g. `eu-west-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
    /// The account the task runs in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<AccountId>,
}

impl Location {
    pub fn new(region: Option<Region>, account_id: Option<AccountId>) -> Self {
        Self { region, account_id }
    }

    /// The region as text, when known.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The account id as text, when known.
    pub fn account_id(&self) -> Option<&str> {
        self.account_id.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_region_names_of_every_partition_are_regions() {
        for region in [
            "us-east-1",
            "eu-central-2",
            "ap-southeast-4",
            "il-central-1",
            "us-gov-west-1",
            "cn-north-1",
            "cn-northwest-1",
            "us-iso-east-1",
            "us-isob-east-1",
            "eu-isoe-west-1",
            "eusc-de-east-1",
        ] {
            assert!(region.parse::<Region>().is_ok(), "{region}");
        }
    }

    #[test]
    fn anything_else_is_refused_with_the_right_shape() {
        for text in [
            "",
            "Europe",
            "eu-west",
            "eu-west-",
            "EU-WEST-1",
            "eu-west-1a",
            "e-west-1",
            "abc-west-1",
            "eu--west-1",
            "eu-west1-1",
            "eu-*-1",
            "eu-west-?",
            "*",
            "${aws:region}",
            " eu-west-1",
        ] {
            let error = text.parse::<Region>().unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("`{text}` is not an AWS region name; write it like us-east-1 or eu-west-3")
            );
        }
    }

    #[test]
    fn an_account_id_is_exactly_twelve_digits() {
        assert_eq!("123456789012".parse::<AccountId>().unwrap().as_str(), "123456789012");
        for text in ["", "12345678901", "1234567890123", "12345678901a", "*", "12345678901?", "${aws:PrincipalAccount}"]
        {
            assert!(text.parse::<AccountId>().is_err(), "{text}");
        }
    }

    #[test]
    fn serde_goes_through_the_validator() {
        let location: Location = serde_json::from_str(r#"{"region":"eu-west-1","accountId":"123456789012"}"#).unwrap();
        assert_eq!(location.region(), Some("eu-west-1"));
        assert_eq!(serde_json::to_string(&location).unwrap(), r#"{"region":"eu-west-1","accountId":"123456789012"}"#);
        let error = serde_json::from_str::<Location>(r#"{"region":"eu-*-1"}"#).unwrap_err();
        assert!(error.to_string().contains("`eu-*-1` is not an AWS region name"), "{error}");
        assert_eq!(serde_json::from_str::<Location>("{}").unwrap(), Location::default());
    }
}
