//! The entry points under test and what each must guarantee beyond "no
//! panic": every error names its place (a JSON pointer that is well formed
//! and found in the text, or a line/column), no policy the core writes has
//! a wildcard or policy-variable resource, and round trips do not drift
//! (export → import → export is a fixed point, policy parse → serialise →
//! parse gives the same document, re-planning an applied bundle writes
//! nothing).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use shared::bundle::{Bundle, BundleError};
use shared::iam::access::{self, CheckContext};
use shared::iam::generate::{self, GenerateOptions};
use shared::iam::policy::{PolicyDocument, ResourceBlock};
use shared::observed::{
    AttachedPolicy, CallerIdentity, Observed, ObservedParameter, ObservedRole, ObservedSecret, ObservedService,
    ObservedTaskDefinition,
};
use shared::plan::{Plan, StepAction};
use shared::secret_ref::Store;
use shared::workspace::{Workspace, WorkspaceImportError};
use shared::{Context, JsonInputError, JsonProblem, TaskDefinition, export, import, json_locate, json_pointer, lint};

use crate::mutate::{Rng, STRINGS};

/// Something an input made the core do that it must not.
pub type Finding = String;

const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "123456789012";

fn context(rng: &mut Rng) -> Context {
    match rng.below(3) {
        0 => Context::default(),
        1 => Context::new(REGION.parse().ok(), ACCOUNT.parse().ok()),
        // Arbitrary text goes through the one validator: what is not a
        // region or an account id is "not known".
        _ => Context::new(rng.pick(STRINGS).parse().ok(), rng.pick(STRINGS).parse().ok()),
    }
}

/// True for an RFC 6901 pointer: empty, or `/`-separated tokens in which
/// `~` only starts `~0` or `~1`.
pub fn well_formed_pointer(pointer: &str) -> bool {
    (pointer.is_empty() || pointer.starts_with('/'))
        && pointer.split('~').skip(1).all(|rest| rest.starts_with('0') || rest.starts_with('1'))
}

/// The pointer is well formed and names a place in `text` (the value
/// itself, or the nearest ancestor that exists, for a missing field).
fn placed(text: &str, pointer: &str, what: &str) -> Result<(), Finding> {
    if !well_formed_pointer(pointer) {
        return Err(format!("{what}: `{pointer}` is not an RFC 6901 pointer"));
    }
    if json_locate::locate(text, pointer).is_none() {
        return Err(format!("{what}: `{pointer}` has no line/column in the text"));
    }
    Ok(())
}

fn line_column(line: usize, what: &str) -> Result<(), Finding> {
    if line == 0 { Err(format!("{what}: a syntax error without a line")) } else { Ok(()) }
}

/// A JSON input error (any entry point's) has its place: a syntax error a
/// line, a value that does not fit a pointer that is in the text.
fn json_error_placed(text: &str, error: &JsonInputError, what: &str) -> Result<(), Finding> {
    match error {
        JsonInputError::Syntax(syntax) => line_column(syntax.line, what),
        JsonInputError::Invalid(problem) => placed(text, &problem.path, what),
    }
}

fn workspace_error_placed(text: &str, error: &WorkspaceImportError) -> Result<(), Finding> {
    match error {
        WorkspaceImportError::Json(error) => json_error_placed(text, error, "workspace import"),
        WorkspaceImportError::Bundle(problem) if problem.path.is_empty() => Ok(()),
        WorkspaceImportError::Bundle(problem) => placed(text, &problem.path, "workspace bundle import"),
    }
}

/// Every resource of `policy` names one thing: no `*`, no `${…}`, and `?`
/// only as the six-character `-??????` suffix of a secret known by name.
/// Two exceptions: `ecr:GetAuthorizationToken` has no resource-level
/// permissions, so its only resource is `*` (the decoder's ECR fix); and in
/// a KMS key policy statement (one with a `Principal` and only `kms:`
/// actions) `*` means the key the policy is attached to (the decoder's
/// key-policy fix).
pub fn exact_resources(policy: &PolicyDocument, what: &str) -> Result<(), Finding> {
    for statement in &policy.statements {
        let Some(ResourceBlock::Resource(list)) = &statement.resource else { continue };
        let actions: Vec<&str> = statement.action.list().iter().collect();
        if actions == ["ecr:GetAuthorizationToken"] && list.iter().eq(["*"]) {
            continue;
        }
        let key_policy_statement =
            statement.principal.is_some() && !actions.is_empty() && actions.iter().all(|a| a.starts_with("kms:"));
        if key_policy_statement && list.iter().eq(["*"]) {
            continue;
        }
        for resource in list.iter() {
            let name_only = resource.strip_suffix("-??????").filter(|_| resource.contains(":secretsmanager:"));
            let rest = name_only.unwrap_or(resource);
            if rest.contains(['*', '?']) || rest.contains("${") {
                return Err(format!("{what}: the policy grants the pattern `{resource}`"));
            }
        }
    }
    Ok(())
}

fn generate_options(td: &TaskDefinition, rng: &mut Rng) -> GenerateOptions {
    let mut kms_keys = BTreeMap::new();
    for site in td.secret_sites().iter().take(3) {
        if let Some(raw) = site.value_from
            && rng.one_in(2)
        {
            kms_keys.insert(raw.to_owned(), (*rng.pick(STRINGS)).to_owned());
        }
    }
    let ctx = context(rng);
    GenerateOptions { location: ctx.location, kms_keys, ..GenerateOptions::default() }
}

/// Import of every shape, lint, export, policy generation and the access
/// check, on one task-definition text; and the same text through the UI's
/// workspace import.
pub fn task_definition(text: &str, rng: &mut Rng) -> Result<(), Finding> {
    match import(text) {
        Err(error) => json_error_placed(text, &error, "import")?,
        Ok(imported) => {
            for note in &imported.notes {
                placed(text, &note.path, "import note")?;
            }
            let td = imported.task_definition;
            for diagnostic in lint(&td, &context(rng)) {
                if !well_formed_pointer(&diagnostic.path) {
                    return Err(format!("lint {}: `{}` is not a pointer", diagnostic.code, diagnostic.path));
                }
            }
            let exported = export(&td);
            let again = import(&exported).map_err(|e| format!("export does not import again: {e}"))?;
            let twice = export(&again.task_definition);
            if twice != exported {
                return Err(format!("export drifts across a round trip:\n{exported}\n---\n{twice}"));
            }
            let options = generate_options(&td, rng);
            let generated = generate::permission_policy(&td, &options);
            exact_resources(&generated.policy, "generated policy")?;
            generate::managed_policy_recommendation(&td, &options);
            let check_context = CheckContext {
                location: options.location.clone(),
                kms_keys: options.kms_keys.clone(),
                ..CheckContext::default()
            };
            access::check(&td, std::slice::from_ref(&generated.policy), &check_context);
        }
    }
    if rng.one_in(4) {
        let mut workspace = Workspace::empty();
        match workspace.import_text(text) {
            Err(error) => workspace_error_placed(text, &error)?,
            Ok(_) => exact_resources(&workspace.analyze().permission_policy.policy, "workspace policy")?,
        }
    }
    Ok(())
}

/// Policy parsing: errors placed, parse → serialise → parse is the same
/// document, and the document evaluates against a task definition.
pub fn policy(text: &str, sample: &TaskDefinition, rng: &mut Rng) -> Result<(), Finding> {
    match PolicyDocument::parse(text) {
        Err(error) => json_error_placed(text, &error, "policy"),
        Ok(document) => {
            let compact = document.to_compact_json();
            let back =
                PolicyDocument::parse(&compact).map_err(|e| format!("a serialised policy does not parse: {e}"))?;
            if back != document {
                return Err(format!("the policy changes across a round trip: {compact}"));
            }
            if PolicyDocument::from_value(&document.to_value()).ok().as_ref() != Some(&document) {
                return Err(format!("to_value/from_value changes the policy: {compact}"));
            }
            let ctx = context(rng);
            let check_context = CheckContext { location: ctx.location, ..CheckContext::default() };
            access::check(sample, &[document], &check_context);
            Ok(())
        }
    }
}

/// The error decoder: it never fails, always explains, and any statement it
/// proposes is exact.
pub fn error_text(text: &str, rng: &mut Rng) -> Result<(), Finding> {
    let decoded = shared::decode::decode_with(text, &context(rng));
    if decoded.explanation.is_empty() || decoded.fix.steps.is_empty() {
        return Err("the decoder gave no explanation or no steps".into());
    }
    if let Some(statement) = decoded.fix.statement {
        exact_resources(&PolicyDocument::new(vec![statement]), "decoder fix")?;
    }
    Ok(())
}

/// Bundle validation (CLI and UI paths), then plan → "apply" → re-plan,
/// which must be zero writes.
pub fn bundle(text: &str, rng: &mut Rng) -> Result<(), Finding> {
    if rng.one_in(4) {
        let mut workspace = Workspace::empty();
        if let Err(error) = workspace.import_text(text) {
            workspace_error_placed(text, &error)?;
        }
    }
    let bundle = match Bundle::parse(text) {
        Ok(bundle) => bundle,
        Err(BundleError::Syntax(syntax)) => return line_column(syntax.line, "bundle"),
        Err(BundleError::Invalid { problems }) => {
            for problem in &problems {
                placed(text, &problem.path, "bundle")?;
            }
            return Ok(());
        }
    };
    replan_is_a_no_op(&bundle, rng)
}

/// Six random letters, all lower-case one time in four (as AWS's are one
/// time in 180): the case a re-apply must not trip over.
fn suffix(rng: &mut Rng) -> String {
    const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
    let lower_only = rng.one_in(4);
    (0..6)
        .map(|_| {
            let set = if lower_only || rng.one_in(2) { LOWER } else { UPPER };
            char::from(*rng.pick(set))
        })
        .collect()
}

fn observed_service(cluster: &str, service: &str, revision: Option<&str>) -> ObservedService {
    ObservedService {
        cluster: cluster.into(),
        service: service.into(),
        found: true,
        status: Some("ACTIVE".into()),
        task_definition: revision.map(str::to_owned),
        desired_count: 1,
        running_count: 1,
        ..ObservedService::default()
    }
}

/// Where every secret of the bundle exists (as AWS reports it), the role
/// and the task definition do not yet, and the services run something else.
fn before_apply(bundle: &Bundle, rng: &mut Rng) -> Observed {
    let mut parameters = BTreeMap::new();
    let mut secrets = BTreeMap::new();
    for spec in &bundle.secrets {
        match spec.store {
            Store::Ssm => {
                parameters.insert(
                    spec.name.clone(),
                    Some(ObservedParameter {
                        name: spec.name.clone(),
                        arn: None,
                        parameter_type: "SecureString".into(),
                        kms_key_id: spec.kms_key_id.clone(),
                        last_changed: None,
                        ..ObservedParameter::default()
                    }),
                );
            }
            Store::SecretsManager => {
                let arn = format!(
                    "arn:{}:secretsmanager:{}:{ACCOUNT}:secret:{}-{}",
                    shared::secret_ref::partition_for_region(&bundle.region),
                    bundle.region,
                    spec.name,
                    suffix(rng)
                );
                secrets.insert(
                    spec.name.clone(),
                    Some(ObservedSecret {
                        name: spec.name.clone(),
                        arn,
                        kms_key_id: spec.kms_key_id.clone(),
                        last_changed: None,
                    }),
                );
            }
        }
    }
    Observed {
        caller: CallerIdentity {
            account: bundle.account_id.clone().unwrap_or_else(|| ACCOUNT.into()),
            arn: format!("arn:aws:iam::{ACCOUNT}:user/fuzz"),
        },
        region: bundle.region.clone(),
        parameters,
        secrets,
        role: None,
        task_definition: None,
        services: bundle
            .services
            .iter()
            .map(|s| observed_service(&s.cluster, &s.service, Some("arn:aws:ecs:x:1:task-definition/old:1")))
            .collect(),
        // No key or secret policy read: the pre-flight reports those
        // references as depending on them, never as allowed.
        kms_keys: BTreeMap::new(),
        secret_policies: BTreeMap::new(),
        unreadable: BTreeMap::new(),
    }
}

/// What observe would read after `plan` was applied to `world`.
fn after_apply(plan: &Plan, mut world: Observed, role_name: &str) -> Observed {
    let mut role = world.role.take().unwrap_or_else(|| ObservedRole {
        name: role_name.into(),
        arn: plan.role_arn.clone(),
        trust_policy: Value::Null,
        inline_policies: BTreeMap::new(),
        attached_policies: Vec::new(),
    });
    for step in &plan.steps {
        match &step.action {
            StepAction::CreateRole { trust_policy, .. } | StepAction::UpdateTrustPolicy { trust_policy, .. } => {
                role.trust_policy = trust_policy.clone();
            }
            StepAction::PutRolePolicy { policy_name, policy, .. } => {
                role.inline_policies.insert(policy_name.clone(), policy.clone());
            }
            StepAction::AttachManagedPolicy { policy_arn, .. } => role.attached_policies.push(AttachedPolicy {
                arn: policy_arn.clone(),
                name: policy_arn.rsplit('/').next().unwrap_or_default().to_owned(),
                document: None,
            }),
            StepAction::RegisterTaskDefinition { family, task_definition } => {
                let arn = format!("arn:aws:ecs:{}:{ACCOUNT}:task-definition/{family}:1", world.region);
                let mut described = task_definition.clone();
                if let Some(object) = described.as_object_mut() {
                    object.insert("taskDefinitionArn".into(), json!(arn));
                    object.insert("revision".into(), json!(1));
                    object.insert("status".into(), json!("ACTIVE"));
                }
                world.task_definition = Some(ObservedTaskDefinition { arn, revision: 1, task_definition: described });
            }
            _ => {}
        }
    }
    let running = world.task_definition.as_ref().map(|t| t.arn.clone());
    for service in &mut world.services {
        service.task_definition = running.clone().or(service.task_definition.take());
    }
    world.role = Some(role);
    world
}

fn replan_is_a_no_op(bundle: &Bundle, rng: &mut Rng) -> Result<(), Finding> {
    let world = before_apply(bundle, rng);
    let first = shared::plan::plan(bundle, &world, &BTreeSet::new());
    for step in &first.steps {
        if let StepAction::PutRolePolicy { policy, .. } = &step.action {
            let document = PolicyDocument::from_value(policy).map_err(|e| format!("plan wrote a bad policy: {e}"))?;
            exact_resources(&document, "planned inline policy")?;
        }
    }
    if first.is_blocked() {
        return Ok(());
    }
    let applied = after_apply(&first, world.clone(), &bundle.execution_role.name);
    let second = shared::plan::plan(bundle, &applied, &BTreeSet::new());
    if second.writes != 0 && !second.is_blocked() {
        let ids: Vec<&str> = second.steps.iter().filter(|s| s.writes > 0).map(|s| s.id.as_str()).collect();
        let secrets: Vec<&str> = world.secrets.values().flatten().map(|s| s.arn.as_str()).collect();
        return Err(format!("re-applying an applied bundle writes again: {ids:?} (secrets {secrets:?})"));
    }
    Ok(())
}

/// `import_value` and `PolicyDocument::from_value` on values built in code,
/// nested far deeper than any text can be.
pub fn deep_value(rng: &mut Rng) -> Result<(), Finding> {
    let depth = [10, 126, 127, 128, 1_000, 10_000, 100_000][rng.below(7)];
    let mut value = json!({"containerDefinitions": [], "Statement": []});
    for _ in 0..depth {
        value = if rng.one_in(2) {
            Value::Array(vec![value])
        } else {
            Value::Object(serde_json::Map::from_iter([("Statement".to_owned(), value)]))
        };
    }
    if let Err(JsonInputError::Invalid(JsonProblem { path, .. })) = PolicyDocument::from_value(&value)
        && !well_formed_pointer(&path)
    {
        return Err(format!("from_value: `{path}` is not a pointer"));
    }
    if let Err(JsonInputError::Invalid(JsonProblem { path, .. })) = shared::import::import_value(value)
        && !well_formed_pointer(&path)
    {
        return Err(format!("import_value: `{path}` is not a pointer"));
    }
    let _ = json_pointer::MAX_DEPTH;
    Ok(())
}
