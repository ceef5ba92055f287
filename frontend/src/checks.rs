//! The right-hand panel: live diagnostics (click to focus the field, one
//! click to fix) and live previews of every download.

use leptos::prelude::*;
use shared::Diagnostic;
use shared::deploy_script::deploy_script;
use shared::workspace::Workspace;

use crate::AppState;
use crate::downloads;

#[component]
pub fn DiagnosticsPanel(state: AppState) -> impl IntoView {
    let diagnostics = Memo::new(move |_| state.analysis.with(|a| a.diagnostics.clone()));
    let summary = move || {
        diagnostics.with(|d| {
            let errors = d.iter().filter(|x| x.severity == shared::Severity::Error).count();
            let warnings = d.iter().filter(|x| x.severity == shared::Severity::Warning).count();
            if d.is_empty() {
                "No problems found".to_owned()
            } else {
                format!("{errors} error(s), {warnings} warning(s), {} note(s)", d.len() - errors - warnings)
            }
        })
    };
    view! {
        <section class="side-section" aria-label="Diagnostics">
            <h2 class="side-title">"Diagnostics" <span class="muted" id="diagnostics-summary">{summary}</span></h2>
            <ul class="diagnostics" id="diagnostics">
                <For each=move || diagnostics.get().into_iter().enumerate() key=|(i, d)| (*i, d.code.clone(), d.path.clone(), d.message.clone()) let:item>
                    <DiagnosticItem state=state diagnostic=item.1 />
                </For>
            </ul>
        </section>
    }
}

#[component]
fn DiagnosticItem(state: AppState, diagnostic: Diagnostic) -> impl IntoView {
    let path = diagnostic.path.clone();
    let fix = diagnostic.fix.clone();
    let severity = diagnostic.severity.as_str();
    let apply = move |_| {
        let Some(fix) = fix.clone() else { return };
        let mut lifted = None;
        let mut failure = None;
        state.destructive(&fix.title, |w| match w.apply_diagnostic_fix(&fix) {
            Ok(pending) => lifted = pending,
            Err(e) => failure = Some(e.to_string()),
        });
        if let Some(pending) = lifted {
            state.values.update(|v| {
                v.insert(pending.name, pending.value);
            });
        }
        if let Some(message) = failure {
            state.status.set(format!("The fix could not be applied: {message}"));
        }
    };
    let focus_path = path.clone();
    view! {
        <li class=format!("diagnostic {severity}") data-code=diagnostic.code.clone()>
            <button class="diagnostic-body" title="Show the field" on:click=move |_| state.focus_path(&focus_path)>
                <span class=format!("sev {severity}")>{severity}</span>
                <code class="code">{diagnostic.code.clone()}</code>
                <span class="message">{diagnostic.message.clone()}</span>
                <span class="path">{if path.is_empty() { "(task definition)".to_owned() } else { path.clone() }}</span>
            </button>
            {diagnostic.fix.as_ref().map(|f| view! {
                <button class="btn small primary fix-button" on:click=apply>{format!("Fix: {}", f.title)}</button>
            })}
        </li>
    }
}

/// The downloadable files, by name.
pub const FILES: [&str; 6] = [
    "task-definition.json",
    "trust-policy.json",
    "execution-role-policy.json",
    "key-policy-statement.json",
    "bundle.json",
    "deploy.sh",
];

/// The text of one download for a workspace.
pub fn file_text(name: &str, ws: &Workspace, analysis: &shared::workspace::Analysis) -> String {
    match name {
        "task-definition.json" => ws.task_definition_json(),
        "trust-policy.json" => pretty(&analysis.trust_policy),
        "execution-role-policy.json" => pretty(&analysis.permission_policy.policy),
        "key-policy-statement.json" => {
            pretty(&shared::iam::generate::key_policy_statements(&ws.task_definition, &ws.generate_options()))
        }
        "bundle.json" => pretty(&ws.to_bundle()),
        _ => deploy_script(&ws.to_bundle(), &analysis.permission_policy, analysis.recommendation.as_ref()),
    }
}

/// Pretty JSON with a final newline, like the CLI writes files.
fn pretty<T: serde::Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

#[component]
pub fn PreviewPanel(state: AppState) -> impl IntoView {
    let selected = RwSignal::new(FILES[0]);
    let text = Memo::new(move |_| {
        let name = selected.get();
        state.ws.with(|ws| state.analysis.with(|a| file_text(name, ws, a)))
    });
    let download = move |_| {
        let name = selected.get_untracked();
        let mime = if name.ends_with(".sh") { "text/x-shellscript" } else { "application/json" };
        if let Err(e) = downloads::offer(name, mime, &text.get_untracked()) {
            state.status.set(e);
        }
    };
    let download_all = move |_| {
        state.ws.with_untracked(|ws| {
            state.analysis.with_untracked(|a| {
                for name in FILES {
                    let mime = if name.ends_with(".sh") { "text/x-shellscript" } else { "application/json" };
                    if let Err(e) = downloads::offer(name, mime, &file_text(name, ws, a)) {
                        state.status.set(e);
                    }
                }
            })
        })
    };
    view! {
        <section class="side-section preview" aria-label="Preview and downloads">
            <h2 class="side-title">"Preview & downloads"</h2>
            <div class="tabs" role="tablist">
                {FILES.into_iter().map(|name| view! {
                    <button role="tab" class="tab" id=format!("tab-{name}") class:active=move || selected.get() == name
                        aria-selected=move || (selected.get() == name).to_string()
                        on:click=move |_| selected.set(name)>{name}</button>
                }).collect_view()}
            </div>
            <pre class="code-block" id="preview" data-file=move || selected.get()>{move || text.get()}</pre>
            <div class="row">
                <button class="btn primary" id="download" on:click=download>{move || format!("Download {}", selected.get())}</button>
                <button class="btn" id="download-all" on:click=download_all>"Download all"</button>
            </div>
        </section>
    }
}
