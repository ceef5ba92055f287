//! The execution role (generated trust and permission policies, the
//! managed-policy advice, pasted existing policies), the access map and the
//! error decoder.

use leptos::prelude::*;
use shared::iam::access::VerdictStatus;
use shared::workspace::{AccessRow, TaskField};

use crate::AppState;
use crate::editor::text_field;

fn pretty<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

#[component]
pub fn RolePanel(state: AppState) -> impl IntoView {
    let ws = state.ws;
    let analysis = state.analysis;
    let attach = move || {
        ws.with(|w| match w.execution_role.attach_managed_policy {
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
                {text_field("Role name", "f:roleName".into(), "webTaskExecutionRole", move || ws.with(|w| w.execution_role.name.clone()), move |v| ws.update(|w| w.set_task_field(TaskField::RoleName, &v)))}
                <div class="field">
                    <span class="field-label">"The role"</span>
                    <div class="row">
                        <label class="check"><input type="radio" name="role-create" id="role-create" prop:checked=move || ws.with(|w| w.execution_role.create) on:change=move |_| ws.update(|w| w.execution_role.create = true) />"Create it (or update it if it exists)"</label>
                        <label class="check"><input type="radio" name="role-create" id="role-existing" prop:checked=move || ws.with(|w| !w.execution_role.create) on:change=move |_| ws.update(|w| w.execution_role.create = false) />"Use an existing role"</label>
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
                        ws.update(|w| w.execution_role.attach_managed_policy = match v.as_str() { "yes" => Some(true), "no" => Some(false), _ => None });
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

/// Column x positions and widths of the access map. Whole SVG user units:
/// integers keep float formatting (about 5 KB gzipped) out of the WASM.
const COLUMNS: [(&str, usize); 5] =
    [("Container", 10), ("Reference", 188), ("Store", 366), ("KMS key", 544), ("Policy statement", 722)];
const BOX_W: usize = 150;
const BOX_H: usize = 44;
const ROW_H: usize = 60;

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let tail: String = text.chars().rev().take(max - 1).collect::<Vec<_>>().into_iter().rev().collect();
    format!("…{tail}")
}

#[component]
pub fn AccessMapPanel(state: AppState) -> impl IntoView {
    let rows = Memo::new(move |_| state.ws.with(|w| state.analysis.with(|a| w.access_rows(a))));
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
    view! {
        <section class="panel">
            <h2>"Access map"</h2>
            <p class="hint" id="access-source">{source}</p>
            <div class="legend"><span class="pill ok">"allowed"</span><span class="pill bad">"denied"</span><span class="pill warn">"depends on the key policy"</span><span class="pill">"not checkable"</span></div>
            <svg class="access-map" id="access-map" role="img" aria-label="Access map: container, reference, store, KMS key, policy statement"
                viewBox=move || format!("0 0 900 {}", height())>
                {COLUMNS.iter().map(|(title, x)| view! { <text class="col-title" x=x + 4 y="20">{*title}</text> }).collect_view()}
                {move || rows.get().into_iter().enumerate().map(|(i, row)| map_row(i, row)).collect_view()}
            </svg>
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="hint">"The task definition references no secrets yet."</p>
            </Show>
        </section>
    }
}

fn map_row(i: usize, row: AccessRow) -> impl IntoView {
    let y = 34 + ROW_H * i;
    let status = match row.status {
        VerdictStatus::Allowed => "allowed",
        VerdictStatus::Denied => "denied",
        VerdictStatus::DependsOnKeyPolicy => "depends-on-key-policy",
        VerdictStatus::Unverified => "unverified",
        VerdictStatus::Unchecked => "unchecked",
    };
    let store = match row.store {
        Some(shared::Store::Ssm) => "SSM Parameter Store".to_owned(),
        Some(shared::Store::SecretsManager) => "Secrets Manager".to_owned(),
        None => "?".to_owned(),
    };
    let reference_tail = row.reference.rsplit([':', '/']).find(|p| !p.is_empty()).unwrap_or("").to_owned();
    // Two lines per box: what it is, and the detail that tells rows apart.
    let labels: [(String, String); 5] = [
        (row.container.clone(), String::new()),
        (row.variable.clone(), reference_tail),
        (store, String::new()),
        match &row.kms_key {
            Some(key) => ("customer key".into(), key.rsplit('/').next().unwrap_or(key).to_owned()),
            None => ("AWS managed key".into(), String::new()),
        },
        if row.statements.is_empty() {
            ("no statement allows".into(), String::new())
        } else {
            (row.statements.join(", "), "allows".into())
        },
    ];
    let links = (0..4)
        .map(|c| {
            let x1 = COLUMNS[c].1 + BOX_W;
            let x2 = COLUMNS[c + 1].1;
            view! { <line class=format!("edge {status}") x1=x1 y1=y + BOX_H / 2 x2=x2 y2=y + BOX_H / 2 /> }
        })
        .collect_view();
    let boxes = labels
        .into_iter()
        .enumerate()
        .map(|(c, (title, detail))| {
            let x = COLUMNS[c].1;
            let one_line = detail.is_empty();
            view! {
                <g class=format!("node {status}")>
                    <rect x=x y=y width=BOX_W height=BOX_H rx="6" />
                    <text x=x + 8 y=if one_line { y + 27 } else { y + 18 }>{shorten(&title, 21)}</text>
                    <text class="detail" x=x + 8 y=y + 35>{shorten(&detail, 23)}</text>
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
        let mut result = Ok(());
        state.destructive("Apply decoder fix", |w| result = w.apply_decoder_fix(&d));
        outcome.set(match result {
            Ok(()) => "Added the statement to the role's policies (Execution role); the access map is updated.".into(),
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
                    <p><span class="pill bad">{d.cause.as_str()}</span></p>
                    <p class="explanation">{d.explanation.clone()}</p>
                    <ol>{d.fix.steps.iter().map(|s| view! { <li>{s.clone()}</li> }).collect_view()}</ol>
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
