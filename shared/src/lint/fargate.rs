//! FARGATE requirements: `awsvpc` networking and a valid task size.
//!
//! `cpu` and `memory` are strings in the API and may carry units (`"1 vCPU"`,
//! `"0.25 vCPU"`, `"2 GB"`, `"512 MiB"`); ECS converts them to integers (CPU
//! units, MiB) at registration, so the rules compare converted values.

use serde_json::Value;

use super::{Input, Report};
use crate::context::{Context, PlatformVersion};
use crate::fix::{Edit, Fix};
use crate::task_def::TaskDefinition;

/// The platform version from the context when it is older than 1.4.0: a
/// retired Linux platform (ES066), without the largest CPU sizes (ES063) or
/// JSON keys and versions of secrets (ES035).
pub(super) fn platform_before_1_4_0(ctx: &Context) -> Option<PlatformVersion> {
    ctx.platform_version.filter(|v| v.is_before_1_4_0())
}

/// Memory values (MiB) one Fargate CPU size accepts.
#[derive(Debug, Clone, Copy)]
pub(super) struct FargateSize {
    pub cpu: u64,
    min: u64,
    max: u64,
    step: u64,
    /// 8192 and 16384 CPU units need Linux platform version 1.4.0.
    pub needs_1_4_0: bool,
}

/// The valid Fargate task sizes. 256 CPU units take 512, 1024 or 2048
/// MiB, which is `min..=max` in doubling steps (see [`FargateSize::accepts`]).
pub(super) const FARGATE_SIZES: &[FargateSize] = &[
    FargateSize { cpu: 256, min: 512, max: 2048, step: 0, needs_1_4_0: false },
    FargateSize { cpu: 512, min: 1024, max: 4096, step: 1024, needs_1_4_0: false },
    FargateSize { cpu: 1024, min: 2048, max: 8192, step: 1024, needs_1_4_0: false },
    FargateSize { cpu: 2048, min: 4096, max: 16384, step: 1024, needs_1_4_0: false },
    FargateSize { cpu: 4096, min: 8192, max: 30720, step: 1024, needs_1_4_0: false },
    FargateSize { cpu: 8192, min: 16384, max: 61440, step: 4096, needs_1_4_0: true },
    FargateSize { cpu: 16384, min: 32768, max: 122880, step: 8192, needs_1_4_0: true },
];

impl FargateSize {
    pub(super) fn for_cpu(cpu: u64) -> Option<&'static FargateSize> {
        FARGATE_SIZES.iter().find(|s| s.cpu == cpu)
    }

    pub(super) fn accepts(&self, memory: u64) -> bool {
        if !(self.min..=self.max).contains(&memory) {
            return false;
        }
        if self.step == 0 { memory.is_power_of_two() } else { (memory - self.min).is_multiple_of(self.step) }
    }

    /// Every memory value this size accepts, ascending.
    pub(super) fn memory_options(&self) -> Vec<u64> {
        if self.step == 0 {
            std::iter::successors(Some(self.min), |m| Some(m * 2)).take_while(|m| *m <= self.max).collect()
        } else {
            (self.min..=self.max).step_by(self.step as usize).collect()
        }
    }

    /// The valid memory value closest to `memory` (the larger one on a tie).
    pub(super) fn nearest_memory(&self, memory: u64) -> u64 {
        let clamped = memory.clamp(self.min, self.max);
        if self.step == 0 {
            let lower = 1u64 << (63 - clamped.leading_zeros());
            let upper = if lower == clamped { lower } else { lower * 2 };
            return if clamped - lower < upper - clamped { lower } else { upper.min(self.max) };
        }
        let below = self.min + (clamped - self.min) / self.step * self.step;
        let above = (below + self.step).min(self.max);
        if clamped - below < above.saturating_sub(clamped) { below } else { above }
    }

    /// "512, 1024 or 2048" / "2048–8192 in steps of 1024".
    fn describe(&self) -> String {
        if self.step == 0 {
            format!("{}, {} or {}", self.min, self.min * 2, self.max)
        } else {
            format!("{}–{} in steps of {}", self.min, self.max, self.step)
        }
    }
}

/// `"1024"`, `"1 vCPU"`, `"0.25 vCPU"` → CPU units.
pub(super) fn parse_cpu(raw: &str) -> Option<u64> {
    let lower = raw.trim().to_ascii_lowercase();
    match lower.strip_suffix("vcpu") {
        Some(number) => scaled_decimal(number.trim(), 1024),
        None => scaled_decimal(&lower, 1),
    }
}

/// `"512"`, `"2GB"`, `"2 GB"`, `"512 MiB"` → MiB (ECS reads GB as 1024 MiB).
pub(super) fn parse_memory(raw: &str) -> Option<u64> {
    let lower = raw.trim().to_ascii_lowercase();
    for (unit, factor) in [("gib", 1024), ("gb", 1024), ("mib", 1), ("mb", 1)] {
        if let Some(number) = lower.strip_suffix(unit) {
            return scaled_decimal(number.trim(), factor);
        }
    }
    scaled_decimal(&lower, 1)
}

/// `number * factor` when that is a whole number; `number` is a plain
/// decimal (`2`, `0.25`), no sign, no exponent.
fn scaled_decimal(number: &str, factor: u64) -> Option<u64> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if whole.len() > 12 || fraction.len() > 9 || !(whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit())) {
        return None;
    }
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let scale = 10u64.pow(fraction.len() as u32);
    let fraction: u64 = if fraction.is_empty() { 0 } else { fraction.parse().ok()? };
    let scaled_fraction = fraction.checked_mul(factor)?;
    if scaled_fraction % scale != 0 {
        return None;
    }
    whole.checked_mul(factor)?.checked_add(scaled_fraction / scale)
}

fn is_windows(td: &TaskDefinition) -> bool {
    td.runtime_platform
        .as_ref()
        .and_then(|p| p.operating_system_family.as_deref())
        .is_some_and(|os| os.trim().to_ascii_uppercase().starts_with("WINDOWS"))
}

fn set(path: &str, value: u64) -> Edit {
    Edit::Add { path: path.to_owned(), value: Value::String(value.to_string()) }
}

fn valid_cpus() -> String {
    let cpus: Vec<String> = FARGATE_SIZES.iter().map(|s| s.cpu.to_string()).collect();
    cpus.join(", ")
}

/// The CPU sizes that accept `memory`.
fn cpus_accepting(memory: u64) -> Vec<u64> {
    FARGATE_SIZES.iter().filter(|s| s.accepts(memory)).map(|s| s.cpu).collect()
}

/// The launch types `requiresCompatibilities` accepts.
const COMPATIBILITIES: &[&str] = &["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"];

/// ES065: `requiresCompatibilities` takes upper-case launch types only.
pub(super) fn compatibility_values(input: &Input<'_>, out: &mut Report<'_>) {
    for (i, value) in input.td.requires_compatibilities.iter().flatten().enumerate() {
        if COMPATIBILITIES.contains(&value.as_str()) {
            continue;
        }
        let path = format!("/requiresCompatibilities/{i}");
        let upper = value.trim().to_ascii_uppercase();
        let mut d = out.diag(
            path.clone(),
            format!(
                "`{}` is not a launch type: `requiresCompatibilities` takes {} (upper case)",
                super::names::shorten(value),
                COMPATIBILITIES.join(", ")
            ),
        );
        if let Some(known) = COMPATIBILITIES.iter().find(|c| **c == upper) {
            d = d.with_fix(Fix {
                title: format!("Write {known}"),
                edits: vec![Edit::Replace { path, value: Value::String((*known).to_owned()) }],
                create_secret: None,
            });
        }
        out.push(d);
    }
}

/// ES060: FARGATE needs `networkMode: awsvpc`.
pub(super) fn network_mode(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    if !td.requires_fargate() || td.network_mode.as_deref() == Some("awsvpc") {
        return;
    }
    let now = match td.network_mode.as_deref() {
        Some(mode) => format!("is `{}`", super::names::shorten(mode)),
        None => "is not set".to_owned(),
    };
    out.push(
        out.diag("/networkMode",
            format!(
                "`requiresCompatibilities` includes FARGATE, which needs \"networkMode\": \"awsvpc\", but `networkMode` \
                 {now}; set it to awsvpc (each task then gets its own network interface)"
            ),
        )
        .with_fix(Fix {
            title: "Set networkMode to awsvpc".into(),
            edits: vec![Edit::Add { path: "/networkMode".into(), value: Value::String("awsvpc".into()) }],
            create_secret: None,
        }),
    );
}

/// ES061: FARGATE needs task-level `cpu` and `memory`.
pub(super) fn task_size_present(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    if !td.requires_fargate() {
        return;
    }
    let present = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    let (has_cpu, has_memory) = (present(&td.cpu), present(&td.memory));
    let windows = is_windows(td);
    if !has_cpu {
        let memory = td.memory.as_deref().and_then(parse_memory);
        let cpu = memory.and_then(|m| cpus_accepting(m).into_iter().find(|&c| !windows || c >= 1024));
        let mut d = out.diag(
            "/cpu",
            format!(
                "FARGATE needs a task-level `cpu`: one of {} CPU units (1024 = 1 vCPU), matching `memory`",
                valid_cpus()
            ),
        );
        if let Some(cpu) = cpu {
            d = d.with_fix(Fix {
                title: format!("Set cpu to {cpu}"),
                edits: vec![set("/cpu", cpu)],
                create_secret: None,
            });
        }
        out.push(d);
    }
    if !has_memory {
        let size = td.cpu.as_deref().and_then(parse_cpu).and_then(FargateSize::for_cpu);
        let message = match size {
            Some(size) => format!(
                "FARGATE needs a task-level `memory`; with cpu {} it can be {} (MiB)",
                size.cpu,
                size.describe()
            ),
            None => "FARGATE needs a task-level `memory` (MiB) matching `cpu`, e.g. cpu \"256\" with memory \"512\""
                .to_owned(),
        };
        let mut d = out.diag("/memory", message);
        if let Some(size) = size {
            d = d.with_fix(Fix {
                title: format!("Set memory to {}", size.min),
                edits: vec![set("/memory", size.min)],
                create_secret: None,
            });
        }
        out.push(d);
    }
}

/// ES062: FARGATE `cpu`/`memory` must be readable and one of the valid
/// pairs.
pub(super) fn task_size_pair(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    if !td.requires_fargate() {
        return;
    }
    let (Some(cpu_raw), Some(memory_raw)) = (td.cpu.as_deref(), td.memory.as_deref()) else { return };
    if cpu_raw.trim().is_empty() || memory_raw.trim().is_empty() {
        return; // ES061
    }
    let cpu = parse_cpu(cpu_raw);
    let memory = parse_memory(memory_raw);
    if cpu.is_none() {
        out.push(out.diag(
            "/cpu",
            format!(
                "cannot read cpu `{}`: write CPU units (\"1024\") or vCPUs (\"1 vCPU\", \"0.25 vCPU\")",
                super::names::shorten(cpu_raw)
            ),
        ));
    }
    if memory.is_none() {
        out.push(out.diag(
            "/memory",
            format!(
                "cannot read memory `{}`: write MiB (\"2048\") or GB (\"2 GB\")",
                super::names::shorten(memory_raw)
            ),
        ));
    }
    let (Some(cpu), Some(memory)) = (cpu, memory) else { return };
    let Some(size) = FargateSize::for_cpu(cpu) else {
        let accepting = cpus_accepting(memory);
        let mut d = out.diag(
            "/cpu",
            format!(
                "No Fargate configuration exists for cpu {cpu}: FARGATE takes {} CPU units (1024 = 1 vCPU){}",
                valid_cpus(),
                match accepting.as_slice() {
                    [] => String::new(),
                    cpus => format!("; memory {memory} works with cpu {}", join_or(cpus)),
                }
            ),
        );
        if let [only] = accepting.as_slice() {
            d = d.with_fix(Fix {
                title: format!("Set cpu to {only}"),
                edits: vec![set("/cpu", *only)],
                create_secret: None,
            });
        }
        out.push(d);
        return;
    };
    if size.accepts(memory) {
        return;
    }
    let nearest = size.nearest_memory(memory);
    let others = cpus_accepting(memory);
    out.push(
        out.diag(
            "/memory",
            format!(
                "No Fargate configuration exists for cpu {cpu} with memory {memory} MiB (registration fails with \
                 \"Invalid 'cpu' setting for task\"): with cpu {cpu} memory can be {} MiB{}",
                size.describe(),
                if others.is_empty() {
                    String::new()
                } else {
                    format!("; or keep the memory and use cpu {}", join_or(&others))
                }
            ),
        )
        .with_fix(Fix {
            title: format!("Set memory to {nearest}"),
            edits: vec![set("/memory", nearest)],
            create_secret: None,
        }),
    );
}

fn join_or(values: &[u64]) -> String {
    let strings: Vec<String> = values.iter().map(u64::to_string).collect();
    match strings.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => strings.join(""),
    }
}

/// ES063: cpu 8192 and 16384 need Linux platform version 1.4.0.
pub(super) fn large_cpu_platform(input: &Input<'_>, out: &mut Report<'_>) {
    let (td, ctx) = (input.td, input.ctx);
    if !td.requires_fargate() {
        return;
    }
    let Some(version) = platform_before_1_4_0(ctx) else { return };
    let Some(size) = td.cpu.as_deref().and_then(parse_cpu).and_then(FargateSize::for_cpu) else { return };
    if size.needs_1_4_0 {
        out.push(out.diag(
            "/cpu",
            format!(
                "cpu {} needs Fargate platform version 1.4.0 or later; the service uses {version}: set the platform \
                 version to 1.4.0 or LATEST, or use at most 4096 CPU units",
                size.cpu
            ),
        ));
    }
}

/// The day Fargate Linux platform version 1.3.0 stopped launching tasks,
/// and the same for the China regions.
pub(super) const PLATFORM_1_3_RETIRED: &str = "2026-03-16";
pub(super) const PLATFORM_1_3_RETIRED_CHINA: &str = "2026-06-15";

/// ES066: Fargate Linux platform versions below 1.4.0 are retired: since
/// 2026-03-16 (China regions 2026-06-15) no new task or service launches on
/// them. Reported once, for the whole task definition, whenever the context
/// names such a platform version for a Linux task (Windows platform
/// versions are numbered on their own: 1.0.0 is current).
pub(super) fn retired_platform(input: &Input<'_>, out: &mut Report<'_>) {
    let ctx = input.ctx;
    if is_windows(input.td) {
        return; // Windows on Fargate has its own platform versions (1.0.0 is current).
    }
    let Some(version) = platform_before_1_4_0(ctx) else { return };
    let china = ctx.region().is_some_and(|r| crate::secret_ref::partition_for_region(r) == "aws-cn");
    let since = if china {
        format!("{PLATFORM_1_3_RETIRED_CHINA} in the China regions")
    } else {
        format!("{PLATFORM_1_3_RETIRED} ({PLATFORM_1_3_RETIRED_CHINA} in the China regions)")
    };
    out.push(out.diag(
        "",
        format!(
            "Fargate platform version {version} is retired: no new task or service can launch on it since {since}, \
             and the tasks that ran on it were stopped. Use platform version 1.4.0 or LATEST (where JSON keys and \
             versions of secrets work too)"
        ),
    ));
}

/// ES064: Windows on Fargate needs at least 1024 CPU units.
pub(super) fn windows_cpu(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    if !td.requires_fargate() || !is_windows(td) {
        return;
    }
    let Some(cpu) = td.cpu.as_deref().and_then(parse_cpu).filter(|&c| c < 1024) else { return };
    let mut edits = vec![set("/cpu", 1024)];
    let size = FargateSize::for_cpu(1024);
    if let (Some(size), Some(memory)) = (size, td.memory.as_deref().and_then(parse_memory))
        && !size.accepts(memory)
    {
        edits.push(set("/memory", size.nearest_memory(memory)));
    }
    out.push(
        out.diag(
            "/cpu",
            format!(
                "Windows containers on Fargate need at least 1024 CPU units (1 vCPU), but cpu is {cpu}: raise cpu to \
                 1024 or more (with memory 2048–8192 MiB for 1024)"
            ),
        )
        .with_fix(Fix { title: "Set cpu to 1024".into(), edits, create_secret: None }),
    );
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{check, known_ctx, run, td};
    use super::*;

    #[test]
    fn units() {
        for (raw, cpu) in [
            ("1024", Some(1024)),
            ("1 vCPU", Some(1024)),
            ("0.25 vCPU", Some(256)),
            ("0.5vcpu", Some(512)),
            ("16 VCPU", Some(16384)),
            (" 256 ", Some(256)),
            ("0.1 vCPU", None),
            ("abc", None),
            ("", None),
            ("-1", None),
            ("1e3", None),
            (".", None),
            ("99999999999999999999", None),
        ] {
            assert_eq!(parse_cpu(raw), cpu, "{raw}");
        }
        for (raw, memory) in [
            ("512", Some(512)),
            ("2GB", Some(2048)),
            ("2 GB", Some(2048)),
            ("0.5 GB", Some(512)),
            ("512 MiB", Some(512)),
            ("4 gib", Some(4096)),
            ("512MB", Some(512)),
            ("2 TB", None),
            ("GB", None),
        ] {
            assert_eq!(parse_memory(raw), memory, "{raw}");
        }
    }

    #[test]
    fn size_table() {
        let s256 = FargateSize::for_cpu(256).unwrap();
        assert!(s256.accepts(512) && s256.accepts(1024) && s256.accepts(2048));
        assert!(!s256.accepts(1536) && !s256.accepts(4096) && !s256.accepts(256));
        assert_eq!(s256.nearest_memory(3000), 2048);
        assert_eq!(s256.nearest_memory(700), 512);
        assert_eq!(s256.nearest_memory(800), 1024);
        let s4096 = FargateSize::for_cpu(4096).unwrap();
        assert!(s4096.accepts(30720) && !s4096.accepts(31744) && !s4096.accepts(8000));
        assert_eq!(s4096.nearest_memory(9000), 9216);
        assert_eq!(s4096.nearest_memory(40000), 30720);
        let s8192 = FargateSize::for_cpu(8192).unwrap();
        assert!(s8192.accepts(20480) && !s8192.accepts(17408));
        let s16384 = FargateSize::for_cpu(16384).unwrap();
        assert!(s16384.accepts(122880) && s16384.accepts(40960) && !s16384.accepts(36864));
        for size in FARGATE_SIZES {
            assert!(size.accepts(size.min) && size.accepts(size.max), "{size:?}");
            for m in [0, 1, size.min - 1, size.min + 1, size.max + 1, u64::MAX] {
                assert!(size.accepts(size.nearest_memory(m)), "{size:?} {m}");
            }
        }
    }

    fn fargate(extra: serde_json::Value) -> serde_json::Value {
        let mut t = json!({"family": "f", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
            "cpu": "256", "memory": "512", "containerDefinitions": []});
        if let (Some(t), serde_json::Value::Object(extra)) = (t.as_object_mut(), extra) {
            t.extend(extra);
        }
        t
    }

    #[test]
    fn launch_types() {
        check(
            "ES065",
            &known_ctx(),
            &[
                (fargate(json!({"requiresCompatibilities": ["EC2", "FARGATE", "EXTERNAL"]})), &[]),
                (
                    fargate(json!({"requiresCompatibilities": ["EC2", "fargate", "LAMBDA"]})),
                    &["/requiresCompatibilities/1", "/requiresCompatibilities/2"],
                ),
            ],
        );
        let t = td(fargate(json!({"requiresCompatibilities": ["fargate"]})));
        let found = run("ES065", &t, &known_ctx());
        let (fixed, _) = crate::fix::apply_fix(&t, found[0].fix.as_ref().unwrap()).unwrap();
        assert_eq!(fixed.requires_compatibilities, Some(vec!["FARGATE".to_owned()]));
    }

    #[test]
    fn network_mode_with_fix() {
        check(
            "ES060",
            &known_ctx(),
            &[
                (fargate(json!({})), &[]),
                (fargate(json!({"networkMode": "bridge"})), &["/networkMode"]),
                (
                    fargate(json!({"networkMode": null, "requiresCompatibilities": ["EC2", "FARGATE"]})),
                    &["/networkMode"],
                ),
                (json!({"requiresCompatibilities": ["EC2"], "containerDefinitions": []}), &[]),
            ],
        );
        let t = td(fargate(json!({"networkMode": null})));
        let d = &run("ES060", &t, &known_ctx())[0];
        let (fixed, _) = crate::fix::apply_fix(&t, d.fix.as_ref().unwrap()).unwrap();
        assert_eq!(fixed.network_mode.as_deref(), Some("awsvpc"));
    }

    #[test]
    fn task_size_presence() {
        check(
            "ES061",
            &known_ctx(),
            &[
                (fargate(json!({})), &[]),
                (fargate(json!({"cpu": null})), &["/cpu"]),
                (fargate(json!({"cpu": null, "memory": " "})), &["/cpu", "/memory"]),
                (json!({"containerDefinitions": []}), &[]),
            ],
        );
        let t = td(fargate(json!({"memory": null, "cpu": "1 vCPU"})));
        let d = &run("ES061", &t, &known_ctx())[0];
        let (fixed, _) = crate::fix::apply_fix(&t, d.fix.as_ref().unwrap()).unwrap();
        assert_eq!(fixed.memory.as_deref(), Some("2048"));
        let t = td(fargate(json!({"cpu": null, "memory": "3 GB"})));
        let d = &run("ES061", &t, &known_ctx())[0];
        let (fixed, _) = crate::fix::apply_fix(&t, d.fix.as_ref().unwrap()).unwrap();
        assert_eq!(fixed.cpu.as_deref(), Some("512"));
    }

    #[test]
    fn task_size_pairs() {
        check(
            "ES062",
            &known_ctx(),
            &[
                (fargate(json!({})), &[]),
                (fargate(json!({"cpu": "0.25 vCPU", "memory": "1 GB"})), &[]),
                (fargate(json!({"cpu": "16 vCPU", "memory": "120 GB"})), &[]),
                (fargate(json!({"cpu": "256", "memory": "4096"})), &["/memory"]),
                (fargate(json!({"cpu": "300", "memory": "512"})), &["/cpu"]),
                (fargate(json!({"cpu": "lots", "memory": "heaps"})), &["/cpu", "/memory"]),
                (json!({"cpu": "300", "memory": "1", "containerDefinitions": []}), &[]),
            ],
        );
        let t = td(fargate(json!({"cpu": "1024", "memory": "1024"})));
        let d = &run("ES062", &t, &known_ctx())[0];
        assert!(d.message.contains("2048–8192 in steps of 1024"), "{}", d.message);
        assert!(d.message.contains("cpu 256 or 512"), "{}", d.message);
        let (fixed, _) = crate::fix::apply_fix(&t, d.fix.as_ref().unwrap()).unwrap();
        assert_eq!(fixed.memory.as_deref(), Some("2048"));
        let d = &run("ES062", &td(fargate(json!({"cpu": "300", "memory": "30720"}))), &known_ctx())[0];
        assert_eq!(d.fix.as_ref().unwrap().edits, [set("/cpu", 4096)]);
    }

    #[test]
    fn platform_versions() {
        let ctx = |v: &str| Context { platform_version: Some(v.parse().unwrap()), ..known_ctx() };
        let big = fargate(json!({"cpu": "8192", "memory": "16384"}));
        check("ES063", &ctx("1.3.0"), &[(big.clone(), &["/cpu"]), (fargate(json!({})), &[])]);
        check("ES063", &ctx("1.4.0"), &[(big.clone(), &[])]);
        check("ES063", &ctx("LATEST"), &[(big.clone(), &[])]);
        check("ES063", &known_ctx(), &[(big, &[])]);
    }

    #[test]
    fn windows_needs_a_full_vcpu() {
        let win = |cpu: &str, memory: &str| {
            fargate(
                json!({"cpu": cpu, "memory": memory, "runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"}}),
            )
        };
        check(
            "ES064",
            &known_ctx(),
            &[(win("512", "1024"), &["/cpu"]), (win("1024", "2048"), &[]), (fargate(json!({})), &[])],
        );
        let t = td(win("512", "1024"));
        let d = &run("ES064", &t, &known_ctx())[0];
        let (fixed, _) = crate::fix::apply_fix(&t, d.fix.as_ref().unwrap()).unwrap();
        assert_eq!((fixed.cpu.as_deref(), fixed.memory.as_deref()), (Some("1024"), Some("2048")));
    }
}
