//! Two applies of the same family at once are serialised: the second one
//! sees what the first did and writes nothing.

use e2e::{FullBundleEstate, full_bundle_values};
use shared::bundle::Bundle;

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_applies_of_one_family_are_serialised() {
    let Some(FullBundleEstate { moto, key, .. }) = FullBundleEstate::start("concurrency").await else { return };
    let bundle = Bundle::parse(&shared::test_data::full_bundle(&key)).unwrap();
    let values = full_bundle_values();
    let (aws_a, aws_b) = (moto.aws().await, moto.aws().await);
    let options = ecs_secrets::deploy::ApplyOptions {
        poll_interval: std::time::Duration::from_millis(100),
        ..ecs_secrets::deploy::ApplyOptions::default()
    };
    let (tx_a, _rx_a) = tokio::sync::mpsc::channel(64);
    let (tx_b, _rx_b) = tokio::sync::mpsc::channel(64);
    let (a, b) = tokio::join!(
        ecs_secrets::deploy::apply_with(&aws_a, &bundle, &values, tx_a, &options),
        ecs_secrets::deploy::apply_with(&aws_b, &bundle, &values, tx_b, &options),
    );
    let (a, b) = (a.expect("first apply"), b.expect("second apply"));
    assert!(a.success && b.success, "{a:?}\n{b:?}");
    let mut writes = [a.writes, b.writes];
    writes.sort();
    assert_eq!(writes, [0, 8], "one apply does everything, the other nothing");
    assert_eq!(a.task_definition_arn, b.task_definition_arn);
    assert_eq!(aws_a.calls().writes + aws_b.calls().writes, 8);
}
