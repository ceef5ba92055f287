//! The ecs-secrets browser UI (Leptos, client-side rendered).
use leptos::prelude::*;

fn main() {
    mount_to_body(|| view! { <p>"ecs-secrets"</p> });
}
