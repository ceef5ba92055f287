//! Container-level settings around secrets: log-driver secret options and
//! the container's memory settings.

use super::{Input, Report, container_label, container_path};

/// ES070: `secretOptions` are handed to the log driver, so there must be one.
pub(super) fn secret_options_without_driver(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    for (i, c) in td.container_definitions.iter().enumerate() {
        let Some(log) = &c.log_configuration else { continue };
        let has_options = log.secret_options.as_ref().is_some_and(|o| !o.is_empty());
        if has_options && log.log_driver.as_deref().is_none_or(|d| d.trim().is_empty()) {
            out.push(out.diag(format!("{}/logConfiguration/logDriver", container_path(i)),
                format!(
                    "container {} has log `secretOptions` but no `logDriver`: secret options are passed to the log \
                     driver, and `logConfiguration` requires one — set `logDriver` (e.g. \"splunk\" or \"awsfirelens\")",
                    container_label(td, i)
                ),
            ));
        }
    }
}

/// ES071: the hard limit `memory` cannot be below the soft limit
/// `memoryReservation`.
pub(super) fn memory_below_reservation(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    for (i, c) in td.container_definitions.iter().enumerate() {
        let (Some(memory), Some(reservation)) = (c.memory, c.memory_reservation) else { continue };
        if memory < reservation {
            out.push(out.diag(
                format!("{}/memory", container_path(i)),
                format!(
                    "container {} has `memory` {memory} MiB (hard limit) below `memoryReservation` {reservation} MiB \
                     (soft limit); ECS rejects this — raise `memory` or lower `memoryReservation`",
                    container_label(td, i)
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{check, known_ctx, one_container};

    #[test]
    fn secret_options_need_a_driver() {
        let opts = json!([{"name": "splunk-token", "valueFrom": "/t"}]);
        check(
            "ES070",
            &known_ctx(),
            &[
                (one_container(json!({"logConfiguration": {"logDriver": "splunk", "secretOptions": opts}})), &[]),
                (
                    one_container(json!({"logConfiguration": {"secretOptions": opts}})),
                    &["/containerDefinitions/0/logConfiguration/logDriver"],
                ),
                (one_container(json!({"logConfiguration": {"secretOptions": []}})), &[]),
            ],
        );
    }

    #[test]
    fn memory_and_reservation() {
        check(
            "ES071",
            &known_ctx(),
            &[
                (one_container(json!({"memory": 512, "memoryReservation": 256})), &[]),
                (one_container(json!({"memory": 512, "memoryReservation": 512})), &[]),
                (one_container(json!({"memory": 256, "memoryReservation": 512})), &["/containerDefinitions/0/memory"]),
                (one_container(json!({"memoryReservation": 512})), &[]),
            ],
        );
    }
}
