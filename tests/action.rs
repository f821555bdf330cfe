//! The GitHub Action (action.yml, a composite of contrib/action/*.sh) and the pre-commit hook
//! (.pre-commit-hooks.yaml -> `mwaa-preflight pre-commit`), run as the runner and pre-commit run them:
//! the shell steps with the runner's environment against fixtures, the install step against a release
//! served on loopback.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

fn scratch(name: &str) -> PathBuf {
    support::fresh_folder("action-tests", name)
}

fn yaml(path: &str) -> Yaml {
    let text = std::fs::read_to_string(support::root().join(path)).expect(path);
    YamlLoader::load_from_str(&text).expect("YAML").remove(0)
}

/// The directory of the binary under test, first on PATH, as the install step leaves it.
fn path_with_binary() -> String {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_mwaa-preflight"));
    let dir = binary.parent().expect("binary dir").display().to_string();
    format!("{dir}:{}", std::env::var("PATH").unwrap_or_default())
}

/// `name=value` lines of a GITHUB_OUTPUT file.
fn outputs(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect()
}

#[test]
fn action_yml_uses_only_its_inputs_and_its_scripts() {
    let action = yaml("action.yml");
    let text = std::fs::read_to_string(support::root().join("action.yml")).expect("action.yml");
    let inputs: Vec<String> = action["inputs"].as_hash().expect("inputs").keys().filter_map(|k| k.as_str().map(str::to_string)).collect();
    let used: Vec<&str> = text.split("inputs.").skip(1).filter_map(|rest| rest.split([' ', '}']).next()).collect();
    for name in &used {
        assert!(inputs.iter().any(|i| i == name), "action.yml uses inputs.{name}, which it does not declare");
    }
    for name in &inputs {
        assert!(used.contains(&name.as_str()), "input {name} is declared but never used");
    }
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    for step in action["runs"]["steps"].as_vec().expect("steps") {
        if let Some(run) = step["run"].as_str() {
            assert_eq!(step["shell"].as_str(), Some("bash"), "{run}");
            if let Some(script) = run.split("$ACTION_PATH/").nth(1) {
                let script = script.trim_end_matches('"');
                assert!(support::root().join(script).exists(), "{script} is missing");
            }
        }
    }
    let run = std::fs::read_to_string(support::root().join("contrib/action/run.sh")).expect("run.sh");
    for output in action["outputs"].as_hash().expect("outputs").keys().filter_map(Yaml::as_str) {
        assert!(run.contains(&format!("{output}=")), "run.sh never writes the {output} output");
    }
}

/// The check step with the action's inputs as its environment.
fn check_step(dir: &Path, inputs: &[(&str, &str)]) -> (Output, Vec<(String, String)>, String) {
    let (output_file, summary) = (dir.join("github_output"), dir.join("step_summary.md"));
    let output = Command::new("bash")
        .arg(support::root().join("contrib/action/run.sh"))
        .current_dir(support::root())
        .env("PATH", path_with_binary())
        .env("GITHUB_OUTPUT", &output_file)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("SARIF_FILE", dir.join("mwaa-preflight.sarif"))
        .envs(inputs.iter().copied())
        .output()
        .expect("bash runs");
    (output, outputs(&output_file), std::fs::read_to_string(&summary).unwrap_or_default())
}

#[test]
fn check_step_writes_sarif_summary_annotations_and_the_exit_code() {
    let dir = scratch("passing");
    let (output, outputs, summary) = check_step(
        &dir,
        &[
            ("TEMPLATES", "fixtures/templates/cdk/AppStack.template.json\nfixtures/templates/cdk/NetworkStack.template.json"),
            ("REGION", "us-east-1"),
        ],
    );
    assert!(output.status.success(), "{}", support::stderr(&output));
    assert!(outputs.contains(&("exit-code".to_string(), "0".to_string())), "{outputs:?}");
    let sarif_path = outputs.iter().find(|(k, _)| k == "sarif-file").map(|(_, v)| v.clone()).expect("sarif-file output");
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&sarif_path).expect("SARIF written")).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    assert!(summary.contains("### mwaa-preflight:"), "{summary}");

    let dir = scratch("failing");
    let plan = [("TERRAFORM_PLAN", "fixtures/terraform/plans/private-no-sqs.plan.json")];
    let (output, outputs, summary) = check_step(&dir, &plan);
    assert!(output.status.success(), "the step itself succeeds, the gate fails later: {}", support::stderr(&output));
    assert!(outputs.contains(&("exit-code".to_string(), "1".to_string())), "{outputs:?}");
    assert!(support::stdout(&output).contains("::error"), "annotations: {}", support::stdout(&output));
    assert!(summary.contains("VPCE001"), "{summary}");
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("mwaa-preflight.sarif")).expect("SARIF")).expect("JSON");
    assert!(sarif["runs"][0]["results"].as_array().is_some_and(|r| r.iter().any(|r| r["ruleId"] == "VPCE001")), "{sarif}");
    let (_, never, _) = check_step(&scratch("fail-on-never"), &[plan[0], ("FAIL_ON", "never")]);
    assert!(never.contains(&("exit-code".to_string(), "0".to_string())), "{never:?}");

    let (nothing, _, _) = check_step(&scratch("no-input"), &[]);
    assert_eq!(nothing.status.code(), Some(2));
    assert!(support::stdout(&nothing).contains("::error::give the action templates"), "{}", support::stdout(&nothing));
}

/// `check_step` behind a wrapper that counts the tool's runs: (output, outputs, summary, runs).
fn counted_step(dir: &Path, inputs: &[(&str, &str)]) -> (Output, Vec<(String, String)>, String, usize) {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("dir");
    let runs = dir.join("runs");
    let _ = std::fs::remove_file(&runs);
    let real = PathBuf::from(env!("CARGO_BIN_EXE_mwaa-preflight"));
    let wrapper = bin.join("mwaa-preflight");
    std::fs::write(&wrapper, format!("#!/usr/bin/env bash\necho run >> '{}'\nexec '{}' \"$@\"\n", runs.display(), real.display()))
        .expect("write the wrapper");
    std::process::Command::new("chmod").arg("+x").arg(&wrapper).status().expect("chmod");
    let path = format!("{}:{}", bin.display(), path_with_binary());
    let (output, outputs, summary) = check_step(dir, &[inputs, &[("PATH", path.as_str())]].concat());
    let count = std::fs::read_to_string(&runs).map(|r| r.lines().count()).unwrap_or(0);
    (output, outputs, summary, count)
}

/// The templates input takes names with spaces (quoted), patterns and folders, and `args` quoted words, never
/// evaluated; the tool runs once for SARIF, annotations and the summary.
#[test]
fn check_step_takes_quoted_names_patterns_and_runs_the_tool_once() {
    let dir = scratch("quoted");
    let stacks = dir.join("my stacks");
    std::fs::create_dir_all(&stacks).expect("dir");
    for name in ["AppStack.template.json", "NetworkStack.template.json"] {
        std::fs::copy(support::root().join("fixtures/templates/cdk").join(name), stacks.join(name)).expect("copy");
    }
    let pattern = format!("'{}/*.template.json'", stacks.display());
    let inputs = [("TEMPLATES", pattern.as_str()), ("REGION", "us-east-1"), ("EXTRA_ARGS", "--fail-on \"error\"")];
    let (output, outputs, summary, runs) = counted_step(&dir, &inputs);
    assert!(outputs.contains(&("exit-code".to_string(), "0".to_string())), "{outputs:?} {}", support::stderr(&output));
    assert!(summary.contains("### mwaa-preflight:"), "{summary}");
    assert!(dir.join("mwaa-preflight.sarif").exists());
    assert_eq!(runs, 1, "one run");

    // A quoted `$(...)` is a word, not a command: the tool says it is no file, and nothing ran it.
    let marker = dir.join("never-created");
    let stray = format!("'$(touch {})'", marker.display());
    let (output, outputs, _, runs) = counted_step(&scratch("quoted-stray"), &[inputs[0], inputs[1], ("EXTRA_ARGS", stray.as_str())]);
    assert!(!marker.exists(), "the args input was evaluated");
    assert!(support::stderr(&output).contains("$(touch"), "{}", support::stderr(&output));
    assert!(outputs.contains(&("exit-code".to_string(), "2".to_string())), "{outputs:?}");
    assert_eq!(runs, 1);
}

/// A release directory as GitHub serves it (vVERSION/ASSET, ASSET.sha256) over loopback.
struct Releases {
    server: std::process::Child,
    url: String,
}

impl Releases {
    fn serve(root: &Path) -> Releases {
        let mut server = Command::new("python3")
            .args(["-u", "-m", "http.server", "--bind", "127.0.0.1", "0"])
            .current_dir(root)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m http.server");
        let mut line = String::new();
        BufReader::new(server.stdout.take().expect("stdout")).read_line(&mut line).expect("the server says its port");
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        let port = line.split(" port ").nth(1).and_then(|r| r.split_whitespace().next()).expect("port").to_string();
        Releases { server, url: format!("http://127.0.0.1:{port}") }
    }
}

impl Drop for Releases {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn install_step(dir: &Path, releases: &str, path: &str) -> Output {
    Command::new("bash")
        .arg(support::root().join("contrib/action/install.sh"))
        .env("PATH", path)
        .env("ACTION_PATH", support::root())
        .env("INSTALL_DIR", dir.join("bin"))
        .env("MWAA_PREFLIGHT_RELEASES", releases)
        // The package index is the loopback server too: no request leaves the machine.
        .env("MWAA_PREFLIGHT_PIP_INDEX", format!("{releases}/simple"))
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("GITHUB_PATH", dir.join("github_path"))
        .output()
        .expect("bash runs")
}

#[test]
fn install_step_takes_the_packaged_release_binary_checks_its_digest_and_says_what_is_missing() {
    let dir = scratch("install");
    let version = env!("CARGO_PKG_VERSION");
    let release = dir.join(format!("site/v{version}"));
    std::fs::create_dir_all(&release).expect("release dir");
    // The release workflow's packaging, on the binary under test.
    let package = Command::new("bash")
        .arg(support::root().join("contrib/action/package.sh"))
        .arg(env!("CARGO_BIN_EXE_mwaa-preflight"))
        .arg("x86_64-unknown-linux-gnu")
        .arg(&release)
        .output()
        .expect("bash runs");
    assert!(package.status.success(), "{}", support::stderr(&package));
    let asset = release.join("mwaa-preflight-x86_64-unknown-linux-gnu.tar.gz");
    let releases = Releases::serve(&dir.join("site"));
    let path = std::env::var("PATH").unwrap_or_default();

    let output = install_step(&dir, &releases.url, &path);
    assert!(output.status.success(), "{}{}", support::stdout(&output), support::stderr(&output));
    assert!(support::stdout(&output).contains("installed mwaa-preflight"), "{}", support::stdout(&output));
    let installed = Command::new(dir.join("bin/mwaa-preflight")).arg("--version").output().expect("the installed binary runs");
    assert_eq!(support::stdout(&installed).trim(), format!("mwaa-preflight {version}"));
    let github_path = std::fs::read_to_string(dir.join("github_path")).expect("GITHUB_PATH written");
    assert_eq!(github_path.trim(), dir.join("bin").display().to_string());
    // A second run finds it (what a cache hit restores) and downloads nothing.
    let again = install_step(&dir, "http://127.0.0.1:9", &path);
    assert!(support::stdout(&again).contains("already installed"), "{}", support::stdout(&again));

    // A binary that does not match its digest is refused.
    std::fs::remove_dir_all(dir.join("bin")).expect("clean");
    std::fs::write(asset.with_extension("gz.sha256"), "0000  mwaa-preflight-x86_64-unknown-linux-gnu.tar.gz\n").expect("bad digest");
    let tampered = install_step(&dir, &releases.url, &path);
    assert_eq!(tampered.status.code(), Some(1));
    assert!(support::stdout(&tampered).contains("does not match its .sha256"), "{}", support::stdout(&tampered));
    assert!(!dir.join("bin/mwaa-preflight").exists());

    // No release, no wheel and no cargo: the error says what to add.
    let no_cargo = install_step(&dir, &format!("{}/missing", releases.url), "/usr/bin:/bin");
    assert_eq!(no_cargo.status.code(), Some(1));
    assert!(support::stdout(&no_cargo).contains("no mwaa-preflight"), "the wheel was tried: {}", support::stdout(&no_cargo));
    assert!(support::stdout(&no_cargo).contains("no cargo to build one"), "{}", support::stdout(&no_cargo));
}

#[test]
fn pre_commit_hook_checks_the_changed_files_that_define_an_environment() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hook = &hooks[0];
    assert_eq!(hook["entry"].as_str(), Some("mwaa-preflight pre-commit"));
    assert_eq!(hook["language"].as_str(), Some("rust"));
    let pattern = hook["files"].as_str().expect("files pattern");
    assert_eq!(pattern, r"\.(ya?ml|json|template)$", "the README's description of which files the hook sees");

    // What pre-commit passes: the changed files, templates among others.
    let files = [
        "fixtures/templates/cdk/AppStack.template.json",
        "fixtures/templates/cdk/NetworkStack.template.json",
        "README.md",
        "action.yml",
        "fixtures/networks/public.json",
    ];
    let output =
        support::binary().current_dir(support::root()).args(["pre-commit", "--region", "us-east-1"]).args(files).output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}{}", support::stdout(&output), support::stderr(&output));
    let text = support::stdout(&output);
    assert_eq!(text.matches(concat!("mwaa-preflight ", env!("CARGO_PKG_VERSION"), ": environment")).count(), 1, "one environment: {text}");
    assert!(text.contains("0 error(s), 0 warning(s)"), "its imports resolved from the other template: {text}");

    let failing = support::binary()
        .current_dir(support::root())
        .args(["pre-commit", "fixtures/terraform/plans/private-no-sqs.plan.json", "Cargo.toml"])
        .output()
        .expect("runs");
    assert_eq!(failing.status.code(), Some(1), "{}", support::stderr(&failing));
    assert!(support::stdout(&failing).contains("VPCE001"), "{}", support::stdout(&failing));

    let unrelated = support::binary().current_dir(support::root()).args(["pre-commit", "action.yml", "README.md"]).output().expect("runs");
    assert_eq!(unrelated.status.code(), Some(0));
    assert_eq!(support::stdout(&unrelated), "", "files that are not ours are left alone");
}

#[test]
fn pre_commit_fix_hook_repairs_the_changed_template() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hook = hooks.as_vec().expect("hooks").iter().find(|h| h["id"].as_str() == Some("mwaa-preflight-fix")).expect("the fix hook");
    assert_eq!(hook["entry"].as_str(), Some("mwaa-preflight pre-commit --fix"));
    let base = std::fs::read_to_string(support::root().join("fixtures/templates/base/private.yaml")).expect("base");
    let dir = support::root().join("target/pre-commit-fix");
    std::fs::create_dir_all(&dir).expect("scratch");
    let template = dir.join("env.yaml");
    std::fs::write(&template, base.replacen("      EnableDnsSupport: true", "      EnableDnsSupport: false", 1)).expect("write");
    let output = support::binary().args(["pre-commit", "--fix", "--region", "us-east-1"]).arg(&template).output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}{}", support::stdout(&output), support::stderr(&output));
    assert!(support::stderr(&output).contains("fixed 1 finding(s)"), "{}", support::stderr(&output));
    assert_eq!(std::fs::read_to_string(&template).expect("read"), base);
}

/// The hook decides as `check` does on every file it is handed: a template or plan it cannot classify by
/// eye (a Latin-1 byte, a BOM, UTF-16, a comment after the type, a quoted key, flow style, a name starting
/// with `-` or not UTF-8) is checked, never skipped; a file it cannot read is exit 2; FIFOs, devices and
/// large data files are left alone with a note, without hanging or reading them whole.
#[test]
fn pre_commit_hook_classifies_files_as_the_readers_do_and_reads_within_bounds() {
    use std::os::unix::ffi::OsStrExt;
    let dir = support::root().join("target/pre-commit-hostile");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    let base = std::fs::read_to_string(support::root().join("fixtures/templates/base/private.yaml")).expect("base");
    // Both subnets in one AZ: SUB004, exit 1.
    let failing = base.replacen("AvailabilityZone: !Select [1, !GetAZs \"\"]", "AvailabilityZone: !Select [0, !GetAZs \"\"]", 1);
    assert_ne!(failing, base);
    let plan = std::fs::read_to_string(support::root().join("fixtures/terraform/plans/private-no-sqs.plan.json")).expect("plan");
    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(plan.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let cases: Vec<(std::ffi::OsString, Vec<u8>)> = vec![
        ("latin1.yaml".into(), [b"# caf\xe9\n".as_slice(), failing.as_bytes()].concat()),
        ("bom.yaml".into(), [b"\xef\xbb\xbf".as_slice(), failing.as_bytes()].concat()),
        ("comment.yaml".into(), failing.replace("Type: AWS::MWAA::Environment", "Type: AWS::MWAA::Environment # the environment").into_bytes()),
        ("quoted.yaml".into(), failing.replacen("Resources:", "\"Resources\":", 1).into_bytes()),
        (
            "flow.yaml".into(),
            b"{Resources: {Env: {Type: AWS::MWAA::Environment, Properties: {Name: x, NetworkConfiguration: {SubnetIds: [subnet-0a, subnet-0a], SecurityGroupIds: [sg-0a]}}}}}\n".to_vec(),
        ),
        ("utf16.plan.json".into(), utf16),
        ("-x.yaml".into(), failing.clone().into_bytes()),
        (std::ffi::OsStr::from_bytes(b"caf\xe9.yaml").to_os_string(), failing.clone().into_bytes()),
    ];
    for (name, bytes) in &cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write");
        let hook = support::binary().current_dir(&dir).args(["pre-commit", "--region", "us-east-1"]).arg(name).output().expect("runs");
        let flag = if name.to_string_lossy().contains("plan") { "--terraform-plan" } else { "--template" };
        let mut argument = std::ffi::OsString::from(format!("{flag}="));
        argument.push(name);
        let check = support::binary().current_dir(&dir).args(["check", "--region", "us-east-1"]).arg(&argument).output().expect("runs");
        let label = name.to_string_lossy();
        assert_ne!(check.status.code(), Some(0), "{label}: check passes it: {}", support::stdout(&check));
        assert_eq!(hook.status.code(), check.status.code(), "{label}: hook vs check\n{}{}", support::stdout(&hook), support::stderr(&hook));
    }
    // A dangling link: cannot be read, exit 2.
    std::os::unix::fs::symlink("missing.yaml", dir.join("broken.yaml")).expect("link");
    let broken = support::binary().current_dir(&dir).args(["pre-commit", "broken.yaml"]).output().expect("runs");
    assert_eq!(broken.status.code(), Some(2), "{}", support::stderr(&broken));
    assert!(support::stderr(&broken).contains("cannot read broken.yaml"), "{}", support::stderr(&broken));
    // A FIFO, a link to /dev/zero and a 70 MB data file: left alone, quickly, each with a note.
    assert!(std::process::Command::new("mkfifo").arg(dir.join("pipe.yaml")).status().expect("mkfifo").success());
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.json")).expect("link");
    let big = std::fs::File::create(dir.join("big.json")).expect("big");
    big.set_len(70 * 1024 * 1024).expect("sparse");
    let started = std::time::Instant::now();
    let alone = support::binary().current_dir(&dir).args(["pre-commit", "pipe.yaml", "zero.json", "big.json"]).output().expect("runs");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());
    assert_eq!(alone.status.code(), Some(0), "{}", support::stderr(&alone));
    let notes = support::stderr(&alone);
    assert_eq!(notes.matches("left alone: not a regular file").count(), 2, "{notes}");
    assert!(notes.contains("big.json left alone: larger than 64 MB"), "{notes}");
}
