//! Rotate: pick a secret of the configuration (or type its name or ARN),
//! see the services that use it, type the new value (no echo, memory only)
//! and rotate it into every consumer with the progress streamed, as
//! `ecs-secrets rotate` does. Needs the backend with AWS credentials.

use leptos::prelude::*;
use shared::api::RotateTarget;
use shared::rotate::RotateReport;

use crate::AppState;
use crate::api_client::{self, ApiError, RotateEvent};

/// The secrets the configuration names: its secrets to create and every
/// reference in the task definition, in order, without repeats.
fn configured_secrets(state: AppState) -> Vec<String> {
    state.editor.ws.with(|w| {
        let mut names: Vec<String> = w.bundle.secrets.iter().map(|s| s.name.clone()).collect();
        for site in w.bundle.task_definition.secret_sites() {
            if let Some(v) = site.value_from.filter(|v| !v.trim().is_empty()) {
                names.push(v.to_owned());
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        names.retain(|n| seen.insert(n.clone()));
        names
    })
}

#[component]
pub fn RotatePanel(state: AppState) -> impl IntoView {
    let secret = RwSignal::new(String::new());
    let clusters = RwSignal::new(String::new());
    // The new value: this page's memory only, sent only with Rotate.
    let value = RwSignal::new(String::new());
    let plan = RwSignal::new(None::<Result<RotateReport, ApiError>>);
    let progress = RwSignal::new(Vec::<String>::new());
    let report = RwSignal::new(None::<Result<RotateReport, ApiError>>);
    let running = RwSignal::new(false);

    let target = move || RotateTarget {
        secret: secret.get_untracked().trim().to_owned(),
        clusters: clusters
            .get_untracked()
            .split([',', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    let find = move || {
        let target = target();
        plan.set(None);
        report.set(None);
        progress.set(Vec::new());
        running.set(true);
        leptos::task::spawn_local(async move {
            plan.set(Some(api_client::rotate_plan(&target).await));
            running.set(false);
        });
    };
    let rotate = move || {
        let target = target();
        let new_value = value.get_untracked();
        running.set(true);
        report.set(None);
        progress.set(Vec::new());
        leptos::task::spawn_local(async move {
            let outcome = api_client::rotate(&target, &new_value, move |event| match event {
                RotateEvent::Progress(line) => progress.update(|p| p.push(line)),
                RotateEvent::Report(r) => report.set(Some(Ok(r))),
                RotateEvent::Error(e) => report.set(Some(Err(e))),
            })
            .await;
            drop(new_value);
            if let Err(e) = outcome {
                report.set(Some(Err(e)));
            }
            // The value has left for AWS (or failed): it leaves the page too.
            if matches!(report.get_untracked(), Some(Ok(ref r)) if r.written) {
                value.set(String::new());
            }
            running.set(false);
        });
    };
    let find_blocked = move || secret.with(|s| s.trim().is_empty()) || running.get();
    let rotate_blocked =
        move || running.get() || value.with(String::is_empty) || !matches!(plan.read().as_ref(), Some(Ok(_)));

    view! {
        <section class="panel">
            <h2>"Rotate a secret"</h2>
            <p class="hint">"Write a secret's new value and redeploy every service whose task definition references it, until none of their tasks holds the old value. Running tasks read secrets only when they start."</p>
            <label class="field">
                <span class="field-label">"Secret (name or ARN)"</span>
                <input type="text" id="rotate-secret" list="rotate-secrets" placeholder="/prod/db/password or arn:aws:secretsmanager:…"
                    prop:value=move || secret.get() on:input=move |ev| { secret.set(event_target_value(&ev)); plan.set(None); } />
                <datalist id="rotate-secrets">
                    {move || configured_secrets(state).into_iter().map(|n| view! { <option value=n></option> }).collect_view()}
                </datalist>
            </label>
            <label class="field">
                <span class="field-label">"Clusters (optional, comma-separated; default every cluster)"</span>
                <input type="text" id="rotate-clusters" placeholder="prod, staging"
                    prop:value=move || clusters.get() on:input=move |ev| { clusters.set(event_target_value(&ev)); plan.set(None); } />
            </label>
            <div class="row">
                <button class="btn primary" id="rotate-find" disabled=find_blocked on:click=move |_| find()>"Find consumers"</button>
            </div>
            {move || plan.get().map(|p| match p {
                Err(e) => view! { <p class="error" id="rotate-plan-error" role="alert">{format!("Cannot find the consumers: {}", e.message)}</p> }.into_any(),
                Ok(p) => view! {
                    <div class="plan" id="rotate-plan">
                        <h3>{format!("{} service(s) use {}", p.services.len(), p.secret)}</h3>
                        <table class="consumers">
                            <thead><tr><th>"Cluster"</th><th>"Service"</th><th>"Task definition"</th><th>"References"</th><th>"Running tasks"</th></tr></thead>
                            <tbody>
                                {p.services.iter().map(|s| view! {
                                    <tr>
                                        <td>{s.cluster.clone()}</td>
                                        <td>{s.service.clone()}</td>
                                        <td class="mono">{s.task_definition.rsplit('/').next().unwrap_or_default().to_owned()}</td>
                                        <td class="mono">{s.references.iter().map(|r| match &r.pinned {
                                            Some(p) => format!("{} ({}: {})", r.value_from, r.path, p),
                                            None => format!("{} ({})", r.value_from, r.path),
                                        }).collect::<Vec<_>>().join("; ")}</td>
                                        <td>{s.stale_tasks}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            })}
            <label class="field">
                <span class="field-label">"New value (not shown, kept in this page's memory only)"</span>
                <input type="password" autocomplete="off" class="secret-value" id="rotate-value"
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
            </label>
            <div class="row">
                <button class="btn primary" id="rotate-go" disabled=rotate_blocked on:click=move |_| rotate()>"Write the value and redeploy"</button>
                <span class="muted">{move || if matches!(plan.read().as_ref(), Some(Ok(_))) { "" } else { "Find the consumers first." }}</span>
            </div>
            <Show when=move || !progress.read().is_empty()>
                <ol class="progress" id="rotate-progress" aria-label="Rotation progress">
                    {move || progress.get().into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                </ol>
            </Show>
            {move || report.get().map(|r| match r {
                Ok(r) => view! {
                    <div class=if r.success() { "report ok" } else { "report bad" } id="rotate-report" role="status">
                        <h3>{if r.success() { "Rotated" } else if r.written { "Rotated, not everywhere yet" } else { "Not rotated" }}</h3>
                        <ul>
                            {r.services.iter().map(|s| view! {
                                <li>
                                    {format!("{}/{}: {}, {} stale task(s){}", s.cluster, s.service,
                                        if s.redeployed { "redeployed" } else { "not redeployed" }, s.stale_tasks,
                                        if s.stale_unknown > 0 { format!(", {} of unknown age", s.stale_unknown) } else { String::new() })}
                                    {s.failure.as_ref().map(|f| view! { <p class="error">{f.summary()}</p> })}
                                </li>
                            }).collect_view()}
                        </ul>
                    </div>
                }.into_any(),
                Err(e) => view! {
                    <div class="report bad" id="rotate-report" role="alert">
                        <h3>"Rotation failed"</h3>
                        <p class="error">{e.message}</p>
                    </div>
                }.into_any(),
            })}
        </section>
    }
}
