//! The wheel `pip install mwaa-preflight` installs: built by maturin (pinned in tests/emulator/requirements.txt)
//! from pyproject.toml, installed in a fresh venv, and run from there. The snapshot-only build keeps the test
//! quick (its own target folder: the test run holds the main one); the release wheels add the `aws` feature.

#[path = "support/emulator.rs"]
#[allow(dead_code)] // the wheel test uses only the venv's Python
mod emulator;
mod support;

use std::process::Command;

fn run(command: &mut Command, what: &str) -> std::process::Output {
    let output = command.output().unwrap_or_else(|e| panic!("cannot {what}: {e}"));
    assert!(output.status.success(), "{what} failed: {}\n{}", support::stdout(&output), support::stderr(&output));
    output
}

#[test]
fn the_wheel_installs_in_a_fresh_venv_and_runs() {
    let root = support::root();
    let work = support::fresh_folder("wheel-test", "work");
    let dist = work.join("dist");
    run(
        Command::new(emulator::python())
            .args(["-m", "maturin", "build", "--profile", "dev", "--no-default-features", "--compatibility", "linux", "--out"])
            .arg(&dist)
            .current_dir(&root)
            .env("CARGO_TARGET_DIR", root.join("target/wheel-build")),
        "maturin build",
    );
    let wheels: Vec<_> = std::fs::read_dir(&dist).expect("dist").filter_map(Result::ok).map(|e| e.path()).collect();
    assert_eq!(wheels.len(), 1, "{wheels:?}");
    let name = wheels[0].file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
    assert!(name.starts_with(&format!("mwaa_preflight-{}-py3-none-", env!("CARGO_PKG_VERSION"))), "{name}");

    let venv = work.join("venv");
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv), "python3 -m venv");
    run(
        Command::new(venv.join("bin/python"))
            .args(["-m", "pip", "install", "--quiet", "--no-index", "--disable-pip-version-check"])
            .arg(&wheels[0]),
        "pip install the wheel",
    );
    let installed = venv.join("bin/mwaa-preflight");
    let version = run(Command::new(&installed).arg("--version"), "mwaa-preflight --version");
    assert_eq!(support::stdout(&version).trim(), format!("mwaa-preflight {}", env!("CARGO_PKG_VERSION")));
    // A template check, offline, from the installed script.
    let template = root.join("fixtures/templates/base/public.yaml");
    let checked = Command::new(&installed).arg("check").arg(&template).args(["--region", "us-east-1"]).output().expect("runs");
    assert_eq!(checked.status.code(), Some(0), "{}", support::stderr(&checked));
    assert!(support::stdout(&checked).contains("0 error(s)"), "{}", support::stdout(&checked));

    // The pre-commit mirror (what `language: python` installs): its one dependency is this wheel, found here
    // instead of on PyPI; it is built with the test venv's setuptools and wheel (pinned), nothing is fetched.
    let mirror = work.join("pre-commit-mirror");
    std::fs::create_dir_all(&mirror).expect("dir");
    for file in ["pyproject.toml", ".pre-commit-hooks.yaml"] {
        std::fs::copy(root.join("contrib/pre-commit-mirror").join(file), mirror.join(file)).expect("copy the mirror");
    }
    run(
        Command::new(emulator::python())
            .args(["-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--disable-pip-version-check", "--wheel-dir"])
            .arg(&dist)
            .arg(&mirror),
        "build the pre-commit mirror's wheel",
    );
    let hook_venv = work.join("hook-venv");
    run(Command::new("python3").args(["-m", "venv"]).arg(&hook_venv), "the hook's venv");
    run(
        Command::new(hook_venv.join("bin/python"))
            .args(["-m", "pip", "install", "--quiet", "--no-index", "--disable-pip-version-check", "--find-links"])
            .arg(&dist)
            .arg("mwaa-preflight-pre-commit"),
        "pip install the pre-commit mirror",
    );
    let hook = Command::new(hook_venv.join("bin/mwaa-preflight"))
        .args(["pre-commit", "--region", "us-east-1"])
        .arg(&template)
        .output()
        .expect("the hook's binary runs");
    assert_eq!(hook.status.code(), Some(0), "{}{}", support::stdout(&hook), support::stderr(&hook));
}

/// The mirror's hooks are the repository's, installed from the wheel (`language: python`) instead of built, and
/// it pins this version of the tool.
#[test]
fn the_pre_commit_mirror_matches_the_hooks_and_the_version() {
    let root = support::root();
    let main = std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).expect("hooks");
    let mirror = std::fs::read_to_string(root.join("contrib/pre-commit-mirror/.pre-commit-hooks.yaml")).expect("mirror hooks");
    let hooks = |text: &str| -> Vec<String> { text.lines().filter(|l| !l.starts_with('#')).map(str::to_string).collect() };
    assert_eq!(hooks(&mirror), hooks(&main.replace("language: rust", "language: python")));
    let pyproject = std::fs::read_to_string(root.join("contrib/pre-commit-mirror/pyproject.toml")).expect("pyproject");
    let version = env!("CARGO_PKG_VERSION");
    assert!(pyproject.contains(&format!("dependencies = [\"mwaa-preflight=={version}\"]")), "{pyproject}");
    assert!(pyproject.contains(&format!("version = \"{version}\"")), "{pyproject}");
}
