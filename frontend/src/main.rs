//! The ecs-secrets browser UI (Leptos, client-side rendered).
//!
//! Components render and dispatch: every editing operation is a method on
//! [`shared::workspace::Workspace`], every check is the same `shared`
//! function the CLI calls, HTTP lives in [`api_client`] and storage in
//! [`persistence`]. Secret values typed for Apply live in [`AppState::values`]
//! (memory only).

mod api_client;
mod apply_panel;
mod audit_panel;
#[cfg(feature = "bench")]
mod bench;
mod checks;
mod downloads;
mod editor;
mod persistence;
mod role_panel;
mod rotate_panel;

use std::collections::BTreeMap;

use leptos::prelude::*;
use secrecy::SecretString;
use shared::workspace::{Analysis, UndoStack, Workspace};

fn main() {
    api_client::init_from_location();
    mount_to_body(App);
    // The browser tests and BENCHMARKS.md read this mark: the page is
    // rendered and its handlers are attached.
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark("ecs-secrets-interactive");
    }
    #[cfg(feature = "bench")]
    bench::run_if_requested();
}

/// The sections of the page, in the left navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Start,
    Task,
    Containers,
    Role,
    AccessMap,
    Decoder,
    Apply,
    Audit,
    Rotate,
}

impl Section {
    const ALL: [Section; 9] = [
        Section::Start,
        Section::Task,
        Section::Containers,
        Section::Role,
        Section::AccessMap,
        Section::Decoder,
        Section::Apply,
        Section::Audit,
        Section::Rotate,
    ];

    fn label(self) -> &'static str {
        match self {
            Section::Start => "Start",
            Section::Task => "Task definition",
            Section::Containers => "Containers & secrets",
            Section::Role => "Execution role",
            Section::AccessMap => "Access map",
            Section::Decoder => "Error decoder",
            Section::Apply => "Apply",
            Section::Audit => "Audit",
            Section::Rotate => "Rotate",
        }
    }

    fn id(self) -> &'static str {
        match self {
            Section::Start => "start",
            Section::Task => "task",
            Section::Containers => "containers",
            Section::Role => "role",
            Section::AccessMap => "access-map",
            Section::Decoder => "decoder",
            Section::Apply => "apply",
            Section::Audit => "audit",
            Section::Rotate => "rotate",
        }
    }

    /// The section that holds the field at a JSON pointer.
    pub fn for_path(path: &str) -> Section {
        if path.starts_with("/containerDefinitions") { Section::Containers } else { Section::Task }
    }
}

/// How long typing must pause before the analysis, previews and the saved
/// copy catch up: they are off the input path, so a keystroke only
/// repaints the field and the rows that read it.
const SETTLE_MS: u64 = 120;

/// The state every section shares. `Copy`: signals are handles.
///
/// The document (`editor.ws`) is read-only here: every write goes through
/// [`Editor`], which tells the page to settle ([`SETTLE_MS`]). The editors
/// read it through a memo of their own slice (a container, a row), so an
/// edit re-renders what it changed; text typed into a field
/// ([`Editor::type_in`]) reaches the document at once but the page re-reads
/// it only when typing pauses. Everything derived from the whole document
/// (`analysis`, the previews, the saved copy) follows `settled`, which
/// moves once typing pauses.
#[derive(Debug, Clone, Copy)]
pub struct AppState {
    /// The document, Undo, the in-memory values and the status line.
    pub editor: Editor,
    /// Bumped when the document has settled (see [`SETTLE_MS`]).
    pub settled: RwSignal<u64>,
    /// The analysis of the settled document.
    pub analysis: Memo<Analysis>,
    /// Region and account of the backend's identity, once known.
    pub identity: RwSignal<Option<(String, String)>>,
    /// A container card to unfold (a diagnostic's field is inside it).
    pub unfold: RwSignal<Option<usize>>,
    pub section: RwSignal<Section>,
}

/// The writing side of the document: only [`Editor`] writes it.
#[derive(Debug, Clone, Copy)]
struct Document {
    ws: RwSignal<Workspace>,
    /// Notified by every edit: the page settles after the last one.
    edited: Trigger,
    /// Text was typed into the document that the page has not re-read yet.
    typed: StoredValue<bool>,
}

impl Document {
    /// The page re-reads text typed since it last did (when typing pauses).
    fn catch_up(&self) {
        if self.typed.get_value() {
            self.typed.set_value(false);
            self.ws.notify();
        }
    }
}

/// What an editor component needs — the document, Undo, the in-memory
/// secret values and the status line — and nothing else of the page.
#[derive(Debug, Clone, Copy)]
pub struct Editor {
    /// The document, read-only: every write goes through an `Editor` method.
    pub ws: ReadSignal<Workspace>,
    doc: Document,
    pub undo: RwSignal<UndoStack>,
    /// Secret values for Apply, by secret name: memory only.
    pub values: RwSignal<BTreeMap<String, SecretString>>,
    /// A one-line message about the last action (import, fix, undo…).
    pub status: RwSignal<String>,
}

impl Editor {
    /// An edit that cannot be undone by retyping (remove, replace, fix):
    /// remembered for Undo first.
    pub fn destructive(&self, label: &str, edit: impl FnOnce(&mut Workspace)) {
        let before = self.ws.get_untracked();
        self.undo.update(|u| u.push(label, &before));
        self.edit(edit);
        self.status.set(format!("{label} — Undo is available"));
    }

    /// Runs one `Workspace` edit and re-renders what it changed; a value
    /// typed for a secret follows the secret when the edit renamed it.
    pub fn edit<R>(&self, edit: impl FnOnce(&mut Workspace) -> R) -> R {
        // Everything re-reads the document now, text typed before included.
        self.doc.typed.set_value(false);
        self.run(edit, true)
    }

    /// [`Editor::edit`] for a keystroke in a text field: the document
    /// changes at once (nothing typed is lost, whatever comes next), but
    /// nothing re-renders until typing pauses. The field already shows what
    /// was typed (and is not set again); the rest (a card's title, other
    /// rows) follows with the diagnostics and previews. A component may
    /// re-render its own part at once: a secret row shows the `valueFrom`
    /// it builds.
    pub fn type_in<R>(&self, edit: impl FnOnce(&mut Workspace) -> R) -> R {
        self.doc.typed.set_value(true);
        self.run(edit, false)
    }

    fn run<R>(&self, edit: impl FnOnce(&mut Workspace) -> R, render: bool) -> R {
        let mut result = None;
        let mut renames = Vec::new();
        let change = |w: &mut Workspace| {
            result = Some(edit(w));
            renames = w.take_renames();
        };
        if render {
            self.doc.ws.update(change);
        } else {
            self.doc.ws.update_untracked(change);
        }
        self.doc.edited.notify();
        if !renames.is_empty() {
            self.values.update(|values| {
                for rename in renames {
                    if let Some(value) = values.remove(&rename.from) {
                        values.insert(rename.to, value);
                    }
                }
            });
        }
        result.expect("the update runs its closure")
    }
}

impl AppState {
    /// See [`Editor::destructive`].
    pub fn destructive(&self, label: &str, edit: impl FnOnce(&mut Workspace)) {
        self.editor.destructive(label, edit);
    }

    /// See [`Editor::edit`].
    pub fn edit<R>(&self, edit: impl FnOnce(&mut Workspace) -> R) -> R {
        self.editor.edit(edit)
    }

    /// See [`Editor::type_in`].
    pub fn type_in<R>(&self, edit: impl FnOnce(&mut Workspace) -> R) -> R {
        self.editor.type_in(edit)
    }

    /// A new, empty configuration, in the backend's region and account
    /// when they are known (as at the first load).
    pub fn new_empty(&self) -> Workspace {
        let mut ws = Workspace::empty();
        if let Some((region, account)) = self.identity.get_untracked() {
            ws.adopt_identity(&region, &account);
        }
        ws
    }

    /// Shows the field at `path` (or its nearest enclosing field) and focuses it.
    pub fn focus_path(&self, path: &str) {
        self.section.set(Section::for_path(path));
        let container = path.strip_prefix("/containerDefinitions/").and_then(|rest| rest.split('/').next());
        self.unfold.set(container.and_then(|i| i.parse().ok()));
        let path = path.to_owned();
        request_animation_frame(move || {
            let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
            let mut candidate = path.as_str();
            loop {
                if let Some(element) = document.get_element_by_id(&format!("f:{candidate}")) {
                    use wasm_bindgen::JsCast;
                    element.scroll_into_view();
                    if let Ok(html) = element.dyn_into::<web_sys::HtmlElement>() {
                        let _ = html.focus();
                    }
                    return;
                }
                match candidate.rfind('/') {
                    Some(0) | None => return,
                    Some(i) => candidate = &candidate[..i],
                }
            }
        });
    }
}

/// The element id of the input for the field at a JSON pointer.
pub fn field_id(path: &str) -> String {
    format!("f:{path}")
}

#[component]
fn App() -> impl IntoView {
    let (initial, restore_message) = match persistence::load() {
        Some(Ok(ws)) => (ws, "Restored your saved configuration.".to_owned()),
        Some(Err(e)) => (Workspace::empty(), format!("The saved configuration could not be restored: {e}")),
        None => (Workspace::seed_example(), String::new()),
    };
    let doc = Document { ws: RwSignal::new(initial), edited: Trigger::new(), typed: StoredValue::new(false) };
    let ws = doc.ws.read_only();
    let settled = RwSignal::new(0_u64);
    let analysis = Memo::new(move |_| {
        settled.track();
        ws.with_untracked(Workspace::analyze)
    });
    let editor = Editor {
        ws,
        doc,
        undo: RwSignal::new(UndoStack::default()),
        values: RwSignal::new(BTreeMap::new()),
        status: RwSignal::new(restore_message),
    };
    let state = AppState {
        editor,
        settled,
        analysis,
        identity: RwSignal::new(None),
        unfold: RwSignal::new(None),
        section: RwSignal::new(Section::Start),
    };
    // Every edit schedules one settle; a newer edit cancels the older.
    let generation = StoredValue::new(0_u64);
    // `data-settling` on the page: the browser tests wait for it to clear.
    let settling = RwSignal::new(false);
    Effect::new(move |_| {
        doc.edited.track();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        if !settling.get_untracked() {
            settling.set(true);
        }
        set_timeout(
            move || {
                if generation.get_value() == mine {
                    doc.catch_up();
                    settled.update(|n| *n += 1);
                    settling.set(false);
                }
            },
            std::time::Duration::from_millis(SETTLE_MS),
        );
    });
    Effect::new(move |_| {
        settled.track();
        ws.with_untracked(persistence::save);
    });
    // A reload or a closed tab within SETTLE_MS of the last change would
    // otherwise lose it: the saved copy is written once more as the page goes.
    let _ = window_event_listener(leptos::ev::pagehide, move |_| ws.with_untracked(persistence::save));
    // Region and account come from the backend's identity when it runs
    // (they only fill fields that are still empty).
    leptos::task::spawn_local(async move {
        if let Ok(who) = api_client::whoami().await {
            state.identity.set(Some((who.region.clone(), who.account.clone())));
            state.edit(|w| w.adopt_identity(&who.region, &who.account));
        }
    });

    let undo_label = move || state.editor.undo.with(|u| u.peek_label().map(|l| format!("Undo: {l}")));
    let on_undo = move |_| {
        if let Some(previous) = state.editor.undo.try_update(|u| u.pop()).flatten() {
            state.edit(|w| *w = previous);
            state.editor.status.set("Undone.".into());
        }
    };

    view! {
        <div class="app" data-settling=move || settling.get().to_string()>
            <header class="topbar">
                <div class="brand">
                    <span class="logo">"⛁"</span>
                    <span class="title">"ecs-secrets"</span>
                    <span class="subtitle">"secrets into Amazon ECS, least privilege, checked before deploy"</span>
                </div>
                <div class="topbar-actions">
                    <span class="status" id="status" role="status">{move || state.editor.status.get()}</span>
                    <button
                        id="undo"
                        class="btn"
                        disabled=move || undo_label().is_none()
                        title=move || undo_label().unwrap_or_else(|| "Nothing to undo".into())
                        on:click=on_undo
                    >
                        "↶ Undo"
                    </button>
                </div>
            </header>
            <nav class="sidenav" aria-label="Sections">
                {Section::ALL
                    .into_iter()
                    .map(|section| {
                        view! {
                            <button
                                id=format!("nav-{}", section.id())
                                class="nav-item"
                                class:active=move || state.section.get() == section
                                on:click=move |_| state.section.set(section)
                            >
                                {section.label()}
                                {move || nav_badge(section, &state.analysis.read())}
                            </button>
                        }
                    })
                    .collect_view()}
            </nav>
            <main class="main" id="main">
                {move || match state.section.get() {
                    Section::Start => view! { <editor::StartPanel state=state /> }.into_any(),
                    Section::Task => view! { <editor::TaskPanel state=state /> }.into_any(),
                    Section::Containers => view! { <editor::ContainersPanel state=state /> }.into_any(),
                    Section::Role => view! { <role_panel::RolePanel state=state /> }.into_any(),
                    Section::AccessMap => view! { <role_panel::AccessMapPanel state=state /> }.into_any(),
                    Section::Decoder => view! { <role_panel::DecoderPanel state=state /> }.into_any(),
                    Section::Apply => view! { <apply_panel::ApplyPanel state=state /> }.into_any(),
                    Section::Audit => view! { <audit_panel::AuditPanel state=state /> }.into_any(),
                    Section::Rotate => view! { <rotate_panel::RotatePanel state=state /> }.into_any(),
                }}
            </main>
            <aside class="side">
                <checks::DiagnosticsPanel state=state />
                <checks::PreviewPanel state=state />
            </aside>
        </div>
    }
}

/// A count shown beside a section name (diagnostics, denied references),
/// in the colour of the worst severity it counts.
fn nav_badge(section: Section, analysis: &Analysis) -> Option<AnyView> {
    use shared::Severity;
    let (count, worst) = match section {
        Section::Task | Section::Containers => {
            let counted = || {
                analysis
                    .diagnostics
                    .iter()
                    .filter(|d| d.severity != Severity::Info && Section::for_path(&d.path) == section)
            };
            // `Severity` orders Error < Warning < Info: the worst is the least.
            (counted().count(), counted().map(|d| d.severity).min().unwrap_or(Severity::Info))
        }
        Section::AccessMap => (analysis.access.as_ref().map(|a| a.problems().count()).unwrap_or(0), Severity::Error),
        _ => (0, Severity::Info),
    };
    let label = if worst == Severity::Error {
        format!("{count} problem(s), at least one error")
    } else {
        format!("{count} warning(s)")
    };
    (count > 0).then(|| {
        view! { <span class=format!("badge {}", worst.as_str()) title=label.clone() aria-label=label>{count}</span> }.into_any()
    })
}
