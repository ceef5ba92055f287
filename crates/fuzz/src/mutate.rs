//! The mutations: a seeded random number generator, JSON-structure-aware
//! edits of parsed seeds (the fields, values and shapes the core reads), and
//! text edits that break the syntax or the lines of what was written.

use serde_json::{Map, Number, Value};

/// SplitMix64: small, fast and good enough to drive mutations; the same
/// seed replays the same run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }
}

/// Strings the core gives meaning to: wildcards and policy variables,
/// every reference form (including the lower-case Secrets Manager suffix),
/// KMS keys and aliases, regions, accounts, enum spellings, escapes.
pub const STRINGS: &[&str] = &[
    "*",
    "?",
    "${aws:username}",
    "arn:aws:kms:*:*:key/*",
    "arn:aws:kms:eu-west-1:123456789012:key/${aws:username}",
    "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:kms:eu-west-1:123456789012:alias/mine",
    "1234abcd-12ab-34cd-56ef-1234567890ab",
    "alias/aws/ssm",
    "alias/aws/secretsmanager",
    "alias/mine",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-abcdef",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:password::",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:a:b:c:d",
    "arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/db-XyZ123",
    "arn:aws:secretsmanager:*:123456789012:secret:db-*",
    "arn:aws:ssm:eu-west-1:123456789012:parameter/app/db",
    "arn:aws:ssm:eu-west-1:123456789012:parameter/db_password",
    "arn:aws:ssm:*:*:parameter/x",
    "arn:aws:ssm:eu-west-1:123456789012:parameter/x*",
    "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/gov",
    "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
    "/aws/reference/secretsmanager/db",
    "/aws/service/global-infrastructure/regions",
    "/app/db",
    "db_password",
    "eu-west-1",
    "*-west-1",
    "us-gov-west-1",
    "eusc-de-east-1",
    "123456789012",
    "12345678901*",
    "",
    " ",
    "ü",
    "a/b~c",
    "\u{0}",
    "\n",
    "SSM",
    "ssm",
    "secretsmanager",
    "Allow",
    "Deny",
    "allow",
    "FARGATE",
    "EC2",
    "awsvpc",
    "awslogs",
    "splunk",
    "1.4.0",
    "LATEST",
    "0.25 vCPU",
    "512",
    "StringEquals",
    "ForAnyValue:StringLike",
    "StringNotEqualsIfExists",
    "aws:SecureTransport",
    "kms:ViaService",
    "secretsmanager:GetSecretValue",
    "ssm:GetParameters",
    "kms:Decrypt",
    "${aws:PrincipalTag/team}",
    "2012-10-17",
    "2008-10-17",
];

/// Keys the core reads, in the three document kinds.
pub const KEYS: &[&str] = &[
    "valueFrom",
    "name",
    "secrets",
    "secretOptions",
    "repositoryCredentials",
    "credentialsParameter",
    "logConfiguration",
    "logDriver",
    "options",
    "environment",
    "value",
    "containerDefinitions",
    "taskDefinition",
    "family",
    "executionRoleArn",
    "taskRoleArn",
    "cpu",
    "memory",
    "requiresCompatibilities",
    "networkMode",
    "tags",
    "revision",
    "status",
    "taskDefinitionArn",
    "image",
    "essential",
    "runtimePlatform",
    "kmsKeyId",
    "store",
    "create",
    "region",
    "accountId",
    "version",
    "executionRole",
    "attachManagedPolicy",
    "services",
    "cluster",
    "service",
    "Statement",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "Condition",
    "Version",
    "Sid",
    "StringEquals",
    "Bool",
    "a/b~c",
];

/// Fragments of real ECS error texts, spliced into error-text seeds.
pub const FRAGMENTS: &[&str] = &[
    "ResourceInitializationError: unable to pull secrets or registry auth: ",
    "execution resource retrieval failed: unable to retrieve secret from asm: ",
    "failed to fetch secret ",
    " from secrets manager: ",
    "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ecsTaskExecutionRole/8e4b",
    " is not authorized to perform: secretsmanager:GetSecretValue",
    " is not authorized to perform: ssm:GetParameters",
    " on resource: ",
    " because no identity-based policy allows the ",
    " with an explicit deny in a resource-based policy",
    "invalid ssm parameters: ",
    "ResourceNotFoundException: Secrets Manager can't find the specified secret.",
    "ParameterNotFound",
    "context deadline exceeded",
    "dial tcp 10.0.0.1:443: i/o timeout",
    "https://secretsmanager.eu-west-1.amazonaws.com/",
    "api.ecr.us-east-1.amazonaws.com",
    "pull access denied for ",
    "did not contain json key password",
    "KMS.AccessDeniedException",
    "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-abcdef",
    "arn:aws:ssm:eu-west-1:123456789012:parameter/a",
    "arn:aws:ecs:eu-west-1:123456789012:task/cluster/0123",
    "\n",
    "\r\n",
    "\\n",
    "\\\"",
    "\"",
    ", ",
    "{",
    "}",
    "ü",
];

const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1e-28",
    "0.1",
    "1e308",
    "-0.0",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "-9223372036854775808",
    "123456789.123456789",
    "1.5",
    "4096",
    "2.2250738585072014e-308",
];

fn number(rng: &mut Rng) -> Value {
    serde_json::from_str::<Number>(rng.pick_str(NUMBERS)).map_or(Value::Null, Value::Number)
}

fn string(rng: &mut Rng) -> Value {
    Value::String((*rng.pick(STRINGS)).to_owned())
}

/// A random node of `value` (reached by a random walk from the root).
fn node<'a>(mut current: &'a mut Value, rng: &mut Rng) -> &'a mut Value {
    loop {
        if rng.one_in(3) {
            return current;
        }
        let len = match current {
            Value::Array(items) => items.len(),
            Value::Object(map) => map.len(),
            _ => 0,
        };
        if len == 0 {
            return current;
        }
        let i = rng.below(len);
        current = match current {
            Value::Array(items) => &mut items[i],
            Value::Object(map) => map.values_mut().nth(i).expect("index below the length"),
            _ => return current,
        };
    }
}

/// A clone of a random node of `value`.
fn subtree(value: &Value, rng: &mut Rng) -> Value {
    let mut current = value;
    loop {
        let children: Vec<&Value> = match current {
            Value::Array(items) => items.iter().collect(),
            Value::Object(map) => map.values().collect(),
            _ => Vec::new(),
        };
        if children.is_empty() || rng.one_in(3) {
            return current.clone();
        }
        current = children[rng.below(children.len())];
    }
}

fn edit_string(s: &mut String, rng: &mut Rng) {
    let at = {
        let mut at = rng.below(s.len() + 1);
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    match rng.below(6) {
        0 => s.insert_str(at, rng.pick_str(&["*", "?", "${aws:username}", "$", "{", "}", "~", "/", ":", "-"])),
        1 => s.truncate(at),
        2 => *s = s.to_ascii_uppercase(),
        3 => *s = s.to_ascii_lowercase(),
        4 => s.push_str(rng.pick_str(&["-abcdef", "-AbCdEf", ":password::", ":::", "/", "-??????"])),
        _ => *s = (*rng.pick(STRINGS)).repeat(1 + rng.below(3)),
    }
}

/// One structure-aware mutation of a node of `value`; `donor` is another
/// seed whose subtrees may be spliced in.
fn mutate_once(value: &mut Value, donor: &Value, rng: &mut Rng) {
    let target = node(value, rng);
    match rng.below(12) {
        0 | 1 => *target = string(rng),
        2 => *target = number(rng),
        3 => *target = rng.pick(&[Value::Null, Value::Bool(true), Value::Bool(false)]).clone(),
        4 | 5 => match target {
            Value::String(s) => edit_string(s, rng),
            Value::Object(map) if !map.is_empty() && rng.one_in(2) => {
                let key = map.keys().nth(rng.below(map.len())).cloned().unwrap_or_default();
                if let Some(old) = map.remove(&key)
                    && rng.one_in(2)
                {
                    map.insert((*rng.pick(KEYS)).to_owned(), old);
                }
            }
            Value::Object(map) => {
                let inserted = if rng.one_in(2) { subtree(donor, rng) } else { string(rng) };
                map.insert((*rng.pick(KEYS)).to_owned(), inserted);
            }
            Value::Array(items) if !items.is_empty() => {
                let i = rng.below(items.len());
                match rng.below(3) {
                    0 => {
                        items.remove(i);
                    }
                    1 => {
                        let copy = items[i].clone();
                        let most = if rng.one_in(8) { 200 } else { 3 };
                        for _ in 0..1 + rng.below(most) {
                            items.push(copy.clone());
                        }
                    }
                    _ => items.swap(0, i),
                }
            }
            other => *other = subtree(donor, rng),
        },
        6 => *target = subtree(donor, rng),
        7 => {
            // Nesting around the limit of what JSON text may hold.
            let depth = 100 + rng.below(40);
            let mut wrapped = std::mem::take(target);
            for _ in 0..depth {
                wrapped = if rng.one_in(2) {
                    Value::Array(vec![wrapped])
                } else {
                    Value::Object(Map::from_iter([((*rng.pick(KEYS)).to_owned(), wrapped)]))
                };
            }
            *target = wrapped;
        }
        8 => *target = if rng.one_in(2) { Value::Object(Map::new()) } else { Value::Array(Vec::new()) },
        9 => *target = Value::String(rng.pick(STRINGS).repeat(1 + rng.below(2_000))),
        10 => {
            if let Value::String(s) = target {
                // Wrap a reference or key in the forms people paste.
                let before = rng.pick_str(&["", " ", "\"", "arn:aws:"]);
                let after = rng.pick_str(&["", " ", "\n", "*"]);
                *s = format!("{before}{s}{after}");
            } else {
                *target = string(rng);
            }
        }
        _ => *target = Value::Array(vec![subtree(donor, rng), string(rng)]),
    }
}

/// 1–4 structure-aware mutations of a parsed seed.
pub fn mutate_value(value: &mut Value, donor: &Value, rng: &mut Rng) {
    for _ in 0..1 + rng.below(4) {
        mutate_once(value, donor, rng);
    }
}

/// Serialises compactly or indented (positions then differ), occasionally
/// with a key written twice at the top level.
pub fn to_text(value: &Value, rng: &mut Rng) -> String {
    let text = if rng.one_in(2) { serde_json::to_string(value) } else { serde_json::to_string_pretty(value) }
        .unwrap_or_default();
    if rng.one_in(16)
        && let Some(rest) = text.strip_prefix('{')
        && rest.trim_start().starts_with('"')
    {
        return format!(
            "{{\"{}\": {},{rest}",
            rng.pick(KEYS),
            serde_json::Value::String((*rng.pick(STRINGS)).to_owned())
        );
    }
    text
}

fn boundary_at_or_before(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// 1–3 edits of the text itself: deletions, duplications, stray JSON
/// punctuation, truncation, line breaks.
pub fn mutate_text(text: &mut String, rng: &mut Rng) {
    for _ in 0..1 + rng.below(3) {
        let a = boundary_at_or_before(text, rng.below(text.len() + 1));
        let b = boundary_at_or_before(text, (a + rng.below(64)).min(text.len()));
        match rng.below(6) {
            0 => {
                text.replace_range(a..b, "");
            }
            1 => {
                let copy = text[a..b].to_owned();
                text.insert_str(b, &copy);
            }
            2 => text.insert_str(
                a,
                rng.pick_str(&["{", "}", "[", "]", "\"", ",", ":", "\\", "\n", " ", "\t", "/", "~", "ü"]),
            ),
            3 => text.truncate(a),
            4 => text.insert_str(a, rng.pick_str(FRAGMENTS)),
            _ => text.insert(a, '\n'),
        }
    }
}

/// Error texts: fragments spliced in, lines broken anywhere, the text
/// JSON-quoted or wrapped in a `describe-tasks` document, or repeated.
pub fn mutate_error_text(text: &mut String, rng: &mut Rng) {
    for _ in 0..1 + rng.below(4) {
        match rng.below(8) {
            0..=2 => {
                let at = boundary_at_or_before(text, rng.below(text.len() + 1));
                text.insert_str(at, rng.pick_str(FRAGMENTS));
            }
            3 => {
                // Break lines at a fixed width, like a terminal copy.
                let width = 20 + rng.below(80);
                let chars: Vec<char> = text.chars().collect();
                *text = chars.chunks(width).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("\n");
            }
            4 => *text = serde_json::to_string(&*text).unwrap_or_default(),
            5 => {
                *text = serde_json::json!({"tasks": [{"lastStatus": "STOPPED", "stoppedReason": &*text,
                    "taskArn": "arn:aws:ecs:eu-west-1:123456789012:task/c/1"}]})
                .to_string()
            }
            6 if text.len() < 64 * 1024 => *text = text.repeat(2 + rng.below(4)),
            _ => mutate_text(text, rng),
        }
    }
}
