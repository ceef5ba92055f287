//! Plaintext secrets in `environment`.
//!
//! `environment` values are readable by anyone with
//! `ecs:DescribeTaskDefinition`, and every registered revision keeps them.
//! Each entry is classified once, strongest evidence first:
//!
//! 1. the value has the shape of a known credential (AWS access key id, PEM
//!    private key, JWT, URL with a password, well-known token prefixes) —
//!    ES080, an error whatever the name;
//! 2. the name says secret (`_`-separated or camelCase tokens such as
//!    PASSWORD, PWD, SECRET, TOKEN, API_KEY…, not followed by a metadata
//!    token like TTL, LENGTH, NAME or URL) and the value is a real value —
//!    ES081;
//! 3. the value is long and random-looking (Shannon entropy) — ES082.
//!
//! Before all three: a template expression (`${db_password}`,
//! `{{ .Env.X }}`, `#{x}`) under a secret-like name, with a secret-like
//! variable, or after a secret-like key inside the value
//! (`Password=${db_pass}`) is ES084. ECS never expands templates; the tool
//! that renders the task definition puts the secret in before registration.
//!
//! Values that cannot be secrets stay quiet: empty, booleans, numbers,
//! short values, file paths, references (ARNs, a benign `${VAR}`, `{{resolve:…}}`)
//! and URLs without credentials. Messages never contain the value. The fix
//! moves the entry to `secrets` as an SSM SecureString
//! `/<family>/<container>/<NAME>` and asks for the parameter to be created
//! with the value lifted out of the task definition.

use serde_json::{Value, json};

use super::{Input, Report, container_label, container_path, is_ecs_name};
use crate::diagnostic::Severity;
use crate::fix::{Edit, Fix, SecretToCreate};
use crate::json_pointer;
use crate::secret_ref::Store;
use crate::task_def::TaskDefinition;

/// What an environment entry looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Finding {
    /// The value has the shape of a known credential; names its kind.
    Credential(&'static str),
    /// The name says secret and the value is a real value.
    SecretName,
    /// The value is long and random-looking.
    HighEntropy,
    /// A template expression (`${db_password}`, `{{ .Env.X }}`, `#{x}`)
    /// in a secret-like place: a tool renders the secret in before
    /// registration.
    Templated,
}

/// Name tokens that mark a secret on their own.
const SECRET_TOKENS: &[&str] = &[
    "PASSWORD",
    "PASSWORDS",
    "PASSWD",
    "PWD",
    "PASSPHRASE",
    "SECRET",
    "SECRETS",
    "TOKEN",
    "TOKENS",
    "APIKEY",
    "PRIVATEKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "AUTHORIZATION",
    "DSN",
    "CLIENTSECRET",
    "ACCESSKEY",
    "SECRETKEY",
    "SIGNINGKEY",
    "ENCRYPTIONKEY",
    "MASTERKEY",
    "BEARER",
    "SALT",
];

/// Endings that mark a secret inside a compound token (`PGPASSWORD`,
/// `VAULTTOKEN`, `APPSECRET`).
const SECRET_SUFFIXES: &[&str] = &["PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY"];

/// Tokens that mark a secret only as the last token (`DB_PASS`, `BASIC_AUTH`,
/// but not `PASS_THROUGH`, `AUTH_BACKEND`).
const SECRET_LAST_TOKENS: &[&str] = &["PASS", "AUTH"];

/// Two consecutive tokens that mark a secret.
const SECRET_PAIRS: &[(&str, &str)] = &[
    ("API", "KEY"),
    ("PRIVATE", "KEY"),
    ("ACCESS", "KEY"),
    ("SECRET", "KEY"),
    ("CLIENT", "SECRET"),
    ("SIGNING", "KEY"),
    ("ENCRYPTION", "KEY"),
    ("MASTER", "KEY"),
    ("SESSION", "KEY"),
    ("LICENSE", "KEY"),
    // Datadog's application key (`DD_APP_KEY`), Laravel's encryption key (`APP_KEY`).
    ("APP", "KEY"),
    ("AUTH", "KEY"),
    ("CONNECTION", "STRING"),
    ("WEBHOOK", "URL"),
];

/// Tokens after a secret token that make the name about the secret rather
/// than the secret itself: `TOKEN_TTL`, `PASSWORD_MIN_LENGTH`, `SECRET_NAME`.
const METADATA_TOKENS: &[&str] = &[
    "TTL",
    "LENGTH",
    "LEN",
    "MIN",
    "MAX",
    "MINIMUM",
    "MAXIMUM",
    "EXPIRY",
    "EXPIRES",
    "EXPIRE",
    "EXPIRATION",
    "TIMEOUT",
    "SECONDS",
    "SECS",
    "SEC",
    "MS",
    "MINUTES",
    "MINS",
    "HOURS",
    "DAYS",
    "AGE",
    "LIFETIME",
    "DURATION",
    "INTERVAL",
    "SIZE",
    "COUNT",
    "LIMIT",
    "RETRIES",
    "ATTEMPTS",
    "NAME",
    "NAMES",
    "ARN",
    "ID",
    "IDS",
    "PATH",
    "FILE",
    "FILES",
    "DIR",
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "HOSTNAME",
    "PORT",
    "SERVER",
    "HEADER",
    "TYPE",
    "MODE",
    "ENABLED",
    "DISABLED",
    "ENABLE",
    "DISABLE",
    "REQUIRED",
    "PROVIDER",
    "METHOD",
    "ALGORITHM",
    "ALG",
    "ISSUER",
    "AUDIENCE",
    "SCOPE",
    "SCOPES",
    "REGION",
    "VERSION",
    "FIELD",
    "PARAM",
    "PARAMETER",
    "LOCATION",
    "POLICY",
    "STRATEGY",
    "ROTATION",
    "FORMAT",
    "PREFIX",
    "SUFFIX",
    "STORE",
    "BACKEND",
    "SOURCE",
    "REF",
    "REFERENCE",
    "USER",
    "USERNAME",
    "EMAIL",
    "DOMAIN",
    "REALM",
    "TENANT",
    "STATUS",
    "LEVEL",
    "LOG",
    "KEYID",
    "RESET",
    "POLICY",
];

/// Token prefixes of well-known services: (prefix, minimum characters
/// after it, what it is).
const TOKEN_PREFIXES: &[(&str, usize, &str)] = &[
    ("ghp_", 30, "a GitHub personal access token"),
    ("gho_", 30, "a GitHub OAuth token"),
    ("ghu_", 30, "a GitHub user token"),
    ("ghs_", 30, "a GitHub app token"),
    ("ghr_", 30, "a GitHub refresh token"),
    ("github_pat_", 30, "a GitHub fine-grained token"),
    ("xoxb-", 10, "a Slack bot token"),
    ("xoxa-", 10, "a Slack app token"),
    ("xoxp-", 10, "a Slack user token"),
    ("xoxr-", 10, "a Slack refresh token"),
    ("xoxs-", 10, "a Slack session token"),
    ("sk_live_", 16, "a Stripe secret key"),
    ("rk_live_", 16, "a Stripe restricted key"),
    ("glpat-", 20, "a GitLab access token"),
    ("AIza", 35, "a Google API key"),
    ("npm_", 36, "an npm token"),
    ("SG.", 40, "a SendGrid API key"),
    ("shpat_", 32, "a Shopify access token"),
    ("hf_", 30, "a Hugging Face token"),
    ("dop_v1_", 64, "a DigitalOcean token"),
    ("sk-", 40, "an API secret key"),
];

/// Splits a variable name into upper-case tokens at `_`, `-`, `.` and
/// camelCase boundaries: `dbPassword` → `DB`, `PASSWORD`.
pub(super) fn name_tokens(name: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_ascii_alphanumeric() {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            tokens.push(std::mem::take(&mut current));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        current.push(ch.to_ascii_uppercase());
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// True when the name (as [`name_tokens`]) says its value is a secret.
fn is_secret_name(tokens: &[String]) -> bool {
    let last = tokens.len().saturating_sub(1);
    let mut last_match = None;
    for (i, token) in tokens.iter().enumerate() {
        let token = token.as_str();
        if SECRET_TOKENS.contains(&token)
            || SECRET_SUFFIXES.iter().any(|suffix| token.ends_with(suffix))
            || (i == last && SECRET_LAST_TOKENS.contains(&token))
        {
            last_match = Some(i);
        }
        if i > 0 && SECRET_PAIRS.contains(&(tokens[i - 1].as_str(), token)) {
            last_match = Some(i);
        }
    }
    match last_match {
        Some(at) => !tokens[at + 1..].iter().any(|t| METADATA_TOKENS.contains(&t.as_str())),
        None => false,
    }
}

/// True when the name is about metadata (`CLIENT_ID`, `BUCKET_NAME`), so a
/// random-looking value is an identifier rather than a secret.
fn is_metadata_name(tokens: &[String]) -> bool {
    tokens.last().is_some_and(|t| METADATA_TOKENS.contains(&t.as_str()))
}

/// True when the name says the value is public by design (`PUBLIC_KEY`,
/// `NEXT_PUBLIC_API_KEY`, `STRIPE_PUBLISHABLE_KEY`).
fn is_public_name(tokens: &[String]) -> bool {
    tokens.iter().any(|t| matches!(t.as_str(), "PUBLIC" | "PUBLISHABLE" | "PUB"))
}

/// Values that cannot be a secret: empty, short, booleans, numbers, paths,
/// references and placeholders, credential-free URLs, masks.
pub(super) fn is_benign(value: &str) -> bool {
    let v = value.trim();
    if v.chars().count() < 4 {
        return true;
    }
    const WORDS: [&str; 10] = ["true", "false", "yes", "no", "on", "off", "enabled", "disabled", "none", "null"];
    if WORDS.iter().any(|w| v.eq_ignore_ascii_case(w)) {
        return true;
    }
    if is_number_with_unit(v) {
        return true;
    }
    if v.starts_with('/') || v.starts_with("./") || v.starts_with("../") || v.starts_with("~/") || is_windows_path(v) {
        return true;
    }
    if v.starts_with("arn:") || v.starts_with("{{resolve:") || (v.starts_with("${") && v.ends_with('}')) {
        return true;
    }
    if (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with('$') && v[1..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    {
        return true;
    }
    if v.contains("://") && url_password(v).is_none() && !v.starts_with("https://hooks.slack.com/") {
        return true;
    }
    let mut chars = v.chars();
    let first = chars.next();
    first.is_some() && chars.all(|c| Some(c) == first)
}

/// `123`, `-1.5`, `30s`, `512MB`, `1_000`.
fn is_number_with_unit(v: &str) -> bool {
    let v = v.strip_prefix(['-', '+']).unwrap_or(v);
    let digits_end = v.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_')).unwrap_or(v.len());
    let (number, unit) = v.split_at(digits_end);
    number.bytes().any(|b| b.is_ascii_digit()) && unit.len() <= 3 && unit.bytes().all(|b| b.is_ascii_alphabetic())
}

fn is_windows_path(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() > 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')
}

/// The password part of `scheme://user:password@host…`, when there is one.
fn url_password(v: &str) -> Option<&str> {
    let (scheme, rest) = v.split_once("://")?;
    if scheme.is_empty() || !scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b)) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let (userinfo, _) = authority.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    let placeholder = password.is_empty()
        || password.starts_with("${")
        || password.starts_with("{{")
        || password.starts_with('<')
        || password.starts_with('$')
        || password.bytes().all(|b| b == b'*' || b == b'x' || b == b'X');
    (!placeholder).then_some(password)
}

/// The kind of known credential the value is, if any.
fn credential_kind(name_tokens: &[String], value: &str) -> Option<&'static str> {
    let v = value.trim();
    if v.contains("-----BEGIN") && v.contains("PRIVATE KEY-----") {
        return Some("a PEM private key");
    }
    let b = v.as_bytes();
    if b.len() == 20
        && (v.starts_with("AKIA") || v.starts_with("ASIA"))
        && b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Some("an AWS access key id");
    }
    if is_jwt(v) {
        return Some("a JSON Web Token");
    }
    if v.contains("://") && url_password(v).is_some() {
        return Some("a URL with an embedded password");
    }
    if v.starts_with("https://hooks.slack.com/services/") {
        return Some("a Slack webhook URL");
    }
    for &(prefix, min_rest, kind) in TOKEN_PREFIXES {
        if let Some(rest) = v.strip_prefix(prefix)
            && rest.len() >= min_rest
            && rest.bytes().all(|c| c.is_ascii_alphanumeric() || b"_-.".contains(&c))
        {
            return Some(kind);
        }
    }
    if b.len() == 40
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'/' || *c == b'+')
        && has_all_classes(v)
        && name_tokens.iter().any(|t| matches!(t.as_str(), "AWS" | "SECRET" | "KEY" | "SECRETKEY" | "ACCESSKEY"))
    {
        return Some("an AWS secret access key");
    }
    None
}

fn is_jwt(v: &str) -> bool {
    v.len() >= 30
        && v.starts_with("eyJ")
        && v.split('.').count() == 3
        && v.split('.').all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'))
}

fn has_all_classes(v: &str) -> bool {
    v.bytes().any(|c| c.is_ascii_uppercase())
        && v.bytes().any(|c| c.is_ascii_lowercase())
        && v.bytes().any(|c| c.is_ascii_digit())
}

/// Shannon entropy of the value's bytes, in bits per byte.
pub(super) fn shannon_entropy(v: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in v.bytes() {
        counts[usize::from(b)] += 1;
    }
    let len = v.len() as f64;
    counts.iter().filter(|&&c| c > 0).map(|&c| f64::from(c) / len).map(|p| -p * p.log2()).sum()
}

/// Long, token-shaped, mixed-class, close to maximal entropy for its
/// length, and not made of words: what generated keys look like, and what
/// words, camelCase identifiers and hashes (single-case hex) do not.
fn is_random_looking(v: &str) -> bool {
    let v = v.trim();
    let len = v.len();
    if len < 20 || !v.bytes().all(|c| c.is_ascii_alphanumeric() || b"+/=_-".contains(&c)) || !has_all_classes(v) {
        return false;
    }
    let max_entropy = (len.min(64) as f64).log2();
    shannon_entropy(v) >= 0.82 * max_entropy && word_run_fraction(v) < 0.35 && !has_word_segments(v)
}

/// True for `ProdCluster-ApiService-1A2B3C`, `us-east-1_AbCdEf`: several
/// `-`/`_`-separated segments, one of them a word (3+ letters only). That is
/// how generated resource names look; random keys have no such structure.
fn has_word_segments(v: &str) -> bool {
    let segments = || v.split(['-', '_']).filter(|s| !s.is_empty());
    segments().nth(1).is_some() && segments().any(|s| s.len() >= 3 && s.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// The share of characters that sit in runs of 4 or more letters of one
/// case (`Application` → `pplication`). Generated keys switch between upper
/// case, lower case and digits all the time; names and words do not.
fn word_run_fraction(v: &str) -> f64 {
    #[derive(PartialEq, Clone, Copy)]
    enum Class {
        Lower,
        Upper,
        Other,
    }
    let class = |b: u8| match b {
        b'a'..=b'z' => Class::Lower,
        b'A'..=b'Z' => Class::Upper,
        _ => Class::Other,
    };
    let (mut in_runs, mut run, mut current) = (0usize, 0usize, Class::Other);
    for b in v.bytes() {
        let c = class(b);
        if c == current && c != Class::Other {
            run += 1;
        } else {
            if run >= 4 {
                in_runs += run;
            }
            run = usize::from(c != Class::Other);
            current = c;
        }
    }
    if run >= 4 {
        in_runs += run;
    }
    in_runs as f64 / v.len().max(1) as f64
}

/// Classifies one environment entry.
pub(super) fn classify(name: Option<&str>, value: &str) -> Option<Finding> {
    if value.trim().is_empty() {
        return None;
    }
    let tokens = name_tokens(name.unwrap_or_default());
    if is_templated_secret(&tokens, value) {
        return Some(Finding::Templated);
    }
    if let Some(kind) = credential_kind(&tokens, value) {
        return Some(Finding::Credential(kind));
    }
    if is_benign(value) {
        return None;
    }
    if is_public_name(&tokens) {
        return None;
    }
    if is_secret_name(&tokens) {
        return Some(Finding::SecretName);
    }
    if !is_metadata_name(&tokens) && is_random_looking(value) {
        return Some(Finding::HighEntropy);
    }
    None
}

/// The template expressions in a value: `${…}` (Terraform, shell,
/// envsubst), `{{ … }}` (Go templates, ecspresso, Helm, Jinja) and `#{…}`
/// (Octopus, Ruby), each with the text before it. CloudFormation's
/// `{{resolve:…}}` is not one of them (a dynamic reference, see
/// [`is_benign`]).
fn template_expressions(value: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    let mut rest_start = 0;
    while let Some(offset) = value[rest_start..].find(['$', '{', '#']) {
        let at = rest_start + offset;
        let tail = &value[at..];
        let (open, close) = if tail.starts_with("${") || tail.starts_with("#{") {
            (2, "}")
        } else if tail.starts_with("{{") && !tail.starts_with("{{resolve:") {
            (2, "}}")
        } else {
            rest_start = at + 1;
            continue;
        };
        match tail[open..].find(close) {
            Some(len) => {
                found.push((&value[..at], tail[open..open + len].trim()));
                rest_start = at + open + len + close.len();
            }
            None => break,
        }
    }
    found
}

/// True when a template puts a secret into this value: the variable is
/// named like a secret (`DD_API_KEY=${datadog_api_key}`), the template's own
/// variable is (`X=${db_password}`, `{{ .Env.DB_PASSWORD }}`), or the
/// template follows a secret-like key inside the value
/// (`Server=db;Password=${db_pass}`, `postgres://app:${pw}@db/app`).
/// `LOG_LEVEL=${log_level}` is benign.
fn is_templated_secret(tokens: &[String], value: &str) -> bool {
    let expressions = template_expressions(value);
    if expressions.is_empty() {
        return false;
    }
    let secret = |tokens: &[String]| is_secret_name(tokens) && !is_public_name(tokens) && !is_metadata_name(tokens);
    if secret(tokens) {
        return true;
    }
    expressions.iter().any(|(before, inner)| {
        let variable = inner.rsplit(['.', ' ', '(', '|', ':']).find(|s| !s.is_empty()).unwrap_or(inner);
        if secret(&name_tokens(variable)) {
            return true;
        }
        let key_end = before.trim_end().strip_suffix(['=', ':']);
        let key = key_end.map(|k| {
            let start = k.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).map_or(0, |i| i + 1);
            &k[start..]
        });
        let url_password = key_end.is_some_and(|k| k.contains("://") && before.ends_with(':'));
        url_password || key.is_some_and(|k| secret(&name_tokens(k)))
    })
}

/// The SSM parameter name proposed for a moved variable.
pub(super) fn proposed_parameter(td: &TaskDefinition, container_index: usize, variable: &str) -> String {
    let family = td.family.as_deref().filter(|f| is_ecs_name(f)).unwrap_or("unknown-family");
    let container = match td.container_definitions.get(container_index).and_then(|c| c.name.as_deref()) {
        Some(name) if is_ecs_name(name) => name.to_owned(),
        _ => container_index.to_string(),
    };
    let variable: String =
        variable.chars().map(|c| if c.is_ascii_alphanumeric() || "_.-".contains(c) { c } else { '_' }).collect();
    format!("/{family}/{container}/{variable}")
}

/// The fix: remove the environment entry, add a `secrets` entry pointing at
/// a new SSM SecureString, and ask for that parameter to be created with the
/// value lifted out.
fn move_to_secrets(
    input: &Input<'_>,
    reference: &dyn Fn(&str) -> String,
    (ci, ei): (usize, usize),
    variable: &str,
    templated: bool,
) -> Fix {
    let td = input.td;
    let parameter = proposed_parameter(td, ci, variable);
    let base = container_path(ci);
    let container = &td.container_definitions[ci];
    let mut edits = Vec::new();
    if container.environment.as_ref().is_some_and(|e| e.len() == 1) {
        edits.push(Edit::Remove { path: format!("{base}/environment") });
    } else {
        edits.push(Edit::Remove { path: format!("{base}/environment/{ei}") });
    }
    // The container already takes this variable from a secret (ES020): the
    // plaintext copy only has to go; a second secret would clash (ES021).
    if container.secrets.iter().flatten().any(|s| s.name.as_deref() == Some(variable)) {
        return Fix {
            title: format!("Remove the plaintext copy of {variable} (its secret already provides it)"),
            edits,
            create_secret: None,
        };
    }
    let entry = json!({"name": variable, "valueFrom": reference(&parameter)});
    match &container.secrets {
        Some(_) => edits.push(Edit::Add { path: format!("{base}/secrets/-"), value: entry }),
        None => edits.push(Edit::Add { path: format!("{base}/secrets"), value: Value::Array(vec![entry]) }),
    }
    if templated {
        // The value here is the template, not the secret: reference the
        // parameter and let the user create it with the rendered value.
        return Fix {
            title: format!("Move {variable} to SSM SecureString {parameter} (create it with the rendered value)"),
            edits,
            create_secret: None,
        };
    }
    Fix {
        title: format!("Move {variable} to SSM SecureString {parameter}"),
        edits,
        create_secret: Some(SecretToCreate {
            store: Store::Ssm,
            name: parameter,
            value_path: format!("{base}/environment/{ei}/value"),
        }),
    }
}

/// One environment entry that looks like a plaintext secret.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EnvFinding {
    pub container_index: usize,
    pub entry_index: usize,
    pub finding: Finding,
}

/// Classifies every environment entry once per lint run.
pub(super) fn findings(td: &TaskDefinition) -> Vec<EnvFinding> {
    let mut found = Vec::new();
    for (ci, c) in td.container_definitions.iter().enumerate() {
        for (ei, entry) in c.environment.iter().flatten().enumerate() {
            let Some(value) = entry.value.as_deref() else { continue };
            if let Some(finding) = classify(entry.name.as_deref(), value) {
                found.push(EnvFinding { container_index: ci, entry_index: ei, finding });
            }
        }
    }
    found
}

/// Reports the classified entries whose finding `wanted` turns into a
/// description of what the value looks like, adding the location, the
/// explanation and the fix.
fn report(input: &Input<'_>, out: &mut Report<'_>, wanted: impl Fn(Finding) -> Option<String>) {
    let td = input.td;
    let reference = super::references::new_parameter_references(input);
    for &EnvFinding { container_index: ci, entry_index: ei, finding } in &input.plaintext {
        let Some(looks_like) = wanted(finding) else { continue };
        let entry = td.container_definitions.get(ci).and_then(|c| c.environment.as_ref()?.get(ei));
        let variable = entry.and_then(|e| e.name.as_deref()).filter(|n| !n.trim().is_empty());
        let label = variable.map_or_else(|| format!("entry {ei}"), |n| format!("`{}`", super::names::shorten(n)));
        let parameter = variable.map(|v| proposed_parameter(td, ci, v));
        let templated = finding == Finding::Templated;
        let (kind, after) = if templated {
            (
                "ECS never expands templates: Terraform, ecspresso or CI render the value before registration, so \
                 the registered task definition holds it in plaintext — anyone allowed ecs:DescribeTaskDefinition \
                 reads it and every revision keeps it",
                "and give the parameter the rendered value",
            )
        } else {
            (
                "`environment` values are plaintext — anyone allowed ecs:DescribeTaskDefinition reads them and \
                 every revision keeps them",
                "",
            )
        };
        let mut d = out.diag(
            format!("{}/environment/{ei}/value", container_path(ci)),
            format!(
                "{label} in container {} {looks_like}: {kind}. Move it to `secrets`{}{}; if this task definition \
                 was ever registered, rotate the value",
                container_label(td, ci),
                parameter
                    .as_deref()
                    .map_or_else(String::new, |p| format!(" (SSM SecureString `{}`)", super::names::shorten(p))),
                if after.is_empty() { String::new() } else { format!(" {after}") }
            ),
        );
        if let Some(variable) = variable {
            d = d.with_fix(move_to_secrets(input, &reference, (ci, ei), variable, templated));
        }
        out.push(d);
    }
}

/// ES083: a log-driver option holding a secret in plaintext (a Splunk
/// token, a Datadog `apikey`): options are as readable as `environment`, and
/// `secretOptions` exists for exactly these. An error when the value has a
/// known credential shape, a warning otherwise.
pub(super) fn log_option_secret(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    let reference = super::references::new_parameter_references(input);
    for (ci, c) in td.container_definitions.iter().enumerate() {
        let Some(log) = &c.log_configuration else { continue };
        for (key, value) in log.options.iter().flatten() {
            let (severity, looks_like) = match classify(Some(key), value) {
                Some(Finding::Credential(kind)) => (Severity::Error, format!("holds what looks like {kind}")),
                Some(Finding::SecretName) => (Severity::Warning, "is named like a secret and holds a value".to_owned()),
                Some(Finding::HighEntropy) => {
                    (Severity::Warning, "holds a long random-looking value, the shape of a generated key".to_owned())
                }
                Some(Finding::Templated) => (
                    Severity::Warning,
                    "is a template that renders a secret in (ECS never expands templates, so the registered task \
                     definition holds the rendered value)"
                        .to_owned(),
                ),
                None => continue,
            };
            let templated = looks_like.starts_with("is a template");
            let base = format!("{}/logConfiguration", container_path(ci));
            let path = format!("{base}/options/{}", json_pointer::escape(key));
            let parameter = proposed_parameter(td, ci, key);
            let entry = json!({"name": key, "valueFrom": reference(&parameter)});
            let add = match &log.secret_options {
                Some(_) => Edit::Add { path: format!("{base}/secretOptions/-"), value: entry },
                None => Edit::Add { path: format!("{base}/secretOptions"), value: Value::Array(vec![entry]) },
            };
            let fix = Fix {
                title: format!("Move log option {key} to SSM SecureString {parameter}"),
                edits: vec![Edit::Remove { path: path.clone() }, add],
                // A template is not the value: the user creates the parameter with the rendered one.
                create_secret: (!templated).then(|| SecretToCreate {
                    store: Store::Ssm,
                    name: parameter.clone(),
                    value_path: path.clone(),
                }),
            };
            out.push(
                out.diag_as(
                    severity,
                    path,
                    format!(
                        "log option `{}` in container {} {looks_like}: log options are plaintext — anyone allowed \
                         ecs:DescribeTaskDefinition reads them. Move it to `logConfiguration.secretOptions` (SSM \
                         SecureString `{}`); if this task definition was ever registered, rotate the value",
                        super::names::shorten(key),
                        container_label(td, ci),
                        super::names::shorten(&parameter)
                    ),
                )
                .with_fix(fix),
            );
        }
    }
}

/// ES080: the value has the shape of a known credential.
pub(super) fn known_credential_format(input: &Input<'_>, out: &mut Report<'_>) {
    report(input, out, |finding| match finding {
        Finding::Credential(kind) => Some(format!("holds what looks like {kind}")),
        _ => None,
    });
}

/// ES081: the name says secret and the value is a real value.
pub(super) fn secret_like_name(input: &Input<'_>, out: &mut Report<'_>) {
    report(input, out, |finding| {
        (finding == Finding::SecretName).then(|| "is named like a secret and holds a value".to_owned())
    });
}

/// ES082: the value is long and random-looking.
pub(super) fn high_entropy_value(input: &Input<'_>, out: &mut Report<'_>) {
    report(input, out, |finding| {
        (finding == Finding::HighEntropy)
            .then(|| "holds a long random-looking value, the shape of a generated key".to_owned())
    });
}

/// ES084: a secret-like variable whose value is a template
/// (`DATABASE_PASSWORD=${db_password}`): ECS never expands it, so whatever
/// renders the task definition puts the secret in as plaintext.
pub(super) fn templated_secret(input: &Input<'_>, out: &mut Report<'_>) {
    report(input, out, |finding| {
        (finding == Finding::Templated)
            .then(|| "is a template that renders a secret into the task definition".to_owned())
    });
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;
    use serde_json::json;

    use super::super::test_support::{known_ctx, run, td};
    use super::*;
    use crate::fix::apply_fix;

    const PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----";
    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";

    /// `(name, value, expected finding)`: the classifier's whole contract.
    #[test]
    fn classification_table() {
        use Finding::*;
        let aws_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let cases: &[(&str, &str, Option<Finding>)] = &[
            // Known credential shapes, whatever the name.
            ("X", "AKIAIOSFODNN7EXAMPLE", Some(Credential("an AWS access key id"))),
            ("AWS_ACCESS_KEY_ID", "ASIAIOSFODNN7EXAMPLE", Some(Credential("an AWS access key id"))),
            ("AWS_SECRET_ACCESS_KEY", aws_secret, Some(Credential("an AWS secret access key"))),
            ("CERT", PEM, Some(Credential("a PEM private key"))),
            ("SESSION", JWT, Some(Credential("a JSON Web Token"))),
            ("DATABASE_URL", "postgres://app:s3cr3t@db:5432/app", Some(Credential("a URL with an embedded password"))),
            ("REDIS", "redis://:hunter22@cache:6379", Some(Credential("a URL with an embedded password"))),
            ("GH", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", Some(Credential("a GitHub personal access token"))),
            ("SLACK", "xoxb-123456789012-abcdefABCDEF", Some(Credential("a Slack bot token"))),
            ("PAY", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", Some(Credential("a Stripe secret key"))),
            ("GL", "glpat-xxxxxxxxxxxxxxxxxxxx", Some(Credential("a GitLab access token"))),
            ("MAPS", "AIzaSyA1234567890abcdefghijklmnopqrstuv", Some(Credential("a Google API key"))),
            ("NPM", "npm_abcdefghijklmnopqrstuvwxyz0123456789", Some(Credential("an npm token"))),
            ("HOOK", "https://hooks.slack.com/services/T000/B000/XXXX", Some(Credential("a Slack webhook URL"))),
            // Secret-like names with real values.
            ("DB_PASSWORD", "hunter2", Some(SecretName)),
            ("dbPassword", "correct horse battery staple", Some(SecretName)),
            ("DB_PWD", "abc123!", Some(SecretName)),
            ("DB_PASS", "letmein", Some(SecretName)),
            ("JWT_SECRET", "supersecret", Some(SecretName)),
            ("API_KEY", "abcd1234", Some(SecretName)),
            ("STRIPE_APIKEY", "abcd1234", Some(SecretName)),
            ("OAUTH_CLIENT_SECRET", "abcdefg", Some(SecretName)),
            ("GITHUB_TOKEN", "some-token", Some(SecretName)),
            ("PRIVATE_KEY", "MIIEvQIBADANBg", Some(SecretName)),
            ("BASIC_AUTH", "admin:admin", Some(SecretName)),
            ("SENTRY_DSN_PROD", "not-a-url-value", Some(SecretName)),
            ("SLACK_WEBHOOK_URL", "T000/B000/XXXX", Some(SecretName)),
            ("AWS_SECRET_ACCESS_KEY", "short-fake", Some(SecretName)),
            ("PGPASSWORD", "s3cr3t-pw", Some(SecretName)),
            ("VAULTTOKEN", "s.abcdefgh", Some(SecretName)),
            ("SECRET_KEY_BASE", "abc-def-ghi", Some(SecretName)),
            ("MYSQL_ROOT_PASSWORD", "rootpw!", Some(SecretName)),
            // Random-looking values under neutral names.
            ("SETTING", "Zx8vQ2mN7kL4pR9sT1wY6bH3", Some(HighEntropy)),
            ("OTHER", "q9T/Rw3+Lp0Xv7Zk2Ny5Bm8Hc4Js1Fd6", Some(HighEntropy)),
            // Must stay quiet.
            ("NODE_ENV", "production", None),
            ("PASSWORD_MIN_LENGTH", "12", None),
            ("PASSWORD_MIN_LENGTH", "twelve", None),
            ("TOKEN_TTL", "3600", None),
            ("TOKEN_TTL", "1h", None),
            ("SECRET_NAME", "/prod/x", None),
            ("SECRET_NAME", "prod-db-credentials", None),
            ("SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf", None),
            ("DB_PASSWORD", "", None),
            ("DB_PASSWORD", "   ", None),
            ("DB_PASSWORD", "12345678", None),
            ("DB_PASSWORD", "true", None),
            ("AUTH_ENABLED", "false", None),
            ("DB_PASSWORD", "abc", None),
            ("DB_PASSWORD_FILE", "/run/secrets/db", None),
            ("DB_PASSWORD", "/run/secrets/db", None),
            ("PWD", "/app", None),
            // Templates render a secret in before registration (ES084).
            ("DB_PASSWORD", "${DB_PASSWORD}", Some(Templated)),
            ("DATABASE_PASSWORD", "${db_password}", Some(Templated)),
            ("APP_SECRET", "{{ .Env.APP_SECRET }}", Some(Templated)),
            ("API_TOKEN", "#{api_token}", Some(Templated)),
            ("DD_API_KEY", "${datadog_api_key}", Some(Templated)),
            ("X", "${stripe_secret_key}", Some(Templated)),
            ("DB_CONNECTION", "Server=db;Database=app;User Id=app;Password=${db_pass};", Some(Templated)),
            ("DATABASE_URL", "postgres://app:${DB_PASSWORD}@db:5432/app", Some(Templated)),
            ("REDIS_URL", "redis://:{{ .redis_auth }}@cache:6379", Some(Templated)),
            ("LOG_LEVEL", "${log_level}", None),
            ("CONFIG", "{{ .Env.CONFIG_PATH }}", None),
            ("SECRET_ARN", "${secret_arn}", None),
            ("DB_PASSWORD_FILE", "${password_file}", None),
            ("DB_HOST", "${db_host}", None),
            ("DATABASE_URL", "postgres://app@${db_host}:5432/app", None),
            ("GREETING", "price: #{price} for ${user}", None),
            ("DB_PASSWORD", "{{resolve:ssm-secure:db}}", None),
            ("DB_PASSWORD", "********", None),
            ("AUTH_URL", "https://auth.example.com/oauth2/token", None),
            ("TOKEN_ENDPOINT", "https://auth.example.com/token", None),
            ("DATABASE_URL", "postgres://db.internal:5432/app", None),
            ("DATABASE_URL", "postgres://app@db.internal:5432/app", None),
            ("SENTRY_DSN", "https://abc123@o1.ingest.sentry.io/1", None),
            ("LOG_LEVEL", "debug", None),
            ("PORT", "8080", None),
            ("TIMEOUT", "30s", None),
            ("JAVA_OPTS", "-Xmx512m -XX:+UseG1GC", None),
            ("PASS_THROUGH", "headers", None),
            ("AUTH_BACKEND", "ldap", None),
            ("AWS_REGION", "eu-west-1", None),
            ("AWS_ACCESS_KEY_ID", "not-a-key-just-a-name", None),
            ("GIT_COMMIT", "4b825dc642cb6eb9a060e54bf8d69288fbee4904", None),
            ("REQUEST_ID", "550e8400-e29b-41d4-a716-446655440000", None),
            ("CLIENT_ID", "Zx8vQ2mN7kL4pR9sT1wY6bH3", None),
            ("APP_NAME", "MyApplicationName2024Production", None),
            ("IMAGE", "public.ecr.aws/nginx/nginx:1.27", None),
            ("MAIN_CLASS", "com.example.Application", None),
            ("GREETING", "Hello, world! Welcome to the app.", None),
            ("PUBLIC_KEY", "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE4f5wg5l2hKsTeNem", None),
            ("NEXT_PUBLIC_API_KEY", "pk_abcdef123456", None),
            ("STRIPE_PUBLISHABLE_KEY", "pk_live_51H8abcdefGHIJK", None),
            ("GOOGLE_APPLICATION_CREDENTIALS", "/var/secrets/google/key.json", None),
            ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc", None),
            ("POSTGRES_PASSWORD_FILE", "/run/secrets/pg", None),
            ("PASSWORD_HASH_ROUNDS", "12", None),
            ("TOKEN_TYPE", "Bearer", None),
            ("JWT_ALGORITHM", "RS256", None),
            ("AUTH_PROVIDER", "cognito", None),
            ("COMPASS_DIRECTION", "north-by-northwest", None),
            ("BYPASS_CACHE", "sometimes", None),
            ("SPRING_PROFILES_ACTIVE", "prod,aws", None),
            ("NODE_OPTIONS", "--max-old-space-size=4096", None),
            ("KAFKA_BROKERS", "b-1.kafka:9092,b-2.kafka:9092", None),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4317", None),
            ("COGNITO_USER_POOL_ID", "us-east-1_AbCdEf123", None),
            ("KMS_KEY_ID", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", None),
            ("LANG", "en_US.UTF-8", None),
        ];
        for &(name, value, expected) in cases {
            assert_eq!(classify(Some(name), value), expected, "{name}");
        }
    }

    /// Generated keys are caught, generated-looking names are not.
    #[test]
    fn entropy_separates_keys_from_identifiers() {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut caught = 0;
        for i in 0..300 {
            let len = [20, 24, 32, 40, 64][i % 5];
            let key: String = (0..len)
                .map(|_| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    char::from(ALPHABET[((state >> 33) % ALPHABET.len() as u64) as usize])
                })
                .collect();
            caught += usize::from(classify(Some("SETTING"), &key) == Some(Finding::HighEntropy));
        }
        assert!(caught >= 240, "only {caught} of 300 random keys caught");
        for identifier in [
            "MyApplicationName2024Production",
            "ThisIsAVeryLongCamelCaseIdentifier1",
            "abcdefghijklmnopqrstuvwxyz0123456789AB",
            "ProdCluster-ApiService-1A2B3C4D5E6F",
            "Service_Account_2024_Production_v2",
            "d41d8cd98f00b204e9800998ecf8427e",
            "MyStack-MyFunction-ABC123DEF456",
            "us-east-1_AbCdEf123xyzQWERTY",
        ] {
            assert_eq!(classify(Some("SETTING"), identifier), None, "{identifier}");
        }
    }

    #[test]
    fn name_tokens_split_on_separators_and_case() {
        assert_eq!(name_tokens("dbPassword"), ["DB", "PASSWORD"]);
        assert_eq!(name_tokens("x-api-key"), ["X", "API", "KEY"]);
        assert_eq!(name_tokens("AWS_SECRET_ACCESS_KEY"), ["AWS", "SECRET", "ACCESS", "KEY"]);
        assert_eq!(name_tokens("OAuth2Token"), ["OAUTH2", "TOKEN"]);
        assert_eq!(name_tokens("__"), Vec::<String>::new());
        assert!(name_tokens("ÄPASSWORD").contains(&"PASSWORD".to_owned()));
    }

    fn task(env: serde_json::Value, secrets: Option<serde_json::Value>) -> TaskDefinition {
        let mut container = json!({"name": "app", "image": "nginx", "environment": env});
        if let Some(secrets) = secrets {
            container["secrets"] = secrets;
        }
        td(json!({"family": "web", "containerDefinitions": [container]}))
    }

    #[test]
    fn messages_never_contain_the_value() {
        let values = ["hunter2-very-private", "AKIAIOSFODNN7EXAMPLE", "Zx8vQ2mN7kL4pR9sT1wY6bH3"];
        let t = task(
            json!([
                {"name": "DB_PASSWORD", "value": values[0]},
                {"name": "KEY_ID_X", "value": values[1]},
                {"name": "SETTING", "value": values[2]}
            ]),
            None,
        );
        let all = crate::lint::lint(&t, &known_ctx());
        let codes: Vec<&str> = all.iter().map(|d| d.code.as_str()).filter(|c| c.starts_with("ES08")).collect();
        assert_eq!(codes, ["ES081", "ES080", "ES082"]);
        let text = serde_json::to_string(&all).unwrap();
        for v in values {
            assert!(!text.contains(v), "value leaked: {text}");
        }
    }

    /// Applies each plaintext fix in turn and checks that the value ends up
    /// only in the pending secret and the re-lint is quiet.
    fn fix_until_clean(mut t: TaskDefinition) -> (TaskDefinition, Vec<(String, String)>) {
        let mut created = Vec::new();
        for _ in 0..10 {
            let plaintext: Vec<_> =
                crate::lint::lint(&t, &known_ctx()).into_iter().filter(|d| d.code.starts_with("ES08")).collect();
            let Some(d) = plaintext.first() else { return (t, created) };
            let fix = d.fix.as_ref().expect("plaintext diagnostics of named entries have a fix");
            let (fixed, pending) = apply_fix(&t, fix).unwrap();
            let pending = pending.expect("the fix lifts the value out");
            assert_eq!(pending.store, Store::Ssm);
            created.push((pending.name.clone(), pending.value.expose_secret().to_owned()));
            t = fixed;
        }
        panic!("fixes did not converge");
    }

    #[test]
    fn fix_moves_the_value_into_a_pending_secret() {
        let t = task(
            json!([{"name": "NODE_ENV", "value": "production"}, {"name": "DB_PASSWORD", "value": "hunter2-x"}]),
            None,
        );
        let d = &run("ES081", &t, &known_ctx())[0];
        assert_eq!(d.path, "/containerDefinitions/0/environment/1/value");
        let fix = d.fix.as_ref().unwrap();
        assert_eq!(
            fix.edits,
            [
                Edit::Remove { path: "/containerDefinitions/0/environment/1".into() },
                Edit::Add {
                    path: "/containerDefinitions/0/secrets".into(),
                    value: json!([{"name": "DB_PASSWORD", "valueFrom": "/web/app/DB_PASSWORD"}])
                },
            ]
        );
        let (fixed, created) = fix_until_clean(t);
        assert_eq!(created, [("/web/app/DB_PASSWORD".to_owned(), "hunter2-x".to_owned())]);
        let out = crate::import::export(&fixed);
        assert!(!out.contains("hunter2-x"), "{out}");
        let c = &fixed.container_definitions[0];
        assert_eq!(c.environment.as_ref().unwrap().len(), 1);
        assert_eq!(c.secrets.as_ref().unwrap()[0].value_from.as_deref(), Some("/web/app/DB_PASSWORD"));
    }

    /// Regression (hand_edited_task_definition_mistakes): beside a
    /// reference into another region, the moved value's new parameter is
    /// referenced by its full ARN in the task's own location, so the fix
    /// does not cause ES034; the parameter to create keeps its name.
    #[test]
    fn fix_beside_a_foreign_reference_writes_the_full_arn() {
        let elsewhere = "arn:aws:ssm:us-east-1:123456789012:parameter/shared/token";
        let t = task(
            json!([{"name": "DB_PASSWORD", "value": "hunter2-x"}]),
            Some(json!([{"name": "TOKEN", "valueFrom": elsewhere}])),
        );
        let fix = run("ES081", &t, &known_ctx())[0].fix.clone().unwrap();
        let (fixed, pending) = apply_fix(&t, &fix).unwrap();
        assert_eq!(pending.unwrap().name, "/web/app/DB_PASSWORD");
        assert_eq!(
            fixed.container_definitions[0].secrets.as_ref().unwrap()[1].value_from.as_deref(),
            Some("arn:aws:ssm:eu-west-1:123456789012:parameter/web/app/DB_PASSWORD")
        );
        assert!(crate::lint::lint(&fixed, &known_ctx()).iter().all(|d| d.code != "ES034"));
        // Unknown location: no ARN can be written, the name stays bare.
        let fix = run("ES081", &t, &crate::context::Context::default())[0].fix.clone().unwrap();
        assert!(serde_json::to_string(&fix.edits).unwrap().contains(r#""valueFrom":"/web/app/DB_PASSWORD""#));
    }

    #[test]
    fn fix_appends_to_existing_secrets_and_drops_an_emptied_environment() {
        let t = task(
            json!([{"name": "API_KEY", "value": "abcd1234efgh"}]),
            Some(json!([{"name": "OTHER", "valueFrom": "/web/app/OTHER"}])),
        );
        let d = &run("ES081", &t, &known_ctx())[0];
        assert_eq!(
            d.fix.as_ref().unwrap().edits,
            [
                Edit::Remove { path: "/containerDefinitions/0/environment".into() },
                Edit::Add {
                    path: "/containerDefinitions/0/secrets/-".into(),
                    value: json!({"name": "API_KEY", "valueFrom": "/web/app/API_KEY"})
                },
            ]
        );
        let (fixed, created) = fix_until_clean(t);
        assert_eq!(created.len(), 1);
        let c = &fixed.container_definitions[0];
        assert!(c.environment.is_none());
        assert_eq!(c.secrets.as_ref().unwrap().len(), 2);
    }

    #[test]
    fn several_fixes_in_a_row_converge() {
        let t = task(
            json!([
                {"name": "A_TOKEN", "value": "tok-123456"},
                {"name": "KEEP", "value": "1"},
                {"name": "URL", "value": "mysql://u:p4ssword@h/db"},
                {"name": "AWS_ACCESS_KEY_ID", "value": "AKIAIOSFODNN7EXAMPLE"}
            ]),
            None,
        );
        let (fixed, created) = fix_until_clean(t);
        let names: Vec<&str> = created.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["/web/app/A_TOKEN", "/web/app/URL", "/web/app/AWS_ACCESS_KEY_ID"]);
        let env = fixed.container_definitions[0].environment.as_ref().unwrap();
        assert_eq!(env.len(), 1);
        assert!(crate::lint::lint(&fixed, &known_ctx()).iter().all(|d| !d.code.starts_with("ES08")));
    }

    #[test]
    fn log_options_with_secrets_move_to_secret_options() {
        let t = td(
            json!({"family": "web", "containerDefinitions": [{"name": "app", "image": "x", "logConfiguration": {
                "logDriver": "splunk",
                "options": {"splunk-url": "https://splunk.example.com:8088", "splunk-token": "00000000-1111-2222-3333-444444444444",
                            "splunk-format": "json", "awslogs-group": "/ecs/web"}
            }}]}),
        );
        let found = run("ES083", &t, &known_ctx());
        assert_eq!(found.len(), 1, "{found:#?}");
        let d = &found[0];
        assert_eq!(d.path, "/containerDefinitions/0/logConfiguration/options/splunk-token");
        assert_eq!(d.severity, crate::diagnostic::Severity::Warning);
        assert!(!d.message.contains("4444"), "{}", d.message);
        let (fixed, pending) = apply_fix(&t, d.fix.as_ref().unwrap()).unwrap();
        let pending = pending.unwrap();
        assert_eq!(pending.name, "/web/app/splunk-token");
        assert_eq!(pending.value.expose_secret(), "00000000-1111-2222-3333-444444444444");
        let log = fixed.container_definitions[0].log_configuration.as_ref().unwrap();
        assert!(!log.options.as_ref().unwrap().contains_key("splunk-token"));
        assert_eq!(log.secret_options.as_ref().unwrap()[0].value_from.as_deref(), Some("/web/app/splunk-token"));
        assert!(run("ES083", &fixed, &known_ctx()).is_empty());
        // A key with a `/` is escaped in the pointer and still applies.
        let t = td(json!({"containerDefinitions": [{"name": "app", "logConfiguration": {"logDriver": "x",
            "options": {"a/token": "hunter2-x"}, "secretOptions": []}}]}));
        let d = &run("ES083", &t, &known_ctx())[0];
        assert_eq!(d.path, "/containerDefinitions/0/logConfiguration/options/a~1token");
        let (fixed, _) = apply_fix(&t, d.fix.as_ref().unwrap()).unwrap();
        assert!(
            fixed.container_definitions[0].log_configuration.as_ref().unwrap().options.as_ref().unwrap().is_empty()
        );
    }

    #[test]
    fn proposed_names_fall_back_when_names_are_missing() {
        let t = td(
            json!({"containerDefinitions": [{"image": "x", "environment": [{"name": "my var!", "value": "hunter2-x"}]}]}),
        );
        assert_eq!(proposed_parameter(&t, 0, "my var!"), "/unknown-family/0/my_var_");
        let unnamed =
            td(json!({"containerDefinitions": [{"image": "x", "environment": [{"value": "AKIAIOSFODNN7EXAMPLE"}]}]}));
        let d = &run("ES080", &unnamed, &known_ctx())[0];
        assert!(d.fix.is_none());
    }
}
