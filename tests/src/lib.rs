//! End-to-end test harness: a moto AWS emulator per test, the real
//! `ecs-secrets` binary, and SDK clients (dummy credentials) to read the
//! emulator back.
//!
//! moto is found through `ECS_SECRETS_MOTO_SERVER`, else
//! `.tools/venv/bin/moto_server` under the workspace root, else
//! `moto_server` on `PATH`. Without it a test prints a loud note and
//! returns, unless `ECS_SECRETS_REQUIRE_E2E=1` (set by `cargo xtask test`),
//! which turns the missing emulator into a failure. Tests never talk to real
//! AWS: every process and client gets dummy static credentials and the
//! emulator's endpoint.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;

pub mod browser;
pub mod fault_proxy;

/// The region every test works in.
pub const REGION: &str = "eu-west-1";
/// The account moto reports for any credentials.
pub const ACCOUNT: &str = "123456789012";

/// The workspace root (the parent of this package).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Whether a missing tool fails the test instead of skipping it.
pub(crate) fn require_e2e() -> bool {
    std::env::var("ECS_SECRETS_REQUIRE_E2E").is_ok_and(|v| v == "1")
}

/// Finds a tool: an explicit env var, a file under the workspace, or PATH.
fn find_tool(env_var: &str, relative: &str, name: &str) -> Option<PathBuf> {
    if let Ok(path) = std::env::var(env_var)
        && !path.is_empty()
    {
        return Some(PathBuf::from(path));
    }
    let local = workspace_root().join(relative);
    if local.is_file() {
        return Some(local);
    }
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|dir| dir.join(name)).find(|p| p.is_file()))
}

/// The `aws` CLI (`ECS_SECRETS_AWS_CLI`, `.tools/venv/bin/aws`, PATH).
pub fn aws_cli() -> Option<PathBuf> {
    find_tool("ECS_SECRETS_AWS_CLI", ".tools/venv/bin/aws", "aws")
}

/// Prints why a test is skipped, or panics when e2e tests are required.
pub fn skip(what: &str) {
    assert!(!require_e2e(), "ECS_SECRETS_REQUIRE_E2E=1 but {what}");
    eprintln!("\n*** SKIPPED: {what} — install it (cargo xtask test sets it up) or set its env var ***\n");
}

/// A running moto server on a free loopback port; killed on drop.
#[derive(Debug)]
pub struct Moto {
    child: Option<Child>,
    pub port: u16,
    pub endpoint: String,
    /// The access key id and secret the SDK clients and `ecs-secrets` use
    /// (dummy `testing` unless [`Moto::use_credentials`] set an IAM user's).
    credentials: std::sync::Mutex<(String, String)>,
}

/// How to start moto.
#[derive(Debug, Clone, Copy, Default)]
pub struct MotoOptions {
    /// Enforce IAM after this many requests (moto's
    /// `INITIAL_NO_AUTH_ACTION_COUNT`): the first ones may create the IAM
    /// user whose keys the test then uses; every later request is
    /// authenticated and authorised against that user's policies.
    pub enforce_iam_after: Option<u32>,
    /// Report services' tasks as not running (moto's default), so that a
    /// service never becomes stable by itself: a test then plays ECS's
    /// scheduler with RunTask and StopTask.
    pub no_running_tasks: bool,
}

impl Moto {
    /// Starts moto, or returns `None` (after [`skip`]) when it is not installed.
    pub fn start() -> Option<Moto> {
        Moto::start_with(MotoOptions::default())
    }

    /// Starts moto with `options`, or returns `None` like [`Moto::start`].
    pub fn start_with(options: MotoOptions) -> Option<Moto> {
        let Some(binary) = find_tool("ECS_SECRETS_MOTO_SERVER", ".tools/venv/bin/moto_server", "moto_server") else {
            skip("moto_server was not found (ECS_SECRETS_MOTO_SERVER, .tools/venv/bin/moto_server, PATH)");
            return None;
        };
        let port = free_port();
        let mut command = Command::new(&binary);
        if let Some(count) = options.enforce_iam_after {
            command.env("INITIAL_NO_AUTH_ACTION_COUNT", count.to_string());
        }
        if !options.no_running_tasks {
            // moto runs no containers: report services' tasks as running so
            // that "services-stable" means what it means on AWS.
            command.env("MOTO_ECS_SERVICE_RUNNING", "1");
        }
        let child = command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let moto = Moto {
            child: Some(child),
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
            credentials: std::sync::Mutex::new(("testing".into(), "testing".into())),
        };
        let started = Instant::now();
        while moto.post("/moto-api/reset", &[], "").is_err() {
            assert!(started.elapsed() < Duration::from_secs(60), "moto did not answer on port {port} within 60s");
            std::thread::sleep(Duration::from_millis(200));
        }
        Some(moto)
    }

    /// Forgets all state.
    pub fn reset(&self) {
        self.post("/moto-api/reset", &[], "").expect("reset moto");
    }

    /// Stops the emulator (to inject a failure).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// A minimal HTTP/1.1 POST to the emulator; returns the body.
    pub fn post(&self, path: &str, headers: &[(&str, &str)], body: &str) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut request = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes())?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        if !head.starts_with("HTTP/1.1 2") && !head.starts_with("HTTP/1.0 2") {
            return Err(std::io::Error::other(format!("{head}\n{body}")));
        }
        Ok(body.to_owned())
    }

    /// One call of an AWS JSON-protocol API (`X-Amz-Target: TARGET`, e.g.
    /// `AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition`) with
    /// `body` as the exact request, so tests can send documents as written;
    /// returns the parsed answer. `scope` is the signing name (`ecs`, `kms`).
    pub fn json_call(&self, scope: &str, target: &str, body: &serde_json::Value) -> serde_json::Value {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=testing/20240101/{REGION}/{scope}/aws4_request, SignedHeaders=host, Signature=0"
        );
        let answer = self
            .post(
                "/",
                &[("X-Amz-Target", target), ("Content-Type", "application/x-amz-json-1.1"), ("Authorization", &auth)],
                &body.to_string(),
            )
            .unwrap_or_else(|e| panic!("{target}: {e}"));
        serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{target} answered no JSON ({e}): {answer}"))
    }

    /// An ECS call (see [`Moto::json_call`]): `action` is `RunTask`, `RegisterTaskDefinition`, …
    pub fn ecs(&self, action: &str, body: &serde_json::Value) -> serde_json::Value {
        self.json_call("ecs", &format!("AmazonEC2ContainerServiceV20141113.{action}"), body)
    }

    /// A subnet of moto's default VPC (EC2 DescribeSubnets, query
    /// protocol): Fargate tasks (`RunTask`, awsvpc) need a real one.
    pub fn default_subnet(&self) -> String {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=testing/20240101/{REGION}/ec2/aws4_request, SignedHeaders=host, Signature=0"
        );
        let answer = self
            .post(
                "/",
                &[("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", &auth)],
                "Action=DescribeSubnets&Version=2016-11-15",
            )
            .expect("ec2 DescribeSubnets");
        let start = answer.find("<subnetId>").expect("a default subnet") + "<subnetId>".len();
        let end = answer[start..].find('<').expect("subnetId end") + start;
        answer[start..end].to_owned()
    }

    /// Creates a customer-managed KMS key (KMS JSON protocol) and returns
    /// its id.
    pub fn create_kms_key(&self) -> String {
        let doc = self.json_call("kms", "TrentService.CreateKey", &serde_json::json!({"Description": "e2e CMK"}));
        doc["KeyMetadata"]["KeyId"].as_str().expect("KeyId").to_owned()
    }

    /// From now on, SDK clients and `ecs-secrets` runs use these keys (an
    /// IAM user's, when moto enforces IAM).
    pub fn use_credentials(&self, access_key_id: &str, secret_access_key: &str) {
        *self.credentials.lock().expect("credentials lock") = (access_key_id.to_owned(), secret_access_key.to_owned());
    }

    fn current_credentials(&self) -> (String, String) {
        self.credentials.lock().expect("credentials lock").clone()
    }

    /// The shared SDK configuration for reading the emulator back.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        let (id, secret) = self.current_credentials();
        aws_config::defaults(BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_ecs::config::Credentials::new(id, secret, None, None, "e2e"))
            .load()
            .await
    }

    /// A product [`ecs_secrets::aws::Aws`] handle on the emulator.
    pub async fn aws(&self) -> ecs_secrets::aws::Aws {
        ecs_secrets::aws::Aws::from_config(&self.sdk_config().await).expect("Aws handle")
    }

    /// Creates a cluster and a service (desired count 1) running `family`
    /// (registering a first revision so the service has something to run).
    pub async fn create_service(&self, cluster: &str, service: &str, family: &str) {
        let ecs = aws_sdk_ecs::Client::new(&self.sdk_config().await);
        let container =
            aws_sdk_ecs::types::ContainerDefinition::builder().name("app").image("nginx").memory(128).build();
        ecs.register_task_definition().family(family).container_definitions(container).send().await.expect("seed td");
        self.create_service_running(cluster, service, &format!("{family}:1")).await;
    }

    /// Creates `cluster` (unless it exists) and a service on it (desired
    /// count 1) running `task_definition`, a registered revision.
    pub async fn create_service_running(&self, cluster: &str, service: &str, task_definition: &str) {
        let ecs = aws_sdk_ecs::Client::new(&self.sdk_config().await);
        ecs.create_cluster().cluster_name(cluster).send().await.expect("create cluster");
        ecs.create_service()
            .cluster(cluster)
            .service_name(service)
            .task_definition(task_definition)
            .desired_count(1)
            .send()
            .await
            .expect("create service");
    }

    /// Keeps every ECS task in the state it is in: by default moto moves a
    /// task one step towards STOPPED each time it is described
    /// (RUNNING → DEACTIVATING → STOPPING → …), which real tasks do not.
    pub fn hold_task_states(&self) {
        self.post(
            "/moto-api/state-manager/set-transition",
            &[("Content-Type", "application/json")],
            r#"{"model_name": "ecs::task", "transition": {"progression": "manual", "times": 1000000}}"#,
        )
        .expect("moto set-transition");
    }

    /// Starts a task of `service` as ECS's scheduler would (moto starts
    /// none by itself): RunTask on Fargate in one of moto's default
    /// subnets, `group: service:<service>`, `startedBy` the deployment id.
    /// moto keeps it RUNNING until StopTask. Returns the task ARN.
    pub async fn run_service_task(
        &self,
        cluster: &str,
        task_definition: &str,
        service: &str,
        started_by: &str,
    ) -> String {
        let ecs = aws_sdk_ecs::Client::new(&self.sdk_config().await);
        let network = aws_sdk_ecs::types::NetworkConfiguration::builder()
            .awsvpc_configuration(
                aws_sdk_ecs::types::AwsVpcConfiguration::builder()
                    .subnets(self.default_subnet())
                    .security_groups("sg-0e2e")
                    .build()
                    .expect("awsvpc configuration"),
            )
            .build();
        let out = ecs
            .run_task()
            .cluster(cluster)
            .task_definition(task_definition)
            .group(format!("service:{service}"))
            .started_by(started_by)
            .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
            .network_configuration(network)
            .send()
            .await
            .expect("run task");
        out.tasks().first().and_then(|t| t.task_arn()).expect("a task ARN").to_owned()
    }

    /// Runs the `ecs-secrets` binary against the emulator with dummy
    /// credentials (and nothing else from the caller's AWS environment).
    pub fn run(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
        self.run_at(&self.endpoint, args, extra_env)
    }

    /// [`Moto::run`] with another endpoint in front of the emulator (a
    /// [`fault_proxy::FaultProxy`] that records the calls).
    pub fn run_at(&self, endpoint: &str, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
        self.command_at(endpoint, args, extra_env).output().expect("run ecs-secrets")
    }

    /// The command [`Moto::run`] runs, to spawn it instead (stdin null).
    pub fn command(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Command {
        self.command_at(&self.endpoint, args, extra_env)
    }

    /// [`Moto::command`] with another endpoint in front of the emulator.
    pub fn command_at(&self, endpoint: &str, args: &[&str], extra_env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(ecs_secrets_binary());
        command.args(args).args(["--endpoint-url", endpoint]);
        for var in ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_ROLE_ARN"] {
            command.env_remove(var);
        }
        let (id, secret) = self.current_credentials();
        command
            .env("AWS_ACCESS_KEY_ID", id)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_REGION", REGION)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .stdin(Stdio::null());
        for (name, value) in extra_env {
            command.env(name, value);
        }
        command
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A loopback port nothing listens on now.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0)).and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// The `ecs-secrets` binary: `ECS_SECRETS_BIN` when it names a file
/// (`cargo xtask test` points it at the binary `cargo test --workspace` has
/// just built), else built once per test process. It lives in another
/// package, so `CARGO_BIN_EXE_` is not available: build it with the cargo
/// that runs the tests, into the same target directory.
pub fn ecs_secrets_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            if let Some(binary) = std::env::var_os("ECS_SECRETS_BIN").map(PathBuf::from).filter(|p| p.is_file()) {
                return binary;
            }
            // target/<profile>/deps/<test> → target/<profile>
            let exe = std::env::current_exe().expect("test executable path");
            let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile> directory").to_path_buf();
            let target_dir = profile_dir.parent().expect("target directory").to_path_buf();
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let mut command = Command::new(cargo);
            command
                .args(["build", "--quiet", "-p", "ecs-secrets", "--bin", "ecs-secrets", "--target-dir"])
                .arg(&target_dir)
                .current_dir(workspace_root());
            if profile_dir.file_name().is_some_and(|n| n != "debug") {
                command.arg("--profile").arg(profile_dir.file_name().unwrap_or_default());
            }
            let status = command.status().expect("run cargo build");
            assert!(status.success(), "cargo build -p ecs-secrets failed");
            let binary = profile_dir.join(format!("ecs-secrets{}", std::env::consts::EXE_SUFFIX));
            assert!(binary.is_file(), "{} was not built", binary.display());
            binary
        })
        .clone()
}

/// A temporary directory removed on drop.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("ecs-secrets-e2e-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write temp file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `text` as JSON; a test fails with the text when it is not.
pub fn json_of(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// `cluster/service` of every entry of a report's `services` (audit,
/// rotate), sorted: ListServices has no fixed order.
pub fn service_names(report: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = report["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{}/{}", s["cluster"].as_str().unwrap(), s["service"].as_str().unwrap()))
        .collect();
    names.sort();
    names
}

/// The metadata of one SSM parameter (type, KMS key, description; never
/// its value), as DescribeParameters reports it.
pub async fn parameter_metadata(ssm: &aws_sdk_ssm::Client, name: &str) -> aws_sdk_ssm::types::ParameterMetadata {
    let filter = aws_sdk_ssm::types::ParameterStringFilter::builder().key("Name").values(name).build().unwrap();
    let described = ssm.describe_parameters().parameter_filters(filter).send().await.unwrap();
    described.parameters.unwrap_or_default().into_iter().next().unwrap_or_else(|| panic!("no parameter {name}"))
}

/// The estate the fixture bundle ([`shared::test_data::full_bundle`])
/// deploys onto, in a fresh moto: a customer-managed KMS key, and the
/// service `prod/web` running revision 1 of family `web`.
#[derive(Debug)]
pub struct FullBundleEstate {
    pub moto: Moto,
    /// The id of the customer-managed key the bundle's secrets name.
    pub key: String,
    /// A temporary directory with `bundle.json` in it.
    pub dir: TempDir,
    /// `bundle.json`: the fixture bundle with [`FullBundleEstate::key`].
    pub bundle: PathBuf,
}

impl FullBundleEstate {
    /// Starts moto and creates the estate, or returns `None` like [`Moto::start`].
    pub async fn start(label: &str) -> Option<FullBundleEstate> {
        FullBundleEstate::start_with(label, MotoOptions::default()).await
    }

    /// [`FullBundleEstate::start`] with moto started with `options`.
    pub async fn start_with(label: &str, options: MotoOptions) -> Option<FullBundleEstate> {
        let moto = Moto::start_with(options)?;
        let key = moto.create_kms_key();
        moto.create_service("prod", "web", "web").await;
        let dir = TempDir::new(label);
        let bundle = dir.write("bundle.json", &shared::test_data::full_bundle(&key));
        Some(FullBundleEstate { moto, key, dir, bundle })
    }
}

/// A value for each of the fixture bundle's three secrets.
pub fn full_bundle_values() -> shared::bundle::SecretValues {
    let values = [("/web/db", "v-db"), ("web/api", "v-api"), ("/web/splunk", "v-splunk")];
    shared::bundle::SecretValues(
        values.into_iter().map(|(name, value)| (name.to_owned(), secrecy::SecretString::from(value))).collect(),
    )
}

/// Text of a process's stdout and stderr.
pub fn texts(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// What Python's `zipfile` reads from an archive (after `testzip()` checked
/// every CRC), and, when `unzip` is installed, that `unzip -t` accepts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipContents {
    /// (name, text) in archive order.
    pub files: Vec<(String, String)>,
    /// Names whose Unix mode has the owner's execute bit.
    pub executable: Vec<String>,
}

pub fn zip_contents(path: &Path) -> ZipContents {
    let python = find_tool("ECS_SECRETS_PYTHON", ".tools/venv/bin/python3", "python3").expect("python3 for zipfile");
    let script = "import json, sys, zipfile\n\
                  z = zipfile.ZipFile(sys.argv[1])\n\
                  assert z.testzip() is None, 'bad CRC'\n\
                  print(json.dumps([[i.filename, z.read(i).decode('utf-8'), (i.external_attr >> 16) & 0o100] for i in z.infolist()]))\n";
    let out = Command::new(python).arg("-c").arg(script).arg(path).output().expect("run python3");
    assert!(out.status.success(), "zipfile cannot read {}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    let entries: Vec<(String, String, u32)> = serde_json::from_slice(&out.stdout).expect("zipfile listing");
    if let Ok(unzip) = Command::new("unzip").arg("-t").arg(path).output() {
        assert!(
            unzip.status.success(),
            "unzip -t rejects {}: {}",
            path.display(),
            String::from_utf8_lossy(&unzip.stdout)
        );
    }
    ZipContents {
        executable: entries.iter().filter(|e| e.2 != 0).map(|e| e.0.clone()).collect(),
        files: entries.into_iter().map(|(name, text, _)| (name, text)).collect(),
    }
}
