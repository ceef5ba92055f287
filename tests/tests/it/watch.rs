//! Watch: apply follows the deployment it started and fails at once, with
//! the decoded cause, when a new task of it stops with
//! `ResourceInitializationError` — not after `--wait-timeout`.
//!
//! moto starts no tasks and never makes a deployment's rollout `FAILED`, so
//! the test plays ECS's scheduler: moto is started with services' tasks
//! reported as not running (the service never becomes stable by itself);
//! once apply's UpdateService created the new deployment, the test starts a
//! task of it (`RunTask` with `group: service:web` and `startedBy` the
//! deployment id, as ECS does) and stops it with the reason ECS gives a task
//! whose execution role may not read its secret. A rolled-back deployment
//! cannot be expressed in moto 5.2.5 (its rollout state is only
//! `IN_PROGRESS` or `COMPLETED`): the pure watch's unit tests cover it.

use std::time::{Duration, Instant};

use e2e::{ACCOUNT, FullBundleEstate, MotoOptions, REGION};
use serde_json::json;

const CANARY: &str = "canary-7f3e9b1c";

fn denied_reason() -> String {
    format!(
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: \
         unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret \
         arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:web/api-AbCdEf from secrets manager: AccessDeniedException: \
         User: arn:aws:sts::{ACCOUNT}:assumed-role/webExec/5f1e8c2a is not authorized to perform: \
         secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:web/api-AbCdEf \
         because no identity-based policy allows the secretsmanager:GetSecretValue action"
    )
}

/// Waits for apply's UpdateService: prod/web runs `web:REVISION` and its PRIMARY
/// deployment was not `seen` before. Returns the deployment's id, or
/// `None` when apply ended first.
async fn new_deployment(
    ecs: &aws_sdk_ecs::Client,
    revision: u32,
    apply: &mut std::process::Child,
    seen: &[String],
    deadline: Instant,
) -> Option<String> {
    loop {
        if let Ok(Some(_)) = apply.try_wait() {
            return None;
        }
        let out = ecs.describe_services().cluster("prod").services("web").send().await.expect("describe services");
        // moto updates the service's task definition, not its deployment's.
        let primary = out
            .services()
            .first()
            .filter(|s| s.task_definition().is_some_and(|td| td.ends_with(&format!("task-definition/web:{revision}"))))
            .and_then(|s| s.deployments().iter().find(|d| d.status() == Some("PRIMARY")))
            .and_then(|d| d.id().map(str::to_owned))
            .filter(|id| !seen.contains(id));
        if let Some(id) = primary {
            return Some(id);
        }
        assert!(Instant::now() < deadline, "apply never updated the service: {:?}", out.services().first());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_fails_fast_with_the_decoded_cause_when_a_new_task_cannot_read_its_secret() {
    let options = MotoOptions { no_running_tasks: true, ..MotoOptions::default() };
    let Some(FullBundleEstate { moto, key, dir, .. }) = FullBundleEstate::start_with("watch", options).await else {
        return;
    };
    let config = moto.sdk_config().await;
    let ecs = aws_sdk_ecs::Client::new(&config);

    // A task of the old deployment that failed long ago must not count.
    let old_arn = moto.run_service_task("prod", "web:1", "web", "ecs-svc/1111111111").await;
    ecs.stop_task().cluster("prod").task(&old_arn).reason(denied_reason()).send().await.expect("stop old task");

    // moto's RunTask needs each container's memory to place the task.
    let mut bundle: serde_json::Value = serde_json::from_str(&shared::test_data::full_bundle(&key)).unwrap();
    bundle["taskDefinition"]["containerDefinitions"][0]["memory"] = json!(512);
    // Each run below changes the environment, so each registers a revision
    // and starts a deployment of it.
    let write_bundle = |mode: &str| {
        let mut bundle = bundle.clone();
        bundle["taskDefinition"]["containerDefinitions"][0]["environment"][0]["value"] = json!(mode);
        dir.write("bundle.json", &bundle.to_string())
    };
    let values = dir.write(
        "values.json",
        &json!({"/web/db": CANARY, "web/api": format!("{CANARY}-api"), "/web/splunk": format!("{CANARY}-splunk")})
            .to_string(),
    );
    #[cfg(unix)]
    std::fs::set_permissions(&values, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let mut seen = Vec::new();
    for (format, revision) in [("text", 2), ("json", 3)] {
        let bundle = write_bundle(format);
        let started = Instant::now();
        let args = [
            "apply",
            bundle.to_str().unwrap(),
            "--values",
            values.to_str().unwrap(),
            "--yes",
            "--wait-timeout",
            "300",
            "--format",
            format,
        ];
        let (stdout_path, stderr_path) = (dir.0.join(format!("{format}.out")), dir.0.join(format!("{format}.err")));
        let mut child = moto
            .command(&args, &[("RUST_LOG", "debug")])
            // Files, not pipes: debug logs would fill a pipe nobody reads yet.
            .stdout(std::fs::File::create(&stdout_path).expect("stdout file"))
            .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
            .spawn()
            .expect("spawn apply");
        let pid = child.id();

        let Some(deployment) =
            new_deployment(&ecs, revision, &mut child, &seen, started + Duration::from_secs(120)).await
        else {
            let stdout = std::fs::read_to_string(&stdout_path).unwrap();
            let stderr = std::fs::read_to_string(&stderr_path).unwrap();
            panic!("apply ended before it updated the service:\n{stdout}\n{stderr}");
        };
        seen.push(deployment.clone());
        // The canary is nowhere in apply's command line.
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        assert!(!String::from_utf8_lossy(&cmdline).contains(CANARY), "the canary is in apply's argv");

        // ECS's scheduler starts a task of the new deployment; it cannot read its secret.
        let task_arn = moto.run_service_task("prod", &format!("web:{revision}"), "web", &deployment).await;
        let stopped_at = Instant::now();
        ecs.stop_task().cluster("prod").task(&task_arn).reason(denied_reason()).send().await.expect("stop task");

        let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().expect("apply status");
        let waited = stopped_at.elapsed();
        let stdout = std::fs::read_to_string(&stdout_path).unwrap();
        let stderr = std::fs::read_to_string(&stderr_path).unwrap();
        assert_eq!(status.code(), Some(1), "stdout:\n{stdout}\nstderr:\n{stderr}");
        // Within one poll of the watch (5 s), far from the 300 s timeout.
        assert!(waited < Duration::from_secs(30), "apply took {waited:?} after the task stopped");
        // The watch streamed what it saw.
        assert!(stderr.contains("watching wait-services-stable:prod: prod/web: 0 of 1 running"), "{stderr}");
        for text in [&stdout, &stderr] {
            assert!(!text.contains(CANARY), "the canary leaked");
        }
        let task_id = task_arn.rsplit('/').next().unwrap();
        let old_id = old_arn.rsplit('/').next().unwrap();
        assert!(!stdout.contains(old_id), "the old task was blamed:\n{stdout}");
        let resource = format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:web/api-AbCdEf");
        if format == "text" {
            assert!(
                stdout.contains(&format!(
                    "failed wait-services-stable:prod: a new task ({task_id}) of prod/web failed to start"
                )),
                "{stdout}"
            );
            // The decoder's cause, explanation and least-privilege fix.
            assert!(stdout.contains("cause:  Missing permission (missingPermission)"), "{stdout}");
            assert!(stdout.contains("\"secretsmanager:GetSecretValue\""), "{stdout}");
            assert!(stdout.contains(&resource), "{stdout}");
            assert!(stdout.contains("webExec"), "the explanation names the role:\n{stdout}");
        } else {
            let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON report");
            let cause = &report["failed"]["cause"];
            assert_eq!(report["success"], false);
            assert_eq!(cause["kind"], "taskFailedToStart", "{report}");
            assert_eq!(cause["taskArn"], task_arn.as_str());
            assert_eq!(cause["reason"], denied_reason().as_str());
            assert_eq!(cause["decoded"]["cause"], "missingPermission");
            let statement = cause["decoded"]["fix"]["statement"].to_string();
            assert!(statement.contains("\"secretsmanager:GetSecretValue\""), "{cause}");
            assert!(statement.contains(&format!("\"{resource}\"")), "{cause}");
        }
    }

    // No task fails this time: --wait-timeout still bounds the wait (exit 1).
    let bundle = write_bundle("quiet");
    let started = Instant::now();
    let out = moto.run(
        &["apply", bundle.to_str().unwrap(), "--values", values.to_str().unwrap(), "--yes", "--wait-timeout", "2"],
        &[],
    );
    let (stdout, stderr) = e2e::texts(&out);
    assert_eq!(out.status.code(), Some(1), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("not stable after 2s: prod/web: 0 of 1 running"), "{stdout}");
    assert!(started.elapsed() < Duration::from_secs(30));
}
