//! `environmentFiles`: S3 objects of `KEY=VALUE` lines the ECS agent reads
//! with the task execution role (`s3:GetObject` on the object,
//! `s3:GetBucketLocation` on its bucket; see `iam::generate`).
//!
//! Each entry must be `{"type": "s3", "value": "arn:aws:s3:::bucket/key.env"}`:
//! the only type ECS knows is `s3`, and the value is the object's ARN (not an
//! `s3://` URL, not a bucket ARN). AWS documents that the file must use the
//! `.env` extension; that part is a warning.

use super::{Input, Report, container_path};
use crate::arn::Arn;
use crate::diagnostic::Severity;
use crate::secret_ref::is_partition;

/// An S3 object named by its ARN, `arn:PARTITION:s3:::BUCKET/KEY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Object<'a> {
    pub partition: &'a str,
    pub bucket: &'a str,
    pub key: &'a str,
}

impl S3Object<'_> {
    /// `arn:PARTITION:s3:::BUCKET`, the resource of `s3:GetBucketLocation`.
    pub fn bucket_arn(&self) -> String {
        format!("arn:{}:s3:::{}", self.partition, self.bucket)
    }

    /// `arn:PARTITION:s3:::BUCKET/KEY`, the resource of `s3:GetObject`.
    pub fn object_arn(&self) -> String {
        format!("arn:{}:s3:::{}/{}", self.partition, self.bucket, self.key)
    }
}

/// Why a string is not an S3 object ARN.
fn object_arn_problem(raw: &str) -> Option<&'static str> {
    if raw.starts_with("s3://") {
        return Some("is an s3:// URL; ECS takes the object's ARN: arn:aws:s3:::BUCKET/KEY");
    }
    if !raw.starts_with("arn:") {
        return Some("is not an ARN; give the object's ARN: arn:aws:s3:::BUCKET/KEY");
    }
    let Some(Arn { partition, service, region, account, resource }) = Arn::parse(raw) else {
        return Some("is not a complete ARN; give arn:aws:s3:::BUCKET/KEY");
    };
    if service != "s3" {
        return Some("is not an S3 ARN; give the object's ARN: arn:aws:s3:::BUCKET/KEY");
    }
    if !is_partition(partition) {
        return Some("has an unknown partition (aws, aws-cn, aws-us-gov …)");
    }
    if !region.is_empty() || !account.is_empty() {
        return Some("has a region or account; S3 object ARNs have neither: arn:aws:s3:::BUCKET/KEY");
    }
    let Some((bucket, key)) = resource.split_once('/') else {
        return Some("names a bucket, not an object; add the key: arn:aws:s3:::BUCKET/KEY");
    };
    if !is_bucket_name(bucket) {
        return Some("has an invalid bucket name (3-63 lower-case letters, digits, `.` and `-`)");
    }
    if key.is_empty() {
        return Some("has an empty object key; add it: arn:aws:s3:::BUCKET/KEY");
    }
    if key.contains(['*', '?']) {
        return Some("has a wildcard in the key; name one object");
    }
    None
}

/// S3 bucket naming rules (general purpose buckets).
fn is_bucket_name(bucket: &str) -> bool {
    (3..=63).contains(&bucket.len())
        && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        && bucket.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// The S3 object an environment file's `value` names, when it is a valid
/// object ARN.
pub fn parse_s3_object_arn(raw: &str) -> Option<S3Object<'_>> {
    let raw = raw.trim();
    if object_arn_problem(raw).is_some() {
        return None;
    }
    let arn = Arn::parse(raw)?;
    let (bucket, key) = arn.resource.split_once('/')?;
    Some(S3Object { partition: arn.partition, bucket, key })
}

/// ES072: `environmentFiles` entries are `type: s3` with an S3 object ARN
/// (and a `.env` key, a warning).
pub(super) fn environment_file_shape(input: &Input<'_>, out: &mut Report<'_>) {
    for (ci, c) in input.td.container_definitions.iter().enumerate() {
        for (fi, file) in c.environment_files.iter().flatten().enumerate() {
            let base = format!("{}/environmentFiles/{fi}", container_path(ci));
            match file.file_type.as_deref() {
                Some("s3") => {}
                Some(other) => out.push(out.diag(
                    format!("{base}/type"),
                    format!(
                        "environment file type `{}` is not one ECS knows: the only type is `s3` (lower case)",
                        super::names::shorten(other)
                    ),
                )),
                None => out.push(out.diag(
                    format!("{base}/type"),
                    "the environment file has no `type`: RegisterTaskDefinition requires it; add \"type\": \"s3\"",
                )),
            }
            let path = format!("{base}/value");
            let Some(value) = file.value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
                out.push(out.diag(
                    path,
                    "the environment file has no `value`: give the S3 object's ARN, arn:aws:s3:::BUCKET/KEY.env",
                ));
                continue;
            };
            if let Some(problem) = object_arn_problem(value) {
                out.push(out.diag(path, format!("environment file `{}` {problem}", super::names::shorten(value))));
            } else if !value.ends_with(".env") {
                out.push(out.diag_as(
                    Severity::Warning,
                    path,
                    format!(
                        "environment file `{}` does not end in `.env`: AWS documents that the file must use the \
                         .env extension; rename the object",
                        super::names::shorten(value)
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{check, known_ctx, one_container};
    use super::*;

    #[test]
    fn object_arns() {
        let ok = parse_s3_object_arn("arn:aws:s3:::my-bucket/env/prod.env").unwrap();
        assert_eq!(ok.bucket_arn(), "arn:aws:s3:::my-bucket");
        assert_eq!(ok.object_arn(), "arn:aws:s3:::my-bucket/env/prod.env");
        assert!(parse_s3_object_arn("arn:aws-cn:s3:::b.example/k.env").is_some());
        for partition in ["aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"] {
            assert!(parse_s3_object_arn(&format!("arn:{partition}:s3:::my-bucket/k.env")).is_some(), "{partition}");
        }
        assert!(parse_s3_object_arn("arn:aws-xx:s3:::my-bucket/k.env").is_none());
        for bad in [
            "s3://my-bucket/prod.env",
            "my-bucket/prod.env",
            "arn:aws:s3:::my-bucket",
            "arn:aws:s3:::my-bucket/",
            "arn:aws:s3:eu-west-1:123456789012:my-bucket/x.env",
            "arn:aws:ssm:::my-bucket/x.env",
            "arn:aws:s3:::My_Bucket/x.env",
            "arn:aws:s3:::my-bucket/*.env",
        ] {
            assert!(parse_s3_object_arn(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn entries() {
        let file = |value: serde_json::Value| one_container(json!({"environmentFiles": [value]}));
        let at = |field: &str| format!("/containerDefinitions/0/environmentFiles/0/{field}");
        let (value, kind) = (at("value"), at("type"));
        check(
            "ES072",
            &known_ctx(),
            &[
                (file(json!({"type": "s3", "value": "arn:aws:s3:::my-bucket/prod.env"})), &[]),
                (file(json!({"type": "S3", "value": "arn:aws:s3:::my-bucket/prod.env"})), &[kind.as_str()]),
                (file(json!({"value": "arn:aws:s3:::my-bucket/prod.env"})), &[kind.as_str()]),
                (file(json!({"type": "s3", "value": "s3://my-bucket/prod.env"})), &[value.as_str()]),
                (file(json!({"type": "s3"})), &[value.as_str()]),
                (file(json!({"type": "s3", "value": "arn:aws:s3:::my-bucket/prod.txt"})), &[value.as_str()]),
            ],
        );
    }
}
