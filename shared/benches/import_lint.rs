//! Benchmark: import + lint of a maximum-size task definition.
//!
//! The input is `shared::test_data`'s maximum-size task definition: 10
//! containers (the most a task definition may have) and as many secret
//! references as fit in the 64 KiB RegisterTaskDefinition limit, spread over
//! every reference form and every site (`secrets`, log `secretOptions`,
//! `repositoryCredentials`). What is
//! measured is what the UI does on every keystroke: parse the text, import
//! it and lint it. Target: median ≤ 1 ms native (see BENCHMARKS.md).
//!
//! Each benchmark runs twice: timed by the wall clock (criterion's default)
//! and by the thread's CPU time, which stays meaningful on a machine shared
//! with other busy processes.

use std::hint::black_box;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use shared::Location;
use shared::test_data::{self, ACCOUNT, CONTAINERS, MAX_BYTES, REGION};
use shared::{Context, import, lint};

/// The maximum-size task definition of `shared::test_data` (the one the
/// access-check benchmark and the UI's `?bench=keystroke` page read), with
/// the number of secret references in it.
fn maximum_task_definition() -> (String, usize) {
    let text = test_data::max_size_task_definition().text;
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
        platform_version: Some(shared::PlatformVersion::Version(1, 4, 0)),
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
    assert!(text.len() <= MAX_BYTES && text.len() > MAX_BYTES - 1024, "input is {} bytes", text.len());
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
