//! Pulling facts out of an error text: normalising whatever the user pasted
//! (a bare message, a JSON-quoted string, a whole `describe-tasks` output,
//! text broken over several lines) into one line, then finding the role,
//! action, resources and regions in it.
//!
//! Everything here is lenient by design: a fact that cannot be found is
//! `None`, never an error, so the decoder can still say something useful.

use serde_json::Value;

use crate::arn::Arn;
use crate::json_locate::decode_string;
use crate::location::Region;

/// The most of a pasted text the decoder reads: 256 KiB. An ECS stopped
/// reason is a few hundred bytes and a whole `describe-tasks` output of
/// many tasks fits; beyond that a paste is a log dump, and reading it whole
/// would only make the decoder slower. The rest is ignored.
pub const MAX_TEXT_BYTES: usize = 256 * 1024;

/// The first [`MAX_TEXT_BYTES`] of `text`, cut at a character boundary.
fn capped(text: &str) -> &str {
    if text.len() <= MAX_TEXT_BYTES {
        return text;
    }
    let mut end = MAX_TEXT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Turns pasted text into a single line of plain message text.
///
/// JSON documents contribute all their string values (so a pasted
/// `describe-tasks` output yields its `stoppedReason` and `taskArn`), a
/// JSON-quoted string is unquoted, escaped line breaks and quotes are
/// unescaped, and line breaks become spaces. Only the first
/// [`MAX_TEXT_BYTES`] are read, and every step is linear in the length.
pub(crate) fn normalize(text: &str) -> String {
    let trimmed = capped(text).trim();
    let mut unwrapped = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        match serde_json::from_str::<Value>(trimmed) {
            Ok(value) => {
                let mut strings = Vec::new();
                collect_strings(&value, &mut strings);
                strings.join("\n")
            }
            Err(_) => trimmed.to_owned(),
        }
    } else if trimmed.starts_with('"') {
        serde_json::from_str::<String>(trimmed).unwrap_or_else(|_| decode_string(trim_quotes(trimmed).as_bytes()))
    } else {
        trimmed.to_owned()
    };
    if unwrapped.contains("\\n") || unwrapped.contains("\\\"") {
        unwrapped = decode_string(unwrapped.as_bytes());
    }
    collapse_whitespace(&join_lines(&unwrapped))
}

/// True when a line starts a new ARN: it is then never glued to the line
/// before (two ARNs listed on consecutive lines stay two ARNs; no ARN
/// contains `arn:` after a name character, since parameter and secret
/// names have no `:`).
fn starts_arn(line: &str) -> bool {
    line.get(..4).is_some_and(|head| head.eq_ignore_ascii_case("arn:"))
}

/// True when the text was cut into lines of one fixed width (a terminal or
/// a console copy): every line but the last has the same length, at least
/// 40 characters, and the last is not longer. Such breaks fall anywhere,
/// even inside words and ARNs, so the lines are concatenated as they are
/// (except before a line that starts an ARN).
fn hard_wrapped(lines: &[&str]) -> bool {
    let Some((last, full)) = lines.split_last() else { return false };
    let Some(width) = full.first().map(|l| l.chars().count()) else { return false };
    width >= 40 && full.iter().all(|l| l.chars().count() == width) && last.chars().count() <= width
}

/// Joins lines with a space, except where a terminal wrapped an ARN: when a
/// line ends inside a token starting with `arn:` and the next line starts
/// with a token that looks like ARN text (it has `:`, `/`, `-` or a digit,
/// unlike an English word, and is not itself the start of an ARN), the two
/// halves are glued back together.
fn join_lines(text: &str) -> String {
    let lines: Vec<&str> = text.split(['\n', '\r']).filter(|l| !l.is_empty()).collect();
    let wrapped = hard_wrapped(&lines);
    let mut out = String::with_capacity(text.len());
    // Where the last whitespace-free token of `out` starts: kept up to date
    // so that each line costs its own length, not the length of `out`.
    let mut token_start = 0;
    for line in lines {
        let glue = !out.is_empty()
            && !starts_arn(line)
            && (wrapped
                || (!out.ends_with(char::is_whitespace)
                    && !line.starts_with(char::is_whitespace)
                    && starts_arn(&out[token_start..])
                    && line.split(char::is_whitespace).next().is_some_and(|first| {
                        first.contains([':', '/', '-']) || first.contains(|c: char| c.is_ascii_digit())
                    })));
        if !out.is_empty() && !glue {
            out.push(' ');
            token_start = out.len();
        }
        match line.rfind(char::is_whitespace) {
            Some(at) => {
                let ws = line[at..].chars().next().map_or(1, char::len_utf8);
                token_start = out.len() + at + ws;
            }
            None if out.ends_with(char::is_whitespace) => token_start = out.len(),
            None => {}
        }
        out.push_str(line);
    }
    out
}

fn collect_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn trim_quotes(text: &str) -> &str {
    let text = text.strip_prefix('"').unwrap_or(text);
    let text = text.strip_suffix(',').unwrap_or(text);
    text.strip_suffix('"').unwrap_or(text)
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Characters that end a token (an ARN, an action, a parameter name) in
/// running text.
fn ends_token(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';' | '(' | ')' | '<' | '>' | '[' | ']' | '{' | '}' | '`')
}

/// Strips sentence punctuation that follows a token (`…-AbCdEf.`).
fn trim_token(token: &str) -> &str {
    token.trim_end_matches(['.', ':'])
}

/// The normalised text of an error, with an ASCII-lower-cased copy for the
/// many case-insensitive marker searches: each is then one `str::find`
/// (linear, and fast even in a debug build) instead of a comparison at
/// every byte. Lower-casing ASCII keeps every byte offset, so an offset
/// found in the copy indexes the text.
#[derive(Debug)]
pub(crate) struct Line {
    text: String,
    lower: String,
}

impl Line {
    pub(crate) fn new(text: String) -> Line {
        let lower = text.to_ascii_lowercase();
        Line { text, lower }
    }
}

impl From<&str> for Line {
    fn from(text: &str) -> Line {
        Line::new(text.to_owned())
    }
}

impl std::ops::Deref for Line {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

/// Byte offset of `needle` in `haystack`, ignoring ASCII case, starting at `from`.
pub(crate) fn find_ci(haystack: &Line, needle: &str, from: usize) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    let mut from = from;
    while !haystack.lower.is_char_boundary(from) {
        from += 1;
    }
    let needle = needle.to_ascii_lowercase();
    haystack.lower.get(from..)?.find(&needle).map(|at| at + from)
}

/// True when `haystack` contains `needle`, ignoring ASCII case.
pub(crate) fn contains_ci(haystack: &Line, needle: &str) -> bool {
    find_ci(haystack, needle, 0).is_some()
}

/// The token that starts right after the first `marker` (case-insensitive).
pub(crate) fn token_after<'a>(text: &'a Line, marker: &str) -> Option<&'a str> {
    let start = find_ci(text, marker, 0)? + marker.len();
    let rest = text[start..].trim_start();
    let end = rest.find(ends_token).unwrap_or(rest.len());
    let token = trim_token(&rest[..end]);
    (!token.is_empty()).then_some(token)
}

/// Every ARN in the text, in order of appearance, without duplicates.
pub(crate) fn arns(text: &Line) -> Vec<&str> {
    let mut found: Vec<&str> = Vec::new();
    let mut seen: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    let mut from = 0;
    while let Some(at) = find_ci(text, "arn:", from) {
        let boundary = text[..at].chars().next_back().is_none_or(ends_token) || text[..at].ends_with(':');
        let rest = &text[at..];
        let end = rest.find(ends_token).unwrap_or(rest.len());
        let token = trim_token(&rest[..end]);
        from = at + end.max(4);
        if boundary && token.split(':').count() >= 6 && seen.insert(token) {
            found.push(token);
        }
    }
    found
}

/// The role behind the caller named in an `AccessDeniedException`: the
/// `assumed-role/NAME/SESSION` of an STS ARN becomes the IAM role ARN
/// `arn:PARTITION:iam::ACCOUNT:role/NAME`; a plain role ARN is kept.
pub(crate) fn role(text: &Line) -> Option<String> {
    for arn in arns(text) {
        let Some(Arn { partition, service, account, resource, .. }) = Arn::parse(arn) else { continue };
        match service {
            "sts" => {
                if let Some(rest) = resource.strip_prefix("assumed-role/") {
                    let name = rest.split('/').next().unwrap_or(rest);
                    if !name.is_empty() {
                        return Some(format!("arn:{partition}:iam::{account}:role/{name}"));
                    }
                }
            }
            "iam" if resource.starts_with("role/") => return Some(arn.to_owned()),
            _ => {}
        }
    }
    // Some agents print only `assumed-role/NAME/…` without the ARN prefix.
    let rest = token_after(text, "assumed-role/")?;
    rest.split('/').next().filter(|n| !n.is_empty()).map(str::to_owned)
}

/// The policy named in newer denial messages
/// (`… with an explicit deny in an identity-based policy: arn:aws:iam::1:policy/P`).
pub(crate) fn named_policy(text: &Line) -> Option<String> {
    arns(text)
        .into_iter()
        .find(|arn| Arn::parse(arn).is_some_and(|a| a.service == "iam" && a.resource.starts_with("policy/")))
        .map(str::to_owned)
}

/// The IAM action named after `is not authorized to perform:`.
pub(crate) fn denied_action(text: &Line) -> Option<String> {
    token_after(text, "is not authorized to perform:").filter(|a| a.contains(':')).map(str::to_owned)
}

/// The resource named after `on resource:`.
pub(crate) fn denied_resource(text: &Line) -> Option<String> {
    token_after(text, "on resource:").map(str::to_owned)
}

/// A region named in an AWS endpoint host (`secretsmanager.eu-west-1.amazonaws.com`)
/// or in the EC2 agent's `… from SSM Parameter Store in us-east-1: …` /
/// `… from AWS Secrets Manager in region us-east-1: …`.
pub(crate) fn endpoint_region(text: &Line) -> Option<String> {
    for marker in ["Parameter Store in", "in region"] {
        if let Some(region) = token_after(text, marker).filter(|r| Region::is_valid(r)) {
            return Some(region.to_owned());
        }
    }
    let mut from = 0;
    // Where the previous host ended: a host never reaches back past it, so
    // each byte is looked at once however many hosts the text names.
    let mut floor = 0;
    while let Some(at) = find_ci(text, ".amazonaws.com", from) {
        from = at + 1;
        let before = &text[floor..at];
        floor = at;
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '.' || *c == '-'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let host = &before[start..];
        if let Some(region) = host.split('.').rev().find(|label| Region::is_valid(label)) {
            return Some(region.to_owned());
        }
    }
    None
}

/// The parameter names listed after `invalid parameters:` or
/// `invalid ssm parameters:` (comma- or space-separated).
pub(crate) fn invalid_parameters(text: &Line) -> Vec<String> {
    let Some(at) = find_ci(text, "invalid ssm parameters:", 0)
        .map(|i| i + "invalid ssm parameters:".len())
        .or_else(|| find_ci(text, "invalid parameters:", 0).map(|i| i + "invalid parameters:".len()))
    else {
        return Vec::new();
    };
    // A list is `a, b, c`; the first piece that carries more than one word
    // ends it (`/x/y status code: 400`).
    let mut names = Vec::new();
    for piece in text[at..].split(',') {
        let mut words = piece.split_whitespace();
        let Some(first) = words.next().map(|w| trim_token(w.trim_matches(ends_token))) else { break };
        if looks_like_parameter(first) && !first.is_empty() {
            names.push(first.to_owned());
        }
        if words.next().is_some() {
            break;
        }
    }
    names
}

fn looks_like_parameter(token: &str) -> bool {
    token.starts_with("arn:")
        || (token.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_.-".contains(&b))
            && !token.eq_ignore_ascii_case("status"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_quoted_and_wrapped_text_becomes_one_line() {
        assert_eq!(normalize("\"a \\\"b\\\"\\nc\""), "a \"b\" c");
        assert_eq!(normalize("first\r\n  second\n"), "first second");
        assert_eq!(
            normalize(
                "secret arn:aws:secretsmanager:us-east-1:123456789012:sec\nret:prod/db-AbCdEf from\nsecrets manager"
            ),
            "secret arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf from secrets manager"
        );
        assert_eq!(
            normalize("on arn:aws:ssm:us-east-1:1:parameter/x\nbecause"),
            "on arn:aws:ssm:us-east-1:1:parameter/x because"
        );
        assert_eq!(normalize(r#"{"tasks":[{"stoppedReason":"x y","lastStatus":"STOPPED"}]}"#), "STOPPED x y");
    }

    /// A JSON-quoted reason cut off before its closing quote is unescaped
    /// by the same decoder that reads JSON strings everywhere else
    /// (`json_locate`), `\uXXXX` included.
    #[test]
    fn a_cut_off_quoted_string_is_unescaped() {
        assert_eq!(
            normalize(r#""denied on \"arn:aws:ssm:us-east-1:1:parameter/x\"\tfor \u003crole\u003e"#),
            "denied on \"arn:aws:ssm:us-east-1:1:parameter/x\" for <role>"
        );
    }

    #[test]
    fn arns_stop_at_punctuation() {
        let text = "secret arn:aws:secretsmanager:us-east-1:1:secret:a-AbCdEf. then (arn:aws:kms:us-east-1:1:key/k)";
        assert_eq!(
            arns(&Line::from(text)),
            ["arn:aws:secretsmanager:us-east-1:1:secret:a-AbCdEf", "arn:aws:kms:us-east-1:1:key/k"]
        );
    }

    #[test]
    fn assumed_roles_become_role_arns() {
        let text = "User: arn:aws:sts::123456789012:assumed-role/ecsTaskExecutionRole/8e4b is not authorized";
        assert_eq!(role(&Line::from(text)).as_deref(), Some("arn:aws:iam::123456789012:role/ecsTaskExecutionRole"));
    }

    #[test]
    fn regions_from_endpoints() {
        assert_eq!(
            endpoint_region(&Line::from("Post \"https://api.ecr.eu-west-1.amazonaws.com/\"")).as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            endpoint_region(&Line::from("lookup ssm.us-gov-west-1.amazonaws.com")).as_deref(),
            Some("us-gov-west-1")
        );
        assert_eq!(endpoint_region(&Line::from("no host here")), None);
        assert!(!Region::is_valid("dkr"));
    }

    #[test]
    fn invalid_parameter_lists() {
        assert_eq!(
            invalid_parameters(&Line::from("invalid parameters: /x/y, /a/b status code: 400")),
            ["/x/y", "/a/b"]
        );
        assert_eq!(invalid_parameters(&Line::from("invalid ssm parameters: db_pw")), ["db_pw"]);
        assert!(invalid_parameters(&Line::from("nothing")).is_empty());
    }
}
