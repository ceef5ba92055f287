//! A seeded, structure-aware mutational fuzz of the core's entry points, on
//! stable Rust (libFuzzer needs nightly): task-definition import of every
//! shape, lint, export, policy generation and parsing, the access check,
//! bundle validation and planning, the UI workspace import and the error
//! decoder ([`targets`]).
//!
//! Seeds are the corpus in `crates/fuzz/corpus/<kind>/` plus the core's own
//! test fixtures. Each input is a seed mutated as JSON (fields, values,
//! shapes the core reads, [`mutate`]) and/or as text; every 1000th input is
//! one of the largest realistic ones (a 64 KiB task definition, a 1 MB error
//! text). An input fails the run when it panics, takes longer than the slow
//! limit (thread CPU time, so a busy machine does not fail it), or breaks a
//! guarantee a target checks. The run is deterministic for a given seed.

pub mod mutate;
pub mod targets;

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use shared::TaskDefinition;

use crate::mutate::Rng;

/// The kinds of input, one corpus directory each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    TaskDefinition,
    Bundle,
    Policy,
    ErrorText,
    DeepValue,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::TaskDefinition => "task-definition",
            Kind::Bundle => "bundle",
            Kind::Policy => "policy",
            Kind::ErrorText => "error-text",
            Kind::DeepValue => "deep-value",
        }
    }
}

/// One seed: its text, and the parsed value for structure-aware mutation.
#[derive(Debug, Clone)]
pub struct Seed {
    pub text: String,
    pub value: Option<Value>,
}

impl Seed {
    fn new(text: String) -> Seed {
        let value = serde_json::from_str(&text).ok();
        Seed { text, value }
    }
}

/// Seeds by kind.
#[derive(Debug, Default)]
pub struct Corpus {
    pub seeds: BTreeMap<Kind, Vec<Seed>>,
}

fn files(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(&keep))
        .collect();
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect()
}

/// Policy documents inside a JSON value (the evaluator fixtures embed them).
fn policies_in(value: &Value, out: &mut Vec<Seed>) {
    match value {
        Value::Object(map) if map.contains_key("Statement") => out.push(Seed::new(value.to_string())),
        Value::Object(map) => map.values().for_each(|v| policies_in(v, out)),
        Value::Array(items) => items.iter().for_each(|v| policies_in(v, out)),
        _ => {}
    }
}

impl Corpus {
    /// The corpus under `root` (the workspace root): `crates/fuzz/corpus`
    /// and the fixtures of `shared/tests/fixtures`.
    pub fn load(root: &Path) -> Corpus {
        let mut corpus = Corpus::default();
        let own = root.join("crates/fuzz/corpus");
        let fixtures = root.join("shared/tests/fixtures");
        let json = |n: &str| n.ends_with(".json") && !n.ends_with(".context.json") && !n.ends_with(".options.json");
        let mut add = |kind: Kind, texts: Vec<String>| {
            corpus.seeds.entry(kind).or_default().extend(texts.into_iter().map(Seed::new));
        };
        for kind in [Kind::TaskDefinition, Kind::Bundle, Kind::Policy, Kind::ErrorText] {
            add(kind, files(&own.join(kind.as_str()), |_| true));
        }
        add(Kind::TaskDefinition, files(&fixtures.join("lint"), json));
        add(Kind::TaskDefinition, files(&fixtures.join("generate"), json));
        add(Kind::Bundle, files(&fixtures.join("plan"), json));
        add(Kind::ErrorText, files(&fixtures.join("decode"), |n| n.ends_with(".txt")));
        let mut policies = Vec::new();
        for text in files(&fixtures.join("eval"), json) {
            if let Ok(value) = serde_json::from_str::<Value>(&text) {
                policies_in(&value, &mut policies);
            }
        }
        corpus.seeds.entry(Kind::Policy).or_default().extend(policies);
        corpus
    }

    pub fn len(&self) -> usize {
        self.seeds.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The largest task definition RegisterTaskDefinition takes: 10 containers,
/// secrets of every reference form round-robin, just under 64 KiB exported.
pub fn max_size_task_definition() -> String {
    let forms = [
        "arn:aws:ssm:eu-west-1:123456789012:parameter/app/db/password",
        "db_password",
        "/aws/reference/secretsmanager/app/api",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/api-AbCdEf:password::",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/lower-abcdef",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/partial",
        "arn:aws:ssm:us-east-1:210987654321:parameter/shared/token",
    ];
    let mut containers: Vec<Value> = (0..10)
        .map(|c| {
            json!({"name": format!("c{c}"), "image": format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/c{c}:1"),
                "essential": c == 0, "memory": 256,
                "environment": (0..8).map(|e| json!({"name": format!("E{e}"), "value": format!("v{e}")})).collect::<Vec<_>>(),
                "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app"},
                    "secretOptions": [{"name": "token", "valueFrom": forms[c % forms.len()]}]},
                "secrets": []})
        })
        .collect();
    let document = |containers: &[Value]| {
        json!({"family": "max", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "1024",
            "memory": "4096", "executionRoleArn": "arn:aws:iam::123456789012:role/exec", "containerDefinitions": containers})
    };
    let mut i = 0;
    loop {
        let mut next = containers.clone();
        if let Some(Value::Array(secrets)) = next[i % 10].get_mut("secrets") {
            let form = forms[i % forms.len()];
            let value_from = if form.contains("secret:") { form.to_owned() } else { format!("{form}{i}") };
            secrets.push(json!({"name": format!("SECRET_{i}"), "valueFrom": value_from}));
        }
        let text = serde_json::to_string_pretty(&document(&next)).unwrap_or_default();
        if text.len() > 65_000 {
            return serde_json::to_string_pretty(&document(&containers)).unwrap_or_default();
        }
        containers = next;
        i += 1;
    }
}

/// A 1 MB error text: a real denial, then a log dump of ARNs and endpoint
/// hosts on wrapped lines, then another denial.
pub fn large_error_text() -> String {
    let denial = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 5 time(s): failed to fetch secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-abcdef from secrets manager: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/exec/8e4b is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-abcdef because no identity-based policy allows the secretsmanager:GetSecretValue action\n";
    let mut text = String::from(denial);
    let mut i = 0;
    while text.len() < 1_000_000 {
        text.push_str(&format!(
            "arn:aws:ssm:eu-west-1:123456789012:parameter/p{i}\nhttps://ssm.eu-west-1.amazonaws.com/ dial tcp: i/o timeout\n"
        ));
        i += 1;
    }
    text.push_str(denial);
    text
}

/// The task definition fuzzed policies are checked against: one reference
/// of each form and site (the 64 KiB one would make every policy input
/// cost an access check of 650 references).
pub const SAMPLE_TASK_DEFINITION: &str = r#"{"family": "sample", "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
 "containerDefinitions": [{"name": "app", "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1",
  "secrets": [
   {"name": "A", "valueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/app/db"},
   {"name": "B", "valueFrom": "db_password"},
   {"name": "C", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/api-AbCdEf:key::"},
   {"name": "D", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/lower-abcdef"},
   {"name": "E", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/partial"},
   {"name": "F", "valueFrom": "/aws/reference/secretsmanager/app/ref"},
   {"name": "G", "valueFrom": "arn:aws:secretsmanager:us-east-1:210987654321:secret:shared-XyZ123"}],
  "logConfiguration": {"logDriver": "splunk", "options": {}, "secretOptions": [{"name": "token", "valueFrom": "/app/splunk"}]},
  "repositoryCredentials": {"credentialsParameter": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry-QwErTy"}}]}"#;

/// How long a run may take and what counts as too slow.
#[derive(Debug, Clone)]
pub struct Config {
    /// Stop after this many inputs…
    pub inputs: u64,
    /// …or after this long, whichever comes first.
    pub max_duration: Duration,
    pub seed: u64,
    /// An input taking longer than this (thread CPU time) fails the run.
    pub slow: Duration,
}

/// One input that failed the run.
#[derive(Debug, Clone)]
pub struct Failure {
    pub target: &'static str,
    pub problem: String,
    pub input: String,
}

/// The slowest input of a run.
#[derive(Debug, Clone, Default)]
pub struct Slowest {
    pub target: &'static str,
    pub bytes: usize,
    pub time: Duration,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub inputs: u64,
    /// Inputs and the time spent on them, by target.
    pub by_target: BTreeMap<&'static str, (u64, Duration)>,
    pub elapsed: Duration,
    /// CPU time of the fuzzing thread over the run (on a shared machine the
    /// wall clock also counts waiting for a core).
    pub cpu: Option<Duration>,
    /// True when the time limit ended the run before `Config::inputs`.
    pub stopped_by_time: bool,
    pub slowest: Slowest,
    /// The slowest of the largest inputs (64 KiB task definition, 1 MB error text).
    pub slowest_large: Slowest,
    pub failures: Vec<Failure>,
}

impl Report {
    pub fn inputs_per_second(&self) -> f64 {
        self.inputs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Inputs per second of CPU time, when the system reports it.
    pub fn inputs_per_cpu_second(&self) -> Option<f64> {
        self.cpu.map(|cpu| self.inputs as f64 / cpu.as_secs_f64().max(1e-9))
    }
}

/// This thread's CPU time so far (Linux `schedstat`), if the system tells.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok().map(Duration::from_nanos)
}

/// The largest input the harness makes (the size of the large error text).
pub const MAX_INPUT_BYTES: usize = 1 << 20;

/// The CPU time `work` takes on this thread (wall clock where the system
/// does not report CPU time).
pub fn cpu_time_of(work: &dyn Fn()) -> Duration {
    let wall = Instant::now();
    let before = thread_cpu_time();
    work();
    match before.zip(thread_cpu_time()) {
        Some((before, after)) => after.saturating_sub(before),
        None => wall.elapsed(),
    }
}

struct Input {
    kind: Kind,
    text: String,
    large: bool,
}

fn next_input(corpus: &Corpus, large: &[(Kind, String)], i: u64, rng: &mut Rng) -> Input {
    if i % 1000 == 999 && !large.is_empty() {
        let (kind, text) = &large[(i / 1000) as usize % large.len()];
        let mut text = text.clone();
        if rng.one_in(2) {
            if *kind == Kind::ErrorText {
                mutate::mutate_error_text(&mut text, rng);
            } else {
                mutate::mutate_text(&mut text, rng);
            }
        }
        return Input { kind: *kind, text, large: true };
    }
    let kind = match rng.below(100) {
        0..=35 => Kind::TaskDefinition,
        36..=55 => Kind::Bundle,
        56..=75 => Kind::Policy,
        76..=98 => Kind::ErrorText,
        _ => Kind::DeepValue,
    };
    let Some(seeds) = corpus.seeds.get(&kind).filter(|s| !s.is_empty()) else {
        return Input { kind, text: String::new(), large: false };
    };
    let seed = rng.pick(seeds);
    let donor = rng.pick(seeds);
    let mut text = match (&seed.value, kind) {
        (Some(value), k) if k != Kind::ErrorText && !rng.one_in(4) => {
            let mut value = value.clone();
            mutate::mutate_value(&mut value, donor.value.as_ref().unwrap_or(&Value::Null), rng);
            let text = mutate::to_text(&value, rng);
            shared::json_pointer::drop_iteratively(value);
            text
        }
        _ => seed.text.clone(),
    };
    match kind {
        Kind::ErrorText => mutate::mutate_error_text(&mut text, rng),
        _ if seed.value.is_none() || rng.one_in(4) => mutate::mutate_text(&mut text, rng),
        _ => {}
    }
    // Repeated duplications can grow a seed without bound; nothing the core
    // is given is larger than a 1 MB error text (a task definition is at
    // most 64 KiB), so neither is a fuzz input.
    if text.len() > MAX_INPUT_BYTES {
        let mut end = MAX_INPUT_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    Input { kind, text, large: false }
}

fn run_one(input: &Input, sample: &TaskDefinition, rng: &mut Rng) -> Result<(), String> {
    match input.kind {
        Kind::TaskDefinition => targets::task_definition(&input.text, rng),
        Kind::Bundle => targets::bundle(&input.text, rng),
        Kind::Policy => targets::policy(&input.text, sample, rng),
        Kind::ErrorText => targets::error_text(&input.text, rng),
        Kind::DeepValue => targets::deep_value(rng),
    }
}

/// Runs the fuzz until `config.inputs` inputs or `config.max_duration`.
pub fn run(corpus: &Corpus, config: &Config) -> Report {
    let panic_message: Arc<Mutex<String>> = Arc::default();
    let previous_hook = panic::take_hook();
    {
        let panic_message = Arc::clone(&panic_message);
        panic::set_hook(Box::new(move |info| {
            if let Ok(mut message) = panic_message.lock() {
                *message = info.to_string();
            }
        }));
    }
    let sample = shared::import(SAMPLE_TASK_DEFINITION).map(|i| i.task_definition).unwrap_or_default();
    let large = [(Kind::TaskDefinition, max_size_task_definition()), (Kind::ErrorText, large_error_text())];
    let mut rng = Rng::new(config.seed);
    let mut report = Report::default();
    let started = Instant::now();
    let cpu_at_start = thread_cpu_time();
    for i in 0..config.inputs {
        if started.elapsed() > config.max_duration {
            report.stopped_by_time = true;
            break;
        }
        let input = next_input(corpus, &large, i, &mut rng);
        let target = input.kind.as_str();
        let mut target_rng = Rng::new(rng.next_u64());
        let replay = target_rng.clone();
        let begun = Instant::now();
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| run_one(&input, &sample, &mut target_rng)));
        let mut time = begun.elapsed();
        // A slow wall clock may just be a busy machine: measure again in CPU time.
        if time > config.slow / 4
            && let Some(before) = thread_cpu_time()
        {
            let mut again = replay.clone();
            let _ = panic::catch_unwind(AssertUnwindSafe(|| run_one(&input, &sample, &mut again)));
            if let Some(after) = thread_cpu_time() {
                time = time.min(after.saturating_sub(before));
            }
        }
        report.inputs += 1;
        let spent = report.by_target.entry(target).or_default();
        spent.0 += 1;
        spent.1 += time;
        if input.large && time > report.slowest_large.time {
            report.slowest_large = Slowest { target, bytes: input.text.len(), time };
        }
        if time > report.slowest.time {
            report.slowest = Slowest { target, bytes: input.text.len(), time };
        }
        let problem = match outcome {
            Err(_) => Some(format!("panic: {}", panic_message.lock().map(|m| m.clone()).unwrap_or_default())),
            Ok(Err(finding)) => Some(finding),
            Ok(Ok(())) if time > config.slow => Some(format!("took {time:?} (limit {:?})", config.slow)),
            Ok(Ok(())) => None,
        };
        if let Some(problem) = problem
            && report.failures.len() < 50
        {
            report.failures.push(Failure { target, problem, input: input.text });
        }
    }
    report.elapsed = started.elapsed();
    report.cpu = cpu_at_start.zip(thread_cpu_time()).map(|(start, end)| end.saturating_sub(start));
    panic::set_hook(previous_hook);
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    #[test]
    fn the_corpus_has_seeds_of_every_kind() {
        let corpus = Corpus::load(&root());
        for kind in [Kind::TaskDefinition, Kind::Bundle, Kind::Policy, Kind::ErrorText] {
            let seeds = corpus.seeds.get(&kind).map_or(0, Vec::len);
            assert!(seeds >= 5, "{}: {seeds} seeds", kind.as_str());
        }
    }

    #[test]
    fn the_largest_inputs_are_as_large_as_promised() {
        let td = max_size_task_definition();
        assert!((60_000..=65_536).contains(&td.len()), "{}", td.len());
        assert!(shared::import(&td).is_ok());
        assert!(large_error_text().len() >= 1_000_000);
    }

    #[test]
    fn a_short_run_finds_nothing() {
        // The CI run (`cargo xtask test`) does 200,000 inputs with an
        // optimised build; this keeps the harness itself working.
        let config =
            Config { inputs: 1_000, max_duration: Duration::from_secs(120), seed: 14, slow: Duration::from_secs(2) };
        let report = run(&Corpus::load(&root()), &config);
        let failures: Vec<String> = report
            .failures
            .iter()
            .map(|f| format!("{}: {}\n  input: {}", f.target, f.problem, f.input.chars().take(400).collect::<String>()))
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert_eq!(report.inputs, 1_000);
    }

    #[test]
    fn well_formed_pointers() {
        assert!(targets::well_formed_pointer(""));
        assert!(targets::well_formed_pointer("/a~1b~0c/0"));
        assert!(!targets::well_formed_pointer("a"));
        assert!(!targets::well_formed_pointer("/a~2"));
    }

    #[test]
    fn wildcard_resources_are_found() {
        let policy = shared::iam::policy::PolicyDocument::parse(
            r#"{"Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:*:*:key/*"}]}"#,
        )
        .unwrap();
        assert!(targets::exact_resources(&policy, "test").is_err());
        let named = shared::iam::policy::PolicyDocument::parse(
            r#"{"Statement":[{"Effect":"Allow","Action":"x:y","Resource":"arn:aws:secretsmanager:r:1:secret:db-??????"}]}"#,
        )
        .unwrap();
        assert!(targets::exact_resources(&named, "test").is_ok());
        // In a key policy `*` is the key itself; in an identity policy it is every key.
        let key_policy = shared::iam::policy::PolicyDocument::parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:role/r"},"Action":"kms:Decrypt","Resource":"*"}]}"#,
        )
        .unwrap();
        assert!(targets::exact_resources(&key_policy, "test").is_ok());
        let identity = shared::iam::policy::PolicyDocument::parse(
            r#"{"Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}"#,
        )
        .unwrap();
        assert!(targets::exact_resources(&identity, "test").is_err());
    }
}
