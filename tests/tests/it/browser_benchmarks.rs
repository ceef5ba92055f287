//! Browser measurements for BENCHMARKS.md: navigation to interactive, and
//! the per-keystroke cost of re-linting and regenerating the policies of a
//! maximum-size task definition in the WASM build. Printed with
//! `--nocapture`; asserted only against generous bounds (a shared CI machine
//! is slow), so a real regression (seconds, not milliseconds) still fails.

use e2e::browser::Ui;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn navigation_to_interactive_and_keystroke_cost() {
    let Some(ui) = Ui::start(None).await else { return };
    let interactive = ui
        .js("return performance.getEntriesByName('ecs-secrets-interactive')[0].startTime;")
        .await
        .as_f64()
        .expect("the app marks when it is interactive");
    println!("navigation to interactive: {interactive:.0} ms");
    assert!(interactive > 0.0 && interactive < 10_000.0, "{interactive} ms");

    ui.client.goto(&format!("{}/?bench=keystroke", ui.origin)).await.unwrap();
    let result: serde_json::Value = serde_json::from_str(&ui.text_of("#bench-result").await).unwrap();
    println!("keystroke benchmark: {result}");
    assert!(result["bytes"].as_u64().unwrap() <= 64 * 1024);
    assert!(result["references"].as_u64().unwrap() > 500, "{result}");
    let median = result["lintAndPoliciesMedianMs"].as_f64().unwrap();
    assert!(median > 0.0 && median < 1000.0, "{result}");
    ui.close().await;
}
