//! The execution role (generated trust and permission policies, the
//! managed-policy advice, pasted existing policies), the access map and the
//! error decoder.

use leptos::prelude::*;
use shared::iam::access::VerdictStatus;
use shared::workspace::{AccessRow, TaskField};

use crate::AppState;
use crate::editor::text_field;

fn pretty<T: serde::Serialize>(value: &T) -> String {
    shared::json_text::pretty(value).unwrap_or_default()
}

#[component]
pub fn RolePanel(state: AppState) -> impl IntoView {
    let ws = state.ws;
    let analysis = state.analysis;
    let attach = move || {
        ws.with(|w| match w.bundle.execution_role.attach_managed_policy {
            None => "auto",
            Some(true) => "yes",
            Some(false) => "no",
        })
    };
    let policies = move || ws.with(|w| w.existing_policies.len());
    let access_summary = move || {
        analysis.with(|a| match &a.access {
            None => "Paste the role's existing policies to check that it can read every secret.".to_owned(),
            Some(report) if report.all_allowed() => {
                format!("Allowed: the role can read all {} reference(s).", report.references.len())
            }
            Some(report) if !report.any_denied() => format!(
                "Depends on the key policy: {} of {} reference(s) use a customer-managed KMS key whose key policy decides; add key-policy-statement.json to it (or make sure it delegates to the account).",
                report.problems().count(),
                report.references.len()
            ),
            Some(report) => format!(
                "Denied: {} of {} reference(s) cannot be read. See the access map.",
                report.problems().count(),
                report.references.len()
            ),
        })
    };
    view! {
        <section class="panel">
            <h2>"Execution role"</h2>
            <div class="grid two">
                {text_field("Role name", "f:roleName".into(), "webTaskExecutionRole", move || ws.with(|w| w.bundle.execution_role.name.clone()), move |v| ws.update(|w| w.set_task_field(TaskField::RoleName, &v)))}
                <div class="field">
                    <span class="field-label">"The role"</span>
                    <div class="row">
                        <label class="check"><input type="radio" name="role-create" id="role-create" prop:checked=move || ws.with(|w| w.bundle.execution_role.create) on:change=move |_| ws.update(|w| w.bundle.execution_role.create = true) />"Create it (or update it if it exists)"</label>
                        <label class="check"><input type="radio" name="role-create" id="role-existing" prop:checked=move || ws.with(|w| !w.bundle.execution_role.create) on:change=move |_| ws.update(|w| w.bundle.execution_role.create = false) />"Use an existing role"</label>
                    </div>
                </div>
            </div>
            <h3>"Managed policy AmazonECSTaskExecutionRolePolicy"</h3>
            <div class="recommendation" id="recommendation">
                {move || analysis.with(|a| match &a.recommendation {
                    Some(r) => view! {
                        <p><strong>"Recommended. "</strong>{r.reasons.join("; ")}"."</p>
                        <p class="hint">{r.note.clone()}</p>
                    }.into_any(),
                    None => view! { <p><strong>"Not needed. "</strong>"No image comes from ECR and no container uses the awslogs driver."</p> }.into_any(),
                })}
                <label class="field inline">
                    <span class="field-label">"Attach it"</span>
                    <select id="attach-managed" prop:value=attach on:change=move |ev| {
                        let v = event_target_value(&ev);
                        ws.update(|w| w.bundle.execution_role.attach_managed_policy = match v.as_str() { "yes" => Some(true), "no" => Some(false), _ => None });
                    }>
                        <option value="auto">"As recommended"</option>
                        <option value="yes">"Yes"</option>
                        <option value="no">"No"</option>
                    </select>
                </label>
            </div>
            <div class="policies">
                <div>
                    <h3>"Trust policy"</h3>
                    <pre class="code-block" id="trust-policy">{move || analysis.with(|a| pretty(&a.trust_policy))}</pre>
                </div>
                <div>
                    <h3>"Permission policy (least privilege)"</h3>
                    <pre class="code-block" id="permission-policy">{move || analysis.with(|a| pretty(&a.permission_policy.policy))}</pre>
                    <ul class="notes-list">
                        {move || analysis.with(|a| a.permission_policy.notes.iter().map(|n| view! { <li>{n.message.clone()}</li> }).collect_view())}
                    </ul>
                </div>
            </div>
            <h3>"Existing role policies (access check)"</h3>
            <p class="hint">"Paste each policy attached to the role (inline or managed documents, JSON). The check runs the IAM evaluator against every secret reference."</p>
            <p class="access-summary" id="access-summary">{access_summary}</p>
            <For each=move || 0..policies() key=|i| *i let:i>
                <div class="policy-input">
                    <label class="field">
                        <span class="field-label">{format!("Policy #{}", i + 1)}</span>
                        <textarea class="code-input" rows="8" spellcheck="false" id=format!("existing-policy-{i}")
                            prop:value=move || ws.with(|w| w.existing_policies.get(i).cloned().unwrap_or_default())
                            on:input=move |ev| ws.update(|w| w.set_existing_policy(i, &event_target_value(&ev)))></textarea>
                    </label>
                    <p class="error">{move || analysis.with(|a| a.policy_errors.iter().find(|(n, _)| *n == i).map(|(_, e)| e.clone()).unwrap_or_default())}</p>
                    <button class="btn small" on:click=move |_| state.destructive("Remove policy", |w| w.remove_existing_policy(i))>"Remove"</button>
                </div>
            </For>
            <button class="btn" id="add-policy" on:click=move |_| ws.update(|w| w.existing_policies.push(String::new()))>"+ Paste a policy"</button>
        </section>
    }
}

/// The access map's column titles. Box widths follow the longest label of
/// each column, so names are shown whole (`/web/db/password`, never a
/// shortened tail); on a narrow screen the map scrolls inside its frame.
/// Whole SVG user units: integers keep float formatting (about 5 KB
/// gzipped) out of the WASM.
const COLUMNS: [&str; 5] = ["Container", "Reference", "Store", "KMS key", "Policy statement"];
const BOX_H: usize = 44;
const ROW_H: usize = 60;
/// Rows of the access map rendered (and dropped) together as it scrolls:
/// the rows drawn change only when the view crosses a chunk's edge.
const CHUNK: usize = 10;
/// The height assumed to be in view before the map has been laid out.
const INITIAL_VIEW_PX: usize = 900;

/// The first and last chunk of rows to render when `top..top + height` of
/// the map is in view: those, and one more on either side.
fn chunks_in_view(top: usize, height: usize) -> (usize, usize) {
    let row = |y: usize| y.saturating_sub(34) / ROW_H;
    ((row(top) / CHUNK).saturating_sub(1), row(top + height) / CHUNK + 1)
}
const GAP: usize = 28;
const MARGIN: usize = 10;

/// Two lines per box: what it is, and the detail that tells rows apart.
type BoxLabels = [(String, String); 5];

/// The name a person knows a reference by: the parameter's name, or the
/// secret's name (with its JSON key); the raw text when it does not parse.
fn reference_name(reference: &str) -> String {
    match shared::SecretRef::parse(reference) {
        Ok(shared::SecretRef::SecretsManager(arn)) => match &arn.json_key {
            Some(key) if !key.is_empty() => format!("{} (key {key})", arn.full_name()),
            _ => arn.full_name(),
        },
        Ok(other) => other.name().to_owned(),
        Err(_) => reference.to_owned(),
    }
}

fn labels(row: &AccessRow) -> BoxLabels {
    let store = match row.store {
        Some(shared::Store::Ssm) => "SSM Parameter Store".to_owned(),
        Some(shared::Store::SecretsManager) => "Secrets Manager".to_owned(),
        None => "?".to_owned(),
    };
    [
        (row.container.clone(), String::new()),
        (row.variable.clone(), reference_name(&row.reference)),
        (store, String::new()),
        match &row.kms_key {
            Some(key) => ("customer key".into(), key.clone()),
            None => ("AWS managed key".into(), String::new()),
        },
        if row.statements.is_empty() {
            ("no statement allows".into(), String::new())
        } else {
            (row.statements.join(", "), "allows".into())
        },
    ]
}

/// x and width of each column: wide enough for its longest title (12 px
/// monospace, about 7.3 px a character) and detail (10.5 px, about 6.4).
fn column_layout(rows: &[BoxLabels]) -> [(usize, usize); 5] {
    let mut layout = [(0, 0); 5];
    let mut x = MARGIN;
    for (c, slot) in layout.iter_mut().enumerate() {
        let widest = rows
            .iter()
            .map(|r| (r[c].0.chars().count() * 73 / 10).max(r[c].1.chars().count() * 64 / 10))
            .chain(std::iter::once(COLUMNS[c].len() * 73 / 10))
            .max()
            .unwrap_or(0);
        let width = (widest + 16).max(120);
        *slot = (x, width);
        x += width + GAP;
    }
    layout
}

#[component]
pub fn AccessMapPanel(state: AppState) -> impl IntoView {
    let rows = Memo::new(move |_| state.ws.with(|w| state.analysis.with(|a| w.access_rows(a))));
    let drawn = Memo::new(move |_| {
        let rows = rows.get();
        let labels: Vec<BoxLabels> = rows.iter().map(labels).collect();
        let layout = column_layout(&labels);
        (rows, labels, layout)
    });
    let source = move || {
        state.analysis.with(|a| {
            if a.access.is_some() {
                "Checked against the role's existing policies you pasted (Execution role)."
            } else {
                "No existing policies pasted: checked against the generated permission policy."
            }
        })
    };
    let height = move || rows.with(|r| 40 + ROW_H * r.len().max(1));
    // Only the chunks of rows in (or next to) the scrolled-to part of the
    // map are in the DOM: hundreds of rows would make the page slow to open.
    let shown = RwSignal::new(chunks_in_view(0, INITIAL_VIEW_PX));
    let on_scroll = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
        let range = chunks_in_view(el.scroll_top().max(0) as usize, el.client_height().max(0) as usize);
        if shown.get_untracked() != range {
            shown.set(range);
        }
    };
    let chunks = move || {
        let (first, last) = shown.get();
        let count = rows.with(|r| r.len().div_ceil(CHUNK));
        first.min(count)..(last + 1).min(count)
    };
    let width = move || drawn.with(|(_, _, layout)| layout[4].0 + layout[4].1 + MARGIN);
    view! {
        <section class="panel">
            <h2>"Access map"</h2>
            <p class="hint" id="access-source">{source}</p>
            <div class="legend"><span class="pill ok">"allowed"</span><span class="pill bad">"denied"</span><span class="pill warn">"depends on the key policy"</span><span class="pill">"not checkable"</span></div>
            <div class="access-map-scroll" id="access-map-scroll" on:scroll=on_scroll>
                <svg class="access-map" id="access-map" role="img" aria-label="Access map: container, reference, store, KMS key, policy statement"
                    width=width height=height viewBox=move || format!("0 0 {} {}", width(), height())>
                    {move || drawn.with(|(_, _, layout)| COLUMNS.iter().zip(layout).map(|(title, (x, _))| view! { <text class="col-title" x=x + 4 y="20">{*title}</text> }).collect_view())}
                    {move || {
                        let chunks = chunks();
                        drawn.with(|(rows, labels, layout)| {
                            let range = chunks.start * CHUNK..(chunks.end * CHUNK).min(rows.len());
                            range.map(|i| map_row(i, rows[i].clone(), labels[i].clone(), *layout)).collect_view()
                        })
                    }}
                </svg>
            </div>
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="hint">"The task definition references no secrets yet."</p>
            </Show>
        </section>
    }
}

fn map_row(i: usize, row: AccessRow, labels: BoxLabels, layout: [(usize, usize); 5]) -> impl IntoView {
    let y = 34 + ROW_H * i;
    let status = match row.status {
        VerdictStatus::Allowed => "allowed",
        VerdictStatus::Denied => "denied",
        VerdictStatus::DependsOnKeyPolicy => "depends-on-key-policy",
        VerdictStatus::Unverified => "unverified",
        VerdictStatus::Unchecked => "unchecked",
    };
    let links = (0..4)
        .map(|c| {
            let x1 = layout[c].0 + layout[c].1;
            let x2 = layout[c + 1].0;
            view! { <line class=format!("edge {status}") x1=x1 y1=y + BOX_H / 2 x2=x2 y2=y + BOX_H / 2 /> }
        })
        .collect_view();
    let boxes = labels
        .into_iter()
        .enumerate()
        .map(|(c, (title, detail))| {
            let (x, width) = layout[c];
            let one_line = detail.is_empty();
            view! {
                <g class=format!("node {status}")>
                    <rect x=x y=y width=width height=BOX_H rx="6" />
                    <text x=x + 8 y=if one_line { y + 27 } else { y + 18 }>{title}</text>
                    <text class="detail" x=x + 8 y=y + 35>{detail}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <g class=format!("map-row {status}") data-path=row.path.clone() data-status=status>
            <title>{format!("{} {} → {}: {status}", row.container, row.variable, row.reference)}</title>
            {links}
            {boxes}
        </g>
    }
}

#[component]
pub fn DecoderPanel(state: AppState) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let decoded = Memo::new(move |_| {
        let t = text.get();
        (!t.trim().is_empty()).then(|| shared::decode::decode_with(&t, &state.ws.with(|w| w.context())))
    });
    let outcome = RwSignal::new(String::new());
    let apply = move |_| {
        let Some(d) = decoded.get_untracked() else { return };
        let mut result = Err(shared::workspace::EditError::NoStatementToApply);
        state.destructive("Apply decoder fix", |w| result = w.apply_decoder_fix(&d));
        outcome.set(match result {
            Ok(applied) => applied.to_string(),
            Err(e) => e.to_string(),
        });
    };
    view! {
        <section class="panel">
            <h2>"Error decoder"</h2>
            <p class="hint">"Paste a stopped task's reason (ResourceInitializationError, AccessDeniedException …) to get what happened and the fix."</p>
            <label class="field">
                <span class="field-label">"Stopped reason or error text"</span>
                <textarea class="code-input" rows="6" id="decoder-input" spellcheck="false" prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </label>
            {move || decoded.get().map(|d| view! {
                <div class="decoded" id="decoded">
                    <p><span class="pill bad" id="decoded-cause">{d.cause.label()}</span></p>
                    <p class="explanation">{with_code_spans(&d.explanation)}</p>
                    <ol>{d.fix.steps.iter().map(|s| view! { <li>{with_code_spans(s)}</li> }).collect_view()}</ol>
                    {d.fix.statement.as_ref().map(|s| view! {
                        <h4>"Statement to add"</h4>
                        <pre class="code-block">{pretty(s)}</pre>
                        <button class="btn primary" id="apply-decoder-fix" on:click=apply>"Apply this fix to the role"</button>
                    })}
                    <p class="status-line" id="decoder-outcome">{move || outcome.get()}</p>
                </div>
            })}
        </section>
    }
}

/// Text whose `backquoted` parts (names, ARNs, commands) are shown as code,
/// without the backquotes: explanations are written that way.
fn with_code_spans(text: &str) -> impl IntoView + use<> {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            let part = part.to_owned();
            if i % 2 == 1 { view! { <code>{part}</code> }.into_any() } else { part.into_any() }
        })
        .collect_view()
}
