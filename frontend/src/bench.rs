//! In-browser benchmark behind `?bench=keystroke`: what one keystroke costs
//! on a maximum-size task definition (re-lint, regenerate the trust and
//! permission policies and the managed-policy advice — [`Workspace::analyze`]),
//! timed with `performance.now()` in the real WASM build. The result is
//! written as JSON into `<pre id="bench-result">` for the browser test that
//! feeds BENCHMARKS.md. The input is the one `shared/benches/access_check.rs`
//! uses: 10 containers, as many references as fit in 64 KiB.

use serde_json::{Value, json};
use shared::workspace::Workspace;

const MAX_BYTES: usize = 64 * 1024;
const CONTAINERS: usize = 10;
const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "123456789012";
const ROUNDS: usize = 40;

fn reference(container: usize, n: usize) -> String {
    match n % 7 {
        0 => format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/svc{container}/prod/key_{n}"),
        1 => format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:svc{container}/prod/key{n}-Ab{n:04}"),
        2 => format!(
            "arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:svc{container}/prod/db-Xy{container:02}Zq:field_{n}::"
        ),
        3 => format!("/svc{container}/prod/param_{n}"),
        4 => format!("/aws/reference/secretsmanager/svc{container}/prod/ref_{n}"),
        5 => format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:svc{container}/prod/partial_{n}"),
        _ => format!("arn:aws:ssm:us-east-1:210987654321:parameter/shared/svc{container}/token_{n}"),
    }
}

fn task_definition(per_container: usize) -> String {
    let containers: Vec<Value> = (0..CONTAINERS)
        .map(|index| {
            let secrets: Vec<Value> = (0..per_container)
                .map(|n| json!({"name": format!("SECRET_{n}"), "valueFrom": reference(index, n)}))
                .collect();
            json!({
                "name": format!("svc{index}"),
                "image": format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/svc{index}:1.{index}.0"),
                "essential": index == 0,
                "memoryReservation": 256,
                "secrets": secrets,
                "repositoryCredentials": {"credentialsParameter": format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:registry/svc{index}-Rc{index:02}Zz")},
                "logConfiguration": {"logDriver": "splunk", "options": {"splunk-url": "https://splunk.example.com:8088"},
                    "secretOptions": [{"name": "splunk-token", "valueFrom": format!("/svc{index}/splunk_token")}]}
            })
        })
        .collect();
    json!({
        "family": "max-size", "executionRoleArn": format!("arn:aws:iam::{ACCOUNT}:role/max-size-execution"),
        "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "4096", "memory": "8192",
        "containerDefinitions": containers
    })
    .to_string()
}

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or_default()
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_unstable_by(f64::total_cmp);
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// Times `analyze` after a one-character edit, `ROUNDS` times.
fn time_keystrokes(ws: &mut Workspace) -> Vec<f64> {
    (0..ROUNDS)
        .map(|i| {
            let started = now();
            ws.task_definition.family = Some(format!("max-size-{i}"));
            let analysis = ws.analyze();
            std::hint::black_box(&analysis);
            now() - started
        })
        .collect()
}

/// Runs the benchmark when the page was opened with `?bench=keystroke`.
pub fn run_if_requested() {
    let Some(window) = web_sys::window() else { return };
    if !window.location().search().is_ok_and(|s| s.contains("bench=keystroke")) {
        return;
    }
    let mut per_container = 1;
    while task_definition(per_container + 1).len() <= MAX_BYTES {
        per_container += 1;
    }
    let text = task_definition(per_container);
    let mut ws = Workspace::empty();
    ws.region = REGION.into();
    ws.account_id = Some(ACCOUNT.into());
    if ws.import_text(&text).is_err() {
        return;
    }
    let references = ws.task_definition.secret_sites().len();
    let lint_and_policies = time_keystrokes(&mut ws);
    // The same with the role's existing policy pasted: the access check runs too.
    ws.existing_policies.push(
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/svc*")},
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:*")}
        ]})
        .to_string(),
    );
    let with_access_check = time_keystrokes(&mut ws);
    let result = json!({
        "bytes": text.len(),
        "references": references,
        "rounds": ROUNDS,
        "lintAndPoliciesMedianMs": median(lint_and_policies.clone()),
        "lintAndPoliciesMaxMs": lint_and_policies.iter().copied().fold(0.0, f64::max),
        "withAccessCheckMedianMs": median(with_access_check),
    });
    if let Some(document) = window.document()
        && let Ok(pre) = document.create_element("pre")
    {
        pre.set_id("bench-result");
        pre.set_text_content(Some(&result.to_string()));
        let _ = document.body().map(|b| b.append_child(&pre));
    }
}
