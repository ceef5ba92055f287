//! An ARN's parts: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
//!
//! The one reader of where an ARN lives (its region and account) and what
//! it names, for the evaluator (which runs it for the principal and the
//! resource of every request), the decoder, the lint, the generator, the
//! audit and rotate. The typed references (`secret_ref`) parse the
//! resources they know on top of it.

/// The six parts of an ARN; `resource` keeps any further colons. IAM and
/// S3 ARNs leave the region empty, S3 also the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits at the first five colons, on bytes; `None` unless `text`
    /// starts with `arn:` and has all six parts.
    pub fn parse(text: &'a str) -> Option<Self> {
        let mut colons = [0usize; 5];
        let mut found = 0;
        for (i, &b) in text.as_bytes().iter().enumerate() {
            if b == b':' {
                colons[found] = i;
                found += 1;
                if found == 5 {
                    break;
                }
            }
        }
        if found < 5 || &text[..colons[0]] != "arn" {
            return None;
        }
        Some(Arn {
            partition: &text[colons[0] + 1..colons[1]],
            service: &text[colons[1] + 1..colons[2]],
            region: &text[colons[2] + 1..colons[3]],
            account: &text[colons[3] + 1..colons[4]],
            resource: &text[colons[4] + 1..],
        })
    }
}

/// The ARN as text again (a part replaced: `Arn { account, ..arn }`).
impl std::fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Arn { partition, service, region, account, resource } = self;
        write!(f, "arn:{partition}:{service}:{region}:{account}:{resource}")
    }
}

/// The service of an ARN (`secretsmanager` in `arn:aws:secretsmanager:…`).
pub fn service_of(arn: &str) -> Option<&str> {
    Arn::parse(arn).map(|a| a.service)
}

/// The region of an ARN, when `arn` is one and names a region.
pub fn region_of(arn: &str) -> Option<&str> {
    Arn::parse(arn).map(|a| a.region).filter(|r| !r.is_empty())
}

/// The account of an ARN, when `arn` is one and names an account.
pub fn account_of(arn: &str) -> Option<&str> {
    Arn::parse(arn).map(|a| a.account).filter(|a| !a.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_six_parts_and_keeps_the_resource_whole() {
        let arn = Arn::parse("arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/db-AbCdEf:password::")
            .expect("an ARN");
        assert_eq!(
            arn,
            Arn {
                partition: "aws",
                service: "secretsmanager",
                region: "eu-west-1",
                account: "123456789012",
                resource: "secret:web/db-AbCdEf:password::",
            }
        );
        assert_eq!(
            Arn { account: "210987654321", ..arn }.to_string(),
            "arn:aws:secretsmanager:eu-west-1:210987654321:secret:web/db-AbCdEf:password::"
        );
        assert_eq!(region_of("arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x"), Some("cn-north-1"));
        assert_eq!(account_of("arn:aws-us-gov:iam::123456789012:role/r"), Some("123456789012"));
        assert_eq!(service_of("arn:aws:kms:eu-west-1:123456789012:key/k"), Some("kms"));
    }

    #[test]
    fn parts_that_are_not_there_are_none() {
        assert_eq!(region_of("arn:aws:iam::123456789012:role/r"), None);
        assert_eq!(account_of("arn:aws:s3:::bucket/key"), None);
        for not_an_arn in ["", "*", "arn:aws:s3", "prod/db", "urn:aws:ssm:eu-west-1:123456789012:x", "aws:ssm:a:b:c:d"]
        {
            assert_eq!(Arn::parse(not_an_arn), None, "{not_an_arn}");
            assert_eq!(account_of(not_an_arn), None, "{not_an_arn}");
        }
    }
}
