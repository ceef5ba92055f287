//! In-browser benchmark behind `?bench=keystroke`: what one keystroke costs
//! on a maximum-size task definition (re-lint, regenerate the trust and
//! permission policies and the managed-policy advice — [`Workspace::analyze`]),
//! timed with `performance.now()` in the real WASM build. The result is
//! written as JSON into `<pre id="bench-result">` for the browser test that
//! feeds BENCHMARKS.md. The input is `shared::test_data`'s maximum-size task
//! definition, as in `shared/benches/access_check.rs`: 10 containers, as many
//! references as fit in 64 KiB.

use serde_json::json;
use shared::test_data::{self, ACCOUNT, REGION};
use shared::workspace::Workspace;

const ROUNDS: usize = 40;

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
            ws.bundle.task_definition.family = Some(format!("max-size-{i}"));
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
    let text = test_data::max_size_task_definition().text;
    let mut ws = Workspace::empty();
    ws.bundle.region = REGION.into();
    ws.bundle.account_id = Some(ACCOUNT.into());
    if ws.import_text(&text).is_err() {
        return;
    }
    let references = ws.bundle.task_definition.secret_sites().len();
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
