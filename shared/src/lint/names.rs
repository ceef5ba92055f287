//! Names: family, container names and images.

use std::collections::HashMap;

use super::{Input, Report, container_label, container_path, is_ecs_name};

/// What [`is_ecs_name`] accepts, as ES001 and ES002 say it.
const ECS_NAME_RULE: &str = "letters, digits, `_` and `-`, up to 255 characters";

/// ES001: `family` is required and must match `^[A-Za-z0-9_-]{1,255}$`.
pub(super) fn family_name(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    match td.family.as_deref() {
        // The Terraform resource sets it (ES013 says so).
        None if input.ctx.container_definitions_only => {}
        None | Some("") => out.push(out.diag(
            "/family",
            format!(
                "the task definition has no `family`: RegisterTaskDefinition needs one; add e.g. \"family\": \"web\" \
                 ({ECS_NAME_RULE})"
            ),
        )),
        Some(family) if !is_ecs_name(family) => out.push(
            out.diag("/family", format!("family `{}` is not a valid name: use only {ECS_NAME_RULE}", shorten(family))),
        ),
        Some(_) => {}
    }
}

/// ES013: a bare `containerDefinitions` array (Terraform's
/// `container_definitions`, CDK, Pulumi) has no `family` and no roles: the
/// resource that registers it sets them. Said once, as advice, with what the
/// resource must set; `--family` / `--execution-role-arn` supply them so
/// ES001 and ES015 check them here too.
pub(super) fn container_definitions_only(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    if !input.ctx.container_definitions_only {
        return;
    }
    let mut needs = Vec::new();
    if td.family.is_none() {
        needs.push("`family`".to_owned());
    }
    let files: usize = td.container_definitions.iter().map(|c| c.environment_files.iter().flatten().count()).sum();
    if td.execution_role_arn.is_none() && (!input.sites.is_empty() || files > 0) {
        let what = match (input.sites.len(), files) {
            (0, f) => format!("{f} environment file{}", if f == 1 { "" } else { "s" }),
            (s, 0) => format!("{s} secret{}", if s == 1 { "" } else { "s" }),
            (s, f) => format!(
                "{s} secret{} and {f} environment file{}",
                if s == 1 { "" } else { "s" },
                if f == 1 { "" } else { "s" }
            ),
        };
        needs.push(format!(
            "`execution_role_arn` (the containers reference {what}, which the ECS agent reads with the task \
             execution role)"
        ));
    }
    if needs.is_empty() {
        return;
    }
    out.push(out.diag(
        "",
        format!(
            "this is a bare containerDefinitions array (Terraform's `container_definitions`): the resource that \
             registers it (aws_ecs_task_definition) must set {}; give them here (--family and --execution-role-arn, \
             or the task definition's fields in the UI) to check them too",
            needs.join(" and ")
        ),
    ));
}

/// ES002: every container needs a name matching `^[A-Za-z0-9_-]{1,255}$`.
pub(super) fn container_name(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    for (i, c) in td.container_definitions.iter().enumerate() {
        let path = format!("{}/name", container_path(i));
        match c.name.as_deref() {
            None | Some("") => {
                out.push(out.diag(path, format!("container #{i} has no `name`: add one ({ECS_NAME_RULE})")))
            }
            Some(name) if !is_ecs_name(name) => out.push(
                out.diag(path, format!("container name `{}` is not valid: use only {ECS_NAME_RULE}", shorten(name))),
            ),
            Some(_) => {}
        }
    }
}

/// ES003: every container needs an image.
pub(super) fn container_image(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    for (i, c) in td.container_definitions.iter().enumerate() {
        if c.image.as_deref().is_none_or(|image| image.trim().is_empty()) {
            out.push(out.diag(format!("{}/image", container_path(i)),
                format!(
                    "container {} has no `image`: add the image to run, e.g. \"image\": \"public.ecr.aws/nginx/nginx:latest\"",
                    container_label(td, i)
                ),
            ));
        }
    }
}

/// ES004: container names must be unique within the task definition.
pub(super) fn duplicate_container_name(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    for (i, c) in td.container_definitions.iter().enumerate() {
        let Some(name) = c.name.as_deref().filter(|n| !n.is_empty()) else { continue };
        if let Some(&first) = first_seen.get(name) {
            out.push(out.diag(format!("{}/name", container_path(i)),
                format!(
                    "container #{i} is named `{}` like container #{first}: container names must be unique within a task definition; rename one",
                    shorten(name)
                ),
            ));
        } else {
            first_seen.insert(name, i);
        }
    }
}

/// The first 80 characters of a user-supplied string, for messages.
pub(super) fn shorten(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{check, known_ctx};
    use super::*;

    #[test]
    fn family() {
        let long = "a".repeat(256);
        check(
            "ES001",
            &known_ctx(),
            &[
                (json!({"family": "web_app-2", "containerDefinitions": []}), &[]),
                (json!({"containerDefinitions": []}), &["/family"]),
                (json!({"family": "", "containerDefinitions": []}), &["/family"]),
                (json!({"family": "web app", "containerDefinitions": []}), &["/family"]),
                (json!({"family": "web.app", "containerDefinitions": []}), &["/family"]),
                (json!({"family": long, "containerDefinitions": []}), &["/family"]),
            ],
        );
    }

    #[test]
    fn containers() {
        let ctx = known_ctx();
        let cases = json!({"containerDefinitions": [
            {"name": "ok", "image": "x"},
            {"image": "x"},
            {"name": "bad name", "image": ""},
            {"name": "ok"},
            {"name": "é", "image": "x"}
        ]});
        check(
            "ES002",
            &ctx,
            &[(
                cases.clone(),
                &["/containerDefinitions/1/name", "/containerDefinitions/2/name", "/containerDefinitions/4/name"],
            )],
        );
        check("ES003", &ctx, &[(cases.clone(), &["/containerDefinitions/2/image", "/containerDefinitions/3/image"])]);
        check("ES004", &ctx, &[(cases, &["/containerDefinitions/3/name"])]);
    }

    #[test]
    fn shorten_respects_char_boundaries() {
        let s = "é".repeat(100);
        assert_eq!(shorten(&s).chars().count(), 81);
        assert_eq!(shorten("short"), "short");
    }
}
