//! The right-hand panel: live diagnostics (click to focus the field, one
//! click to fix) and live previews of every download.

use leptos::prelude::*;
use shared::Diagnostic;
use shared::downloads::{Download, zip_all};

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
    let code = diagnostic.code.clone();
    let severity = diagnostic.severity.as_str();
    // The fix is recomputed from the document as it is at the click (the
    // list may be a moment behind the typing): a fix shown for an earlier
    // version is never applied to this one.
    let fix_path = path.clone();
    let title = diagnostic.fix.as_ref().map(|f| f.title.clone()).unwrap_or_default();
    let apply = move |_| {
        let mut outcome = None;
        state.destructive(&title, |w| outcome = Some(w.apply_fix_for(&code, &fix_path)));
        match outcome {
            Some(Ok(Some(pending))) => state.editor.values.update(|v| {
                v.insert(pending.name, pending.value);
            }),
            Some(Err(e)) => state.editor.status.set(format!("The fix could not be applied: {e}")),
            _ => {}
        }
        // The list shows the state after the fix right away.
        state.settled.update(|n| *n += 1);
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

#[component]
pub fn PreviewPanel(state: AppState) -> impl IntoView {
    let selected = RwSignal::new(Download::TaskDefinition);
    // Follows the settled document, not every keystroke.
    let text = Memo::new(move |_| {
        let file = selected.get();
        state.settled.track();
        state.editor.ws.with_untracked(|ws| state.analysis.with(|a| file.text(&ws.bundle, a)))
    });
    let download = move |_| {
        let file = selected.get_untracked();
        if let Err(e) = downloads::offer(file.file_name(), file.mime(), text.get_untracked().as_bytes()) {
            state.editor.status.set(e);
        }
    };
    // One archive rather than five downloads: browsers ask (or refuse)
    // when a page starts several downloads at once.
    let download_all = move |_| {
        let zip = state.editor.ws.with_untracked(|ws| state.analysis.with_untracked(|a| zip_all(&ws.bundle, a)));
        match downloads::offer(ALL_FILES_ZIP, "application/zip", &zip) {
            Ok(()) => state
                .editor
                .status
                .set(format!("Downloaded {ALL_FILES_ZIP}: all five files (unzip, then run deploy.sh beside them).")),
            Err(e) => state.editor.status.set(e),
        }
    };
    view! {
        <section class="side-section preview" aria-label="Preview and downloads">
            <h2 class="side-title">"Preview & downloads"</h2>
            <div class="tabs" role="tablist">
                {Download::ALL.into_iter().map(|file| {
                    let name = file.file_name();
                    view! {
                        <button role="tab" class="tab" id=format!("tab-{name}") class:active=move || selected.get() == file
                            aria-selected=move || (selected.get() == file).to_string()
                            on:click=move |_| selected.set(file)>{name}</button>
                    }
                }).collect_view()}
            </div>
            <pre class="code-block" id="preview" data-file=move || selected.get().file_name()>{move || text.get()}</pre>
            <div class="row">
                <button class="btn primary" id="download" on:click=download>{move || format!("Download {}", selected.get().file_name())}</button>
                <button class="btn" id="download-all" on:click=download_all>{format!("Download all ({ALL_FILES_ZIP})")}</button>
            </div>
        </section>
    }
}

/// The name of the "Download all" archive.
pub const ALL_FILES_ZIP: &str = "ecs-secrets.zip";
