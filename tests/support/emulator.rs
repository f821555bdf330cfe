//! The AWS emulator for live tests and the live benchmark: moto plus an MWAA emulator and a fault proxy
//! (tests/emulator/emulator.py), on 127.0.0.1, started once per test binary.
//!
//! Bootstrap: a Python venv under target/emulator-venv with tests/emulator/requirements.txt, created on
//! first use (MWAA_PREFLIGHT_PYTHON names another interpreter that already has moto). A missing emulator
//! fails the tests; it is never a skip.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

pub struct Emulator {
    pub endpoint: String,
    path: std::ffi::OsString,
    _child: Mutex<(Child, ChildStdin)>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Python of the test tools' venv (moto, the AWS CLI, parliament), bootstrapped on first use, one
/// bootstrap at a time across test binaries running in parallel.
pub fn python() -> PathBuf {
    let lock_path = root().join("target/emulator-venv.lock");
    let _ = std::fs::create_dir_all(root().join("target"));
    let lock = std::fs::File::create(&lock_path).expect("lock file");
    lock.lock().expect("lock the emulator bootstrap");
    bootstrap()
}

fn bootstrap() -> PathBuf {
    if let Some(python) = std::env::var_os("MWAA_PREFLIGHT_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = root().join("target/emulator-venv");
    let python = venv.join("bin/python");
    let requirements = root().join("tests/emulator/requirements.txt");
    let stamp = venv.join("requirements.installed");
    let wanted = std::fs::read_to_string(&requirements).expect("tests/emulator/requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) && python.exists() {
        return python;
    }
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv), "create the emulator venv (python3 -m venv)");
    run(
        Command::new(&python).args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"]).arg(&requirements),
        "install the emulator (pip install -r tests/emulator/requirements.txt)",
    );
    std::fs::write(&stamp, wanted).expect("write the venv stamp");
    python
}

fn run(command: &mut Command, what: &str) {
    let status = command.status().unwrap_or_else(|e| panic!("cannot {what}: {e}"));
    assert!(status.success(), "cannot {what}: {status}");
}

impl Emulator {
    /// The emulator of this test binary, started on first use.
    pub fn shared() -> &'static Emulator {
        static EMULATOR: OnceLock<Emulator> = OnceLock::new();
        EMULATOR.get_or_init(Emulator::start)
    }

    fn start() -> Emulator {
        let python = python();
        let mut child = Command::new(&python)
            .arg(root().join("tests/emulator/emulator.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the emulator with {}: {e}", python.display()));
        let stdout = child.stdout.take().expect("emulator stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("emulator announces itself");
        let announced: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("emulator said {line:?}: {e}"));
        let endpoint = announced["endpoint"].as_str().expect("endpoint").to_string();
        assert!(endpoint.starts_with("http://127.0.0.1:"), "emulator must listen on loopback: {endpoint}");
        let stdin = child.stdin.take().expect("emulator stdin");
        let bin = python.parent().map(Path::to_path_buf).unwrap_or_default();
        let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())))
            .expect("PATH");
        Emulator { endpoint, path, _child: Mutex::new((child, stdin)) }
    }

    /// POST (or GET without a body) to a control route; the JSON answer.
    pub fn control(&self, path: &str, body: Option<Value>) -> Value {
        let address = self.endpoint.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).expect("connect to the emulator");
        let (method, payload) = match &body {
            Some(b) => ("POST", b.to_string()),
            None => ("GET", String::new()),
        };
        write!(
            stream,
            "{method} /_control/{path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
            payload.len()
        )
        .expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        let (head, body) = response.split_once("\r\n\r\n").expect("http response");
        assert!(head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"), "control {path}: {head}\n{body}");
        serde_json::from_str(body).unwrap_or_else(|e| panic!("control {path}: {e}: {body}"))
    }

    pub fn scenario(&self, name: &str, params: Value) -> Value {
        self.control("scenario", Some(serde_json::json!({"name": name, "params": params})))
    }

    pub fn faults(&self, faults: Value) {
        self.control("faults", Some(faults));
    }

    /// The requests logged since the last call, and a fresh log.
    pub fn take_log(&self) -> Vec<Value> {
        self.control("log", Some(serde_json::json!({}))).as_array().cloned().unwrap_or_default()
    }

    /// A CloudFormation stack that moto builds from `template`: `{"status", "resources": {logical: physical}}`.
    pub fn stack(&self, name: &str, template: &str) -> Value {
        self.control("stack", Some(serde_json::json!({"name": name, "template": template})))
    }

    /// An operation of another service moto knows (IAM, KMS), through boto3: its answer.
    pub fn call(&self, service: &str, operation: &str, arguments: Value) -> Value {
        self.control("call", Some(serde_json::json!({"service": service, "operation": operation, "arguments": arguments})))
    }

    pub fn environment(&self, fields: Value) -> Value {
        self.control("environment", Some(fields))
    }

    /// An account of `count` AVAILABLE environments spread over two private-routing VPCs (audits), after
    /// removing every environment earlier tests made.
    pub fn fleet(&self, count: usize) {
        self.control("clear_environments", Some(serde_json::json!({})));
        let vpcs = [self.scenario("private", serde_json::json!({})), self.scenario("private", serde_json::json!({}))];
        for i in 0..count {
            let network = &vpcs[i % 2];
            self.environment(serde_json::json!({
                "Name": format!("fleet-{i:03}"),
                "NetworkConfiguration": {"SubnetIds": network["subnets"], "SecurityGroupIds": network["security_groups"]},
                "Status": "AVAILABLE",
            }));
        }
    }

    /// The tool, pointed at the emulator with test credentials and nothing of the host's AWS setup; the
    /// AWS CLI installed beside the emulator (tests/emulator/requirements.txt) first on PATH.
    pub fn tool(&self, binary: &Path) -> Command {
        let mut command = Command::new(binary);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("AWS_") {
                command.env_remove(&key);
            }
        }
        command
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", root().join("target/no-aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", root().join("target/no-aws-credentials"))
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("PATH", &self.path)
            .env_remove("NO_COLOR");
        command
    }
}
