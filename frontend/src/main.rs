//! The ecs-secrets browser UI (Leptos, client-side rendered).
//!
//! This is the minimal shell: it proves that the pure core (`shared`) runs in
//! the browser by importing a task definition with the very same function the
//! CLI uses and showing what it found. The full UI grows from here.
use leptos::prelude::*;

/// A small Fargate task definition with one secret, shown on first load.
const EXAMPLE_TASK_DEFINITION: &str = r#"{
  "family": "web",
  "requiresCompatibilities": ["FARGATE"],
  "networkMode": "awsvpc",
  "cpu": "256",
  "memory": "512",
  "containerDefinitions": [
    {
      "name": "app",
      "image": "public.ecr.aws/nginx/nginx:latest",
      "secrets": [
        { "name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf" }
      ]
    }
  ]
}"#;

fn main() {
    mount_to_body(App);
}

/// The page: a task-definition editor and a one-line summary of its import.
#[component]
fn App() -> impl IntoView {
    let (text, set_text) = signal(EXAMPLE_TASK_DEFINITION.to_owned());
    view! {
        <main>
            <h1>"ecs-secrets"</h1>
            <p>
                <label for="task-definition">"Task definition JSON"</label>
            </p>
            <textarea
                id="task-definition"
                rows="20"
                cols="100"
                prop:value=text
                on:input=move |ev| set_text.set(event_target_value(&ev))
            ></textarea>
            <ImportSummary text=text />
        </main>
    }
}

/// What `shared::import` makes of the text: counts, or the error with its location.
#[component]
fn ImportSummary(text: ReadSignal<String>) -> impl IntoView {
    let summary = move || match shared::import(&text.get()) {
        Ok(imported) => {
            let td = imported.task_definition;
            format!("{} container(s), {} secret reference(s)", td.container_definitions.len(), td.secret_sites().len())
        }
        Err(error) => format!("Cannot import: {error}"),
    };
    view! { <p id="import-summary">{summary}</p> }
}
