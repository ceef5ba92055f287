//! Apply: who the backend acts as, the plan as a step list, confirmation,
//! progress streamed step by step and the final report. Disabled, with the
//! reason, when there is no backend or it has no AWS credentials.

use leptos::prelude::*;
use secrecy::ExposeSecret;
use shared::plan::{ApplyReport, ProgressEvent};

use crate::AppState;
use crate::api_client::{self, ApiError, ApplyEvent, PlanResponse, WhoAmI};

#[derive(Debug, Clone, PartialEq)]
enum Backend {
    Checking,
    Ready(WhoAmI),
    Unavailable(ApiError),
}

#[derive(Debug, Clone, PartialEq)]
struct StepProgress {
    id: String,
    title: String,
    state: &'static str,
    detail: String,
}

#[component]
pub fn ApplyPanel(state: AppState) -> impl IntoView {
    let ws = state.ws;
    let backend = RwSignal::new(Backend::Checking);
    let plan = RwSignal::new(None::<Result<PlanResponse, ApiError>>);
    let progress = RwSignal::new(Vec::<StepProgress>::new());
    let report = RwSignal::new(None::<Result<ApplyReport, ApiError>>);
    let running = RwSignal::new(false);

    leptos::task::spawn_local(async move {
        let answer = api_client::whoami().await;
        if let Ok(who) = &answer {
            ws.update(|w| w.adopt_identity(&who.region, &who.account));
        }
        backend.set(match answer {
            Ok(who) => Backend::Ready(who),
            Err(e) => Backend::Unavailable(e),
        });
    });

    let missing_values = move || {
        ws.with(|w| {
            state.values.with(|v| {
                w.secrets
                    .iter()
                    .filter(|s| s.create && !v.contains_key(&s.name))
                    .map(|s| s.name.clone())
                    .collect::<Vec<_>>()
            })
        })
    };
    let blocked = move || -> Option<String> {
        match backend.get() {
            Backend::Checking => Some("Checking the backend…".into()),
            Backend::Unavailable(e) => Some(e.message),
            Backend::Ready(_) => {
                let errors = state
                    .analysis
                    .with(|a| a.diagnostics.iter().filter(|d| d.severity == shared::Severity::Error).count());
                if errors > 0 {
                    return Some(format!("Fix the {errors} error(s) in Diagnostics first."));
                }
                let missing = missing_values();
                (!missing.is_empty())
                    .then(|| format!("Enter the value of each secret to create: {}", missing.join(", ")))
            }
        }
    };

    let make_plan = move |_| {
        let bundle = ws.with_untracked(|w| w.to_bundle());
        plan.set(None);
        report.set(None);
        progress.set(Vec::new());
        leptos::task::spawn_local(async move { plan.set(Some(api_client::plan(&bundle).await)) });
    };

    let confirm = move |_| {
        let bundle = ws.with_untracked(|w| w.to_bundle());
        // `extend`, not `collect` (which sorts first): no sort code for
        // this map type in the WASM (size budget).
        let mut values = serde_json::Map::new();
        state.values.with_untracked(|v| {
            values.extend(
                bundle
                    .secrets
                    .iter()
                    .filter(|s| s.create)
                    .filter_map(|s| v.get(&s.name).map(|value| (s.name.clone(), value.expose_secret().into()))),
            )
        });
        running.set(true);
        report.set(None);
        let steps = plan.with_untracked(|p| match p {
            Some(Ok(p)) => p
                .steps
                .iter()
                .map(|s| StepProgress {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    state: "pending",
                    detail: String::new(),
                })
                .collect(),
            _ => Vec::new(),
        });
        progress.set(steps);
        leptos::task::spawn_local(async move {
            let outcome = api_client::apply(&bundle, values, move |event| match event {
                ApplyEvent::Progress(p) => progress.update(|steps| record(steps, p)),
                ApplyEvent::Report(r) => report.set(Some(Ok(r))),
                ApplyEvent::Error(e) => report.set(Some(Err(e))),
            })
            .await;
            if let Err(e) = outcome {
                report.set(Some(Err(e)));
            }
            running.set(false);
        });
    };

    let services = move || ws.with(|w| w.services.len());
    view! {
        <section class="panel">
            <h2>"Apply"</h2>
            <div class="identity" id="whoami">
                {move || match backend.get() {
                    Backend::Checking => view! { <p>"Checking the backend…"</p> }.into_any(),
                    Backend::Ready(who) => view! {
                        <p><span class="pill ok">"connected"</span>" Acting as "<code>{who.arn.clone()}</code>" in account "<code>{who.account.clone()}</code>", region "<code>{who.region.clone()}</code>" (credentials from "{who.credential_source.clone()}")."</p>
                    }.into_any(),
                    Backend::Unavailable(e) => view! {
                        <p><span class="pill bad">{if e.code == "no_credentials" { "no AWS credentials" } else { "no backend" }}</span>" "{e.message.clone()}</p>
                    }.into_any(),
                }}
            </div>
            <h3>"Services to redeploy (optional)"</h3>
            <For each=move || 0..services() key=|i| *i let:i>
                <div class="row list-row">
                    <input type="text" aria-label="Cluster" placeholder="cluster" id=format!("service-cluster-{i}")
                        prop:value=move || ws.with(|w| w.services.get(i).map(|s| s.cluster.clone()).unwrap_or_default())
                        on:input=move |ev| ws.update(|w| w.set_service(i, true, &event_target_value(&ev))) />
                    <input type="text" aria-label="Service" placeholder="service" id=format!("service-name-{i}")
                        prop:value=move || ws.with(|w| w.services.get(i).map(|s| s.service.clone()).unwrap_or_default())
                        on:input=move |ev| ws.update(|w| w.set_service(i, false, &event_target_value(&ev))) />
                    <button class="btn small" on:click=move |_| state.destructive("Remove service", |w| w.remove_service(i))>"Remove"</button>
                </div>
            </For>
            <button class="btn small" id="add-service" on:click=move |_| ws.update(|w| w.add_service())>"+ Service"</button>

            <h3>"Values of the secrets to create"</h3>
            <p class="hint">"Kept in this page's memory only and sent only with Apply. Secrets not marked \"create\" must already exist."</p>
            <ul class="values" id="apply-values">
                {move || ws.with(|w| w.secrets.iter().filter(|s| s.create).map(|s| {
                    let name = s.name.clone();
                    let has = { let name = name.clone(); move || state.values.with(|v| v.contains_key(&name)) };
                    let has_text = has.clone();
                    let input_name = name.clone();
                    view! {
                        <li class="row">
                            <label class="field inline">
                                <span class="field-label mono">{format!("{} ({})", name, s.store.as_str())}</span>
                                <input type="password" autocomplete="off" class="secret-value" id=format!("apply-value-{name}")
                                    on:input=move |ev| { let v = event_target_value(&ev); let n = input_name.clone(); state.values.update(|m| { m.insert(n, secrecy::SecretString::from(v)); }); } />
                            </label>
                            <span class="pill" class:ok=has.clone()>{move || if has_text() { "value set" } else { "no value yet" }}</span>
                        </li>
                    }
                }).collect_view())}
            </ul>
            <div class="row apply-actions">
                <button class="btn primary" id="plan-button" disabled=move || blocked().is_some() || running.get() on:click=make_plan>"Plan"</button>
                <span class="muted" id="apply-blocked">{move || blocked().unwrap_or_default()}</span>
            </div>
            {move || plan.get().map(|p| match p {
                Err(e) => view! { <p class="error" id="plan-error">{format!("Plan failed: {}", e.message)}</p> }.into_any(),
                Ok(p) => view! {
                    <div class="plan" id="plan">
                        <h3>{format!("Plan: {} step(s), {} AWS write call(s)", p.steps.len(), p.writes)}</h3>
                        <ol class="steps">
                            {p.steps.iter().map(|s| view! { <li><strong>{s.title.clone()}</strong><span class="muted">{format!(" — {}", s.reason)}</span></li> }).collect_view()}
                        </ol>
                        {(!p.preflight.is_empty()).then(|| view! {
                            <ul class="preflight">{p.preflight.iter().map(|d| view! { <li class=format!("diagnostic {}", d.severity)>{format!("{} {}", d.code, d.message)}</li> }).collect_view()}</ul>
                        })}
                        <button class="btn primary" id="confirm-apply" disabled=move || running.get() || blocked().is_some() on:click=confirm>"Confirm and apply"</button>
                    </div>
                }.into_any(),
            })}
            <Show when=move || !progress.read().is_empty()>
                <ol class="progress" id="progress">
                    {move || progress.get().into_iter().map(|s| view! {
                        <li class=format!("step {}", s.state) data-step=s.id.clone()>
                            <span class="step-state">{s.state}</span>" "{s.title.clone()}
                            <span class="muted">{(!s.detail.is_empty()).then(|| format!(" — {}", s.detail))}</span>
                        </li>
                    }).collect_view()}
                </ol>
            </Show>
            {move || report.get().map(|r| match r {
                Ok(r) => view! {
                    <div class=if r.success { "report ok" } else { "report bad" } id="report">
                        <h3>{if r.success { "Applied" } else { "Apply failed" }}</h3>
                        <p>{format!("{} step(s) completed, {} AWS write call(s).", r.completed.len(), r.writes)}</p>
                        {r.task_definition_arn.clone().map(|arn| view! { <p>"Task definition: "<code id="registered-arn">{arn}</code></p> })}
                        {r.failed.clone().map(|f| view! { <p class="error">{format!("{}: {}", f.step_id, f.message)}</p> })}
                    </div>
                }.into_any(),
                Err(e) => view! { <p class="error" id="report">{format!("Apply failed: {}", e.message)}</p> }.into_any(),
            })}
        </section>
    }
}

fn record(steps: &mut Vec<StepProgress>, event: ProgressEvent) {
    let (id, new_state, title, detail) = match event {
        ProgressEvent::Started { step_id, title } => (step_id, "running", Some(title), String::new()),
        ProgressEvent::Done { step_id, detail } => (step_id, "done", None, detail.unwrap_or_default()),
        ProgressEvent::Failed { step_id, message, .. } => (step_id, "failed", None, message),
    };
    match steps.iter_mut().find(|s| s.id == id) {
        Some(step) => {
            step.state = new_state;
            step.detail = detail;
        }
        None => steps.push(StepProgress { title: title.unwrap_or_else(|| id.clone()), id, state: new_state, detail }),
    }
}
