//! Audit: every service of the account's clusters, checked live by the
//! backend (`POST /api/audit`, read-only), listed green (ok) or red
//! (findings, denied). Choosing a service loads the task definition it runs
//! into the editor, where the page's own checks show its diagnostics, and
//! lists the live findings (denied, missing, unverified references; stale
//! tasks) here. Without AWS (`serve --offline`, or no backend) it says that
//! audit needs AWS, and why.

use leptos::prelude::*;
use shared::api::{AuditResponse, AuditedService};
use shared::audit::{ReferenceStatus, Summary};

use crate::AppState;
use crate::api_client::{self, ApiError};

#[component]
pub fn AuditPanel(state: AppState) -> impl IntoView {
    let backend = RwSignal::new(None::<Result<(), ApiError>>);
    let clusters = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<AuditResponse, ApiError>>);
    let running = RwSignal::new(false);
    let selected = RwSignal::new(None::<usize>);
    leptos::task::spawn_local(async move {
        backend.set(Some(api_client::whoami().await.map(|_| ())));
    });

    let run = move |_| {
        let names: Vec<String> =
            clusters.get_untracked().split([',', ' ']).filter(|c| !c.is_empty()).map(str::to_owned).collect();
        running.set(true);
        selected.set(None);
        leptos::task::spawn_local(async move {
            result.set(Some(api_client::audit(&names).await));
            running.set(false);
        });
    };
    let open = Callback::new(move |index: usize| {
        let Some(Ok(answer)) = result.get_untracked() else { return };
        let Some(service) = answer.services.get(index) else { return };
        selected.set(Some(index));
        let name = format!("{}/{}", service.audit.cluster, service.audit.service);
        let Some(td) = &service.task_definition_document else {
            state.status.set(format!("{name}: its task definition could not be read"));
            return;
        };
        let text = shared::json_text::compact(td).unwrap_or_default();
        let mut next = state.ws.get_untracked();
        match next.import_text(&text) {
            Ok(_) => {
                state.destructive(&format!("Load {name} from the audit"), |w| *w = next);
                state.status.set(format!("Loaded {name} into the editor from the audit"));
            }
            Err(e) => state.status.set(format!("{name}: {e}")),
        }
    });

    view! {
        <section class="panel audit">
            <h2>"Audit"</h2>
            <p class="hint">
                "Checks every service of your account live and read-only: its task definition's diagnostics, whether each referenced secret exists, whether its execution role may read it, and tasks still running with an old value. It never reads a secret value."
            </p>
            {move || match backend.get() {
                Some(Err(e)) => {
                    view! {
                        <p class="report bad" role="alert" id="audit-unavailable">
                            {format!("Audit needs AWS: it reads your account's services live. {}", e.message)}
                        </p>
                    }
                        .into_any()
                }
                _ => ().into_any(),
            }}
            <div class="row">
                <label>
                    <span>"Clusters"</span>
                    <input
                        id="audit-clusters"
                        placeholder="all clusters of the region"
                        prop:value=move || clusters.get()
                        on:input=move |ev| clusters.set(event_target_value(&ev))
                    />
                </label>
                <button
                    id="audit-run"
                    class="btn primary"
                    disabled=move || running.get() || !matches!(backend.get(), Some(Ok(())))
                    on:click=run
                >
                    {move || if running.get() { "Auditing…" } else { "Run audit" }}
                </button>
            </div>
            {move || match result.get() {
                None => ().into_any(),
                Some(Err(e)) => view! { <p class="report bad" role="alert">{e.message}</p> }.into_any(),
                Some(Ok(answer)) => {
                    view! {
                        <p id="audit-summary">{summary_line(&answer)}</p>
                        <ul class="audit-services" aria-label="Audited services">
                            {answer
                                .services
                                .iter()
                                .enumerate()
                                .map(|(i, s)| service_row(i, s, selected, open))
                                .collect_view()}
                        </ul>
                        {move || selected.get().and_then(|i| answer.services.get(i).map(findings))}
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

fn summary_line(answer: &AuditResponse) -> String {
    let count = |summary| answer.services.iter().filter(|s| s.audit.summary == summary).count();
    format!(
        "{} service(s) in {}: {} ok, {} with findings, {} denied",
        answer.services.len(),
        answer.region,
        count(Summary::Ok),
        count(Summary::Findings),
        count(Summary::Denied)
    )
}

fn service_row(
    index: usize,
    service: &AuditedService,
    selected: RwSignal<Option<usize>>,
    open: Callback<usize>,
) -> impl IntoView + use<> {
    let audit = &service.audit;
    let (class, word) = match audit.summary {
        Summary::Ok => ("pill ok", "ok"),
        Summary::Findings => ("pill bad", "findings"),
        Summary::Denied => ("pill bad", "denied"),
    };
    let name = format!("{}/{}", audit.cluster, audit.service);
    let label = format!("{name}: {word}");
    view! {
        <li>
            <button
                class="audit-service"
                class:active=move || selected.get() == Some(index)
                aria-label=label
                on:click=move |_| open.run(index)
            >
                <span class=class>{word}</span>
                " "
                {name}
            </button>
        </li>
    }
}

/// The live findings of one service: references that are not allowed,
/// stale tasks, what could not be read.
fn findings(service: &AuditedService) -> impl IntoView + use<> {
    let audit = &service.audit;
    let references: Vec<_> = audit
        .references
        .iter()
        .filter(|r| r.status != ReferenceStatus::Allowed)
        .map(|r| {
            let status = match r.status {
                ReferenceStatus::Allowed => "allowed",
                ReferenceStatus::Denied => "denied",
                ReferenceStatus::Missing => "missing",
                ReferenceStatus::Unverified => "unverified",
            };
            view! {
                <li>
                    <strong>{status}</strong>
                    {format!(" {} ({}): {}", r.path, r.value_from.clone().unwrap_or_default(), r.reason)}
                </li>
            }
        })
        .collect();
    let stale = match audit.stale_tasks {
        Some(0) => "No task runs with an old value.".to_owned(),
        Some(n) => {
            format!("{n} running task(s) started before a referenced value last changed: force a new deployment.")
        }
        None => "Stale tasks: unknown (a task's start time or a value's last change was not reported).".to_owned(),
    };
    let errors = audit.diagnostics.iter().filter(|d| d.severity == shared::Severity::Error).count();
    view! {
        <div class="audit-findings" role="region" aria-label="Live findings">
            <h3>{format!("{}/{} — live findings", audit.cluster, audit.service)}</h3>
            <p>{format!("{} diagnostic(s), {errors} error(s) — shown in Diagnostics.", audit.diagnostics.len())}</p>
            <ul>{references}</ul>
            {audit.problems.iter().map(|p| view! { <p class="report bad">{p.clone()}</p> }).collect_view()}
            <p>{stale}</p>
        </div>
    }
}
