//! Property: for random workspaces and random edit sequences, applying any
//! fix the diagnostics offer (through [`Workspace::apply_fix_for`], as the
//! UI's Fix button does) changes only what its diagnostic names and clears
//! that diagnostic.

use proptest::prelude::*;

use super::*;
use crate::task_def::{ContainerDefinition, TaskDefinition};

const NAMES: [&str; 8] = [
    "API_SECRET_KEY",
    "LOG_LEVEL",
    "DB_PASSWORD",
    "PORT",
    "GITHUB_TOKEN",
    "MODE",
    "AWS_SECRET_ACCESS_KEY",
    "SPLUNK_TOKEN",
];
const VALUES: [&str; 7] = [
    "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "info",
    "hunter2-canary-pass",
    "8080",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "prod",
];
const REFERENCES: [&str; 8] = [
    "/web/db/password",
    "web/db/password",
    "//web//double",
    "arn:aws:ssm:eu-west-1:123456789012:parameter/web/token",
    "arn:aws:ssm:us-east-1:123456789012:parameter/web/other-region",
    "arn:aws:ssm:eu-west-1:210987654321:parameter/web/other-account",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:password",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/splunk",
];

#[derive(Debug, Clone)]
enum Op {
    AddEnv { container: usize, name: usize, value: usize },
    SetEnvValue { container: usize, entry: usize, value: usize },
    RemoveEnv { container: usize, entry: usize },
    AddSecret { container: usize, name: usize, reference: usize },
    AddLogOption { container: usize, name: usize, value: usize },
    MoveUp { container: usize },
}

fn op() -> impl Strategy<Value = Op> {
    let c = 0..3usize;
    prop_oneof![
        3 => (c.clone(), 0..NAMES.len(), 0..VALUES.len()).prop_map(|(container, name, value)| Op::AddEnv { container, name, value }),
        1 => (c.clone(), 0..4usize, 0..VALUES.len()).prop_map(|(container, entry, value)| Op::SetEnvValue { container, entry, value }),
        1 => (c.clone(), 0..4usize).prop_map(|(container, entry)| Op::RemoveEnv { container, entry }),
        2 => (c.clone(), 0..NAMES.len(), 0..REFERENCES.len()).prop_map(|(container, name, reference)| Op::AddSecret { container, name, reference }),
        1 => (c.clone(), 0..NAMES.len(), 0..VALUES.len()).prop_map(|(container, name, value)| Op::AddLogOption { container, name, value }),
        1 => c.prop_map(|container| Op::MoveUp { container }),
    ]
}

fn build(containers: usize, located: bool, ops: &[Op]) -> Workspace {
    let mut ws = Workspace::empty();
    if located {
        ws.set_task_field(TaskField::Region, "eu-west-1");
        ws.set_task_field(TaskField::AccountId, "123456789012");
    }
    ws.set_task_field(TaskField::Family, "web");
    while ws.bundle.task_definition.container_definitions.len() < containers {
        ws.add_container();
    }
    let n = containers;
    for op in ops {
        let env_len = |ws: &Workspace, c: usize| {
            ws.bundle.task_definition.container_definitions[c].environment.as_ref().map(Vec::len).unwrap_or(0)
        };
        match *op {
            Op::AddEnv { container, name, value } => {
                let c = container % n;
                let taken = ws.bundle.task_definition.container_definitions[c]
                    .environment
                    .iter()
                    .flatten()
                    .any(|p| p.name.as_deref() == Some(NAMES[name]));
                if !taken {
                    ws.add_env(c).unwrap();
                    let e = env_len(&ws, c) - 1;
                    ws.set_env(c, e, EnvPart::Name, NAMES[name]).unwrap();
                    ws.set_env(c, e, EnvPart::Value, VALUES[value]).unwrap();
                }
            }
            Op::SetEnvValue { container, entry, value } => {
                let c = container % n;
                if entry < env_len(&ws, c) {
                    ws.set_env(c, entry, EnvPart::Value, VALUES[value]).unwrap();
                }
            }
            Op::RemoveEnv { container, entry } => ws.remove_env(container % n, entry).unwrap(),
            Op::AddSecret { container, name, reference } => {
                let c = container % n;
                ws.add_secret(c, SecretList::Secrets).unwrap();
                let e =
                    ws.bundle.task_definition.container_definitions[c].secrets.as_ref().map(Vec::len).unwrap_or(1) - 1;
                ws.set_secret_name(c, SecretList::Secrets, e, &format!("S_{}", NAMES[name])).unwrap();
                ws.set_secret_value_from(c, SecretList::Secrets, e, REFERENCES[reference]).unwrap();
            }
            Op::AddLogOption { container, name, value } => {
                let c = container % n;
                let mut text = ws.log_options_text(c);
                text.push_str(&format!("{}={}\n", NAMES[name].to_lowercase(), VALUES[value]));
                ws.set_container_field(c, ContainerField::LogDriver, "splunk").unwrap();
                ws.set_log_options_text(c, &text).unwrap();
            }
            Op::MoveUp { container } => ws.move_container(container % n, Direction::Up).unwrap(),
        }
    }
    ws
}

/// The container index and the rest of a `/containerDefinitions/N/...` path.
fn container_path(path: &str) -> Option<(usize, Vec<&str>)> {
    let rest = path.strip_prefix("/containerDefinitions/")?;
    let mut segments = rest.split('/');
    let index = segments.next()?.parse().ok()?;
    Some((index, segments.collect()))
}

fn without_lists(c: &ContainerDefinition) -> ContainerDefinition {
    let mut c = c.clone();
    c.environment = None;
    c.secrets = None;
    if let Some(log) = &mut c.log_configuration {
        log.options = None;
        log.secret_options = None;
    }
    c
}

/// Checks that going from `before` to `after` touched only what the
/// diagnostic at `path` names; `moved` is the variable a move fix took out.
fn assert_only_named_changed(before: &TaskDefinition, after: &TaskDefinition, path: &str) -> Result<(), TestCaseError> {
    let strip = |td: &TaskDefinition| TaskDefinition { container_definitions: Vec::new(), ..td.clone() };
    let Some((ci, rest)) = container_path(path) else {
        prop_assert_eq!(&before.container_definitions, &after.container_definitions, "a task-level fix at {}", path);
        return Ok(());
    };
    prop_assert_eq!(strip(before), strip(after), "task-level fields changed by the fix at {}", path);
    prop_assert_eq!(before.container_definitions.len(), after.container_definitions.len());
    for (i, (b, a)) in before.container_definitions.iter().zip(&after.container_definitions).enumerate() {
        if i != ci {
            prop_assert_eq!(b, a, "container {} changed by the fix at {}", i, path);
        }
    }
    let (b, a) = (&before.container_definitions[ci], &after.container_definitions[ci]);
    prop_assert_eq!(without_lists(b), without_lists(a), "container fields changed by the fix at {}", path);
    let list_prefix =
        |b: &Option<Vec<crate::task_def::Secret>>, a: &Option<Vec<crate::task_def::Secret>>, moved: &str| {
            let (b, a) = (b.clone().unwrap_or_default(), a.clone().unwrap_or_default());
            a.len() >= b.len() && a[..b.len()] == b[..] && a[b.len()..].iter().all(|s| s.name.as_deref() == Some(moved))
        };
    let log_options = |c: &ContainerDefinition| c.log_configuration.as_ref().and_then(|l| l.options.clone());
    let secret_options = |c: &ContainerDefinition| c.log_configuration.as_ref().and_then(|l| l.secret_options.clone());
    match rest.as_slice() {
        ["environment", entry, ..] => {
            let entry: usize = entry.parse().unwrap_or(usize::MAX);
            let mut expected = b.environment.clone().unwrap_or_default();
            prop_assert!(entry < expected.len(), "{} names no entry", path);
            let removed = expected.remove(entry);
            let expected = Some(expected).filter(|e| !e.is_empty());
            prop_assert_eq!(&a.environment, &expected, "the fix at {} changed other variables", path);
            let moved = removed.name.unwrap_or_default();
            prop_assert!(list_prefix(&b.secrets, &a.secrets, &moved), "secrets: {:?} -> {:?}", b.secrets, a.secrets);
            prop_assert_eq!(log_options(b), log_options(a));
        }
        ["logConfiguration", "options", key] => {
            let mut expected = log_options(b).unwrap_or_default();
            prop_assert!(expected.remove(*key).is_some(), "{} names no option", path);
            prop_assert_eq!(log_options(a).unwrap_or_default(), expected);
            prop_assert!(list_prefix(&secret_options(b), &secret_options(a), key));
            prop_assert_eq!(&b.environment, &a.environment);
            prop_assert_eq!(&b.secrets, &a.secrets);
        }
        [list @ ("secrets" | "logConfiguration"), ..] => {
            prop_assert_eq!(&b.environment, &a.environment, "a reference fix at {} changed variables", path);
            let named =
                |c: &ContainerDefinition| if *list == "secrets" { c.secrets.clone() } else { secret_options(c) };
            let (bs, as_) = (named(b).unwrap_or_default(), named(a).unwrap_or_default());
            prop_assert_eq!(bs.len(), as_.len());
            let entry = rest.iter().find_map(|s| s.parse::<usize>().ok());
            for (i, (x, y)) in bs.iter().zip(&as_).enumerate() {
                if Some(i) != entry {
                    prop_assert_eq!(x, y, "reference {} changed by the fix at {}", i, path);
                }
            }
        }
        _ => {
            prop_assert_eq!(&b.environment, &a.environment, "the fix at {} changed variables", path);
            prop_assert_eq!(&b.secrets, &a.secrets, "the fix at {} changed secrets", path);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_offered_fix_changes_only_what_it_names_and_clears_its_diagnostic(
        containers in 1..4usize,
        located in any::<bool>(),
        ops in prop::collection::vec(op(), 1..14),
    ) {
        let ws = build(containers, located, &ops);
        let diagnostics = ws.analyze().diagnostics;
        for d in diagnostics.iter().filter(|d| d.fix.is_some()) {
            let mut fixed = ws.clone();
            fixed.apply_fix_for(&d.code, &d.path).map_err(|e| TestCaseError::fail(format!("{} at {}: {e}", d.code, d.path)))?;
            assert_only_named_changed(&ws.bundle.task_definition, &fixed.bundle.task_definition, &d.path)?;
            let after = fixed.analyze().diagnostics;
            prop_assert!(
                // Same code, place and words: two identical references have
                // identical messages, and a fix repairs only its own.
                !after.iter().any(|x| x.code == d.code && x.path == d.path && x.message == d.message),
                "{} at {} is still there after its fix: {:#?}", d.code, d.path, after
            );
        }
    }
}
