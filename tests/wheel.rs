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
}
