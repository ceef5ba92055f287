//! The editors: Start (new / example / import), the task-definition form
//! and the containers with their environment, secrets, log configuration
//! and registry credentials. Each input reads one value from the workspace
//! and dispatches one `Workspace` method; lists are keyed by index so a
//! keystroke never re-creates the input being typed in.

use leptos::prelude::*;
use secrecy::SecretString;
use shared::Store;
use shared::workspace::{
    ContainerField, FARGATE_CPUS, ReferenceDraft, SecretList, TaskField, Workspace, fargate_memory_options,
};

use crate::{AppState, field_id};

/// A labelled text input bound to one value.
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

#[component]
pub fn StartPanel(state: AppState) -> impl IntoView {
    let paste = RwSignal::new(String::new());
    let notes = RwSignal::new(Vec::<String>::new());
    let error = RwSignal::new(String::new());
    let import = move |text: String| {
        let mut next = state.ws.get_untracked();
        match next.import_text(&text) {
            Ok(found) => {
                state.destructive("Import", |ws| *ws = next);
                notes.set(found.into_iter().map(|n| format!("{} {}", n.path, n.message).trim().to_owned()).collect());
                error.set(String::new());
                state.values.update(|v| v.clear());
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
                        state.destructive("New configuration", |ws| *ws = Workspace::empty());
                        state.values.update(|v| v.clear());
                        notes.set(Vec::new());
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
                        state.destructive("Load example", |ws| *ws = Workspace::seed_example());
                        state.values.update(|v| v.clear());
                        notes.set(Vec::new());
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
    let ws = state.ws;
    let task = move |f: fn(&Workspace) -> Option<String>| move || ws.with(|w| f(w).unwrap_or_default());
    let set = move |field: TaskField| move |v: String| ws.update(|w| w.set_task_field(field, &v));
    let cpu = task(|w| w.task_definition.cpu.clone());
    let memory_options = move || ws.with(|w| fargate_memory_options(w.task_definition.cpu.as_deref().unwrap_or("")));
    let launch = task(|w| w.task_definition.requires_compatibilities.as_ref().and_then(|c| c.first().cloned()));
    view! {
        <section class="panel">
            <h2>"Task definition"</h2>
            <div class="grid two">
                {text_field("Family", field_id("/family"), "web", task(|w| w.task_definition.family.clone()), set(TaskField::Family))}
                <label class="field">
                    <span class="field-label">"Launch type"</span>
                    <select id=field_id("/requiresCompatibilities") prop:value=launch on:change=move |ev| set(TaskField::LaunchType)(event_target_value(&ev))>
                        <option value="">"(not set: EC2)"</option>
                        <option value="FARGATE">"FARGATE"</option>
                        <option value="EC2">"EC2"</option>
                        <option value="EXTERNAL">"EXTERNAL"</option>
                    </select>
                </label>
                <label class="field">
                    <span class="field-label">"Network mode"</span>
                    <select id=field_id("/networkMode") prop:value=task(|w| w.task_definition.network_mode.clone()) on:change=move |ev| set(TaskField::NetworkMode)(event_target_value(&ev))>
                        <option value="">"(not set: bridge on EC2)"</option>
                        <option value="awsvpc">"awsvpc"</option>
                        <option value="bridge">"bridge"</option>
                        <option value="host">"host"</option>
                        <option value="none">"none"</option>
                    </select>
                </label>
                <div class="grid two tight">
                    <label class="field">
                        <span class="field-label">"Task CPU (units)"</span>
                        <select id=field_id("/cpu") prop:value=cpu on:change=move |ev| set(TaskField::Cpu)(event_target_value(&ev))>
                            <option value="">"(none)"</option>
                            {FARGATE_CPUS.iter().map(|c| view! { <option value=*c>{*c}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="field">
                        <span class="field-label">"Task memory (MiB)"</span>
                        <select id=field_id("/memory") prop:value=task(|w| w.task_definition.memory.clone()) on:change=move |ev| set(TaskField::Memory)(event_target_value(&ev))>
                            <option value="">"(none)"</option>
                            {move || {
                                let current = ws.with(|w| w.task_definition.memory.clone().unwrap_or_default());
                                let mut options: Vec<String> = memory_options().into_iter().map(|m| m.to_string()).collect();
                                if !current.is_empty() && !options.contains(&current) {
                                    options.insert(0, current);
                                }
                                options.into_iter().map(|m| view! { <option value=m.clone()>{m.clone()}</option> }).collect_view()
                            }}
                        </select>
                    </label>
                </div>
                {text_field("Region", "f:region".into(), "us-east-1", move || ws.with(|w| w.region.clone()), set(TaskField::Region))}
                {text_field("Account id", "f:account".into(), "123456789012", move || ws.with(|w| w.account_id.clone().unwrap_or_default()), set(TaskField::AccountId))}
                {text_field("Execution role ARN", field_id("/executionRoleArn"), "arn:aws:iam::123456789012:role/webTaskExecutionRole", task(|w| w.task_definition.execution_role_arn.clone()), set(TaskField::ExecutionRoleArn))}
                {text_field("Task role ARN (optional)", field_id("/taskRoleArn"), "arn:aws:iam::123456789012:role/webTaskRole", task(|w| w.task_definition.task_role_arn.clone()), set(TaskField::TaskRoleArn))}
            </div>
            <p class="hint">"Region and account complete bare parameter names and build ARNs; they are filled from the backend's identity when it runs."</p>
        </section>
    }
}

#[component]
pub fn ContainersPanel(state: AppState) -> impl IntoView {
    let ws = state.ws;
    let count = move || ws.with(|w| w.task_definition.container_definitions.len());
    view! {
        <section class="panel">
            <div class="panel-head">
                <h2>"Containers & secrets"</h2>
                <button class="btn" id="add-container" on:click=move |_| { ws.update(|w| { w.add_container(); }); }>
                    "+ Add container"
                </button>
            </div>
            <For each=move || 0..count() key=|i| *i let:index>
                <ContainerCard state=state index=index />
            </For>
        </section>
    }
}

#[component]
fn ContainerCard(state: AppState, index: usize) -> impl IntoView {
    let ws = state.ws;
    let base = format!("/containerDefinitions/{index}");
    let get = move |f: fn(&shared::task_def::ContainerDefinition) -> Option<String>| {
        move || ws.with(|w| w.task_definition.container_definitions.get(index).and_then(f).unwrap_or_default())
    };
    let error = RwSignal::new(String::new());
    let set = move |field: ContainerField| {
        move |v: String| {
            let mut outcome = Ok(());
            ws.update(|w| outcome = w.set_container_field(index, field, &v));
            error.set(outcome.err().map(|e| e.to_string()).unwrap_or_default());
        }
    };
    let name = get(|c| c.name.clone());
    let essential = move || {
        ws.with(|w| w.task_definition.container_definitions.get(index).and_then(|c| c.essential).unwrap_or(true))
    };
    let ports = move || {
        ws.with(|w| {
            w.task_definition
                .container_definitions
                .get(index)
                .and_then(|c| c.port_mappings.as_ref().map(Vec::len))
                .unwrap_or(0)
        })
    };
    let envs = move || {
        ws.with(|w| {
            w.task_definition
                .container_definitions
                .get(index)
                .and_then(|c| c.environment.as_ref().map(Vec::len))
                .unwrap_or(0)
        })
    };
    view! {
        <article class="card container-card" id=format!("container-{index}")>
            <header class="card-head">
                <h3>{move || { let n = name(); if n.is_empty() { format!("Container #{}", index + 1) } else { n } }}</h3>
                <div class="row">
                    <button class="btn small" title="Move up" aria-label="Move container up" on:click=move |_| { ws.update(|w| { let _ = w.move_container(index, true); }); }>"↑"</button>
                    <button class="btn small" title="Move down" aria-label="Move container down" on:click=move |_| { ws.update(|w| { let _ = w.move_container(index, false); }); }>"↓"</button>
                    <button class="btn small danger" id=format!("remove-container-{index}") on:click=move |_| state.destructive("Remove container", |w| { let _ = w.remove_container(index); })>"Remove"</button>
                </div>
            </header>
            <div class="grid three">
                {text_field("Name", field_id(&format!("{base}/name")), "web", get(|c| c.name.clone()), set(ContainerField::Name))}
                {text_field("Image", field_id(&format!("{base}/image")), "public.ecr.aws/nginx/nginx:latest", get(|c| c.image.clone()), set(ContainerField::Image))}
                {text_field("Memory (MiB, hard limit)", field_id(&format!("{base}/memory")), "optional", get(|c| c.memory.map(|m| m.to_string())), set(ContainerField::Memory))}
            </div>
            <label class="check">
                <input type="checkbox" id=field_id(&format!("{base}/essential")) prop:checked=essential on:change=move |ev| ws.update(|w| { let _ = w.set_essential(index, event_target_checked(&ev)); }) />
                "Essential (the task stops when this container stops)"
            </label>
            <p class="error">{move || error.get()}</p>

            <h4>"Port mappings"</h4>
            <For each=move || 0..ports() key=|i| *i let:port>
                <div class="row list-row">
                    <label class="field inline">
                        <span class="field-label">"Container port"</span>
                        <input type="number" min="0" max="65535" id=field_id(&format!("/containerDefinitions/{index}/portMappings/{port}/containerPort"))
                            prop:value=move || ws.with(|w| w.task_definition.container_definitions.get(index).and_then(|c| c.port_mappings.as_ref()?.get(port)?.container_port).map(|p| p.to_string()).unwrap_or_default())
                            on:input=move |ev| ws.update(|w| { let _ = w.set_port(index, port, &event_target_value(&ev)); }) />
                    </label>
                    <button class="btn small" on:click=move |_| ws.update(|w| { let _ = w.remove_port(index, port); })>"Remove"</button>
                </div>
            </For>
            <button class="btn small" id=format!("add-port-{index}") on:click=move |_| ws.update(|w| { let _ = w.add_port(index); })>"+ Port"</button>

            <h4>"Environment variables (plaintext)"</h4>
            <p class="hint">"Visible to anyone who can describe the task definition. Put passwords, tokens and keys in Secrets below."</p>
            <For each=move || 0..envs() key=|i| *i let:entry>
                <EnvRow state=state index=index entry=entry />
            </For>
            <button class="btn small" id=format!("add-env-{index}") on:click=move |_| ws.update(|w| { let _ = w.add_env(index); })>"+ Variable"</button>

            <h4>"Secrets (environment variables from a secret store)"</h4>
            <SecretRows state=state index=index list=SecretList::Secrets />

            <h4>"Log configuration"</h4>
            <div class="grid three">
                <label class="field">
                    <span class="field-label">"Log driver"</span>
                    <select id=field_id(&format!("{base}/logConfiguration/logDriver"))
                        prop:value=get(|c| c.log_configuration.as_ref()?.log_driver.clone())
                        on:change=move |ev| set(ContainerField::LogDriver)(event_target_value(&ev))>
                        <option value="">"(none)"</option>
                        {["awslogs", "splunk", "awsfirelens", "fluentd", "gelf", "json-file", "journald", "syslog"].into_iter().map(|d| view! { <option value=d>{d}</option> }).collect_view()}
                    </select>
                </label>
                <label class="field wide">
                    <span class="field-label">"Options (one key=value per line)"</span>
                    <textarea class="code-input" rows="3" spellcheck="false" id=field_id(&format!("{base}/logConfiguration/options"))
                        prop:value=move || ws.with(|w| w.log_options_text(index))
                        on:change=move |ev| {
                            let mut outcome = Ok(());
                            ws.update(|w| outcome = w.set_log_options_text(index, &event_target_value(&ev)));
                            error.set(outcome.err().map(|e| e.to_string()).unwrap_or_default());
                        }></textarea>
                </label>
            </div>
            <h5>"secretOptions (log driver secrets)"</h5>
            <SecretRows state=state index=index list=SecretList::SecretOptions />

            <h4>"Repository credentials (private registry)"</h4>
            {text_field("credentialsParameter (Secrets Manager ARN)", field_id(&format!("{base}/repositoryCredentials/credentialsParameter")), "arn:aws:secretsmanager:…:secret:registry-AbCdEf",
                get(|c| c.repository_credentials.as_ref()?.credentials_parameter.clone()), set(ContainerField::RepositoryCredentials))}
        </article>
    }
}

#[component]
fn EnvRow(state: AppState, index: usize, entry: usize) -> impl IntoView {
    let ws = state.ws;
    let read = move |value: bool| {
        move || {
            ws.with(|w| {
                w.task_definition
                    .container_definitions
                    .get(index)
                    .and_then(|c| c.environment.as_ref()?.get(entry))
                    .and_then(|p| if value { p.value.clone() } else { p.name.clone() })
                    .unwrap_or_default()
            })
        }
    };
    let base = format!("/containerDefinitions/{index}/environment/{entry}");
    view! {
        <div class="row list-row env-row">
            <input type="text" class="name-input" aria-label="Variable name" placeholder="NAME" id=field_id(&format!("{base}/name"))
                prop:value=read(false) on:input=move |ev| ws.update(|w| { let _ = w.set_env(index, entry, false, &event_target_value(&ev)); }) />
            <span class="eq">"="</span>
            <input type="text" class="value-input" aria-label="Variable value" placeholder="value" id=field_id(&format!("{base}/value"))
                prop:value=read(true) on:input=move |ev| ws.update(|w| { let _ = w.set_env(index, entry, true, &event_target_value(&ev)); }) />
            <button class="btn small" on:click=move |_| state.destructive("Remove variable", |w| { let _ = w.remove_env(index, entry); })>"Remove"</button>
        </div>
    }
}

fn list_len(w: &Workspace, index: usize, list: SecretList) -> usize {
    let Some(c) = w.task_definition.container_definitions.get(index) else { return 0 };
    match list {
        SecretList::Secrets => c.secrets.as_ref().map(Vec::len).unwrap_or(0),
        SecretList::SecretOptions => {
            c.log_configuration.as_ref().and_then(|l| l.secret_options.as_ref()).map(Vec::len).unwrap_or(0)
        }
    }
}

fn list_segment(list: SecretList) -> &'static str {
    match list {
        SecretList::Secrets => "secrets",
        SecretList::SecretOptions => "logConfiguration/secretOptions",
    }
}

#[component]
fn SecretRows(state: AppState, index: usize, list: SecretList) -> impl IntoView {
    let ws = state.ws;
    let count = move || ws.with(|w| list_len(w, index, list));
    let add_id = format!("add-{}-{index}", if list == SecretList::Secrets { "secret" } else { "secret-option" });
    view! {
        <For each=move || 0..count() key=|i| *i let:entry>
            <SecretRow state=state index=index list=list entry=entry />
        </For>
        <button class="btn small" id=add_id on:click=move |_| ws.update(|w| { let _ = w.add_secret(index, list); })>
            {if list == SecretList::Secrets { "+ Secret" } else { "+ Secret option" }}
        </button>
    }
}

#[component]
fn SecretRow(state: AppState, index: usize, list: SecretList, entry: usize) -> impl IntoView {
    let ws = state.ws;
    let base = format!("/containerDefinitions/{index}/{}/{entry}", list_segment(list));
    let entry_of = move |w: &Workspace| -> Option<shared::task_def::Secret> {
        let c = w.task_definition.container_definitions.get(index)?;
        let items = match list {
            SecretList::Secrets => c.secrets.as_ref(),
            SecretList::SecretOptions => c.log_configuration.as_ref()?.secret_options.as_ref(),
        };
        items?.get(entry).cloned()
    };
    let value_from = move || ws.with(|w| entry_of(w).and_then(|s| s.value_from).unwrap_or_default());
    let variable = move || ws.with(|w| entry_of(w).and_then(|s| s.name).unwrap_or_default());
    // The parts being edited live here, not in the workspace: a partly
    // typed name (`/w`) must not be re-derived from the ARN it produced
    // (which would read back as `w`). They are re-read only when the
    // reference changes from elsewhere (a fix, an import, hand editing).
    let draft = RwSignal::new(ws.with_untracked(|w| {
        ReferenceDraft::from_value_from(&entry_of(w).and_then(|s| s.value_from).unwrap_or_default(), &w.context())
    }));
    let last_written = StoredValue::new(value_from_untracked(ws, &entry_of));
    Effect::new(move |_| {
        let current = value_from();
        if current != last_written.get_value() {
            last_written.set_value(current.clone());
            draft.set(ws.with_untracked(|w| ReferenceDraft::from_value_from(&current, &w.context())));
        }
    });
    let error = RwSignal::new(String::new());
    let set_draft = move |change: Box<dyn FnOnce(&mut ReferenceDraft)>| {
        draft.update(|d| change(d));
        let next = draft.get_untracked();
        let mut outcome = Ok(String::new());
        ws.update(|w| {
            outcome = w.set_secret_reference(index, list, entry, &next);
            if outcome.is_err() && next.store != Some(Store::SecretsManager) {
                // A bare SSM name is valid in the task's own region/account.
                let _ = w.set_secret_value_from(index, list, entry, &next.name);
            }
        });
        last_written.set_value(value_from_untracked(ws, &entry_of));
        error.set(outcome.err().map(|e| e.to_string()).unwrap_or_default());
    };
    let spec = move || {
        ws.with(|w| {
            let raw = entry_of(w)?.value_from?;
            let reference = shared::SecretRef::parse(&raw).ok()?;
            let name = match &reference {
                shared::SecretRef::SecretsManager(arn) => arn.name.clone(),
                other => other.name().to_owned(),
            };
            w.secrets.iter().find(|s| s.store == reference.store() && s.name == name).cloned()
        })
    };
    let kms = move || ws.with(|w| w.kms_keys.get(&value_from()).cloned().unwrap_or_default());
    let is_sm = move || draft.with(|d| d.store == Some(Store::SecretsManager));
    let value_set = move || spec().is_some_and(|s| state.values.with(|v| v.contains_key(&s.name)));
    let id_part = |part: &str| format!("{base}/{part}");
    let (json_key_id, stage_id, version_id) =
        (field_id(&id_part("jsonKey")), field_id(&id_part("versionStage")), field_id(&id_part("versionId")));
    let create_id_base = field_id(&id_part("create"));
    let value_id_base = field_id(&id_part("value"));
    view! {
        <div class="secret-row">
            <div class="grid secret-grid">
                <label class="field">
                    <span class="field-label">{if list == SecretList::Secrets { "Variable name" } else { "Log option name" }}</span>
                    <input type="text" id=field_id(&id_part("name")) placeholder=if list == SecretList::Secrets { "DATABASE_PASSWORD" } else { "splunk-token" } prop:value=variable
                        on:input=move |ev| ws.update(|w| { let _ = w.set_secret_name(index, list, entry, &event_target_value(&ev)); }) />
                </label>
                <label class="field">
                    <span class="field-label">"Store"</span>
                    <select id=field_id(&id_part("store")) prop:value=move || draft.with(|d| d.store.unwrap_or(Store::Ssm).as_str())
                        on:change=move |ev| { let v = event_target_value(&ev); set_draft(Box::new(move |d| d.store = Some(if v == "secretsmanager" { Store::SecretsManager } else { Store::Ssm }))) }>
                        <option value="ssm">"SSM Parameter Store"</option>
                        <option value="secretsmanager">"Secrets Manager"</option>
                    </select>
                </label>
                <label class="field">
                    <span class="field-label">{move || if is_sm() { "Secret name" } else { "Parameter name" }}</span>
                    <input type="text" id=field_id(&id_part("refName")) placeholder=move || if is_sm() { "web/api-token" } else { "/web/db/password" } prop:value=move || draft.with(|d| d.name.clone())
                        on:input=move |ev| { let v = event_target_value(&ev); set_draft(Box::new(move |d| d.name = v)) } />
                </label>
                <Show when=is_sm>
                    <label class="field">
                        <span class="field-label">"JSON key (optional)"</span>
                        <input type="text" id=json_key_id.clone() placeholder="password" prop:value=move || draft.with(|d| d.json_key.clone())
                            on:input=move |ev| { let v = event_target_value(&ev); set_draft(Box::new(move |d| d.json_key = v)) } />
                    </label>
                    <label class="field">
                        <span class="field-label">"Version stage (optional)"</span>
                        <input type="text" id=stage_id.clone() placeholder="AWSCURRENT" prop:value=move || draft.with(|d| d.version_stage.clone())
                            on:input=move |ev| { let v = event_target_value(&ev); set_draft(Box::new(move |d| d.version_stage = v)) } />
                    </label>
                    <label class="field">
                        <span class="field-label">"Version id (optional)"</span>
                        <input type="text" id=version_id.clone() prop:value=move || draft.with(|d| d.version_id.clone())
                            on:input=move |ev| { let v = event_target_value(&ev); set_draft(Box::new(move |d| d.version_id = v)) } />
                    </label>
                </Show>
                <label class="field">
                    <span class="field-label">"Customer-managed KMS key (optional)"</span>
                    <input type="text" id=field_id(&id_part("kmsKey")) placeholder="arn:aws:kms:…:key/…" prop:value=kms
                        on:input=move |ev| { let reference = value_from(); ws.update(|w| w.set_kms_key(&reference, &event_target_value(&ev))) } />
                </label>
            </div>
            <div class="row value-from-row">
                <label class="field grow">
                    <span class="field-label">"valueFrom (built for you; edit by hand if you must)"</span>
                    <input type="text" class="mono" id=field_id(&format!("{base}/valueFrom")) prop:value=value_from
                        on:input=move |ev| ws.update(|w| { let _ = w.set_secret_value_from(index, list, entry, &event_target_value(&ev)); }) />
                </label>
                <button class="btn small" on:click=move |_| state.destructive("Remove secret", |w| { let _ = w.remove_secret(index, list, entry); })>"Remove"</button>
            </div>
            <p class="error">{move || error.get()}</p>
            {move || spec().map(|s| {
                let (store, name) = (s.store, s.name.clone());
                let name_for_value = name.clone();
                let create_id = create_id_base.clone();
                let value_id = value_id_base.clone();
                view! {
                    <div class="row create-row">
                        <label class="check">
                            <input type="checkbox" id=create_id prop:checked=s.create
                                on:change=move |ev| { let on = event_target_checked(&ev); ws.update(|w| w.set_secret_create(store, &name, on)); } />
                            "Create this secret at Apply (it does not exist yet)"
                        </label>
                        <Show when=move || spec().is_some_and(|s| s.create)>
                            <label class="field inline">
                                <span class="field-label">"Value (memory only, sent only with Apply)"</span>
                                <input type="password" autocomplete="off" class="secret-value" id=value_id.clone()
                                    placeholder=move || if value_set() { "a value is set (hidden): type to replace it" } else { "type the value" }
                                    on:input={
                                        let name = name_for_value.clone();
                                        move |ev| { let v = event_target_value(&ev); let name = name.clone(); state.values.update(|m| { m.insert(name, SecretString::from(v)); }); }
                                    } />
                            </label>
                            <span class="pill" class:ok=value_set>{move || if value_set() { "value set" } else { "no value yet" }}</span>
                        </Show>
                    </div>
                }
            })}
        </div>
    }
}

fn value_from_untracked(
    ws: RwSignal<Workspace>,
    entry_of: &impl Fn(&Workspace) -> Option<shared::task_def::Secret>,
) -> String {
    ws.with_untracked(|w| entry_of(w).and_then(|s| s.value_from).unwrap_or_default())
}
