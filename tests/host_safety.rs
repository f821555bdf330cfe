//! The tool never harms the machine it runs on: `--output` writes the one file named and nothing else.
//! Devices, FIFOs and the process's own streams are written in place, never replaced; a link to a file
//! keeps the link; every file the run reads is refused as an output; a failed write leaves nothing behind.
//! Device nodes are made with mknod in a scratch folder (as root, as CI runs), never in the real /dev.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use proptest::prelude::*;

const NETWORK: &str = "fixtures/networks/public.json";

/// A fresh scratch folder under target/ for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = support::root().join("target/host-safety").join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

fn check_args(output: &Path) -> Vec<String> {
    [
        "check",
        "--snapshot",
        NETWORK,
        "--subnet-ids",
        "subnet-a1a1a1a1,subnet-b2b2b2b2",
        "--security-group-ids",
        "sg-e1e1e1e1",
        "--format",
        "json",
        "--output",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([output.display().to_string()])
    .collect()
}

fn check_into(output: &Path) -> Output {
    support::binary().current_dir(support::root()).args(check_args(output)).output().expect("binary runs")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Every entry of a folder (recursively, links not followed): its kind, mode, link text, device number
/// and, for regular files, content.
fn state(dir: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in fs::read_dir(&current).expect("readable scratch").flatten() {
            let path = entry.path();
            let meta = fs::symlink_metadata(&path).expect("metadata");
            let kind = meta.file_type();
            let description = if kind.is_symlink() {
                format!("link -> {}", fs::read_link(&path).expect("link").display())
            } else if kind.is_dir() {
                stack.push(path.clone());
                format!("dir {:o}", meta.permissions().mode())
            } else if kind.is_file() {
                format!("file {:o} {:?}", meta.permissions().mode(), fs::read(&path).unwrap_or_default())
            } else {
                format!("special {:?} rdev {} {:o}", kind, meta.rdev(), meta.permissions().mode())
            };
            found.insert(path.strip_prefix(dir).expect("inside").display().to_string(), description);
        }
    }
    found
}

#[test]
fn a_regular_file_is_replaced_whole_keeping_its_mode_and_nothing_else_appears() {
    let dir = scratch("regular");
    let report = dir.join("report.json");
    fs::write(&report, "old contents that are longer than nothing").expect("seed");
    fs::set_permissions(&report, fs::Permissions::from_mode(0o640)).expect("mode");
    let output = check_into(&report);
    assert_eq!(output.status.code(), Some(0), "{}", support::stderr(&output));
    let written: serde_json::Value = serde_json::from_slice(&fs::read(&report).expect("report")).expect("a whole JSON report");
    assert_eq!(written["summary"]["errors"], 0);
    assert_eq!(fs::metadata(&report).expect("report").permissions().mode() & 0o777, 0o640);
    let entries: Vec<String> = state(&dir).into_keys().collect();
    assert_eq!(entries, ["report.json"], "no temporary file is left");
    // A new file is created.
    let fresh = dir.join("new.json");
    assert_eq!(check_into(&fresh).status.code(), Some(0));
    assert!(fs::metadata(&fresh).is_ok_and(|m| m.is_file()));
}

#[test]
fn a_link_to_a_file_keeps_the_link_and_writes_its_target() {
    let dir = scratch("link");
    fs::create_dir(dir.join("reports")).expect("dir");
    fs::write(dir.join("reports/real.json"), "old").expect("seed");
    std::os::unix::fs::symlink("reports/real.json", dir.join("latest.json")).expect("link");
    std::os::unix::fs::symlink("latest.json", dir.join("chain.json")).expect("link");
    let output = check_into(&dir.join("chain.json"));
    assert_eq!(output.status.code(), Some(0), "{}", support::stderr(&output));
    assert_eq!(fs::read_link(dir.join("chain.json")).expect("still a link"), Path::new("latest.json"));
    assert_eq!(fs::read_link(dir.join("latest.json")).expect("still a link"), Path::new("reports/real.json"));
    assert!(fs::read_to_string(dir.join("reports/real.json")).expect("target").contains("\"summary\""));
    assert_eq!(state(&dir.join("reports")).len(), 1, "the temporary file lived beside the target and is gone");
    // A dangling link creates its target, as a shell's `>` does.
    std::os::unix::fs::symlink("reports/made.json", dir.join("dangling.json")).expect("link");
    assert_eq!(check_into(&dir.join("dangling.json")).status.code(), Some(0));
    assert!(fs::symlink_metadata(dir.join("dangling.json")).expect("link").file_type().is_symlink());
    assert!(fs::metadata(dir.join("reports/made.json")).is_ok_and(|m| m.is_file()));
}

#[test]
fn a_link_to_dev_null_and_dev_null_itself_stay_what_they_are() {
    let dir = scratch("null-link");
    std::os::unix::fs::symlink("/dev/null", dir.join("discard")).expect("link");
    let before = fs::metadata("/dev/null").expect("/dev/null");
    for target in [dir.join("discard"), PathBuf::from("/dev/null")] {
        let output = check_into(&target);
        assert_eq!(output.status.code(), Some(0), "{}: {}", target.display(), support::stderr(&output));
    }
    // `snapshot --output` writes through it the same way.
    let snapshot = support::binary()
        .current_dir(support::root())
        .args(["snapshot", "--template", "fixtures/templates/base/public.yaml", "--region", "us-east-1", "--output"])
        .arg(dir.join("discard"))
        .output()
        .expect("binary runs");
    assert_eq!(snapshot.status.code(), Some(0), "{}", support::stderr(&snapshot));
    // The GitHub step summary is appended through the link too.
    let github = support::binary()
        .current_dir(support::root())
        .env("GITHUB_STEP_SUMMARY", dir.join("discard"))
        .args(["check", "--snapshot", NETWORK, "--subnet-ids", "subnet-a1a1a1a1,subnet-b2b2b2b2", "--security-group-ids", "sg-e1e1e1e1"])
        .args(["--format", "github"])
        .output()
        .expect("binary runs");
    assert_eq!(github.status.code(), Some(0), "{}", support::stderr(&github));
    assert_eq!(fs::read_link(dir.join("discard")).expect("still a link"), Path::new("/dev/null"));
    let after = fs::metadata("/dev/null").expect("/dev/null");
    assert!(after.file_type().is_char_device());
    assert_eq!((after.ino(), after.rdev()), (before.ino(), before.rdev()), "/dev/null is the same device node");
    assert_eq!(state(&dir).len(), 1);
}

#[test]
fn device_nodes_are_written_in_place_and_block_devices_refused() {
    if !is_root() {
        eprintln!("device_nodes_are_written_in_place_and_block_devices_refused: mknod needs root; the /dev/null tests cover the rest");
        return;
    }
    let dir = scratch("devices");
    // A character device like /dev/null (1,3) and /dev/full (1,7); a block device with no driver behind it.
    let made = |name: &str, kind: &str, major: &str, minor: &str| {
        let status = Command::new("mknod").arg(dir.join(name)).args([kind, major, minor]).status().expect("mknod runs");
        assert!(status.success(), "mknod {name}");
    };
    made("null", "c", "1", "3");
    made("full", "c", "1", "7");
    made("disk", "b", "240", "250");
    let before = state(&dir);
    let output = check_into(&dir.join("null"));
    assert_eq!(output.status.code(), Some(0), "{}", support::stderr(&output));
    let full = check_into(&dir.join("full"));
    assert_eq!(full.status.code(), Some(2), "a full device is a failed write");
    assert!(support::stderr(&full).contains("No space left"), "{}", support::stderr(&full));
    let disk = check_into(&dir.join("disk"));
    assert_eq!(disk.status.code(), Some(2));
    assert!(support::stderr(&disk).contains("is a block device"), "{}", support::stderr(&disk));
    assert_eq!(state(&dir), before, "every node is still the node it was; nothing was added");
}

#[test]
fn a_fifo_receives_the_report_and_stays_a_fifo() {
    let dir = scratch("fifo");
    let fifo = dir.join("pipe");
    assert!(Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read_to_string(fifo).expect("read the FIFO"))
    };
    let output = check_into(&fifo);
    assert_eq!(output.status.code(), Some(0), "{}", support::stderr(&output));
    let received = reader.join().expect("reader");
    assert!(received.contains("\"summary\""), "{received}");
    assert!(fs::symlink_metadata(&fifo).expect("fifo").file_type().is_fifo());
    assert_eq!(state(&dir).len(), 1);
}

#[test]
fn the_process_streams_are_written_through_whatever_name_they_have() {
    for name in ["/dev/stdout", "/proc/self/fd/1", "/dev/fd/1"] {
        let output = check_into(Path::new(name));
        assert_eq!(output.status.code(), Some(0), "{name}: {}", support::stderr(&output));
        assert!(support::stdout(&output).contains("\"summary\""), "{name}: the report is on standard output");
    }
    let output = check_into(Path::new("/dev/stderr"));
    assert!(support::stderr(&output).contains("\"summary\""));
    assert!(fs::symlink_metadata("/dev/stdout").is_ok_and(|m| m.file_type().is_symlink()), "/dev/stdout is still a link");
    // Standard output redirected to a file in append mode: the report is appended, the file kept.
    let dir = scratch("append");
    let log = dir.join("log.txt");
    fs::write(&log, "earlier lines\n").expect("seed");
    let file = fs::OpenOptions::new().append(true).open(&log).expect("log");
    let status = support::binary().current_dir(support::root()).args(check_args(Path::new("/dev/stdout"))).stdout(file).status();
    assert!(status.is_ok_and(|s| s.success()));
    let text = fs::read_to_string(&log).expect("log");
    assert!(text.starts_with("earlier lines\n") && text.contains("\"summary\""), "{text}");
}

#[test]
fn a_directory_is_refused() {
    let dir = scratch("directory");
    let output = check_into(&dir);
    assert_eq!(output.status.code(), Some(2));
    assert!(support::stderr(&output).contains("is a directory"), "{}", support::stderr(&output));
    assert!(state(&dir).is_empty());
}

/// Every file a run reads is refused as its output, before anything is read or written.
#[test]
fn every_input_is_refused_as_the_output() {
    let dir = scratch("inputs");
    let snapshot = dir.join("net.json");
    fs::copy(support::root().join(NETWORK), &snapshot).expect("copy");
    let config = dir.join("mwaa-preflight.toml");
    fs::write(&config, "fail-on = \"error\"\n").expect("config");
    let template = dir.join("stack.yaml");
    fs::copy(support::root().join("fixtures/templates/base/public.yaml"), &template).expect("template");
    let parameters = dir.join("params.json");
    fs::write(&parameters, "[]").expect("parameters");
    std::os::unix::fs::symlink("net.json", dir.join("alias.json")).expect("link");
    let before = state(&dir);
    let s = |p: &Path| p.display().to_string();
    let ids = ["--subnet-ids", "subnet-a1a1a1a1,subnet-b2b2b2b2", "--security-group-ids", "sg-e1e1e1e1"];
    let runs: Vec<Vec<String>> = vec![
        [&["check", "--snapshot", &s(&snapshot)][..], &ids, &["--output", &s(&snapshot)]].concat().iter().map(|a| a.to_string()).collect(),
        [&["check", "--snapshot", &s(&snapshot)][..], &ids, &["--output", &s(&dir.join("alias.json"))]]
            .concat()
            .iter()
            .map(|a| a.to_string())
            .collect(),
        [&["check", "--snapshot", &s(&snapshot), "--config", &s(&config)][..], &ids, &["--output", &s(&config)]]
            .concat()
            .iter()
            .map(|a| a.to_string())
            .collect(),
        ["check", "--template", &s(&template), "--region", "us-east-1", "--parameters-file", &s(&parameters), "--output", &s(&parameters)]
            .iter()
            .map(|a| a.to_string())
            .collect(),
        ["check", "--template", &s(&template), "--region", "us-east-1", "--snapshot", &s(&snapshot), "--output", &s(&snapshot)]
            .iter()
            .map(|a| a.to_string())
            .collect(),
        ["snapshot", "--template", &s(&template), "--region", "us-east-1", "--output", &s(&template)]
            .iter()
            .map(|a| a.to_string())
            .collect(),
    ];
    for args in runs {
        let output = support::binary().current_dir(&dir).args(&args).output().expect("binary runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", support::stderr(&output));
        assert!(support::stderr(&output).contains("is a file this run reads"), "{args:?}: {}", support::stderr(&output));
        assert_eq!(state(&dir), before, "{args:?} changed an input");
    }
}

/// A full disk fails the write with exit 2 and leaves no partial file (a 4 KiB tmpfs mounted in a
/// private mount namespace, so the host's mounts never change).
#[test]
fn a_full_disk_leaves_nothing_behind() {
    if !is_root() {
        eprintln!("a_full_disk_leaves_nothing_behind: mounting a small tmpfs needs root");
        return;
    }
    let dir = scratch("full-disk");
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_mwaa-preflight"));
    let args: Vec<String> =
        check_args(&dir.join("report.html")).into_iter().map(|a| if a == "json" { "html".to_string() } else { a }).collect();
    let script = format!(
        "mount -t tmpfs -o size=4k tmpfs {dir} && {binary} \"$@\"; code=$?; echo \"exit=$code\"; ls -A {dir}; exit 0",
        dir = dir.display(),
        binary = binary.display()
    );
    let output = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &script, "sh"])
        .args(&args)
        .current_dir(support::root())
        .output()
        .expect("unshare runs");
    let out = support::stdout(&output);
    assert!(out.contains("exit=2"), "stdout: {out}\nstderr: {}", support::stderr(&output));
    assert!(support::stderr(&output).contains("No space left"), "{}", support::stderr(&output));
    assert_eq!(out.lines().filter(|l| !l.starts_with("exit=")).count(), 0, "left behind: {out}");
    assert!(state(&dir).is_empty(), "the host's folder is untouched");
}

/// A scratch folder of random files, links (to files, folders, FIFOs, missing names, /dev/null),
/// folders and FIFOs: `--output` to any one of them changes nothing but that one target.
#[derive(Debug, Clone)]
enum Entry {
    File,
    Dir,
    Fifo,
    Link(usize),
    LinkToNull,
    Dangling,
}

fn entry() -> impl Strategy<Value = Entry> {
    prop_oneof![
        Just(Entry::File),
        Just(Entry::Dir),
        Just(Entry::Fifo),
        (0usize..8).prop_map(Entry::Link),
        Just(Entry::LinkToNull),
        Just(Entry::Dangling),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn output_changes_nothing_but_its_target(entries in prop::collection::vec(entry(), 1..8), pick in 0usize..8, case in 0u32..u32::MAX) {
        let dir = scratch(&format!("property-{case}"));
        let name = |i: usize| format!("e{i}");
        for (i, e) in entries.iter().enumerate() {
            let path = dir.join(name(i));
            match e {
                Entry::File => fs::write(&path, format!("file {i}")).expect("file"),
                Entry::Dir => fs::create_dir(&path).expect("dir"),
                Entry::Fifo => assert!(Command::new("mkfifo").arg(&path).status().expect("mkfifo").success()),
                Entry::Link(to) => std::os::unix::fs::symlink(name(*to % entries.len()), &path).expect("link"),
                Entry::LinkToNull => std::os::unix::fs::symlink("/dev/null", &path).expect("link"),
                Entry::Dangling => std::os::unix::fs::symlink("missing", &path).expect("link"),
            }
        }
        let target = dir.join(name(pick % entries.len()));
        // What the target resolves to, following links inside the folder.
        let mut resolved = target.clone();
        for _ in 0..10 {
            match fs::read_link(&resolved) {
                Ok(next) if next.is_relative() => resolved = dir.join(next),
                _ => break,
            }
        }
        let is_fifo = fs::symlink_metadata(&resolved).is_ok_and(|m| m.file_type().is_fifo());
        // A FIFO has a reader, as `>(gzip)` does; opened non-blocking-safe by a thread.
        let reader = is_fifo.then(|| {
            let resolved = resolved.clone();
            std::thread::spawn(move || fs::read(resolved).map(|b| b.len()).unwrap_or(0))
        });
        let before = state(&dir);
        let output = support::binary().current_dir(support::root()).args(check_args(&target)).output().expect("binary runs");
        if let Some(reader) = reader {
            prop_assert!(reader.join().expect("reader") > 0, "the FIFO got the report");
        }
        let mut after = state(&dir);
        let key = resolved.strip_prefix(&dir).map(|p| p.display().to_string()).unwrap_or_default();
        let written = output.status.code() == Some(0);
        if written && after.get(&key).is_some_and(|d| d.starts_with("file")) {
            prop_assert!(fs::read_to_string(&resolved).expect("target").contains("\"summary\""));
            // The written file is the only change: compare the rest.
            after.remove(&key);
            let mut expected = before.clone();
            expected.remove(&key);
            prop_assert_eq!(after, expected);
        } else {
            prop_assert_eq!(after, before, "exit {:?}: {}", output.status.code(), support::stderr(&output));
        }
        let _ = fs::remove_dir_all(&dir);
    }
}
