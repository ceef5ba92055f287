//! Benchmark: import + lint of a maximum-size task definition.
//!
//! The input is what a large real service can register: 10 containers (the
//! most a task definition may have) and as many secret references and
//! environment variables as fit in the 64 KiB RegisterTaskDefinition limit,
//! spread over every reference form (SSM names and ARNs, Secrets Manager ARNs
//! with and without JSON keys, `/aws/reference/secretsmanager/…`) and every
//! site (`secrets`, log `secretOptions`, `repositoryCredentials`). What is
//! measured is what the UI does on every keystroke: parse the text, import
//! it and lint it. Target: median ≤ 1 ms native (see BENCHMARKS.md).
//!
//! Each benchmark runs twice: timed by the wall clock (criterion's default)
//! and by the thread's CPU time, which stays meaningful on a machine shared
//! with other busy processes.

use std::hint::black_box;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use shared::Location;
use shared::{Context, export, import, lint};

/// RegisterTaskDefinition's limit on the whole JSON document.
const MAX_BYTES: usize = 64 * 1024;
const CONTAINERS: usize = 10;
const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "123456789012";

/// The `n`-th secret reference, cycling through the forms people write.
fn reference(container: usize, n: usize) -> String {
    match n % 6 {
        0 => format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/svc{container}/prod/key_{n}"),
        1 => format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:svc{container}/prod/key-{n}-Ab{n:04}"),
        2 => format!(
            "arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:svc{container}/prod/db-Xy{container:02}Zq:field_{n}::"
        ),
        3 => format!("/svc{container}/prod/param_{n}"),
        4 => format!("/aws/reference/secretsmanager/svc{container}/prod/ref_{n}"),
        _ => format!("arn:aws:ssm:us-east-1:210987654321:parameter/shared/svc{container}/token_{n}"),
    }
}

fn container(index: usize) -> Value {
    let environment: Vec<Value> = (0..6)
        .map(|n| json!({"name": format!("SETTING_{n}"), "value": format!("svc{index}-value-{n}")}))
        .chain([
            json!({"name": "NODE_ENV", "value": "production"}),
            json!({"name": "PASSWORD_MIN_LENGTH", "value": "12"}),
        ])
        .collect();
    json!({
        "name": format!("svc{index}"),
        "image": format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/svc{index}:1.{index}.0"),
        "essential": index == 0,
        "cpu": 256,
        "memoryReservation": 512,
        "portMappings": [{"containerPort": 8000 + index, "protocol": "tcp"}],
        "environment": environment,
        "secrets": [],
        "logConfiguration": {
            "logDriver": "splunk",
            "options": {"splunk-url": "https://splunk.example.com:8088", "splunk-source": format!("svc{index}")},
            "secretOptions": [{"name": "splunk-token", "valueFrom": reference(index, 1)}]
        },
        "repositoryCredentials": {
            "credentialsParameter": format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:registry/pull-{index}-Rg{index:02}Cd")
        }
    })
}

/// Builds the largest task definition under [`MAX_BYTES`]: secrets are added
/// round-robin over the containers until one more would not fit. Returns the
/// exported text and the number of secret references in it.
fn maximum_task_definition() -> (String, usize) {
    let mut td = json!({
        "family": "max-size-service",
        "taskRoleArn": format!("arn:aws:iam::{ACCOUNT}:role/max-size-task"),
        "executionRoleArn": format!("arn:aws:iam::{ACCOUNT}:role/max-size-execution"),
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "4096",
        "memory": "16384",
        "containerDefinitions": (0..CONTAINERS).map(container).collect::<Vec<_>>(),
    });
    let render =
        |td: &Value| export(&import(&td.to_string()).expect("the generated task definition imports").task_definition);
    let mut text = render(&td);
    for n in 0.. {
        let index = n % CONTAINERS;
        let mut next = td.clone();
        next["containerDefinitions"][index]["secrets"]
            .as_array_mut()
            .expect("secrets is an array")
            .push(json!({"name": format!("SECRET_{n:03}"), "valueFrom": reference(index, n)}));
        let next_text = render(&next);
        if next_text.len() > MAX_BYTES {
            break;
        }
        td = next;
        text = next_text;
    }
    let references = import(&text).expect("imports").task_definition.secret_sites().len();
    (text, references)
}

/// Thread CPU time from `/proc/thread-self/schedstat` (nanoseconds on a CPU).
///
/// The benchmark machine is shared: with more runnable threads than cores,
/// wall-clock time also counts the time the benchmark waits for a core.
/// CPU time counts only the time it ran. The kernel updates this counter at
/// scheduler ticks (every few ms), so each sample must run much longer than
/// a tick: the group uses flat sampling with ~100 ms samples, where the tick
/// error is a few percent and cancels out in the median.
#[derive(Debug)]
struct ThreadCpuTime;

const SCHEDSTAT: &str = "/proc/thread-self/schedstat";

fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string(SCHEDSTAT).ok().and_then(|s| s.split_whitespace().next()?.parse().ok()).unwrap_or(0)
}

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, value: &u64) -> f64 {
        *value as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &Nanoseconds
    }
}

/// Formats nanosecond values like criterion's wall-clock formatter.
#[derive(Debug)]
struct Nanoseconds;

impl ValueFormatter for Nanoseconds {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = match typical {
            t if t < 1e3 => (1.0, "ns"),
            t if t < 1e6 => (1e-3, "µs"),
            t if t < 1e9 => (1e-6, "ms"),
            _ => (1e-9, "s"),
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }
    fn scale_throughputs(&self, _typical: f64, _throughput: &Throughput, _values: &mut [f64]) -> &'static str {
        // No throughput is configured for these benchmarks.
        "ns"
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

/// Registers the three benchmarks in a group named after the clock.
fn bench_import_lint<M: Measurement>(c: &mut Criterion<M>, clock: &str) {
    let (text, references) = maximum_task_definition();
    let ctx = Context {
        location: Location::new(Some(REGION.parse().unwrap()), Some(ACCOUNT.parse().unwrap())),
        platform_version: Some("1.4.0".into()),
        ..Context::default()
    };
    let imported = import(&text).expect("imports");
    let diagnostics = lint(&imported.task_definition, &ctx);
    let mut by_code = std::collections::BTreeMap::new();
    for d in &diagnostics {
        *by_code.entry(format!("{} {}", d.code, d.severity)).or_insert(0) += 1;
    }
    eprintln!(
        "input: {} bytes, {} containers, {} secret references, {} diagnostics {by_code:?}",
        text.len(),
        imported.task_definition.container_definitions.len(),
        references,
        diagnostics.len()
    );
    assert!(text.len() <= MAX_BYTES && text.len() > MAX_BYTES - 512, "input is {} bytes", text.len());
    assert_eq!(imported.task_definition.container_definitions.len(), CONTAINERS);

    let mut group = c.benchmark_group(clock);
    group.sampling_mode(SamplingMode::Flat);
    // The measurement the target is about: text in, diagnostics out.
    group.bench_function("import+lint", |b| {
        b.iter(|| {
            let imported = import(black_box(&text)).expect("imports");
            lint(&imported.task_definition, black_box(&ctx))
        });
    });
    // The two halves, to see where the time goes.
    group.bench_function("import", |b| b.iter(|| import(black_box(&text)).expect("imports")));
    group.bench_function("lint", |b| b.iter(|| lint(black_box(&imported.task_definition), black_box(&ctx))));
    group.finish();
}

fn wall_clock(c: &mut Criterion) {
    bench_import_lint(c, "wall-clock");
}

fn thread_cpu(c: &mut Criterion<ThreadCpuTime>) {
    if thread_cpu_ns() == 0 {
        eprintln!("{SCHEDSTAT} is not readable here: skipping the thread-cpu group");
        return;
    }
    bench_import_lint(c, "thread-cpu");
}

criterion_group!(wall, wall_clock);
criterion_group! {
    name = cpu;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = thread_cpu
}
criterion_main!(wall, cpu);
