//! Apply: who the backend acts as, the services to redeploy, the plan as a
//! step list, confirmation, progress streamed step by step and the final
//! report. Disabled, with the reason, when there is no backend or it has no
//! AWS credentials. A failed request says what failed and offers a retry.

use std::collections::BTreeSet;

use leptos::prelude::*;
use secrecy::ExposeSecret;
use shared::plan::{ApplyReport, ProgressEvent, StepAction};
use shared::workspace::ServiceField;

use crate::AppState;
use crate::api_client::{self, ApiError, ApplyEvent, PlanResponse, WhoAmI};

#[derive(Debug, Clone, PartialEq)]
enum Backend {
    Checking,
    Ready(WhoAmI),
    Unavailable(ApiError),
}

/// Whether an error means the server is gone (rather than AWS refusing).
fn lost_backend(error: &ApiError) -> bool {
    matches!(error.code.as_str(), "unreachable" | "session" | "no_backend")
}

#[derive(Debug, Clone, PartialEq)]
struct StepProgress {
    id: String,
    title: String,
    state: &'static str,
    detail: String,
}

/// The secrets a plan creates (their values must be entered before Apply).
fn created_by(plan: &PlanResponse) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    names.extend(plan.steps.iter().filter_map(|s| match &s.action {
        StepAction::CreateParameter { name, .. } | StepAction::CreateSecret { name, .. } => Some(name.clone()),
        _ => None,
    }));
    names
}

/// A service row's cluster or service name.
fn service_input(state: AppState, i: usize, field: ServiceField) -> impl IntoView {
    let (label, placeholder, id) = match field {
        ServiceField::Cluster => ("Cluster", "prod", format!("service-cluster-{i}")),
        ServiceField::Service => ("Service", "web", format!("service-name-{i}")),
    };
    let read = move |w: &shared::workspace::Workspace| {
        w.bundle
            .services
            .get(i)
            .map(|s| match field {
                ServiceField::Cluster => s.cluster.clone(),
                ServiceField::Service => s.service.clone(),
            })
            .unwrap_or_default()
    };
    view! {
        <label class="field inline">
            <span class="field-label">{label}</span>
            <input type="text" placeholder=placeholder id=id prop:value=move || state.editor.ws.with(read)
                on:input=move |ev| state.type_in(|w| w.set_service(i, field, &event_target_value(&ev))) />
        </label>
    }
}

#[component]
pub fn ApplyPanel(state: AppState) -> impl IntoView {
    let ws = state.editor.ws;
    let backend = RwSignal::new(Backend::Checking);
    let plan = RwSignal::new(None::<Result<PlanResponse, ApiError>>);
    let progress = RwSignal::new(Vec::<StepProgress>::new());
    let report = RwSignal::new(None::<Result<ApplyReport, ApiError>>);
    let running = RwSignal::new(false);
    // Secrets marked "create" that AWS already has (seen by the last plan,
    // or created by the last apply): they need no value.
    let existing = RwSignal::new(BTreeSet::<String>::new());

    let check_backend = move || {
        backend.set(Backend::Checking);
        leptos::task::spawn_local(async move {
            let answer = api_client::whoami().await;
            if let Ok(who) = &answer {
                state.identity.set(Some((who.region.clone(), who.account.clone())));
                state.edit(|w| w.adopt_identity(&who.region, &who.account));
            }
            backend.set(match answer {
                Ok(who) => Backend::Ready(who),
                Err(e) => Backend::Unavailable(e),
            });
        });
    };
    check_backend();
    // A request that found the server gone turns the badge from "connected".
    let note_failure = move |error: &ApiError| {
        if lost_backend(error) {
            backend.set(Backend::Unavailable(error.clone()));
        }
    };

    let blocked = move || -> Option<String> {
        match backend.get() {
            Backend::Checking => Some("Checking the backend…".into()),
            Backend::Unavailable(e) => Some(e.message),
            Backend::Ready(_) => {
                let errors = state
                    .analysis
                    .with(|a| a.diagnostics.iter().filter(|d| d.severity == shared::Severity::Error).count());
                (errors > 0).then(|| format!("Fix the {errors} error(s) in Diagnostics first."))
            }
        }
    };
    // The values Apply still needs: those of the secrets the plan creates.
    let missing_values = move || {
        plan.with(|p| match p {
            Some(Ok(p)) => {
                state.editor.values.with(|v| created_by(p).into_iter().filter(|n| !v.contains_key(n)).collect())
            }
            _ => Vec::new(),
        })
    };
    let confirm_blocked = move || -> Option<String> {
        blocked().or_else(|| {
            let missing = missing_values();
            (!missing.is_empty()).then(|| format!("Enter the value of each secret to create: {}", missing.join(", ")))
        })
    };

    let make_plan = move || {
        let bundle = ws.with_untracked(|w| w.bundle.clone());
        plan.set(None);
        report.set(None);
        progress.set(Vec::new());
        running.set(true);
        leptos::task::spawn_local(async move {
            let answer = api_client::plan(&bundle).await;
            match &answer {
                Ok(p) => {
                    let created = created_by(p);
                    existing.set(
                        bundle
                            .secrets
                            .iter()
                            .filter(|s| s.create && !created.contains(&s.name))
                            .map(|s| s.name.clone())
                            .collect(),
                    );
                }
                Err(e) => note_failure(e),
            }
            plan.set(Some(answer));
            running.set(false);
        });
    };

    let confirm = move || {
        let bundle = ws.with_untracked(|w| w.bundle.clone());
        // `extend`, not `collect` (which sorts first): no sort code for
        // this map type in the WASM (size budget).
        let mut values = serde_json::Map::new();
        state.editor.values.with_untracked(|v| {
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
                note_failure(&e);
                report.set(Some(Err(e)));
            }
            // Steps that never started did not run: say so, not "pending".
            let succeeded = report.with_untracked(|r| matches!(r, Some(Ok(r)) if r.success));
            if !succeeded {
                progress.update(|steps| {
                    for step in steps.iter_mut().filter(|s| matches!(s.state, "pending" | "running")) {
                        step.state = "not run";
                    }
                });
            }
            if let Some(Ok(r)) = report.get_untracked() {
                // What was created exists now: no value is asked for again,
                // and the values leave the page's memory.
                let created: Vec<String> = r
                    .completed
                    .iter()
                    .filter_map(|id| shared::plan::Step::created_secret(id))
                    .map(str::to_owned)
                    .collect();
                state.editor.values.update(|v| created.iter().for_each(|n| drop(v.remove(n))));
                existing.update(|e| e.extend(created));
                if r.success {
                    plan.set(None);
                }
            }
            running.set(false);
        });
    };

    let services = move || ws.with(|w| w.bundle.services.len());
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
                        <p>
                            <span class="pill bad">{match e.code.as_str() { "no_credentials" => "no AWS credentials", "unreachable" | "session" => "disconnected", _ => "no backend" }}</span>
                            " "{e.message.clone()}" "
                            <button class="btn small" id="check-backend" on:click=move |_| check_backend()>"Check again"</button>
                        </p>
                    }.into_any(),
                }}
            </div>
            <h3>"Services to redeploy (optional)"</h3>
            <For each=move || 0..services() key=|i| *i let:i>
                <div class="row list-row service-row">
                    {service_input(state, i, ServiceField::Cluster)}
                    {service_input(state, i, ServiceField::Service)}
                    <label class="check" title="Start new tasks even when the revision is unchanged: after a secret value or the role's permissions were written, running tasks keep what they read at start">
                        <input type="checkbox" id=format!("service-force-{i}")
                            prop:checked=move || ws.with(|w| w.bundle.services.get(i).is_some_and(|s| s.force_new_deployment))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                state.edit(|w| w.set_service_force_new_deployment(i, on));
                            } />
                        "force new deployment"
                    </label>
                    <button class="btn small" on:click=move |_| state.destructive("Remove service", |w| w.remove_service(i))>"Remove"</button>
                </div>
            </For>
            <button class="btn small" id="add-service" on:click=move |_| state.edit(|w| w.add_service())>"+ Service"</button>

            <h3>"Values of the secrets to create"</h3>
            <p class="hint">"Kept in this page's memory only and sent only with Apply. Plan tells which secrets AWS lacks: only those need a value. Secrets not marked \"create\" must already exist."</p>
            <ul class="values" id="apply-values">
                {move || ws.with(|w| w.bundle.secrets.iter().filter(|s| s.create).map(|s| {
                    let name = s.name.clone();
                    let exists = { let name = name.clone(); move || existing.with(|e| e.contains(&name)) };
                    let has = { let name = name.clone(); move || state.editor.values.with(|v| v.contains_key(&name)) };
                    let has_text = has.clone();
                    let exists_text = exists.clone();
                    let exists_hidden = exists.clone();
                    let input_name = name.clone();
                    view! {
                        <li class="row">
                            <label class="field inline">
                                <span class="field-label mono">{format!("{} ({})", name, s.store.as_str())}</span>
                                <input type="password" autocomplete="off" class="secret-value" id=format!("apply-value-{name}")
                                    class:hidden=exists_hidden
                                    on:input=move |ev| { let v = event_target_value(&ev); let n = input_name.clone(); state.editor.values.update(|m| { m.insert(n, secrecy::SecretString::from(v)); }); } />
                            </label>
                            <span class="pill" class:ok=move || has() || exists()>{move || if exists_text() { "exists in AWS: no value needed" } else if has_text() { "value set" } else { "no value yet" }}</span>
                        </li>
                    }
                }).collect_view())}
            </ul>
            <div class="row apply-actions">
                <button class="btn primary" id="plan-button" disabled=move || blocked().is_some() || running.get() on:click=move |_| make_plan()>"Plan"</button>
                <span class="muted" id="apply-blocked">{move || blocked().unwrap_or_default()}</span>
            </div>
            {move || plan.get().map(|p| match p {
                Err(e) => view! {
                    <div class="error-box" id="plan-error" role="alert">
                        <p class="error">{format!("Plan failed: {}", e.message)}</p>
                        <button class="btn" id="retry-plan" disabled=move || running.get() on:click=move |_| make_plan()>"Retry the plan"</button>
                    </div>
                }.into_any(),
                Ok(p) if p.steps.is_empty() => view! {
                    <div class="plan" id="plan">
                        <h3>"Plan: nothing to do"</h3>
                        <p id="plan-nothing">"AWS already matches this configuration: applying would make no write call."</p>
                        {preflight_list(&p)}
                    </div>
                }.into_any(),
                Ok(p) => view! {
                    <div class="plan" id="plan">
                        <h3>{format!("Plan: {} step(s), {} AWS write call(s)", p.steps.len(), p.writes)}</h3>
                        <ol class="steps">
                            {p.steps.iter().map(|s| view! { <li><strong>{s.title.clone()}</strong><span class="muted">{format!(" — {}", s.reason)}</span></li> }).collect_view()}
                        </ol>
                        {preflight_list(&p)}
                        <button class="btn primary" id="confirm-apply" disabled=move || running.get() || confirm_blocked().is_some() on:click=move |_| confirm()>"Confirm and apply"</button>
                        <span class="muted" id="confirm-blocked">{move || confirm_blocked().unwrap_or_default()}</span>
                    </div>
                }.into_any(),
            })}
            <Show when=move || !progress.read().is_empty()>
                <ol class="progress" id="progress">
                    {move || progress.get().into_iter().map(|s| view! {
                        <li class=format!("step {}", s.state.replace(' ', "-")) data-step=s.id.clone()>
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
                        {r.failed.clone().map(|f| view! {
                            <p class="error">{format!("{}: {}", f.step_id, f.message)}</p>
                            {f.cause.and_then(|c| { let c = *c; c.decoded.map(|d| (c.reason, d)) }).map(|(reason, d)| decoded_cause(state, reason, d))}
                            <button class="btn" id="retry-apply" disabled=move || running.get() on:click=move |_| make_plan()>"Plan again to retry"</button>
                        })}
                    </div>
                }.into_any(),
                Err(e) => view! {
                    <div class="report bad" id="report" role="alert">
                        <h3>"Apply failed"</h3>
                        <p class="error">{e.message.clone()}</p>
                        <p class="hint">"Apply reads AWS again before it writes, so a retry only does what is still missing."</p>
                        <button class="btn" id="retry-apply" disabled=move || running.get() on:click=move |_| make_plan()>"Plan again to retry"</button>
                    </div>
                }.into_any(),
            })}
        </section>
    }
}

/// Why the new tasks could not start, decoded, with the decoder's
/// one-click fix for the role (as the Error decoder offers it).
fn decoded_cause(state: AppState, reason: String, decoded: shared::decode::Decoded) -> impl IntoView {
    let outcome = RwSignal::new(String::new());
    let statement = decoded.fix.statement.as_ref().and_then(|s| shared::json_text::pretty(s).ok());
    let for_fix = decoded.clone();
    let apply_fix = move |_| outcome.set(crate::role_panel::apply_decoder_fix(state, &for_fix));
    view! {
        <div class="decoded" id="apply-cause">
            <p><span class="pill bad" id="apply-cause-label">{decoded.cause.label()}</span></p>
            <p class="mono">{reason}</p>
            <p class="explanation">{decoded.explanation.clone()}</p>
            <ol>{decoded.fix.steps.iter().map(|s| view! { <li>{s.clone()}</li> }).collect_view()}</ol>
            {statement.map(|s| view! {
                <h4>"Statement to add"</h4>
                <pre class="code-block">{s}</pre>
                <button class="btn primary" id="apply-cause-fix" on:click=apply_fix>"Apply this fix to the role"</button>
            })}
            <p class="status-line" id="apply-cause-outcome">{move || outcome.get()}</p>
        </div>
    }
}

fn preflight_list(plan: &PlanResponse) -> Option<impl IntoView + use<>> {
    (!plan.preflight.is_empty()).then(|| view! {
        <ul class="preflight">{plan.preflight.iter().map(|d| view! { <li class=format!("diagnostic {}", d.severity)>{format!("{} {}", d.code, d.message)}</li> }).collect_view()}</ul>
    })
}

fn record(steps: &mut Vec<StepProgress>, event: ProgressEvent) {
    let (id, new_state, title, detail) = match event {
        ProgressEvent::Started { step_id, title } => (step_id, "running", Some(title), String::new()),
        ProgressEvent::Done { step_id, detail } => (step_id, "done", None, detail.unwrap_or_default()),
        ProgressEvent::Failed { step_id, message, .. } => (step_id, "failed", None, message),
        // The step keeps running: what the watch saw becomes its detail.
        ProgressEvent::Watching { step_id, message } => (step_id, "running", None, message),
    };
    match steps.iter_mut().find(|s| s.id == id) {
        Some(step) => {
            step.state = new_state;
            step.detail = detail;
        }
        None => steps.push(StepProgress { title: title.unwrap_or_else(|| id.clone()), id, state: new_state, detail }),
    }
}
