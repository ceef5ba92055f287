//! `cargo run -p fuzz --profile fuzz -- [--inputs N] [--seconds S] [--seed X] [--slow-ms MS] [--artifacts DIR]`
//! (or `-- --measure`: the CPU time of the largest inputs)
//!
//! Runs the fuzz over the corpus in the repository, prints the figures
//! (inputs, inputs/s, slowest input) and exits 1 when any input failed;
//! failing inputs are written to the artifacts directory.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use fuzz::{Config, Corpus, run};

const USAGE: &str = "usage: fuzz [--inputs N] [--seconds S] [--seed X] [--slow-ms MS] [--artifacts DIR]";

fn parse(args: &[String]) -> Result<(Config, PathBuf), String> {
    let mut config =
        Config { inputs: 200_000, max_duration: Duration::from_secs(150), seed: 14, slow: Duration::from_millis(100) };
    let mut artifacts = PathBuf::from("target/fuzz-artifacts");
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = || value.parse::<u64>().map_err(|_| format!("{flag}: `{value}` is not a whole number"));
        match flag.as_str() {
            "--inputs" => config.inputs = number()?,
            "--seconds" => config.max_duration = Duration::from_secs(number()?),
            "--seed" => config.seed = number()?,
            "--slow-ms" => config.slow = Duration::from_millis(number()?),
            "--artifacts" => artifacts = PathBuf::from(value),
            other => return Err(format!("unknown option `{other}`\n{USAGE}")),
        }
    }
    Ok((config, artifacts))
}

/// `fuzz --measure`: how long the largest inputs take, in thread CPU time,
/// for BENCHMARKS.md. The kernel counts CPU time in scheduler ticks (a few
/// ms), so each sample times a batch of 20 runs; the median of 11 samples.
fn measure() -> ExitCode {
    let error_text = fuzz::large_error_text();
    let prefix = &error_text[..100_000];
    let task_definition = fuzz::max_size_task_definition();
    let ctx = shared::Context::new("eu-west-1".parse().ok(), "123456789012".parse().ok());
    let cases: [(&str, usize, &dyn Fn()); 3] = [
        ("decode, 100 KB error text", prefix.len(), &|| drop(shared::decode::decode_with(prefix, &ctx))),
        ("decode, 1 MB error text", error_text.len(), &|| drop(shared::decode::decode_with(&error_text, &ctx))),
        ("import + lint, 64 KiB task definition", task_definition.len(), &|| {
            if let Ok(imported) = shared::import(&task_definition) {
                drop(shared::lint(&imported.task_definition, &ctx));
            }
        }),
    ];
    for (name, bytes, case) in cases {
        let batch = || (0..20).for_each(|_| case());
        let mut times: Vec<std::time::Duration> = (0..11).map(|_| fuzz::cpu_time_of(&batch) / 20).collect();
        times.sort();
        println!("{name} ({bytes} bytes): median {:.2} ms, slowest sample {:.2} ms", ms(times[5]), ms(times[10]));
    }
    ExitCode::SUCCESS
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args == ["--measure"] {
        return measure();
    }
    let (config, artifacts) = match parse(&args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let corpus = Corpus::load(&root);
    // The UI runs the core with a small stack: fuzz with a thread of 2 MiB
    // (what test threads get), not the main thread's 8 MiB.
    let worker = std::thread::Builder::new().stack_size(2 << 20).spawn({
        let config = config.clone();
        move || run(&corpus, &config)
    });
    let report = match worker.map(|w| w.join()) {
        Ok(Ok(report)) => report,
        _ => {
            eprintln!("fuzz: the worker thread died");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "fuzz: {} inputs in {:.1} s = {:.0} inputs/s ({}; seed {}); by target: {}",
        report.inputs,
        report.elapsed.as_secs_f64(),
        report.inputs_per_second(),
        match (report.cpu, report.inputs_per_cpu_second()) {
            (Some(cpu), Some(rate)) =>
                format!("{:.1} s of CPU time = {rate:.0} inputs per CPU second", cpu.as_secs_f64()),
            _ => "CPU time unknown".to_owned(),
        },
        config.seed,
        report
            .by_target
            .iter()
            .map(|(t, (n, time))| format!("{t} {n} ({:.1} s)", time.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "fuzz: slowest input {:.1} ms ({}, {} bytes); slowest of the largest inputs {:.1} ms ({}, {} bytes); limit {} ms",
        report.slowest.time.as_secs_f64() * 1e3,
        report.slowest.target,
        report.slowest.bytes,
        report.slowest_large.time.as_secs_f64() * 1e3,
        report.slowest_large.target,
        report.slowest_large.bytes,
        config.slow.as_millis()
    );
    if report.stopped_by_time {
        println!("fuzz: the time limit ended the run before {} inputs", config.inputs);
    }
    if report.failures.is_empty() {
        println!("fuzz: 0 failures");
        return ExitCode::SUCCESS;
    }
    let _ = std::fs::create_dir_all(&artifacts);
    for (i, failure) in report.failures.iter().enumerate() {
        let file = artifacts.join(format!("{i:02}-{}.txt", failure.target));
        let _ = std::fs::write(&file, &failure.input);
        let shown: String = failure.input.chars().take(300).collect();
        eprintln!("FAIL {} ({}): {}\n  input: {shown}", failure.target, file.display(), failure.problem);
    }
    eprintln!("fuzz: {} failing inputs", report.failures.len());
    ExitCode::FAILURE
}
