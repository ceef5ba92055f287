//! The documentation of every registered code: what it finds, why it
//! matters, an example and the fix. Keyed by code and tested to cover
//! exactly the codes of the registry ([`super::RULES`]); kept out of the
//! registry entries themselves so that the UI's WASM, which runs the lint
//! but never shows this text, does not carry it.
//!
//! From here come `ecs-secrets rule CODE`, `docs/rules.md` ([`markdown`])
//! and the SARIF rule help.

use super::{FixAvailability, Origin, RULES, RuleInfo};

/// The documentation of one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleDocs {
    pub code: &'static str,
    /// What the rule finds.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// An input that triggers it.
    pub example: &'static str,
    /// What to do.
    pub fix: &'static str,
}

/// Where `docs/rules.md` lives, for links (SARIF `helpUri`).
pub const RULES_DOC_URL: &str = "https://github.com/ecs-secrets/ecs-secrets/blob/main/docs/rules.md";

/// Every code's documentation, in registry order.
pub const DOCS: &[RuleDocs] = &[
    RuleDocs {
        code: "ES001",
        what: "The task definition has no `family`, or the family is not 1-255 letters, digits, `_` and `-`.",
        why: "RegisterTaskDefinition rejects it: the family names the task definition and every revision of it.",
        example: "{\"family\": \"web app\", \"containerDefinitions\": [...]}",
        fix: "Set `\"family\"` to a name such as `web-app`. For a bare `containerDefinitions` array the resource that registers it sets the family (see ES013); pass `--family` to check it here.",
    },
    RuleDocs {
        code: "ES002",
        what: "A container has no `name`, or the name is not 1-255 letters, digits, `_` and `-`.",
        why: "RegisterTaskDefinition rejects it, and links, dependencies and log streams refer to containers by name.",
        example: "{\"containerDefinitions\": [{\"name\": \"web app\", \"image\": \"nginx\"}]}",
        fix: "Give every container a name such as `web-app`.",
    },
    RuleDocs {
        code: "ES003",
        what: "A container has no `image`, or an empty one.",
        why: "ECS cannot start a container without an image to pull; RegisterTaskDefinition rejects it.",
        example: "{\"containerDefinitions\": [{\"name\": \"app\"}]}",
        fix: "Add the image to run, e.g. `\"image\": \"public.ecr.aws/nginx/nginx:1.27\"`.",
    },
    RuleDocs {
        code: "ES004",
        what: "Two containers of one task definition share a name.",
        why: "Container names must be unique within a task definition; RegisterTaskDefinition rejects duplicates.",
        example: "{\"containerDefinitions\": [{\"name\": \"app\", \"image\": \"a\"}, {\"name\": \"app\", \"image\": \"b\"}]}",
        fix: "Rename one of them.",
    },
    RuleDocs {
        code: "ES005",
        what: "A field the task definition model knows has the wrong JSON type: `portMappings` written as an object, `memory` as a string, an `environment` value as a number.",
        why: "RegisterTaskDefinition (and the AWS CLI's own parameter validation) rejects the file. The rest of the file is still checked: one wrong field does not hide the secret findings.",
        example: "{\"containerDefinitions\": [{\"name\": \"app\", \"image\": \"nginx\", \"portMappings\": {\"containerPort\": 80}}]}",
        fix: "Write the field with the type the message names, e.g. `\"portMappings\": [{\"containerPort\": 80}]`.",
    },
    RuleDocs {
        code: "ES010",
        what: "More than 10 containers in one task definition.",
        why: "ECS allows at most 10 container definitions per task definition; registration fails.",
        example: "{\"containerDefinitions\": [{\"name\": \"c1\"}, \"... eleven in all\"]}",
        fix: "Split the task into two task definitions (or services), or drop sidecars you do not need.",
    },
    RuleDocs {
        code: "ES011",
        what: "The task definition, exported as JSON, is larger than 64 KiB.",
        why: "RegisterTaskDefinition rejects requests over 64 KiB. Large `environment` lists are the usual cause.",
        example: "{\"containerDefinitions\": [{\"environment\": [\"... thousands of entries\"]}]}",
        fix: "Move configuration into `environmentFiles` (S3) or into SSM parameters referenced from `secrets`.",
    },
    RuleDocs {
        code: "ES012",
        what: "More than 50 tags.",
        why: "ECS allows at most 50 tags per resource; registration fails.",
        example: "{\"tags\": [\"... 51 tags\"]}",
        fix: "Drop or merge tags.",
    },
    RuleDocs {
        code: "ES013",
        what: "The input is a bare `containerDefinitions` array (Terraform's `container_definitions`, CDK, Pulumi): it has no `family` and no roles of its own.",
        why: "Those fields belong to the resource that registers the array (`aws_ecs_task_definition`), so their absence is not an error of the file; but the resource must set them, and an execution role whenever a container references secrets.",
        example: "[{\"name\": \"api\", \"image\": \"nginx\", \"secrets\": [{\"name\": \"DB_PASSWORD\", \"valueFrom\": \"/api/db\"}]}]",
        fix: "Set `family` and `execution_role_arn` on the resource. Pass `--family` and `--execution-role-arn` to `lint`, `policy` or `check` to check them too.",
    },
    RuleDocs {
        code: "ES015",
        what: "The task references secrets (`secrets`, log `secretOptions`, `repositoryCredentials`) or `environmentFiles` but has no `executionRoleArn`.",
        why: "The ECS agent fetches secrets and environment files with the task execution role before the container starts; without one the task stops with `ResourceInitializationError`. The task role does not count: it is what the application uses afterwards.",
        example: "{\"family\": \"web\", \"containerDefinitions\": [{\"name\": \"app\", \"image\": \"nginx\", \"secrets\": [{\"name\": \"DB_PASSWORD\", \"valueFrom\": \"/web/db\"}]}]}",
        fix: "Add `\"executionRoleArn\"` with a role that trusts `ecs-tasks.amazonaws.com` and may read the secrets (`ecs-secrets policy` writes its policy).",
    },
    RuleDocs {
        code: "ES016",
        what: "`executionRoleArn` and `taskRoleArn` are the same role.",
        why: "The execution role may read every secret and pull every image; sharing it lets the application do the same.",
        example: "{\"executionRoleArn\": \"arn:aws:iam::123456789012:role/web\", \"taskRoleArn\": \"arn:aws:iam::123456789012:role/web\"}",
        fix: "Give the task its own role with only what the application calls.",
    },
    RuleDocs {
        code: "ES017",
        what: "A role field is not `arn:PARTITION:iam::ACCOUNT:role/NAME` (a warning for a bare role name in `taskRoleArn`, which ECS accepts).",
        why: "ECS cannot pass a role it cannot resolve; registration or the task start fails.",
        example: "{\"executionRoleArn\": \"arn:aws:iam:us-east-1:123456789012:role/exec\"}",
        fix: "Write `arn:aws:iam::123456789012:role/NAME` (empty region, 12-digit account, `role/` and the name).",
    },
    RuleDocs {
        code: "ES018",
        what: "A role ARN names another account than the task's (checked when `--account` is given).",
        why: "ECS passes only roles of the task's own account; the task cannot start.",
        example: "{\"executionRoleArn\": \"arn:aws:iam::999999999999:role/exec\"}",
        fix: "Use a role of the account the task runs in.",
    },
    RuleDocs {
        code: "ES020",
        what: "One name appears in both `environment` and `secrets` of a container.",
        why: "RegisterTaskDefinition rejects the duplicate, and a plaintext copy next to a secret usually means the secret leaked.",
        example: "{\"environment\": [{\"name\": \"DB_PASSWORD\", \"value\": \"x\"}], \"secrets\": [{\"name\": \"DB_PASSWORD\", \"valueFrom\": \"/db\"}]}",
        fix: "Remove the `environment` entry.",
    },
    RuleDocs {
        code: "ES021",
        what: "One name twice within `environment`, or twice within `secrets`, of a container.",
        why: "Only one value reaches the container; which one is not something to rely on.",
        example: "{\"environment\": [{\"name\": \"MODE\", \"value\": \"a\"}, {\"name\": \"MODE\", \"value\": \"b\"}]}",
        fix: "Keep one entry.",
    },
    RuleDocs {
        code: "ES022",
        what: "An environment variable name outside `^[A-Za-z_][A-Za-z0-9_]*$`.",
        why: "ECS accepts it, but shells and many runtimes cannot read such a variable.",
        example: "{\"environment\": [{\"name\": \"api-url\", \"value\": \"https://api.example.com\"}]}",
        fix: "Rename it, e.g. `API_URL`.",
    },
    RuleDocs {
        code: "ES023",
        what: "An `environment`, `secrets` or `secretOptions` entry without a `name`.",
        why: "RegisterTaskDefinition rejects it; there is no variable to set.",
        example: "{\"secrets\": [{\"valueFrom\": \"/web/db\"}]}",
        fix: "Add the variable (or log option) name.",
    },
    RuleDocs {
        code: "ES030",
        what: "A `valueFrom` or `credentialsParameter` that is missing or empty.",
        why: "There is nothing to fetch; the task fails to start (and `policy` has nothing to grant).",
        example: "{\"repositoryCredentials\": {\"credentialsParameter\": \"\"}}",
        fix: "Give the SSM parameter name or ARN, or the Secrets Manager secret ARN.",
    },
    RuleDocs {
        code: "ES031",
        what: "A reference that is neither an SSM parameter name or ARN nor a Secrets Manager ARN (an S3 or KMS ARN, a console URL, a truncated ARN).",
        why: "ECS can read secrets only from SSM Parameter Store and Secrets Manager; the task fails to start.",
        example: "{\"secrets\": [{\"name\": \"KEY\", \"valueFrom\": \"arn:aws:kms:us-east-1:123456789012:key/1234\"}]}",
        fix: "Reference the parameter or secret that holds the value.",
    },
    RuleDocs {
        code: "ES032",
        what: "An ARN whose account id is not 12 digits (often a placeholder such as `awsExampleAccountID`).",
        why: "No such account exists; the reference cannot resolve and `policy` will not grant it.",
        example: "{\"valueFrom\": \"arn:aws:ssm:us-east-1:awsExampleAccountID:parameter/db\"}",
        fix: "Write the 12-digit id of the owning account (a fix fills in `--account`).",
    },
    RuleDocs {
        code: "ES033",
        what: "An ARN whose region does not look like a region (`REGION`, `us-east`).",
        why: "The reference cannot resolve and `policy` will not grant it.",
        example: "{\"valueFrom\": \"arn:aws:ssm:REGION:123456789012:parameter/db\"}",
        fix: "Write the region, e.g. `us-east-1` (a fix fills in `--region`).",
    },
    RuleDocs {
        code: "ES034",
        what: "A bare SSM parameter name while other references live in another region or account (info when the task's own region/account is unknown).",
        why: "A bare name resolves in the task's own region and account only; it is easy to assume otherwise.",
        example: "{\"secrets\": [{\"valueFrom\": \"/db\"}, {\"valueFrom\": \"arn:aws:ssm:us-west-2:123456789012:parameter/api\"}]}",
        fix: "Use the full parameter ARN (a fix writes it when region and account are known).",
    },
    RuleDocs {
        code: "ES035",
        what: "A Secrets Manager JSON key or version field on a Fargate platform version below 1.4.0.",
        why: "Fargate supports those fields from platform 1.4.0 only; the task fails to start.",
        example: "{\"valueFrom\": \"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::\"}",
        fix: "Run on platform 1.4.0 or LATEST (1.3.0 is retired anyway, see ES066), or reference the whole secret.",
    },
    RuleDocs {
        code: "ES036",
        what: "A Secrets Manager JSON key or version field in a task definition that is not for Fargate (EC2, EXTERNAL).",
        why: "On EC2 it needs ECS container agent 1.37.0 or later; a reminder to check. Fargate is not reminded any more: with platform 1.3.0 retired (ES066), every Fargate task runs 1.4.0 or later, where these fields work.",
        example: "{\"valueFrom\": \"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::\"}",
        fix: "Make sure the container instances run agent 1.37.0 or later.",
    },
    RuleDocs {
        code: "ES037",
        what: "An ARN partition that is unknown or not the one of its region (`arn:aws:ssm:cn-north-1:…`).",
        why: "The ARN names nothing; the reference cannot resolve.",
        example: "{\"valueFrom\": \"arn:aws:ssm:cn-north-1:123456789012:parameter/db\"}",
        fix: "Use the region's partition (`aws-cn` for China, `aws-us-gov` for GovCloud).",
    },
    RuleDocs {
        code: "ES038",
        what: "A reference into another account than the task's.",
        why: "Cross-account reads need a customer-managed KMS key and resource/key policies in the owning account that allow this execution role.",
        example: "{\"valueFrom\": \"arn:aws:secretsmanager:us-east-1:999999999999:secret:shared/db-AbCdEf\"}",
        fix: "Set up the key policy and the secret's resource policy in the owning account (`ecs-secrets check` with `--resource-policy` verifies).",
    },
    RuleDocs {
        code: "ES040",
        what: "An SSM parameter name with characters other than letters, digits, `_`, `.`, `-` and `/`.",
        why: "No parameter can have that name; the task fails to start.",
        example: "{\"valueFrom\": \"/prod/db password\"}",
        fix: "Rename the parameter (and the reference).",
    },
    RuleDocs {
        code: "ES041",
        what: "An SSM parameter name starting with `aws` or `ssm` (any case), outside AWS's public paths.",
        why: "SSM reserves those prefixes: no user parameter can exist under them (the AWS documentation's `awsExampleParameter` is a placeholder).",
        example: "{\"valueFrom\": \"awsExampleParameter\"}",
        fix: "Create the parameter under your own name, e.g. `/web/DB_PASSWORD`.",
    },
    RuleDocs {
        code: "ES042",
        what: "A hierarchical SSM name whose first level starts with `aws` or `ssm` (`/ssm-db/pw`).",
        why: "Whether the leading `/` exempts such names is unverified; the name may be rejected.",
        example: "{\"valueFrom\": \"/ssm-db/password\"}",
        fix: "Prefer a first level of your own, e.g. `/db/password`.",
    },
    RuleDocs {
        code: "ES043",
        what: "An SSM parameter name with more than 15 hierarchy levels.",
        why: "SSM allows at most 15 levels; no such parameter can exist.",
        example: "{\"valueFrom\": \"/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p\"}",
        fix: "Flatten the hierarchy.",
    },
    RuleDocs {
        code: "ES044",
        what: "An SSM parameter name longer than 1011 characters, or a parameter ARN longer than 2048.",
        why: "SSM rejects such names; no such parameter can exist.",
        example: "{\"valueFrom\": \"/app/xxxxxxxx… (1 100 characters)\"}",
        fix: "Shorten the name.",
    },
    RuleDocs {
        code: "ES045",
        what: "A hierarchical SSM name (with `/`) that does not start with `/`.",
        why: "Hierarchical parameter names must start with `/`; `prod/db` names nothing.",
        example: "{\"valueFrom\": \"prod/db/password\"}",
        fix: "Add the leading `/` (a fix does).",
    },
    RuleDocs {
        code: "ES046",
        what: "An empty SSM hierarchy level: `//` in a name, or `parameter//prod` in an ARN.",
        why: "No parameter name has an empty level; a hierarchical name's leading `/` merges into `parameter/` in its ARN.",
        example: "{\"valueFrom\": \"arn:aws:ssm:us-east-1:123456789012:parameter//prod/db\"}",
        fix: "Remove the extra `/` (a fix does).",
    },
    RuleDocs {
        code: "ES047",
        what: "An SSM parameter version or label selector in `valueFrom`: `/app/db:3`, `name:prod`.",
        why: "The SSM API takes `name:version` and `name:label`, but ECS does not accept selectors in `valueFrom` (aws/containers-roadmap#859): the agent asks for a parameter literally named `/app/db:3` and the task fails to start.",
        example: "{\"secrets\": [{\"name\": \"DB_PASSWORD\", \"valueFrom\": \"/app/db:3\"}]}",
        fix: "Reference the parameter without the selector (ECS reads the latest version), keep a pinned value in a parameter of its own, or use Secrets Manager, whose ARN has version-stage and version-id fields.",
    },
    RuleDocs {
        code: "ES050",
        what: "A Secrets Manager ARN with one or two optional fields after the secret name instead of none or all three.",
        why: "ECS expects `json-key:version-stage:version-id`, empty ones keeping their colons; anything else is read wrongly.",
        example: "{\"valueFrom\": \"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password\"}",
        fix: "Pad with colons: `…:db-AbCdEf:password::` (a fix does).",
    },
    RuleDocs {
        code: "ES051",
        what: "A Secrets Manager reference with both a version stage and a version id.",
        why: "ECS takes one or the other; with both the task fails to start.",
        example: "{\"valueFrom\": \"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf::AWSCURRENT:1f2e3d4c\"}",
        fix: "Keep one, leaving the other field empty (with its colon).",
    },
    RuleDocs {
        code: "ES052",
        what: "A partial Secrets Manager ARN, without the 6-character suffix AWS appended at creation.",
        why: "Partial ARNs are a known cause of `ResourceInitializationError`, and policies must then grant `NAME-??????`.",
        example: "{\"valueFrom\": \"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db\"}",
        fix: "Use the full ARN: `aws secretsmanager describe-secret --secret-id prod/db --query ARN`.",
    },
    RuleDocs {
        code: "ES053",
        what: "A Secrets Manager ARN whose last `-XXXXXX` may be part of the name rather than the random suffix.",
        why: "`my-secret` may be the secret `my` with suffix `secret`, or a partial ARN of `my-secret`; policies must grant both readings.",
        example: "{\"valueFrom\": \"arn:aws:secretsmanager:us-east-1:123456789012:secret:app-secret\"}",
        fix: "Resolve the full ARN with `aws secretsmanager describe-secret`; avoid names ending in `-` and 6 characters.",
    },
    RuleDocs {
        code: "ES054",
        what: "A Secrets Manager secret name with characters other than letters, digits and `/_+=.@-`, or longer than 512 characters. A service-managed secret's `<service>!` prefix (`rds!cluster-…`, `rds!db-…`) is valid.",
        why: "No secret can have that name; the reference cannot resolve.",
        example: "{\"valueFrom\": \"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod db-AbCdEf\"}",
        fix: "Check the reference against the secret's real name.",
    },
    RuleDocs {
        code: "ES055",
        what: "`repositoryCredentials.credentialsParameter` that is not a Secrets Manager secret (a warning for a bare secret name).",
        why: "Private registry credentials can only come from Secrets Manager; an SSM parameter is never read.",
        example: "{\"repositoryCredentials\": {\"credentialsParameter\": \"arn:aws:ssm:us-east-1:123456789012:parameter/dockerhub\"}}",
        fix: "Store `{\"username\": …, \"password\": …}` as a Secrets Manager secret and reference its full ARN.",
    },
    RuleDocs {
        code: "ES056",
        what: "`repositoryCredentials` in another account than the task's.",
        why: "Registry credentials are read with the execution role; another account's secret needs resource and key policies there.",
        example: "{\"repositoryCredentials\": {\"credentialsParameter\": \"arn:aws:secretsmanager:us-east-1:999999999999:secret:hub-AbCdEf\"}}",
        fix: "Keep the registry secret in the task's account.",
    },
    RuleDocs {
        code: "ES060",
        what: "`requiresCompatibilities` includes FARGATE but `networkMode` is not `awsvpc`.",
        why: "Fargate supports only `awsvpc`; registration fails.",
        example: "{\"requiresCompatibilities\": [\"FARGATE\"], \"networkMode\": \"bridge\"}",
        fix: "Set `\"networkMode\": \"awsvpc\"` (a fix does).",
    },
    RuleDocs {
        code: "ES061",
        what: "FARGATE without task-level `cpu` or `memory`.",
        why: "Fargate needs both at task level; registration fails.",
        example: "{\"requiresCompatibilities\": [\"FARGATE\"], \"cpu\": \"256\"}",
        fix: "Add the missing one from a valid pair (a fix proposes one).",
    },
    RuleDocs {
        code: "ES062",
        what: "FARGATE task `cpu`/`memory` that cannot be read or is not a valid pair (256 takes 512-2048 MiB, 512 takes 1-4 GB, …).",
        why: "Registration fails with `Invalid 'cpu' setting for task` (Terraform: `No Fargate configuration exists for given values`).",
        example: "{\"requiresCompatibilities\": [\"FARGATE\"], \"cpu\": \"256\", \"memory\": \"4096\"}",
        fix: "Use a valid pair (a fix proposes the nearest memory).",
    },
    RuleDocs {
        code: "ES063",
        what: "FARGATE cpu 8192 or 16384 on a platform version below 1.4.0.",
        why: "Those sizes need Linux platform 1.4.0.",
        example: "{\"requiresCompatibilities\": [\"FARGATE\"], \"cpu\": \"8192\", \"memory\": \"16384\"} with --platform-version 1.3.0",
        fix: "Use platform 1.4.0 or LATEST.",
    },
    RuleDocs {
        code: "ES064",
        what: "Windows on FARGATE with task cpu below 1024.",
        why: "Windows Fargate tasks need at least 1 vCPU.",
        example: "{\"runtimePlatform\": {\"operatingSystemFamily\": \"WINDOWS_SERVER_2022_CORE\"}, \"cpu\": \"512\"}",
        fix: "Set cpu 1024 (a fix does, with a matching memory).",
    },
    RuleDocs {
        code: "ES065",
        what: "A `requiresCompatibilities` value that is not a launch type (`fargate`, `LAMBDA`).",
        why: "The API takes `EC2`, `FARGATE`, `EXTERNAL` and `MANAGED_INSTANCES`, upper case; registration fails.",
        example: "{\"requiresCompatibilities\": [\"fargate\"]}",
        fix: "Write the launch type in upper case (a fix does when it is clear).",
    },
    RuleDocs {
        code: "ES066",
        what: "A Fargate Linux platform version below 1.4.0 (`--platform-version 1.3.0`).",
        why: "Platform 1.3.0 is retired: no new task or service launches on it since 2026-03-16 (China regions 2026-06-15), and the tasks that ran on it were stopped. Windows platform versions are numbered on their own and are not affected.",
        example: "ecs-secrets lint td.json --platform-version 1.3.0",
        fix: "Use platform version 1.4.0 or LATEST.",
    },
    RuleDocs {
        code: "ES070",
        what: "`logConfiguration.secretOptions` without a `logDriver`.",
        why: "Secret options are passed to a log driver; without one, registration fails.",
        example: "{\"logConfiguration\": {\"secretOptions\": [{\"name\": \"splunk-token\", \"valueFrom\": \"/splunk\"}]}}",
        fix: "Set the `logDriver` the options are for.",
    },
    RuleDocs {
        code: "ES071",
        what: "A container's `memory` (hard limit) below its `memoryReservation` (soft limit).",
        why: "RegisterTaskDefinition rejects it.",
        example: "{\"memory\": 256, \"memoryReservation\": 512}",
        fix: "Raise `memory` or lower `memoryReservation`.",
    },
    RuleDocs {
        code: "ES072",
        what: "An `environmentFiles` entry whose `type` is not `s3` or whose `value` is not an S3 object ARN (`arn:aws:s3:::BUCKET/KEY`); a warning when the key does not end in `.env`.",
        why: "ECS reads environment files only from S3, by object ARN; an `s3://` URL or a bucket ARN fails at start, and `policy` cannot grant it.",
        example: "{\"environmentFiles\": [{\"type\": \"s3\", \"value\": \"s3://config/prod.env\"}]}",
        fix: "Write `{\"type\": \"s3\", \"value\": \"arn:aws:s3:::config/prod.env\"}`.",
    },
    RuleDocs {
        code: "ES080",
        what: "A plaintext `environment` value with the shape of a known credential (AWS access key, PEM private key, JWT, URL with a password, GitHub/Slack/Stripe/… tokens), whatever its name.",
        why: "`environment` values are readable by anyone allowed `ecs:DescribeTaskDefinition`, and every revision keeps them.",
        example: "{\"environment\": [{\"name\": \"DATABASE_URL\", \"value\": \"postgres://app:s3cr3t@db/app\"}]}",
        fix: "Move it to `secrets` (a fix moves it to a new SSM SecureString) and rotate the value.",
    },
    RuleDocs {
        code: "ES081",
        what: "A plaintext `environment` value under a secret-like name (PASSWORD, SECRET, TOKEN, API_KEY …, not metadata such as `_TTL`, `_NAME`, `_URL`).",
        why: "Plaintext in the task definition is readable by anyone allowed `ecs:DescribeTaskDefinition`, in every revision.",
        example: "{\"environment\": [{\"name\": \"DB_PASSWORD\", \"value\": \"correct-horse-battery-staple\"}]}",
        fix: "Move it to `secrets` (a fix moves it to a new SSM SecureString) and rotate the value.",
    },
    RuleDocs {
        code: "ES082",
        what: "A long, random-looking plaintext `environment` value (high Shannon entropy), the shape of a generated key.",
        why: "It is probably a secret, readable by anyone allowed `ecs:DescribeTaskDefinition`.",
        example: "{\"environment\": [{\"name\": \"SIGNING\", \"value\": \"Zx8vQ2mN7kL4pR9sT1wY6bH3qA5dF0gJ\"}]}",
        fix: "Move it to `secrets` if it is a secret (a fix does).",
    },
    RuleDocs {
        code: "ES083",
        what: "A secret in plaintext `logConfiguration.options` (a Splunk token, a Datadog `apikey`, a templated one); an error when the value has a known credential format.",
        why: "Log options are as readable as `environment`; `secretOptions` exists for exactly these.",
        example: "{\"logConfiguration\": {\"logDriver\": \"awsfirelens\", \"options\": {\"Name\": \"datadog\", \"apikey\": \"${datadog_api_key}\"}}}",
        fix: "Move it to `logConfiguration.secretOptions` (a fix does; for a template, create the parameter with the rendered value).",
    },
    RuleDocs {
        code: "ES084",
        what: "A template expression (`${db_password}`, `{{ .Env.X }}`, `#{x}`) in an `environment` value under a secret-like name, with a secret-like template variable, or after a secret-like key inside the value (`Password=${db_pass}` in a connection string, the password of a URL).",
        why: "ECS never expands templates. Terraform, ecspresso or CI render them before registration, so the registered task definition holds the secret in plaintext. Benign templates (`LOG_LEVEL=${log_level}`) stay quiet.",
        example: "{\"environment\": [{\"name\": \"DD_API_KEY\", \"value\": \"${datadog_api_key}\"}]}",
        fix: "Move the variable to `secrets` and create the SSM parameter with the rendered value (a fix moves it); drop the template variable from the renderer.",
    },
    RuleDocs {
        code: "EP001",
        what: "The bundle's `accountId` is not the account of the credentials `plan`/`apply` run with.",
        why: "Applying would create secrets and roles in the wrong account.",
        example: "{\"accountId\": \"111122223333\"} with credentials for 444455556666",
        fix: "Switch profile, or fix `accountId`.",
    },
    RuleDocs {
        code: "EP002",
        what: "The bundle's `region` is not the region the AWS client talks to.",
        why: "Secrets and the task definition would land in another region than the services.",
        example: "{\"region\": \"eu-west-1\"} with AWS_REGION=us-east-1",
        fix: "Pass `--region` with the bundle's region.",
    },
    RuleDocs {
        code: "EP003",
        what: "A value was supplied for a secret that already exists.",
        why: "Apply never overwrites an existing value; the supplied one is not used.",
        example: "ecs-secrets apply bundle.json --values values.json (the secret exists)",
        fix: "Nothing, if the existing value is right; otherwise rotate it yourself.",
    },
    RuleDocs {
        code: "EP004",
        what: "An existing SSM parameter is a `String`/`StringList`, not a `SecureString`.",
        why: "Its value is stored unencrypted.",
        example: "aws ssm put-parameter --type String --name /web/db --value …",
        fix: "Re-create it as a SecureString.",
    },
    RuleDocs {
        code: "EP005",
        what: "A secret does not exist and the bundle says `create: false`.",
        why: "The task would fail to start reading it.",
        example: "{\"secrets\": [{\"name\": \"/web/db\", \"create\": false}]}",
        fix: "Create it, or set `create: true` and supply a value.",
    },
    RuleDocs {
        code: "EP006",
        what: "A secret to create has no value (neither `--values` nor the prompt gave one).",
        why: "Apply cannot create a secret without a value.",
        example: "ecs-secrets apply bundle.json (no --values)",
        fix: "Supply the value with `--values FILE` or at the prompt.",
    },
    RuleDocs {
        code: "EP010",
        what: "A task definition reference in the bundle is missing or does not parse.",
        why: "The plan cannot know what to read, create or grant.",
        example: "{\"taskDefinition\": {\"containerDefinitions\": [{\"secrets\": [{\"name\": \"X\"}]}]}}",
        fix: "Give `valueFrom` (`ecs-secrets lint` explains the reference).",
    },
    RuleDocs {
        code: "EP011",
        what: "A KMS key given for a secret cannot be granted: an alias or not a key ARN.",
        why: "`kms:Decrypt` is granted on key ARNs; an alias in `Resource` matches nothing.",
        example: "{\"kmsKeyId\": \"alias/app\"}",
        fix: "Give the key ARN (`aws kms describe-key --key-id alias/app --query KeyMetadata.Arn`).",
    },
    RuleDocs {
        code: "EP012",
        what: "A referenced secret does not exist and is not in the bundle's secrets.",
        why: "The task would fail to start reading it.",
        example: "{\"valueFrom\": \"/web/missing\"} and no such parameter",
        fix: "Add it to the bundle's secrets with `create: true`, or fix the reference.",
    },
    RuleDocs {
        code: "EP013",
        what: "Policy generation left a reference out of the execution role's policy (the note says why).",
        why: "The role would not be allowed to read it.",
        example: "{\"valueFrom\": \"arn:aws:ssm:REGION:123456789012:parameter/db\"}",
        fix: "Fix the reference (`ecs-secrets lint` explains).",
    },
    RuleDocs {
        code: "EP014",
        what: "A policy of the execution role cannot be read or parsed.",
        why: "The pre-flight check ignores it, so its verdict may be wrong.",
        example: "an inline policy that is not valid JSON",
        fix: "Fix or remove the policy.",
    },
    RuleDocs {
        code: "EP020",
        what: "The task definition's `executionRoleArn` is not the bundle's execution role.",
        why: "Apply fills the role in; a different one means the grants go to the wrong role.",
        example: "{\"executionRole\": {\"name\": \"web-exec\"}, \"taskDefinition\": {\"executionRoleArn\": \"arn:aws:iam::123456789012:role/other\"}}",
        fix: "Remove `executionRoleArn` (it is filled in), or set `executionRole.name`.",
    },
    RuleDocs {
        code: "EP021",
        what: "The execution role does not exist and the bundle says `create: false`.",
        why: "There is no role to grant the secrets to.",
        example: "{\"executionRole\": {\"name\": \"web-exec\", \"create\": false}}",
        fix: "Create the role, or set `create: true`.",
    },
    RuleDocs {
        code: "EP030",
        what: "A service to redeploy does not exist or is not ACTIVE.",
        why: "Apply cannot roll the new revision out to it.",
        example: "{\"services\": [{\"cluster\": \"prod\", \"service\": \"web\"}]} and no such service",
        fix: "Create the service first, or remove it from the bundle.",
    },
    RuleDocs {
        code: "EP040",
        what: "Pre-flight: the execution role, with its policies as they will be after apply, may not read a reference.",
        why: "The task would stop with `ResourceInitializationError` (AccessDenied).",
        example: "an explicit Deny on `secretsmanager:GetSecretValue` in another policy of the role",
        fix: "The message names the action, the resource and the fix (scope the Deny, or add the grant).",
    },
    RuleDocs {
        code: "EP041",
        what: "Pre-flight: whether the execution role may read a reference is still open: the KMS key's policy decides \
               and is not known, or a policy that decides could not be read (AccessDenied to the caller).",
        why: "A customer-managed key's policy must allow the role (or delegate to the account) before any identity \
              policy counts, so an unknown key policy is never taken as allowed.",
        example: "a secret encrypted with a customer-managed key whose policy the caller may not read (no `kms:GetKeyPolicy`)",
        fix: "Grant the caller the read the message names (e.g. `kms:GetKeyPolicy` on the key) so the check can verify it, \
              or add the key-policy statement the message shows (`ecs-secrets policy --key-policy`).",
    },
];

/// The documentation of `code`.
pub fn docs(code: &str) -> Option<&'static RuleDocs> {
    DOCS.iter().find(|d| d.code == code)
}

/// The anchor of a rule's section in `docs/rules.md` (GitHub's heading
/// anchors: `## ES001 invalid-family` → `es001-invalid-family`).
pub fn anchor(rule: &RuleInfo) -> String {
    format!("{}-{}", rule.code.to_ascii_lowercase(), rule.name)
}

/// The link to a rule's section in `docs/rules.md`.
pub fn help_uri(rule: &RuleInfo) -> String {
    format!("{RULES_DOC_URL}#{}", anchor(rule))
}

fn fix_words(fix: FixAvailability) -> &'static str {
    match fix {
        FixAvailability::Always => "always available",
        FixAvailability::Sometimes => "sometimes available",
        FixAvailability::None => "not available",
    }
}

/// One rule as Markdown: the `## CODE name` heading, its facts and the
/// four sections. `ecs-secrets rule CODE` prints exactly this.
pub fn rule_markdown(rule: &RuleInfo) -> String {
    let reported_by = match rule.origin {
        Origin::Lint => "`ecs-secrets lint` (and `check`, the UI)",
        Origin::Plan => "`ecs-secrets plan` / `apply`",
    };
    let mut out = format!(
        "## {} {}\n\n{}.\n\n- Default severity: {}\n- Fix: {}\n- Reported by: {reported_by}\n",
        rule.code,
        rule.name,
        capitalised(rule.summary),
        rule.severity,
        fix_words(rule.fix)
    );
    if let Some(d) = docs(rule.code) {
        out.push_str(&format!(
            "\n### What it finds\n\n{}\n\n### Why it matters\n\n{}\n\n### Example\n\n```\n{}\n```\n\n### Fix\n\n{}\n",
            d.what, d.why, d.example, d.fix
        ));
    }
    out
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The whole of `docs/rules.md`: an index table, then every rule.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Rules\n\n<!-- Generated from shared/src/lint/registry.rs and rule_docs.rs: do not edit. Regenerate with\n     `cargo run -p ecs-secrets -- rule --list --format markdown > docs/rules.md`. -->\n\nEvery code `ecs-secrets` reports: `ES0xx` from the lint (`lint`, `check`, the UI), `EP0xx` from the\nplan (`plan`, `apply`). `ecs-secrets rule CODE` prints one of these sections; `ecs-secrets rule --list`\nlists them all.\n\n| Code | Name | Severity | Fix | Summary |\n|------|------|----------|-----|---------|\n",
    );
    for rule in RULES {
        out.push_str(&format!(
            "| [{}](#{}) | {} | {} | {} | {} |\n",
            rule.code,
            anchor(rule),
            rule.name,
            rule.severity,
            rule.fix.as_str(),
            rule.summary.replace('|', "\\|")
        ));
    }
    for rule in RULES {
        out.push('\n');
        out.push_str(&rule_markdown(rule));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_documented_once_in_registry_order() {
        let documented: Vec<&str> = DOCS.iter().map(|d| d.code).collect();
        let registered: Vec<&str> = RULES.iter().map(|r| r.code).collect();
        assert_eq!(documented, registered);
        for d in DOCS {
            for (part, text) in [("what", d.what), ("why", d.why), ("example", d.example), ("fix", d.fix)] {
                assert!(text.len() > 10, "{}: `{part}` is too short", d.code);
            }
        }
    }

    /// `docs/rules.md` is what [`markdown`] generates.
    #[test]
    fn docs_rules_md_is_current() {
        let on_disk = include_str!("../../../docs/rules.md");
        assert!(
            on_disk == markdown(),
            "docs/rules.md is stale: run `cargo run -p ecs-secrets -- rule --list --format markdown > docs/rules.md`"
        );
    }
}
