use super::*;
use crate::context::Context;
use crate::iam::access::VerdictStatus;
use crate::secret_ref::Store;
use secrecy::ExposeSecret;

fn seed() -> Workspace {
    Workspace::seed_example()
}

#[test]
fn seed_example_parses_and_lints_clean_of_errors() {
    let ws = seed();
    assert_eq!(ws.bundle.task_definition.family.as_deref(), Some("web"));
    assert_eq!(ws.bundle.secrets.len(), 2, "{:?}", ws.bundle.secrets);
    let errors: Vec<_> =
        ws.analyze().diagnostics.into_iter().filter(|d| d.severity == crate::Severity::Error).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn canonical_value_from() {
    let check = |draft: ReferenceDraft, expect: &str| assert_eq!(draft.value_from().unwrap(), expect);
    let base =
        ReferenceDraft { region: "eu-west-1".into(), account: "123456789012".into(), ..ReferenceDraft::default() };
    check(
        ReferenceDraft { store: Some(Store::Ssm), name: "/web/db".into(), ..base.clone() },
        "arn:aws:ssm:eu-west-1:123456789012:parameter/web/db",
    );
    check(
        ReferenceDraft { store: Some(Store::Ssm), name: "plain".into(), ..base.clone() },
        "arn:aws:ssm:eu-west-1:123456789012:parameter/plain",
    );
    check(
        ReferenceDraft { store: Some(Store::SecretsManager), name: "web/splunk".into(), ..base.clone() },
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/splunk",
    );
    check(
        ReferenceDraft {
            store: Some(Store::SecretsManager),
            name: "db-AbCdEf".into(),
            json_key: "password".into(),
            ..base.clone()
        },
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:password::",
    );
    check(
        ReferenceDraft {
            store: Some(Store::SecretsManager),
            name: "db".into(),
            region: "cn-north-1".into(),
            version_stage: "AWSPREVIOUS".into(),
            ..base.clone()
        },
        "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db::AWSPREVIOUS:",
    );
    assert_eq!(ReferenceDraft { name: " ".into(), ..base.clone() }.value_from(), Err(EditError::EmptyReferenceName));
    assert_eq!(
        ReferenceDraft { name: "x".into(), ..ReferenceDraft::default() }.value_from(),
        Err(EditError::NeedsRegionAndAccount)
    );
}

#[test]
fn drafts_round_trip_through_value_from() {
    let ctx = Context::new(Some("eu-west-1".parse().unwrap()), Some("123456789012".parse().unwrap()));
    for raw in [
        "arn:aws:ssm:eu-west-1:123456789012:parameter/web/db",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:password:AWSCURRENT:",
    ] {
        assert_eq!(ReferenceDraft::from_value_from(raw, &ctx).value_from().unwrap(), raw);
    }
}

#[test]
fn container_edits_and_undo() {
    let mut ws = Workspace::empty();
    let mut undo = UndoStack::default();
    let second = ws.add_container();
    ws.set_container_field(second, ContainerField::Image, "nginx").unwrap();
    ws.move_container(second, Direction::Up).unwrap();
    assert_eq!(ws.bundle.task_definition.container_definitions[0].image.as_deref(), Some("nginx"));
    undo.push("Remove container", &ws);
    let removed = ws.remove_container(0).unwrap();
    assert_eq!(removed.image.as_deref(), Some("nginx"));
    assert_eq!(ws.bundle.task_definition.container_definitions.len(), 1);
    assert_eq!(undo.peek_label(), Some("Remove container"));
    ws = undo.pop().unwrap();
    assert_eq!(ws.bundle.task_definition.container_definitions.len(), 2);
    assert_eq!(ws.remove_container(7), Err(EditError::NoContainer(7)));
    ws.set_log_options_text(0, "splunk-url = https://x:443\n\nsplunk-format=json\n").unwrap();
    assert_eq!(ws.log_options_text(0), "splunk-format=json\nsplunk-url=https://x:443\n");
    assert_eq!(ws.set_log_options_text(0, "a=1\nbroken"), Err(EditError::NotAnOption { line: 2 }));
    ws.set_log_options_text(0, "").unwrap();
    assert_eq!(ws.log_options_text(0), "");
    assert!(matches!(ws.set_container_field(0, ContainerField::Memory, "lots"), Err(EditError::NotANumber { .. })));
}

#[test]
fn secret_references_keep_specs_in_sync() {
    let mut ws = Workspace::empty();
    ws.set_task_field(TaskField::Region, "eu-west-1");
    ws.set_task_field(TaskField::AccountId, "123456789012");
    ws.add_secret(0, SecretList::Secrets).unwrap();
    ws.set_secret_name(0, SecretList::Secrets, 0, "DB_PASSWORD").unwrap();
    let site = Site::new(0, SecretList::Secrets, 0);
    assert_eq!(ws.edit_reference(site, DraftEdit::Name("/web/db".into())).unwrap(), None);
    let value_from = ws.site_value_from(site).unwrap().to_owned();
    assert_eq!(value_from, "arn:aws:ssm:eu-west-1:123456789012:parameter/web/db");
    assert_eq!(ws.bundle.secrets.len(), 1);
    assert_eq!(ws.bundle.secrets[0].name, "/web/db");
    ws.set_secret_create(Store::Ssm, "/web/db", true);
    ws.set_kms_key(&value_from, "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    assert!(ws.bundle.secrets[0].create);
    assert!(ws.bundle.secrets[0].kms_key_id.is_some());
    let policy = serde_json::to_string(&ws.analyze().permission_policy.policy).unwrap();
    assert!(policy.contains("kms:Decrypt"), "{policy}");
    ws.remove_secret(0, SecretList::Secrets, 0).unwrap();
    assert!(ws.bundle.secrets.is_empty());
    assert!(ws.bundle.task_definition.container_definitions[0].secrets.is_none());
}

#[test]
fn plaintext_password_moves_to_a_secret_in_memory_only() {
    let mut ws = seed();
    ws.add_env(0).unwrap();
    let env = ws.bundle.task_definition.container_definitions[0].environment.as_ref().unwrap().len() - 1;
    ws.set_env(0, env, EnvPart::Name, "API_PASSWORD").unwrap();
    ws.set_env(0, env, EnvPart::Value, "canary-9f2c-hunter2").unwrap();
    let analysis = ws.analyze();
    let fix = analysis
        .diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .find(|f| f.create_secret.is_some())
        .expect("a move-to-secret fix")
        .clone();
    let pending = ws.apply_diagnostic_fix(&fix).unwrap().expect("the value is lifted out");
    assert_eq!(pending.value.expose_secret(), "canary-9f2c-hunter2");
    assert!(ws.bundle.secrets.iter().any(|s| s.create && s.name == pending.name));
    let saved = ws.persist();
    assert!(!saved.contains("canary-9f2c"), "{saved}");
    assert!(!serde_json::to_string(&ws.bundle).unwrap().contains("canary-9f2c"));
}

#[test]
fn persistence_round_trips_and_migrates_version_1() {
    let mut ws = seed();
    ws.existing_policies.push(r#"{"Version":"2012-10-17","Statement":[]}"#.into());
    assert_eq!(Workspace::restore(&ws.persist()).unwrap(), ws);
    let v1 = serde_json::to_string(&seed().bundle).unwrap();
    let migrated = Workspace::restore(&v1).unwrap();
    assert_eq!(migrated.bundle.task_definition, seed().bundle.task_definition);
    assert!(migrated.existing_policies.is_empty());
    assert_eq!(Workspace::restore(r#"{"version":99}"#), Err(RestoreError::TooNew(99)));
    assert!(matches!(Workspace::restore("{"), Err(RestoreError::Syntax(_))));
    assert!(matches!(
        Workspace::restore(r#"{"version":2,"workspace":{"region":1}}"#),
        Err(RestoreError::Shape { version: 2, .. })
    ));
}

#[test]
fn imports_describe_output_and_bundles() {
    let mut ws = Workspace::empty();
    let describe = r#"{"taskDefinition":{"family":"api","revision":3,"status":"ACTIVE",
        "executionRoleArn":"arn:aws:iam::123456789012:role/apiExec",
        "containerDefinitions":[{"name":"api","image":"x","secrets":[{"name":"A","valueFrom":"arn:aws:ssm:eu-west-1:123456789012:parameter/a"}]}]}}"#;
    let notes = ws.import_text(describe).unwrap();
    assert!(!notes.is_empty());
    assert_eq!(ws.bundle.execution_role.name, "apiExec");
    assert_eq!(ws.bundle.region, "eu-west-1");
    assert_eq!(ws.bundle.account_id.as_deref(), Some("123456789012"));
    assert_eq!(ws.bundle.secrets.len(), 1);
    let bundle = serde_json::to_string(&seed().bundle).unwrap();
    ws.import_text(&bundle).unwrap();
    assert_eq!(ws.bundle.task_definition, seed().bundle.task_definition);
    assert!(matches!(ws.import_text("nope"), Err(WorkspaceImportError::Json(crate::JsonInputError::Syntax(_)))));
}

#[test]
fn decoder_fix_turns_a_denied_reference_allowed() {
    let mut ws = seed();
    ws.existing_policies.push(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameters","Resource":"arn:aws:ssm:us-east-1:123456789012:parameter/web/db/password"}]}"#.into(),
    );
    let before = ws.access_rows(&ws.analyze());
    let denied: Vec<_> = before.iter().filter(|r| r.status == VerdictStatus::Denied).collect();
    assert_eq!(denied.len(), 1, "{before:#?}");
    let reason = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret arn:aws:secretsmanager:us-east-1:123456789012:secret:web/splunk-token from secrets manager: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/webTaskExecutionRole/abc is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:web/splunk-token because no identity-based policy allows the secretsmanager:GetSecretValue action";
    let decoded = crate::decode::decode_with(reason, &ws.context());
    let applied = ws.apply_decoder_fix(&decoded).unwrap();
    assert_eq!((applied.policy_index, applied.from_generated), (0, false));
    assert!(
        applied.to_string().contains(
            "secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:123456789012:secret:web/splunk-token"
        ),
        "{applied}"
    );
    let after = ws.access_rows(&ws.analyze());
    assert!(after.iter().all(|r| r.status == VerdictStatus::Allowed), "{after:#?}");
}

/// Seen: on the Example with no pasted policy the fix created a policy
/// holding only its statement, and DATABASE_PASSWORD turned denied.
#[test]
fn decoder_fix_without_pasted_policies_never_denies_an_allowed_reference() {
    let mut ws = seed();
    let before = ws.access_rows(&ws.analyze());
    assert!(before.iter().all(|r| r.status == VerdictStatus::Allowed), "{before:#?}");
    let reason = "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/webTaskExecutionRole/abc is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:web/splunk-token because no identity-based policy allows the secretsmanager:GetSecretValue action";
    let decoded = crate::decode::decode_with(reason, &ws.context());
    let applied = ws.apply_decoder_fix(&decoded).unwrap();
    assert_eq!((applied.policy_index, applied.from_generated), (0, true));
    assert!(
        applied.to_string().starts_with("Added the statement (Allow secretsmanager:GetSecretValue on "),
        "{applied}"
    );
    let after = ws.access_rows(&ws.analyze());
    assert_eq!(after.len(), before.len());
    assert!(after.iter().all(|r| r.status == VerdictStatus::Allowed), "{after:#?}");
}

const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "123456789012";

fn with_secret(located: bool) -> (Workspace, Site) {
    let mut ws = Workspace::empty();
    if located {
        ws.set_task_field(TaskField::Region, REGION);
        ws.set_task_field(TaskField::AccountId, ACCOUNT);
    }
    ws.add_secret(0, SecretList::Secrets).unwrap();
    ws.set_secret_name(0, SecretList::Secrets, 0, "API_TOKEN").unwrap();
    (ws, Site::new(0, SecretList::Secrets, 0))
}

#[test]
fn a_secrets_manager_draft_survives_without_a_location_and_becomes_its_arn_later() {
    let (mut ws, site) = with_secret(false);
    ws.edit_reference(site, DraftEdit::Store(Store::SecretsManager)).unwrap();
    let problem = ws.edit_reference(site, DraftEdit::Name("web/api-token".into())).unwrap();
    assert_eq!(problem, Some(EditError::NeedsRegionAndAccount));
    // What a page shown again (or reloaded) reads back: the draft, not the
    // (missing) valueFrom.
    let restored = Workspace::restore(&ws.persist()).unwrap();
    for w in [&ws, &restored] {
        let draft = w.reference_draft(site);
        assert_eq!((draft.store, draft.name.as_str()), (Some(Store::SecretsManager), "web/api-token"));
    }
    let mut ws = restored;
    ws.adopt_identity(REGION, ACCOUNT);
    assert_eq!(ws.site_value_from(site), Some("arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/api-token"));
    assert_eq!(ws.reference_draft(site).name, "web/api-token");
}

#[test]
fn a_bare_ssm_name_typed_before_the_location_becomes_its_canonical_arn() {
    let (mut ws, site) = with_secret(false);
    ws.edit_reference(site, DraftEdit::Name("/web/db/password".into())).unwrap();
    assert_eq!(ws.site_value_from(site), Some("/web/db/password"));
    ws.set_task_field(TaskField::Region, REGION);
    assert_eq!(ws.site_value_from(site), Some("/web/db/password"), "no account yet");
    ws.set_task_field(TaskField::AccountId, ACCOUNT);
    assert_eq!(ws.site_value_from(site), Some("arn:aws:ssm:eu-west-1:123456789012:parameter/web/db/password"));
    assert_eq!(ws.bundle.secrets.len(), 1);
    assert_eq!(ws.bundle.secrets[0].name, "/web/db/password");
}

#[test]
fn renaming_a_create_secret_keeps_create_and_moves_its_value() {
    let (mut ws, site) = with_secret(true);
    ws.edit_reference(site, DraftEdit::Name("/web/token".into())).unwrap();
    ws.edit_reference(site, DraftEdit::KmsKey("alias/web".into())).unwrap();
    ws.set_site_create(site, true);
    ws.take_renames();
    // Retyped, through an empty name on the way.
    for name in ["/web/toke", "", "/", "/web/token-2"] {
        ws.edit_reference(site, DraftEdit::Name(name.into())).unwrap();
    }
    assert_eq!(ws.bundle.secrets.len(), 1, "{:?}", ws.bundle.secrets);
    assert_eq!(ws.bundle.secrets[0].name, "/web/token-2");
    assert!(ws.bundle.secrets[0].create, "create survives the rename");
    assert_eq!(ws.bundle.secrets[0].kms_key_id.as_deref(), Some("alias/web"));
    assert!(ws.reference_draft(site).create);
    let renames = ws.take_renames();
    assert_eq!(renames.first().map(|r| r.from.as_str()), Some("/web/token"), "{renames:?}");
    assert_eq!(renames.last().map(|r| r.to.as_str()), Some("/web/token-2"), "{renames:?}");
    ws.set_site_create(site, false);
    assert!(!ws.bundle.secrets[0].create);
    assert!(!ws.reference_draft(site).create);
}

#[test]
fn switching_an_ssm_name_to_secrets_manager_keeps_the_name_as_typed() {
    let (mut ws, site) = with_secret(true);
    ws.edit_reference(site, DraftEdit::Name("web/db".into())).unwrap();
    ws.edit_reference(site, DraftEdit::Store(Store::SecretsManager)).unwrap();
    assert_eq!(ws.reference_draft(site).name, "web/db");
    assert_eq!(ws.site_value_from(site), Some("arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/db"));
    ws.edit_reference(site, DraftEdit::JsonKey("password".into())).unwrap();
    assert_eq!(
        ws.site_value_from(site),
        Some("arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/db:password::")
    );
}

#[test]
fn reordering_containers_and_undo_keep_drafts() {
    let mut ws = Workspace::empty();
    ws.add_container();
    ws.add_secret(1, SecretList::Secrets).unwrap();
    let site = Site::new(1, SecretList::Secrets, 0);
    ws.edit_reference(site, DraftEdit::Store(Store::SecretsManager)).unwrap();
    ws.edit_reference(site, DraftEdit::Name("web/api-token".into())).unwrap();
    let mut undo = UndoStack::default();
    undo.push("Move container", &ws);
    ws.move_container(1, Direction::Up).unwrap();
    let moved = Site::new(0, SecretList::Secrets, 0);
    assert_eq!(ws.reference_draft(moved).name, "web/api-token");
    assert_eq!(ws.reference_draft(moved).store, Some(Store::SecretsManager));
    undo.push("Remove container", &ws);
    ws.remove_container(1).unwrap();
    assert_eq!(ws.reference_draft(moved).name, "web/api-token");
    assert_eq!(undo.pop().unwrap().reference_draft(moved).name, "web/api-token");
    ws = undo.pop().unwrap();
    assert_eq!(ws.reference_draft(site).name, "web/api-token");
    // Removing an entry before it shifts the draft with its entry.
    ws.add_secret(1, SecretList::Secrets).unwrap();
    ws.edit_reference(Site::new(1, SecretList::Secrets, 1), DraftEdit::Name("/other".into())).unwrap();
    ws.remove_secret(1, SecretList::Secrets, 0).unwrap();
    assert_eq!(ws.reference_draft(Site::new(1, SecretList::Secrets, 0)).name, "/other");
}

#[test]
fn drafts_are_saved_without_values() {
    let (mut ws, site) = with_secret(true);
    ws.edit_reference(site, DraftEdit::Name("/web/token".into())).unwrap();
    ws.set_site_create(site, true);
    let saved = ws.persist();
    assert!(saved.contains("\"drafts\""), "{saved}");
    assert!(!saved.to_lowercase().contains("\"value\""), "a draft has no value field: {saved}");
    assert_eq!(Workspace::restore(&saved).unwrap(), ws);
}

#[test]
fn hand_editing_value_from_replaces_the_draft() {
    let (mut ws, site) = with_secret(true);
    ws.edit_reference(site, DraftEdit::Name("/web/token".into())).unwrap();
    ws.set_secret_value_from(
        0,
        SecretList::Secrets,
        0,
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
    )
    .unwrap();
    let draft = ws.reference_draft(site);
    assert_eq!((draft.store, draft.name.as_str()), (Some(Store::SecretsManager), "db-AbCdEf"));
    assert_eq!((draft.region.as_str(), draft.account.as_str()), ("", ""), "the workspace's own location is implied");
}

/// Seen in the browser: `API_SECRET_KEY=sk_live_…` added, then
/// `LOG_LEVEL=info`; the "Move API_SECRET_KEY to SSM" fix had been computed
/// when `environment` had one entry (so it removed the whole array) and
/// deleted `LOG_LEVEL` too.
#[test]
fn move_api_secret_key_to_ssm_after_adding_log_level_keeps_log_level() {
    let mut ws = Workspace::empty();
    ws.set_task_field(TaskField::Region, REGION);
    ws.set_task_field(TaskField::AccountId, ACCOUNT);
    ws.add_env(0).unwrap();
    ws.set_env(0, 0, EnvPart::Name, "API_SECRET_KEY").unwrap();
    ws.set_env(0, 0, EnvPart::Value, "sk_live_4eC39HqLyjWDarjtT1zdp7dc").unwrap();
    let shown = ws.analyze().diagnostics;
    let offered = shown.iter().find(|d| d.fix.as_ref().is_some_and(|f| f.create_secret.is_some())).expect("a move fix");
    let (code, path, stale) = (offered.code.clone(), offered.path.clone(), offered.fix.clone().unwrap());
    ws.add_env(0).unwrap();
    ws.set_env(0, 1, EnvPart::Name, "LOG_LEVEL").unwrap();
    ws.set_env(0, 1, EnvPart::Value, "info").unwrap();
    let mut with_stale = ws.clone();
    with_stale.apply_diagnostic_fix(&stale).unwrap();
    assert!(
        with_stale.bundle.task_definition.container_definitions[0].environment.is_none(),
        "the stale fix is the seen bug (it removes the whole array)"
    );
    let pending = ws.apply_fix_for(&code, &path).unwrap().expect("the value is lifted out");
    assert_eq!(secrecy::ExposeSecret::expose_secret(&pending.value), "sk_live_4eC39HqLyjWDarjtT1zdp7dc");
    let env = ws.bundle.task_definition.container_definitions[0].environment.clone().unwrap_or_default();
    assert_eq!(env.len(), 1, "{env:?}");
    assert_eq!((env[0].name.as_deref(), env[0].value.as_deref()), (Some("LOG_LEVEL"), Some("info")));
    assert!(!ws.analyze().diagnostics.iter().any(|d| d.code == code && d.path == path));
    assert_eq!(ws.apply_fix_for(&code, &path).unwrap_err(), EditError::DiagnosticGone { code, path });
}

#[test]
fn an_import_over_64_kib_is_refused_before_parsing() {
    let small = seed().task_definition_json();
    assert_eq!(Workspace::too_large_to_import(&small), None);
    // Padding whitespace alone does not make a text too large...
    let padded = format!("{small}{}", " \n".repeat(40_000));
    assert_eq!(Workspace::too_large_to_import(&padded), None);
    // ...content does (even when it is not valid JSON: nothing is parsed).
    let huge = format!("[{}]", "{\"name\": \"x\", \"image\": \"nginx\"},".repeat(100_000));
    let message = Workspace::too_large_to_import(&huge).expect("refused");
    assert!(message.contains("65536"), "{message}");
    let escaped = format!("\"{}\"", "\\\" ".repeat(40_000));
    assert!(Workspace::too_large_to_import(&escaped).is_some(), "spaces inside strings count");
}

/// Regression (issue 10): a bare `containerDefinitions` array imported into
/// the UI lints as it does on the command line — one ES013 note that the
/// resource sets `family` and the execution role, not ES001/ES015 errors —
/// and keeps doing so across a save; a family typed later is checked.
#[test]
fn a_terraform_container_definitions_array_lints_like_the_cli() {
    let text = include_str!("../../tests/fixtures/lint/terraform_container_definitions.json");
    let codes = |ws: &Workspace| -> Vec<String> {
        ws.analyze().diagnostics.iter().map(|d| format!("{} {}", d.code, d.severity.as_str())).collect()
    };
    let mut ws = Workspace::empty();
    ws.import_text(text).unwrap();
    let imported = crate::import::import(text).unwrap();
    let cli = crate::lint::lint_imported(&imported, &ws.context());
    assert_eq!(ws.analyze().diagnostics, cli);
    assert_eq!(codes(&ws), ["ES013 info"]);
    let mut restored = Workspace::restore(&ws.persist()).unwrap();
    assert_eq!(codes(&restored), ["ES013 info"]);
    restored.set_task_field(TaskField::Family, "not a family!");
    assert!(codes(&restored).contains(&"ES001 error".to_owned()), "{:?}", codes(&restored));
    // Importing a whole task definition afterwards lints it as one again.
    ws.import_text(r#"{"containerDefinitions": [{"name": "a", "image": "nginx"}]}"#).unwrap();
    assert!(!ws.container_definitions_only);
    assert!(codes(&ws).contains(&"ES001 error".to_owned()));
}

/// A copy saved by the build that wrote version 2 (the flat workspace:
/// bundle fields next to KMS keys, pasted policies and drafts) loads as it
/// was: a user's saved session is not lost when the saved form changes.
#[test]
fn a_copy_saved_as_version_2_loads_whole() {
    let (mut ws, site) = with_secret(true);
    ws.edit_reference(site, DraftEdit::Store(Store::SecretsManager)).unwrap();
    ws.edit_reference(site, DraftEdit::Name("web/api-token".into())).unwrap();
    ws.set_site_create(site, true);
    ws.existing_policies.push(r#"{"Version":"2012-10-17","Statement":[]}"#.into());
    ws.kms_keys.insert(ws.site_value_from(site).unwrap().to_owned(), "alias/web".into());
    ws.container_definitions_only = true;
    ws.bundle.services.push(crate::bundle::ServiceSpec {
        cluster: "prod".into(),
        service: "web".into(),
        force_new_deployment: true,
    });
    let saved = include_str!("../../tests/fixtures/workspace/saved_v2.json");
    assert_eq!(Workspace::restore(saved).unwrap(), ws);
}
