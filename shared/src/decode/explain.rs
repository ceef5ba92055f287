//! Turning the facts and the cause of an error into plain words and a fix.
//!
//! IAM fixes reuse the generator's [`read_requirements`], so a decoded
//! `AccessDeniedException` is repaired with exactly the statement the
//! policy generator ([`crate::iam::generate`]) writes for that reference.

use crate::context::Context;
use crate::iam::generate::{SID_KMS, SID_SECRETS_MANAGER, SID_SSM, has_policy_metacharacters, read_requirements};
use crate::iam::policy::{Principal, Statement};
use crate::secret_ref::{SecretRef, Store};

use super::classify::Facts;
use super::extract::{Line, contains_ci};
use super::{Cause, Decoded, Fix, PolicyKind};

/// The last step of most fixes: values are read only when a task starts.
const RESTART: &str = "Start the task again; for a service: aws ecs update-service --cluster CLUSTER --service SERVICE --force-new-deployment";

pub(crate) fn explain(line: &Line, facts: &Facts, cause: Cause) -> Decoded {
    let action = action(facts, cause);
    let resource = resource(facts, cause);
    let region = facts
        .resource_region
        .clone()
        .or_else(|| resource.as_deref().and_then(kms_region))
        .or_else(|| facts.endpoint_region.clone())
        .or_else(|| facts.task_region.clone());
    let account = facts.resource_account.clone().or_else(|| facts.task_account.clone());
    let ctx = Context::new(
        region.as_deref().or(facts.task_region.as_deref()).and_then(|r| r.parse().ok()),
        account.as_deref().and_then(|a| a.parse().ok()),
    );
    let parts =
        Parts { facts, action: action.as_deref(), resource: resource.as_deref(), region: region.as_deref(), ctx };
    let (explanation, fix) = match cause {
        Cause::MissingPermission => parts.missing_permission(),
        Cause::ExplicitDeny => parts.explicit_deny(),
        Cause::KmsAccess => parts.kms_access(line),
        Cause::NotFound => parts.not_found(line),
        Cause::WrongRegion => parts.wrong_region(),
        Cause::PartialArn => parts.partial_arn(),
        Cause::JsonKeyNotFound => parts.json_key_not_found(),
        Cause::Network => parts.network(line),
        Cause::RegistryAuth => parts.registry_auth(line),
        Cause::Unknown => parts.unknown(line),
    };
    Decoded {
        role: facts.role.clone(),
        action,
        resource,
        region,
        account,
        cause,
        denied_by: facts.denied_by,
        policy: facts.policy.clone(),
        explanation,
        fix,
    }
}

fn action(facts: &Facts, cause: Cause) -> Option<String> {
    if let Some(action) = &facts.denied_action {
        return Some(action.clone());
    }
    match cause {
        Cause::KmsAccess => Some("kms:Decrypt".to_owned()),
        Cause::RegistryAuth => None,
        _ => facts.store.map(|s| s.read_action().to_owned()),
    }
}

fn resource(facts: &Facts, cause: Cause) -> Option<String> {
    if cause == Cause::KmsAccess && facts.denied_action.is_none() {
        return facts.kms_key.clone().or_else(|| facts.resource.clone());
    }
    facts.resource.clone()
}

fn kms_region(arn: &str) -> Option<String> {
    crate::arn::region_of(arn).map(str::to_owned)
}

/// True when the text is about Amazon ECR (a bare `ecr` would also match
/// inside `secret`).
fn mentions_ecr(line: &Line) -> bool {
    ["amazon ecr", "api.ecr.", ".dkr.ecr.", "ecr:"].iter().any(|m| contains_ci(line, m))
}

/// The role's name, for `aws iam` commands (`role/path/name` → `name`).
fn role_name(role: &str) -> &str {
    role.rsplit('/').next().unwrap_or(role)
}

struct Parts<'a> {
    facts: &'a Facts,
    action: Option<&'a str>,
    resource: Option<&'a str>,
    region: Option<&'a str>,
    /// Region and account used to complete bare parameter names.
    ctx: Context,
}

impl Parts<'_> {
    fn who(&self) -> String {
        match &self.facts.role {
            Some(role) => format!("The task execution role `{}`", role_name(role)),
            None => "The task execution role".to_owned(),
        }
    }

    fn what(&self) -> String {
        match (self.action, self.resource) {
            (Some(action), Some(resource)) => format!("`{action}` on `{resource}`"),
            (Some(action), None) => format!("`{action}`"),
            (None, Some(resource)) => format!("access to `{resource}`"),
            (None, None) => "the secret".to_owned(),
        }
    }

    fn store_name(&self) -> &'static str {
        match self.facts.store {
            Some(Store::Ssm) => "SSM parameter",
            Some(Store::SecretsManager) => "Secrets Manager secret",
            None => "secret",
        }
    }

    fn region_or_placeholder(&self) -> &str {
        self.region.unwrap_or("REGION")
    }

    /// The least-privilege Allow for the refused action on the refused
    /// resource, as the generator would write it.
    fn grant(&self) -> Option<Statement> {
        let action = self.action?;
        let resource = self.resource?;
        let reference = SecretRef::parse(resource).ok().filter(|r| r.store().read_action() == action);
        let statement = match reference {
            Some(reference) => {
                let needs = read_requirements(&reference, &self.ctx).ok()?;
                let mut actions: Vec<&str> = needs.iter().map(|n| n.action.as_str()).collect();
                actions.dedup();
                let resources: Vec<&str> = needs.iter().flat_map(|n| n.resources.iter().map(String::as_str)).collect();
                let sid = match reference.store() {
                    Store::Ssm => SID_SSM,
                    Store::SecretsManager => SID_SECRETS_MANAGER,
                };
                Statement::allow(Some(sid), actions, resources)
            }
            // `*` is the only resource of an action without resource-level
            // permissions (AWS then names it so); any other pattern would
            // widen the grant, so it gets no statement.
            None if has_policy_metacharacters(resource)
                && !(resource == "*" && action.eq_ignore_ascii_case("ecr:GetAuthorizationToken")) =>
            {
                return None;
            }
            None if action.eq_ignore_ascii_case("kms:Decrypt") => Statement::allow(Some(SID_KMS), [action], [resource]),
            None if resource.starts_with("arn:") || resource == "*" => Statement::allow(None, [action], [resource]),
            None => return None,
        };
        if self.facts.denied_by == Some(PolicyKind::ResourceBased) {
            let role = self.facts.role.as_deref().filter(|r| r.starts_with("arn:"))?;
            return Some(statement.with_principal(Principal::aws([role])));
        }
        Some(statement)
    }

    fn missing_permission(&self) -> (String, Fix) {
        let mut explanation = format!("{} was refused {}.", self.who(), self.what());
        let statement = self.grant();
        let mut steps = Vec::new();
        match self.facts.denied_by {
            Some(PolicyKind::ResourceBased) => {
                explanation.push_str(
                    " The resource lives in another account (or has a resource policy), so its resource-based policy must allow the role too.",
                );
                steps.push(format!(
                    "Add the fix statement to the resource policy of `{}` (for a secret: aws secretsmanager put-resource-policy --secret-id ARN --resource-policy file://policy.json, after merging it with the policy from get-resource-policy).",
                    self.resource.unwrap_or("the resource")
                ));
                steps.push(
                    "Also allow the action in a policy of the execution role itself, in its own account.".to_owned(),
                );
            }
            Some(PolicyKind::PermissionsBoundary) => {
                explanation.push_str(" The role's permissions boundary does not allow it, even if a role policy does.");
                steps.push("Add the fix statement to the role's permissions boundary policy (and to a role policy, if not there yet).".to_owned());
            }
            Some(PolicyKind::ServiceControlPolicy) => {
                explanation.push_str(" An AWS Organizations service control policy does not allow it.");
                steps.push("Ask the organization's administrators to allow the action in the service control policies of this account.".to_owned());
            }
            Some(PolicyKind::SessionPolicy) => {
                explanation.push_str(" A session policy passed when the role was assumed does not allow it.");
                steps.push("Remove or widen the session policy used when assuming the role.".to_owned());
            }
            Some(PolicyKind::VpcEndpointPolicy) => {
                explanation.push_str(" The policy of the VPC endpoint the request went through does not allow it.");
                steps.push("Add the fix statement (with a Principal) to the VPC endpoint's policy.".to_owned());
            }
            Some(PolicyKind::IdentityBased) | None => {
                explanation.push_str(
                    " No policy attached to the role allows it. ECS uses the task execution role (executionRoleArn) to read secrets, pull images and create log streams before the container starts; the task role (taskRoleArn) is not used for this.",
                );
                let role = self.facts.role.as_deref().map_or("ROLE", role_name);
                steps.push(format!(
                    "Add the fix statement to the execution role: aws iam put-role-policy --role-name {role} --policy-name ecs-secrets-read --policy-document file://policy.json (the file holding {{\"Version\":\"2012-10-17\",\"Statement\":[STATEMENT]}})."
                ));
                steps.push("Check that executionRoleArn in the task definition names this role.".to_owned());
            }
        }
        if let Some(action) = self.action
            && (action.starts_with("ecr:") || action.starts_with("logs:"))
        {
            steps.push("For ECR pulls and awslogs, attaching the AWS managed policy arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy to the execution role grants all needed actions.".to_owned());
        }
        if self.facts.partial_secret() {
            steps.push(format!(
                "`{}` has no 6-character suffix: put the secret's full ARN in valueFrom (aws secretsmanager describe-secret --secret-id {} --query ARN).",
                self.resource.unwrap_or_default(),
                self.facts.secret_ref().map(|r| r.name().to_owned()).unwrap_or_default()
            ));
        }
        if self.facts.cross_account() {
            steps.push("The resource is in another account: its resource policy, and the key policy of the customer-managed KMS key that encrypts it, must allow this role as well (AWS managed keys cannot be used across accounts).".to_owned());
        }
        if statement.is_none() && self.resource.is_some_and(|r| !r.starts_with("arn:")) {
            steps.push(format!(
                "Grant the action on the parameter's full ARN: arn:aws:ssm:{}:ACCOUNT:parameter/{}.",
                self.region_or_placeholder(),
                self.resource.unwrap_or_default().trim_start_matches('/')
            ));
        }
        steps.push(RESTART.to_owned());
        (explanation, Fix { statement, steps })
    }

    fn explicit_deny(&self) -> (String, Fix) {
        let (where_, how) = match self.facts.denied_by {
            Some(PolicyKind::ResourceBased) => (
                "the resource's own policy (the secret's resource policy or the KMS key policy)",
                "Read it (aws secretsmanager get-resource-policy --secret-id ARN, or aws kms get-key-policy --key-id KEY --policy-name default) and narrow the Deny statement so it no longer matches this role, e.g. with a condition excluding the role's ARN (aws:PrincipalArn).",
            ),
            Some(PolicyKind::ServiceControlPolicy) => (
                "an AWS Organizations service control policy",
                "Ask the organization's administrators to scope the Deny in the service control policy so it excludes this role or resource.",
            ),
            Some(PolicyKind::PermissionsBoundary) => (
                "the role's permissions boundary",
                "Narrow the Deny statement in the permissions boundary policy so it excludes this resource.",
            ),
            Some(PolicyKind::SessionPolicy) => {
                ("a session policy", "Remove the Deny from the session policy passed when the role is assumed.")
            }
            Some(PolicyKind::VpcEndpointPolicy) => (
                "the VPC endpoint's policy",
                "Narrow the Deny statement in the VPC endpoint policy (aws ec2 describe-vpc-endpoints) so it excludes this role or resource.",
            ),
            Some(PolicyKind::IdentityBased) | None => ("a policy attached to the role", ""),
        };
        let how = if how.is_empty() {
            let role = self.facts.role.as_deref().map_or("ROLE", role_name);
            let find = match &self.facts.policy {
                Some(policy) => format!(
                    "Open the denying policy (aws iam get-policy --policy-arn {policy}, then aws iam get-policy-version with its default version)"
                ),
                None => format!(
                    "Find the Deny statement among the role's policies (aws iam list-role-policies --role-name {role}; aws iam list-attached-role-policies --role-name {role})"
                ),
            };
            format!(
                "{find} and scope the Deny so it no longer matches this resource: narrow its Resource, or add a condition that excludes it."
            )
        } else {
            how.to_owned()
        };
        let where_ = match &self.facts.policy {
            Some(policy) => format!("{where_} (`{policy}`)"),
            None => where_.to_owned(),
        };
        let explanation = format!(
            "{} is explicitly denied {} by {where_}. An explicit Deny always wins over any Allow, so adding an Allow statement does not help: the Deny itself must change.",
            self.who(),
            self.what()
        );
        (explanation, Fix { statement: None, steps: vec![how, RESTART.to_owned()] })
    }

    fn kms_access(&self, line: &Line) -> (String, Fix) {
        let key = self.facts.kms_key.as_deref().or(self.resource.filter(|r| r.contains(":kms:")));
        let mut explanation = format!(
            "{} could read the {} but not decrypt it: the value is encrypted with a KMS key the role may not use (kms:Decrypt), or the key does not exist in that region or is disabled.",
            self.who(),
            self.store_name()
        );
        let mut steps = Vec::new();
        let unusable = ["disabledexception", "invalidstateexception", "is disabled", "pending deletion"]
            .iter()
            .any(|m| contains_ci(line, m));
        if unusable {
            let key = key.unwrap_or("KEY");
            let explanation = format!(
                "The KMS key `{key}` that encrypts the {} is disabled or scheduled for deletion, so nobody can decrypt the value; permissions are not the problem.",
                self.store_name()
            );
            let steps = vec![
                format!("Enable the key: aws kms enable-key --key-id {key} (if it is pending deletion, first: aws kms cancel-key-deletion --key-id {key})."),
                "Or re-encrypt the value with another key (aws secretsmanager update-secret --kms-key-id, or aws ssm put-parameter --overwrite --key-id).".to_owned(),
                RESTART.to_owned(),
            ];
            return (explanation, Fix { statement: None, steps });
        }
        let statement = match key {
            // "… because no resource-based policy allows": the key policy
            // decides, and no change to the role's policies can help.
            Some(key) if self.facts.denied_by == Some(PolicyKind::ResourceBased) => {
                let role = self.facts.role.as_deref().filter(|r| r.starts_with("arn:")).unwrap_or("ROLE-ARN");
                explanation = format!(
                    "{} may not decrypt the {} with the KMS key `{key}`: the key's key policy neither names the role nor delegates to its account, and for a KMS key the key policy decides — the role's own policies cannot grant it.",
                    self.who(),
                    self.store_name()
                );
                steps.push(format!("Read the key policy: aws kms get-key-policy --key-id {key} --policy-name default --query Policy --output text > key-policy.json"));
                steps.push("Add the fix statement to the key policy's Statement list (in a key policy `*` means this key), or the default key policy's statement that delegates to the account (Principal {\"AWS\": \"arn:aws:iam::ACCOUNT:root\"}) so the role's kms:Decrypt grant counts.".to_owned());
                steps.push(format!("Write it back: aws kms put-key-policy --key-id {key} --policy-name default --policy file://key-policy.json"));
                steps.push(RESTART.to_owned());
                let statement = Statement::allow(Some(SID_KMS), ["kms:Decrypt"], ["*"])
                    .with_principal(crate::iam::policy::Principal::aws([role]));
                return (explanation, Fix { statement: Some(statement), steps });
            }
            Some(key) => {
                explanation.push_str(&format!(" The key is `{key}`."));
                steps.push("Add the fix statement to the execution role's policy.".to_owned());
                Some(Statement::allow(Some(SID_KMS), ["kms:Decrypt"], [key]))
            }
            None => {
                steps.push(match self.facts.store {
                    Some(Store::Ssm) => format!(
                        "Find the key: aws ssm describe-parameters --parameter-filters Key=Name,Values={} --query Parameters[0].KeyId.",
                        self.facts.secret_ref().map(|r| r.name().to_owned()).unwrap_or_else(|| "NAME".to_owned())
                    ),
                    _ => format!(
                        "Find the key: aws secretsmanager describe-secret --secret-id {} --query KmsKeyId.",
                        self.resource.unwrap_or("SECRET")
                    ),
                });
                steps.push("Allow kms:Decrypt on that key's ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID, not its alias) in the execution role's policy.".to_owned());
                None
            }
        };
        steps.push("The key policy decides as well: it must name the role or delegate to the account (\"Principal\": {\"AWS\": \"arn:aws:iam::ACCOUNT:root\"}, the default key policy) — check with aws kms get-key-policy --key-id KEY --policy-name default; `ecs-secrets policy --key-policy` prints the statement to add. Also check that the key is enabled and in the same region as the value.".to_owned());
        steps.push(RESTART.to_owned());
        (explanation, Fix { statement, steps })
    }

    fn lookup_step(&self) -> String {
        let region = self.region_or_placeholder();
        match (self.facts.store, self.facts.secret_ref()) {
            (Some(Store::SecretsManager), Some(reference)) => format!(
                "Look the secret up: aws secretsmanager list-secrets --region {region} --filters Key=name,Values={} --query SecretList[].ARN",
                reference.name()
            ),
            (Some(Store::SecretsManager), None) => {
                format!(
                    "Look the secret up: aws secretsmanager list-secrets --region {region} --query SecretList[].ARN"
                )
            }
            (_, Some(reference)) => format!(
                "Look the parameter up: aws ssm get-parameter --region {region} --name {} (or aws ssm describe-parameters --region {region} to list names)",
                reference.name()
            ),
            (_, None) => format!("List what exists: aws ssm describe-parameters --region {region}"),
        }
    }

    fn not_found(&self, line: &Line) -> (String, Fix) {
        if contains_ci(line, "marked for deletion") {
            let secret = self.resource.unwrap_or("SECRET");
            let explanation = format!(
                "The Secrets Manager secret `{secret}` is scheduled for deletion, so it can no longer be read."
            );
            let steps = vec![
                format!("Restore it: aws secretsmanager restore-secret --secret-id {secret}"),
                "Or point valueFrom at another secret and register the task definition again.".to_owned(),
                RESTART.to_owned(),
            ];
            return (explanation, Fix { statement: None, steps });
        }
        let mut names: Vec<&str> = self.resource.into_iter().collect();
        names.extend(self.facts.more_resources.iter().map(String::as_str));
        let mut explanation = match names.as_slice() {
            [] => format!("The {} the task references does not exist", self.store_name()),
            [one] => format!("The {} `{one}` does not exist", self.store_name()),
            many => format!("The {}s `{}` do not exist", self.store_name(), many.join("`, `")),
        };
        explanation.push_str(
            " where ECS looked: the name is misspelt, it lives in another region or account, or it was deleted.",
        );
        if self.facts.store == Some(Store::Ssm) {
            explanation.push_str(" A bare parameter name is looked up only in the task's own region and account.");
        }
        let steps = vec![
            self.lookup_step(),
            "Put the exact name (SSM, same region and account) or the full ARN in valueFrom, or create the missing value (aws ssm put-parameter --type SecureString --name N --value V, or aws secretsmanager create-secret --name N --secret-string V).".to_owned(),
            "Register the corrected task definition: aws ecs register-task-definition --cli-input-json file://td.json".to_owned(),
            RESTART.to_owned(),
        ];
        (explanation, Fix { statement: None, steps })
    }

    fn wrong_region(&self) -> (String, Fix) {
        let resource_region = self.facts.resource_region.as_deref().unwrap_or("another region");
        let task_region = self.facts.task_region.as_deref().unwrap_or("the task's region");
        let explanation = format!(
            "The {} `{}` is referenced in {resource_region}, but the task runs in {task_region}, and nothing by that name was found there. The region inside the ARN must be the region the value was created in.",
            self.store_name(),
            self.resource.unwrap_or_default()
        );
        let steps = vec![
            self.lookup_step(),
            format!(
                "If the value really is in {task_region}, fix the region in the ARN; otherwise keep the ARN and create the value in {resource_region}, or copy it to {task_region} and reference that copy."
            ),
            "Register the corrected task definition: aws ecs register-task-definition --cli-input-json file://td.json"
                .to_owned(),
            RESTART.to_owned(),
        ];
        (explanation, Fix { statement: None, steps })
    }

    fn partial_arn(&self) -> (String, Fix) {
        let name = self.facts.secret_ref().map(|r| r.name().to_owned()).unwrap_or_else(|| "NAME".to_owned());
        let explanation = format!(
            "`{}` is a partial Secrets Manager ARN: it lacks the 6-character suffix (`-AbCdEf`) AWS appends to every secret ARN, and ECS could not resolve it.",
            self.resource.unwrap_or_default()
        );
        let steps = vec![
            format!(
                "Get the full ARN: aws secretsmanager describe-secret --region {} --secret-id {name} --query ARN",
                self.region_or_placeholder()
            ),
            "Put the full ARN in valueFrom (keep any :json-key:version-stage:version-id fields after it) and register the task definition again.".to_owned(),
            format!(
                "In the execution role policy, grant secretsmanager:GetSecretValue on the full ARN, or on `...:secret:{name}-??????` (not `{name}*`, which also matches other secrets)."
            ),
            RESTART.to_owned(),
        ];
        (explanation, Fix { statement: None, steps })
    }

    fn json_key_not_found(&self) -> (String, Fix) {
        let key =
            self.facts.json_key.as_deref().map_or_else(|| "the JSON key".to_owned(), |k| format!("the JSON key `{k}`"));
        let explanation = format!(
            "The secret was read, but {key} named in valueFrom (…:secret:NAME-AbCdEf:KEY::) is not in its value: the value is not a JSON object or has no such key (keys are case-sensitive)."
        );
        let steps = vec![
            "Check the keys without printing values: aws secretsmanager get-secret-value --secret-id ARN --query SecretString --output text | jq 'keys'".to_owned(),
            "Fix the key in valueFrom, or add the key to the secret's JSON value.".to_owned(),
            RESTART.to_owned(),
        ];
        (explanation, Fix { statement: None, steps })
    }

    fn network(&self, line: &Line) -> (String, Fix) {
        let region = self.region_or_placeholder();
        let mut services: Vec<&str> = Vec::new();
        if self.facts.store == Some(Store::SecretsManager) || contains_ci(line, "secretsmanager.") {
            services.push("secretsmanager");
        }
        if self.facts.store == Some(Store::Ssm) || contains_ci(line, "ssm.") {
            services.push("ssm");
        }
        if contains_ci(line, "kms") {
            services.push("kms");
        }
        let ecr = mentions_ecr(line) || contains_ci(line, "CannotPullContainer");
        if ecr {
            services.extend(["ecr.api", "ecr.dkr"]);
        }
        if contains_ci(line, "logs.") || contains_ci(line, "log stream") {
            services.push("logs");
        }
        if services.is_empty() {
            services.extend(["secretsmanager", "ssm"]);
        }
        let endpoints: Vec<String> = services.iter().map(|s| format!("com.amazonaws.{region}.{s}")).collect();
        let explanation = format!(
            "The task could not reach the AWS API in time (the request timed out or could not connect). This is a network path problem, not a permission problem: the task runs in a subnet without a route to the internet (no NAT gateway, no public IP) and without VPC endpoints for {}.",
            services.join(", ")
        );
        let mut steps = vec![format!(
            "Either create interface VPC endpoints in the task's VPC and subnets, with private DNS enabled and a security group allowing HTTPS (443) from the tasks: {} (aws ec2 create-vpc-endpoint --vpc-id VPC --vpc-endpoint-type Interface --service-name {} --subnet-ids SUBNETS --security-group-ids SG --private-dns-enabled).",
            endpoints.join(", "),
            endpoints[0]
        )];
        if ecr {
            steps.push(format!(
                "For ECR image layers also create the S3 gateway endpoint com.amazonaws.{region}.s3 and add it to the subnets' route tables."
            ));
        }
        steps.push("Or route the subnets through a NAT gateway, or (public subnets only) run the task with assignPublicIp=ENABLED.".to_owned());
        steps.push("Check that the tasks' security group allows outbound HTTPS (443) and that the subnet's network ACLs allow the return traffic.".to_owned());
        steps.push(RESTART.to_owned());
        (explanation, Fix { statement: None, steps })
    }

    fn registry_auth(&self, line: &Line) -> (String, Fix) {
        let image = self.facts.image.as_deref();
        let on_ecr = image.is_some_and(|i| i.contains(".dkr.ecr.")) || mentions_ecr(line);
        let target = image.map_or_else(|| "the image".to_owned(), |i| format!("`{i}`"));
        if on_ecr {
            let explanation = format!(
                "Pulling {target} from Amazon ECR was refused: the execution role may not get an ECR authorization token or read the repository."
            );
            let steps = vec![
                "Attach the AWS managed policy to the execution role: aws iam attach-role-policy --role-name ROLE --policy-arn arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy".to_owned(),
                "For a repository in another account, its repository policy must allow the role (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, ecr:BatchCheckLayerAvailability).".to_owned(),
                "Check that the image name and tag exist: aws ecr describe-images --repository-name REPO --image-ids imageTag=TAG".to_owned(),
                RESTART.to_owned(),
            ];
            return (explanation, Fix { statement: None, steps });
        }
        let explanation = format!(
            "The registry refused to serve {target} (401/403): the image is private and the task gave no or wrong credentials. ECS passes registry credentials only from repositoryCredentials.credentialsParameter, a Secrets Manager secret read with the execution role."
        );
        let steps = vec![
            "Store the registry credentials as a secret: aws secretsmanager create-secret --name NAME --secret-string '{\"username\":\"USER\",\"password\":\"TOKEN\"}'".to_owned(),
            "Set repositoryCredentials.credentialsParameter of the container to the secret's full ARN, and allow the execution role secretsmanager:GetSecretValue on it (plus kms:Decrypt if a customer-managed key encrypts it).".to_owned(),
            "Check that the image name and tag are right and that the credentials can pull it (docker login; docker pull).".to_owned(),
            RESTART.to_owned(),
        ];
        (explanation, Fix { statement: None, steps })
    }

    fn unknown(&self, line: &Line) -> (String, Fix) {
        let explanation = if line.is_empty() {
            "There is no text to decode.".to_owned()
        } else {
            "This text does not match any failure the decoder knows (access denied, KMS, not found, partial ARN, network, registry credentials).".to_owned()
        };
        let steps = vec![
            "Paste the stopped task's full reason: aws ecs describe-tasks --cluster CLUSTER --tasks TASK --query 'tasks[].{reason:stoppedReason,containers:containers[].reason}'".to_owned(),
            "Check the service events too: aws ecs describe-services --cluster CLUSTER --services SERVICE --query 'services[].events[:5]'".to_owned(),
            format!(
                "Check the task definition's secret references and the execution role's policies before deploying again{}.",
                self.region.map(|r| format!(" (region {r})")).unwrap_or_default()
            ),
        ];
        (explanation, Fix { statement: None, steps })
    }
}
