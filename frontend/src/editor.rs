//! The editors: Start (new / example / import), the task-definition form
//! and the containers with their environment, secrets, log configuration
//! and registry credentials. Each input reads one value from the workspace
//! and dispatches one `Workspace` method; lists are keyed by index so a
//! keystroke never re-creates the input being typed in. Each container card
//! and each row reads its own slice of the workspace through a memo
//! ([`part`]: compared in place, cloned only when it changed), so a keystroke
//! re-runs one memo per mounted card and row and re-renders only the row it
//! changed.

use std::collections::BTreeMap;

use leptos::prelude::*;
use secrecy::SecretString;
use shared::Store;
use shared::task_def::{ContainerDefinition, KeyValuePair, Secret};
use shared::workspace::{
    ContainerField, Direction, DraftEdit, EnvPart, FARGATE_CPUS, ReferenceDraft, SecretList, Site, SiteDraft,
    TaskField, Workspace, fargate_memory_options,
};

use crate::{AppState, Editor, field_id};

/// A memo of one part of `source` (a container, a row; the default when it
/// is gone): compared with the previous value in place and cloned only when
/// it changed, so the memos of the parts a keystroke did not touch cost a
/// comparison, not a copy. (The reader is boxed: one instance of the memo's
/// code per kind of part, not one per call site, in the WASM.)
pub fn part<W, T>(source: W, read: impl for<'a> Fn(&'a W::Value) -> Option<&'a T> + Send + Sync + 'static) -> Memo<T>
where
    W: With + Send + Sync + 'static,
    T: Clone + Default + PartialEq + Send + Sync + 'static,
{
    part_of(source, Box::new(read))
}

/// [`part`], with the reader boxed.
type Reader<S, T> = Box<dyn for<'a> Fn(&'a S) -> Option<&'a T> + Send + Sync>;

fn part_of<W, T>(source: W, read: Reader<W::Value, T>) -> Memo<T>
where
    W: With + Send + Sync + 'static,
    T: Clone + Default + PartialEq + Send + Sync + 'static,
{
    Memo::new_owning(move |previous: Option<T>| {
        source.with(|s| {
            let now = read(s);
            match previous {
                Some(previous) if now.map_or_else(|| previous == T::default(), |now| *now == previous) => {
                    (previous, false)
                }
                _ => (now.cloned().unwrap_or_default(), true),
            }
        })
    })
}

/// Shows an edit's error, re-rendering only when the message changed (an
/// edit per keystroke mostly has none, again and again).
fn show_error(error: RwSignal<String>, message: String) {
    error.maybe_update(|e| {
        let changed = *e != message;
        if changed {
            *e = message;
        }
        changed
    });
}

/// A labelled text input bound to one value (`on_input` should write it
/// with [`crate::Editor::type_in`]).
pub fn text_field(
    label: &'static str,
    id: String,
    placeholder: &'static str,
    value: impl Fn() -> String + Send + Sync + 'static,
    on_input: impl Fn(String) + 'static,
) -> impl IntoView {
    view! {
        <label class="field">
            <span class="field-label">{label}</span>
            <input
                type="text"
                id=id
                placeholder=placeholder
                autocomplete="off"
                spellcheck="false"
                prop:value=value
                on:input=move |ev| on_input(event_target_value(&ev))
            />
        </label>
    }
}

/// A labelled choice among fixed values (`none`: the label of the empty one).
fn select_field(
    label: &'static str,
    id: String,
    value: impl Fn() -> String + Send + Sync + 'static,
    none: &'static str,
    options: &'static [&'static str],
    on_change: impl Fn(String) + 'static,
) -> impl IntoView {
    view! {
        <label class="field">
            <span class="field-label">{label}</span>
            <select id=id prop:value=value on:change=move |ev| on_change(event_target_value(&ev))>
                <option value="">{none}</option>
                {options.iter().map(|o| view! { <option value=*o>{*o}</option> }).collect_view()}
            </select>
        </label>
    }
}

#[component]
pub fn StartPanel(state: AppState) -> impl IntoView {
    let paste = RwSignal::new(String::new());
    let notes = RwSignal::new(Vec::<String>::new());
    let error = RwSignal::new(String::new());
    // The document replaced as a whole (Undo brings it back); the values
    // typed for the old one go.
    let replace = move |label: &str, next: Workspace, found: Vec<String>| {
        state.destructive(label, |ws| *ws = next);
        state.editor.values.update(|v| v.clear());
        notes.set(found);
    };
    let import = move |text: String| {
        if let Some(message) = Workspace::too_large_to_import(&text) {
            error.set(format!("Cannot import: {message}"));
            notes.set(Vec::new());
            return;
        }
        let mut next = state.editor.ws.get_untracked();
        match next.import_text(&text) {
            Ok(found) => {
                replace(
                    "Import",
                    next,
                    found.into_iter().map(|n| format!("{} {}", n.path, n.message).trim().to_owned()).collect(),
                );
                error.set(String::new());
            }
            Err(e) => error.set(format!("Cannot import: {e}")),
        }
    };
    let on_file = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        leptos::task::spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|t| t.as_string()) {
                Some(text) => {
                    paste.set(text.clone());
                    import(text);
                }
                None => error.set("Cannot read the file: is it a text (JSON) file?".into()),
            }
        });
    };
    view! {
        <section class="panel">
            <h2>"Start"</h2>
            <p class="lead">
                "Build a task definition whose secrets come from SSM Parameter Store or Secrets Manager, with a least-privilege execution role, checked before you deploy. Everything runs in your browser."
            </p>
            <div class="cards">
                <button
                    class="card-button"
                    id="start-empty"
                    on:click=move |_| {
                        replace("New configuration", state.new_empty(), Vec::new());
                        state.section.set(crate::Section::Task);
                    }
                >
                    <strong>"New, empty"</strong>
                    <span>"One blank Fargate container."</span>
                </button>
                <button
                    class="card-button"
                    id="start-example"
                    on:click=move |_| {
                        replace("Load example", Workspace::seed_example(), Vec::new());
                        state.section.set(crate::Section::Containers);
                    }
                >
                    <strong>"Example"</strong>
                    <span>"A web container: DATABASE_PASSWORD from SSM, a Splunk token via secretOptions."</span>
                </button>
            </div>
            <h3>"Import"</h3>
            <p class="hint">
                "Paste or upload a task definition: register input (--cli-input-json), DescribeTaskDefinition output, a bare containerDefinitions array, or a saved bundle.json."
            </p>
            <label class="field">
                <span class="field-label">"Task definition or bundle JSON"</span>
                <textarea
                    id="import-text"
                    class="code-input"
                    rows="10"
                    spellcheck="false"
                    prop:value=move || paste.get()
                    on:input=move |ev| paste.set(event_target_value(&ev))
                ></textarea>
            </label>
            <div class="row">
                <button class="btn primary" id="import-button" on:click=move |_| import(paste.get_untracked())>
                    "Import"
                </button>
                <label class="btn file-button">
                    "Upload file…"
                    <input type="file" id="import-file" accept=".json,application/json" class="visually-hidden" on:change=on_file />
                </label>
            </div>
            <p class="error" id="import-error">{move || error.get()}</p>
            <Show when=move || !notes.read().is_empty()>
                <div class="notes" id="import-notes">
                    <h4>"Import notes"</h4>
                    <ul>{move || notes.get().into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
                </div>
            </Show>
        </section>
    }
}

#[component]
pub fn TaskPanel(state: AppState) -> impl IntoView {
    let ws = state.editor.ws;
    let task = move |f: fn(&Workspace) -> Option<String>| move || ws.with(|w| f(w).unwrap_or_default());
    let set = move |field: TaskField| move |v: String| state.edit(|w| w.set_task_field(field, &v));
    let type_in = move |field: TaskField| move |v: String| state.type_in(|w| w.set_task_field(field, &v));
    let cpu = task(|w| w.bundle.task_definition.cpu.clone());
    let memory_options =
        move || ws.with(|w| fargate_memory_options(w.bundle.task_definition.cpu.as_deref().unwrap_or("")));
    let launch = task(|w| w.bundle.task_definition.requires_compatibilities.as_ref().and_then(|c| c.first().cloned()));
    view! {
        <section class="panel">
            <h2>"Task definition"</h2>
            <div class="grid two">
                {text_field("Family", field_id("/family"), "web", task(|w| w.bundle.task_definition.family.clone()), type_in(TaskField::Family))}
                {select_field("Launch type", field_id("/requiresCompatibilities"), launch, "(not set: EC2)",
                    &["FARGATE", "EC2", "EXTERNAL"], set(TaskField::LaunchType))}
                {select_field("Network mode", field_id("/networkMode"), task(|w| w.bundle.task_definition.network_mode.clone()),
                    "(not set: bridge on EC2)", &["awsvpc", "bridge", "host", "none"], set(TaskField::NetworkMode))}
                <div class="grid two tight">
                    {select_field("Task CPU (units)", field_id("/cpu"), cpu, "(none)", &FARGATE_CPUS, set(TaskField::Cpu))}
                    <label class="field">
                        <span class="field-label">"Task memory (MiB)"</span>
                        <select id=field_id("/memory") prop:value=task(|w| w.bundle.task_definition.memory.clone()) on:change=move |ev| set(TaskField::Memory)(event_target_value(&ev))>
                            <option value="">"(none)"</option>
                            {move || {
                                let current = ws.with(|w| w.bundle.task_definition.memory.clone().unwrap_or_default());
                                let mut options: Vec<String> = memory_options().into_iter().map(|m| m.to_string()).collect();
                                if !current.is_empty() && !options.contains(&current) {
                                    options.insert(0, current);
                                }
                                options.into_iter().map(|m| view! { <option value=m.clone()>{m.clone()}</option> }).collect_view()
                            }}
                        </select>
                    </label>
                </div>
                {text_field("Region", "f:region".into(), "us-east-1", move || ws.with(|w| w.bundle.region.clone()), type_in(TaskField::Region))}
                {text_field("Account id", "f:account".into(), "123456789012", move || ws.with(|w| w.bundle.account_id.clone().unwrap_or_default()), type_in(TaskField::AccountId))}
                {text_field("Execution role ARN", field_id("/executionRoleArn"), "arn:aws:iam::123456789012:role/webTaskExecutionRole", task(|w| w.bundle.task_definition.execution_role_arn.clone()), type_in(TaskField::ExecutionRoleArn))}
                {text_field("Task role ARN (optional)", field_id("/taskRoleArn"), "arn:aws:iam::123456789012:role/webTaskRole", task(|w| w.bundle.task_definition.task_role_arn.clone()), type_in(TaskField::TaskRoleArn))}
            </div>
            <p class="hint">"Region and account complete bare parameter names and build ARNs; they are filled from the backend's identity when it runs."</p>
        </section>
    }
}

#[component]
pub fn ContainersPanel(state: AppState) -> impl IntoView {
    let ws = state.editor.ws;
    let count = Memo::new(move |_| ws.with(|w| w.bundle.task_definition.container_definitions.len()));
    // What every secret row reads besides its own entry and draft.
    let context = Memo::new(move |_| ws.with(RowContext::of));
    // A large task definition opens with only its first container unfolded:
    // hundreds of rows nobody can see at once would make the page slow to open.
    let unfold_all = ws.with_untracked(|w| {
        let rows: usize = w
            .bundle
            .task_definition
            .container_definitions
            .iter()
            .map(|c| c.environment.as_ref().map_or(0, Vec::len) + c.secrets.as_ref().map_or(0, Vec::len))
            .sum();
        rows <= UNFOLDED_ROWS
    });
    view! {
        <section class="panel">
            <div class="panel-head">
                <h2>"Containers & secrets"</h2>
                <button class="btn" id="add-container" on:click=move |_| { state.edit(|w| { w.add_container(); }); }>
                    "+ Add container"
                </button>
            </div>
            <For each=move || 0..count.get() key=|i| *i let:index>
                <ContainerCard editor=state.editor index=index context=context unfolded=unfold_all || index == 0 unfold=state.unfold />
            </For>
        </section>
    }
}

/// Rows of each list an unfolded container adds to the DOM per frame.
const ROWS_PER_FRAME: usize = 10;

/// Up to this many variables and secrets in all, every container opens unfolded.
const UNFOLDED_ROWS: usize = 80;

/// What a secret row's draft is read with besides the row itself
/// ([`Workspace::reference_draft`]): the location, the KMS keys, and the
/// secrets created at Apply.
#[derive(Debug, Clone, PartialEq)]
struct RowContext {
    region: String,
    account: Option<String>,
    kms_keys: BTreeMap<String, String>,
    created: Vec<(Store, String)>,
}

impl RowContext {
    fn of(w: &Workspace) -> RowContext {
        RowContext {
            region: w.bundle.region.clone(),
            account: w.bundle.account_id.clone(),
            kms_keys: w.kms_keys.clone(),
            created: w.bundle.secrets.iter().filter(|s| s.create).map(|s| (s.store, s.name.clone())).collect(),
        }
    }
}

/// One container's slice of the workspace and the drafts of its references.
#[derive(Debug, Clone, Copy)]
struct ContainerSlice {
    container: Memo<ContainerDefinition>,
    drafts: Memo<Vec<SiteDraft>>,
    context: Memo<RowContext>,
}

#[component]
fn ContainerCard(
    editor: Editor,
    index: usize,
    context: Memo<RowContext>,
    unfolded: bool,
    unfold: RwSignal<Option<usize>>,
) -> impl IntoView {
    let ws = editor.ws;
    let open = RwSignal::new(unfolded);
    // How many rows of each list are in the DOM: an unfolded container shows
    // its first rows at once and adds ROWS_PER_FRAME more each frame, so a
    // card of a hundred rows opens without waiting for all of them. A jump to
    // a field inside it (a diagnostic) shows every row at once.
    let rows_shown = RwSignal::new(ROWS_PER_FRAME);
    Effect::new(move |_| {
        if unfold.get() == Some(index) {
            rows_shown.set(usize::MAX);
            open.set(true);
        }
    });
    let container = part(ws, move |w| w.bundle.task_definition.container_definitions.get(index));
    Effect::new(move |_| {
        let longest = container.with(|c| {
            let secrets = |list| list_of(c, list).map_or(0, Vec::len);
            c.environment
                .as_ref()
                .map_or(0, Vec::len)
                .max(secrets(SecretList::Secrets))
                .max(secrets(SecretList::SecretOptions))
        });
        if open.get() && rows_shown.get() < longest {
            request_animation_frame(move || rows_shown.update(|n| *n = n.saturating_add(ROWS_PER_FRAME)));
        }
    });
    let drafts = Memo::new_owning(move |previous: Option<Vec<SiteDraft>>| {
        ws.with(|w| {
            let mine = || w.drafts.iter().filter(|d| d.site.container == index);
            match previous {
                Some(previous) if previous.iter().eq(mine()) => (previous, false),
                _ => (mine().cloned().collect(), true),
            }
        })
    });
    let slice = ContainerSlice { container, drafts, context };
    let base = format!("/containerDefinitions/{index}");
    // One memo per field: a keystroke elsewhere in the container does not
    // set this field's input again.
    let get = move |f: fn(&ContainerDefinition) -> Option<String>| {
        let field = Memo::new(move |_| container.with(|c| f(c).unwrap_or_default()));
        move || field.get()
    };
    let error = RwSignal::new(String::new());
    let set = move |field: ContainerField| {
        move |v: String| {
            let outcome = editor.edit(|w| w.set_container_field(index, field, &v));
            show_error(error, outcome.err().map(|e| e.to_string()).unwrap_or_default());
        }
    };
    let type_in = move |field: ContainerField| {
        move |v: String| {
            let outcome = editor.type_in(|w| w.set_container_field(index, field, &v));
            show_error(error, outcome.err().map(|e| e.to_string()).unwrap_or_default());
        }
    };
    let name = get(|c| c.name.clone());
    let essential = Memo::new(move |_| container.with(|c| c.essential.unwrap_or(true)));
    let ports = Memo::new(move |_| container.with(|c| c.port_mappings.as_ref().map(Vec::len).unwrap_or(0)));
    let envs = Memo::new(move |_| container.with(|c| c.environment.as_ref().map(Vec::len).unwrap_or(0)));
    let log_options = Memo::new(move |_| {
        container.with(|_| ());
        ws.with_untracked(|w| w.log_options_text(index))
    });
    let folded_summary = move || {
        container.with(|c| {
            let secrets = c.secrets.as_ref().map_or(0, Vec::len);
            format!("{} variable(s), {secrets} secret(s)", envs.get())
        })
    };
    let move_to = move |direction: Direction| {
        move |_| {
            let label = match direction {
                Direction::Up => "Move container up",
                Direction::Down => "Move container down",
            };
            editor.destructive(label, |w| {
                let _ = w.move_container(index, direction);
            });
        }
    };
    view! {
        <article class="card container-card" id=format!("container-{index}")>
            <header class="card-head">
                <h3>{move || { let n = name(); if n.is_empty() { format!("Container #{}", index + 1) } else { n } }}</h3>
                <div class="row">
                    <button class="btn small" aria-expanded=move || open.get().to_string()
                        aria-label=move || format!("{} container {}", if open.get() { "Fold" } else { "Unfold" }, name())
                        on:click=move |_| open.update(|o| *o = !*o)>
                        {move || if open.get() { "Fold" } else { "Unfold" }}
                    </button>
                    <button class="btn small" title="Move up" aria-label="Move container up" on:click=move_to(Direction::Up)>"↑"</button>
                    <button class="btn small" title="Move down" aria-label="Move container down" on:click=move_to(Direction::Down)>"↓"</button>
                    <button class="btn small danger" id=format!("remove-container-{index}") on:click=move |_| editor.destructive("Remove container", |w| { let _ = w.remove_container(index); })>"Remove"</button>
                </div>
            </header>
            <Show when=move || !open.get()>
                <p class="hint">{folded_summary}</p>
            </Show>
            <Show when=move || open.get()>
            <div class="grid three">
                {text_field("Name", field_id(&format!("{base}/name")), "web", get(|c| c.name.clone()), type_in(ContainerField::Name))}
                {text_field("Image", field_id(&format!("{base}/image")), "public.ecr.aws/nginx/nginx:latest", get(|c| c.image.clone()), type_in(ContainerField::Image))}
                {text_field("Memory (MiB, hard limit)", field_id(&format!("{base}/memory")), "optional", get(|c| c.memory.map(|m| m.to_string())), type_in(ContainerField::Memory))}
            </div>
            <label class="check">
                <input type="checkbox" id=field_id(&format!("{base}/essential")) prop:checked=essential on:change=move |ev| editor.edit(|w| { let _ = w.set_essential(index, event_target_checked(&ev)); }) />
                "Essential (the task stops when this container stops)"
            </label>
            <p class="error">{move || error.get()}</p>

            <h4>"Port mappings"</h4>
            <For each=move || 0..ports.get() key=|i| *i let:port>
                <div class="row list-row">
                    <label class="field inline">
                        <span class="field-label">"Container port"</span>
                        <input type="number" min="0" max="65535" id=field_id(&format!("/containerDefinitions/{index}/portMappings/{port}/containerPort"))
                            prop:value=move || container.with(|c| c.port_mappings.as_ref().and_then(|p| p.get(port)?.container_port).map(|p| p.to_string()).unwrap_or_default())
                            on:input=move |ev| editor.type_in(|w| { let _ = w.set_port(index, port, &event_target_value(&ev)); }) />
                    </label>
                    <button class="btn small" on:click=move |_| editor.edit(|w| { let _ = w.remove_port(index, port); })>"Remove"</button>
                </div>
            </For>
            <button class="btn small" id=format!("add-port-{index}") on:click=move |_| editor.edit(|w| { let _ = w.add_port(index); })>"+ Port"</button>

            <h4>"Environment variables (plaintext)"</h4>
            <p class="hint">"Visible to anyone who can describe the task definition. Put passwords, tokens and keys in Secrets below."</p>
            <For each=move || 0..envs.get().min(rows_shown.get()) key=|i| *i let:entry>
                <EnvRow editor=editor index=index entry=entry container=container />
            </For>
            <button class="btn small" id=format!("add-env-{index}") on:click=move |_| editor.edit(|w| { let _ = w.add_env(index); })>"+ Variable"</button>

            <h4>"Secrets (environment variables from a secret store)"</h4>
            <SecretRows editor=editor index=index list=SecretList::Secrets slice=slice shown=rows_shown />

            <h4>"Log configuration"</h4>
            <div class="grid three">
                {select_field("Log driver", field_id(&format!("{base}/logConfiguration/logDriver")),
                    get(|c| c.log_configuration.as_ref()?.log_driver.clone()), "(none)",
                    &["awslogs", "splunk", "awsfirelens", "fluentd", "gelf", "json-file", "journald", "syslog"], set(ContainerField::LogDriver))}
                <label class="field wide">
                    <span class="field-label">"Options (one key=value per line)"</span>
                    <textarea class="code-input" rows="3" spellcheck="false" id=field_id(&format!("{base}/logConfiguration/options"))
                        prop:value=log_options
                        on:change=move |ev| {
                            let outcome = editor.edit(|w| w.set_log_options_text(index, &event_target_value(&ev)));
                            show_error(error, outcome.err().map(|e| e.to_string()).unwrap_or_default());
                        }></textarea>
                </label>
            </div>
            <h5>"secretOptions (log driver secrets)"</h5>
            <SecretRows editor=editor index=index list=SecretList::SecretOptions slice=slice shown=rows_shown />

            <h4>"Repository credentials (private registry)"</h4>
            {text_field("credentialsParameter (Secrets Manager ARN)", field_id(&format!("{base}/repositoryCredentials/credentialsParameter")), "arn:aws:secretsmanager:…:secret:registry-AbCdEf",
                get(|c| c.repository_credentials.as_ref()?.credentials_parameter.clone()), type_in(ContainerField::RepositoryCredentials))}
            </Show>
        </article>
    }
}

#[component]
fn EnvRow(editor: Editor, index: usize, entry: usize, container: Memo<ContainerDefinition>) -> impl IntoView {
    let pair = part(container, move |c| c.environment.as_ref()?.get(entry));
    let read = move |part: EnvPart| {
        move || {
            pair.with(|p: &KeyValuePair| match part {
                EnvPart::Name => p.name.clone(),
                EnvPart::Value => p.value.clone(),
            })
            .unwrap_or_default()
        }
    };
    let write = move |part: EnvPart| {
        move |ev: leptos::ev::Event| {
            editor.type_in(|w| {
                let _ = w.set_env(index, entry, part, &event_target_value(&ev));
            })
        }
    };
    let base = format!("/containerDefinitions/{index}/environment/{entry}");
    view! {
        <div class="row list-row env-row">
            <input type="text" class="name-input" aria-label="Variable name" placeholder="NAME" id=field_id(&format!("{base}/name"))
                prop:value=read(EnvPart::Name) on:input=write(EnvPart::Name) />
            <span class="eq">"="</span>
            <input type="text" class="value-input" aria-label="Variable value" placeholder="value" id=field_id(&format!("{base}/value"))
                prop:value=read(EnvPart::Value) on:input=write(EnvPart::Value) />
            <button class="btn small" on:click=move |_| editor.destructive("Remove variable", |w| { let _ = w.remove_env(index, entry); })>"Remove"</button>
        </div>
    }
}

fn list_of(c: &ContainerDefinition, list: SecretList) -> Option<&Vec<Secret>> {
    match list {
        SecretList::Secrets => c.secrets.as_ref(),
        SecretList::SecretOptions => c.log_configuration.as_ref()?.secret_options.as_ref(),
    }
}

fn list_segment(list: SecretList) -> &'static str {
    match list {
        SecretList::Secrets => "secrets",
        SecretList::SecretOptions => "logConfiguration/secretOptions",
    }
}

#[component]
fn SecretRows(
    editor: Editor,
    index: usize,
    list: SecretList,
    slice: ContainerSlice,
    shown: RwSignal<usize>,
) -> impl IntoView {
    let count = Memo::new(move |_| slice.container.with(|c| list_of(c, list).map(Vec::len).unwrap_or(0)));
    let add_id = format!("add-{}-{index}", if list == SecretList::Secrets { "secret" } else { "secret-option" });
    view! {
        <For each=move || 0..count.get().min(shown.get()) key=|i| *i let:entry>
            <SecretRow editor=editor site=Site::new(index, list, entry) slice=slice />
        </For>
        <button class="btn small" id=add_id on:click=move |_| editor.edit(|w| { let _ = w.add_secret(index, list); })>
            {if list == SecretList::Secrets { "+ Secret" } else { "+ Secret option" }}
        </button>
    }
}

/// What one secret row shows, read from the workspace.
#[derive(Debug, Clone, PartialEq)]
struct RowView {
    variable: String,
    value_from: String,
    draft: ReferenceDraft,
    /// The secret the row refers to and whether it is created at Apply.
    secret: Option<(shared::Store, String, bool)>,
}

#[component]
fn SecretRow(editor: Editor, site: Site, slice: ContainerSlice) -> impl IntoView {
    let ws = editor.ws;
    let Site { container: index, list, entry } = site;
    let base = format!("/containerDefinitions/{index}/{}/{entry}", list_segment(list));
    // Re-read only when this entry, the drafts of its container or the row
    // context changes, or a key is typed into this row (`keyed`: what it
    // builds — `valueFrom`, the parts, the secret's name and create flag —
    // shows at once, while the rest of the page waits for the typing pause).
    let secret = part(slice.container, move |c| list_of(c, list)?.get(entry));
    let keyed = Trigger::new();
    let row = Memo::new(move |_| {
        // Read, not only tracked: a memo nobody reads is never computed, so
        // it would never change.
        secret.with(|_| ());
        slice.drafts.with(|_| ());
        slice.context.with(|_| ());
        keyed.track();
        ws.with_untracked(|w| {
            let container = w.bundle.task_definition.container_definitions.get(index);
            let secret = container.and_then(|c| list_of(c, list)?.get(entry));
            let named = w.site_secret_name(site);
            RowView {
                variable: secret.and_then(|s| s.name.clone()).unwrap_or_default(),
                value_from: secret.and_then(|s| s.value_from.clone()).unwrap_or_default(),
                draft: w.reference_draft(site),
                secret: named.map(|(store, name)| {
                    let create = w.bundle.secrets.iter().any(|s| s.create && s.store == store && s.name == name);
                    (store, name, create)
                }),
            }
        })
    });
    let draft = move |f: fn(&ReferenceDraft) -> String| move || row.with(|r| f(&r.draft));
    let error = RwSignal::new(String::new());
    // A keystroke (`typed`) re-renders this row at once and the rest of the
    // page when typing pauses; a choice re-renders everything at once.
    let type_in = move |edit: &mut dyn FnMut(&mut Workspace)| {
        editor.type_in(|w| edit(w));
        keyed.notify();
    };
    let edit_with = move |make: fn(String) -> DraftEdit, typed: bool| {
        move |ev: leptos::ev::Event| {
            let change = make(event_target_value(&ev));
            let mut outcome = Ok(None);
            let mut edit = |w: &mut Workspace| outcome = w.edit_reference(site, change.clone());
            if typed {
                type_in(&mut edit)
            } else {
                editor.edit(edit)
            };
            show_error(
                error,
                match outcome {
                    Ok(problem) => problem.map(|e| e.to_string()).unwrap_or_default(),
                    Err(e) => e.to_string(),
                },
            );
        }
    };
    let edit = move |make: fn(String) -> DraftEdit| edit_with(make, true);
    let is_sm = move || row.with(|r| r.draft.store == Some(Store::SecretsManager));
    let secret_name = move || row.with(|r| r.secret.as_ref().map(|(_, name, _)| name.clone()));
    let creating = move || row.with(|r| r.secret.as_ref().is_some_and(|(_, _, create)| *create));
    let value_set = move || secret_name().is_some_and(|name| editor.values.with(|v| v.contains_key(&name)));
    let base = StoredValue::new(base);
    let id_part = move |part: &str| base.with_value(|b| field_id(&format!("{b}/{part}")));
    let is_secrets = list == SecretList::Secrets;
    let (create_id, value_id) = (StoredValue::new(id_part("create")), StoredValue::new(id_part("value")));
    // One part of the reference draft as a labelled text input.
    let part_input = move |label: &'static str,
                           part: &str,
                           placeholder: &'static str,
                           read: fn(&ReferenceDraft) -> String,
                           make: fn(String) -> DraftEdit| {
        view! {
            <label class="field">
                <span class="field-label">{label}</span>
                <input type="text" id=id_part(part) placeholder=placeholder prop:value=draft(read) on:input=edit(make) />
            </label>
        }
    };
    view! {
        <div class="secret-row">
            <div class="grid secret-grid">
                <label class="field">
                    <span class="field-label">{if is_secrets { "Variable name" } else { "Log option name" }}</span>
                    <input type="text" id=id_part("name") placeholder=if is_secrets { "DATABASE_PASSWORD" } else { "splunk-token" }
                        prop:value=move || row.with(|r| r.variable.clone())
                        on:input=move |ev| type_in(&mut |w| { let _ = w.set_secret_name(index, list, entry, &event_target_value(&ev)); }) />
                </label>
                <label class="field">
                    <span class="field-label">"Store"</span>
                    <select id=id_part("store") prop:value=move || row.with(|r| r.draft.store.unwrap_or(Store::Ssm).as_str())
                        on:change=edit_with(|v| DraftEdit::Store(if v == "secretsmanager" { Store::SecretsManager } else { Store::Ssm }), false)>
                        <option value="ssm">"SSM Parameter Store"</option>
                        <option value="secretsmanager">"Secrets Manager"</option>
                    </select>
                </label>
                <label class="field">
                    <span class="field-label">{move || if is_sm() { "Secret name" } else { "Parameter name" }}</span>
                    <input type="text" id=id_part("refName") placeholder=move || if is_sm() { "web/db-credentials" } else { "/web/db/password" }
                        prop:value=draft(|d| d.name.clone()) on:input=edit(DraftEdit::Name) />
                </label>
                <Show when=is_sm>
                    {part_input("JSON key (optional)", "jsonKey", "password", |d| d.json_key.clone(), DraftEdit::JsonKey)}
                    {part_input("Version stage (optional)", "versionStage", "AWSCURRENT", |d| d.version_stage.clone(), DraftEdit::VersionStage)}
                    {part_input("Version id (optional)", "versionId", "", |d| d.version_id.clone(), DraftEdit::VersionId)}
                </Show>
                {part_input("Customer-managed KMS key (optional)", "kmsKey", "arn:aws:kms:…:key/…", |d| d.kms_key.clone(), DraftEdit::KmsKey)}
            </div>
            <div class="row value-from-row">
                <label class="field grow">
                    <span class="field-label">"valueFrom (built for you; edit by hand if you must)"</span>
                    <input type="text" class="mono" id=id_part("valueFrom") prop:value=move || row.with(|r| r.value_from.clone())
                        on:input=move |ev| type_in(&mut |w| { let _ = w.set_secret_value_from(index, list, entry, &event_target_value(&ev)); }) />
                </label>
                <button class="btn small" on:click=move |_| editor.destructive("Remove secret", |w| { let _ = w.remove_secret(index, list, entry); })>"Remove"</button>
            </div>
            <p class="error">{move || error.get()}</p>
            <Show when=move || secret_name().is_some()>
                <div class="row create-row">
                    <label class="check">
                        <input type="checkbox" id=create_id.get_value() prop:checked=creating
                            on:change=move |ev| { let on = event_target_checked(&ev); editor.edit(|w| w.set_site_create(site, on)); } />
                        "Create this secret at Apply (it does not exist yet)"
                    </label>
                    <Show when=creating>
                        <label class="field inline">
                            <span class="field-label">"Value (memory only, sent only with Apply)"</span>
                            <input type="password" autocomplete="off" class="secret-value" id=value_id.get_value()
                                placeholder=move || if value_set() { "value set (type to replace)" } else { "" }
                                on:input=move |ev| {
                                    let v = event_target_value(&ev);
                                    if let Some(name) = secret_name() {
                                        editor.values.update(|m| { m.insert(name, SecretString::from(v)); });
                                    }
                                } />
                        </label>
                        <span class="pill" class:ok=value_set>{move || if value_set() { "value set" } else { "no value yet" }}</span>
                    </Show>
                </div>
            </Show>
        </div>
    }
}
