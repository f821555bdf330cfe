//! Mutated real snapshots never turn an error into a pass: the fixture cases' networks, with one member
//! dropped, a key mis-cased, an enum value AWS never writes, or a value of the wrong type. Each mutated
//! input is either rejected (exit 2), or every rule that reported an error on the original still reports
//! one, or is skipped with a reason. Shared by `tests/mutations.rs` and `benches/mutations.rs`.

use std::path::{Path, PathBuf};

use mwaa_preflight::input::{Request, Selection, Source};
use mwaa_preflight::report::Report;
use mwaa_preflight::rules::Severity;
use mwaa_preflight::target::{RoutingAssertion, Settings};
use mwaa_preflight::Mode;
use serde_json::Value;

/// A fixture case's network and how it is checked.
pub struct Base {
    pub name: String,
    pub doc: Value,
    request: Request,
    mode: Mode,
    /// The rules with an error finding on the unmutated network.
    errors: Vec<&'static str>,
}

/// A small deterministic generator (xorshift64*): the same seed, the same cases.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        usize::try_from(self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33).unwrap_or(0) % n.max(1)
    }
}

/// The failing fixture cases this harness can replay (plain `check` with IDs, `check`, `diagnose NAME`).
pub fn bases(scratch: &Path) -> Vec<Base> {
    let mut bases = Vec::new();
    for file in super::case_files().into_iter().filter(|f| f.file_name().is_some_and(|n| n.to_string_lossy().starts_with("fail_"))) {
        let case = super::load_case(&file);
        let Some((request, mode)) = request_of(&case.args) else { continue };
        let name = file.strip_prefix(super::root().join("fixtures/cases")).unwrap_or(&file).display().to_string();
        let snapshot = super::materialise(&case, &name);
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&snapshot).expect("case")).expect("json");
        let mut base = Base { name, doc, request, mode, errors: Vec::new() };
        let reports = evaluate(&base, &base.doc, scratch).expect("the fixture reads");
        base.errors = error_codes(&reports);
        if !base.errors.is_empty() {
            bases.push(base);
        }
    }
    bases
}

fn request_of(args: &[String]) -> Option<(Request, Mode)> {
    let mode = match args.first().map(String::as_str) {
        Some("check") => Mode::Check,
        Some("diagnose") => Mode::Diagnose,
        _ => return None,
    };
    let (mut subnets, mut groups, mut name) = (Vec::new(), Vec::new(), None);
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--subnet-ids" => subnets = rest.next()?.split(',').map(str::to_string).collect(),
            "--security-group-ids" => groups = rest.next()?.split(',').map(str::to_string).collect(),
            flag if flag.starts_with("--") => return None,
            positional => name = Some(positional.to_string()),
        }
    }
    let selection = if subnets.is_empty() {
        Selection::Environment(name)
    } else {
        Selection::Planned(Box::new(Settings::planned(subnets, groups, String::new())))
    };
    Some((Request { selection, routing: RoutingAssertion::Auto }, mode))
}

fn error_codes(reports: &[Report]) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> =
        reports.iter().flat_map(|r| r.findings.iter().filter(|f| f.severity == Severity::Error).map(|f| f.code)).collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

/// Reads `doc` as the snapshot file of `base` and evaluates it; Err when the input is rejected.
fn evaluate(base: &Base, doc: &Value, scratch: &Path) -> Result<Vec<Report>, String> {
    let path: PathBuf = scratch.join(format!("{}.json", base.name.replace('/', "__")));
    std::fs::write(&path, doc.to_string()).expect("write");
    let source = Source::Snapshot { path, region: None };
    let input = source.read(&base.request).map_err(|e| e.to_string())?;
    Ok(mwaa_preflight::evaluate_input(&input, base.mode, &Default::default()))
}

/// One mutation of `doc`, described.
pub fn mutate(doc: &Value, rng: &mut Rng) -> (Value, String) {
    let mut doc = doc.clone();
    let keys: Vec<String> = doc.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
    let key = keys[rng.below(keys.len())].clone();
    let what = match rng.below(4) {
        0 => {
            doc.as_object_mut().map(|m| m.remove(&key));
            format!("dropped {key}")
        }
        1 => {
            let value = doc.as_object_mut().and_then(|m| m.remove(&key)).unwrap_or(Value::Null);
            let miscased = if rng.below(2) == 0 { key.to_lowercase() } else { key.to_uppercase() };
            doc.as_object_mut().map(|m| m.insert(miscased.clone(), value));
            format!("renamed {key} to {miscased}")
        }
        2 => {
            let mut enums = Vec::new();
            collect_paths(&doc, String::new(), &mut |path, value| {
                let field = path.rsplit('/').next().unwrap_or_default();
                if matches!(field, "RuleAction" | "Protocol" | "IpProtocol") && value.is_string() {
                    enums.push(path.to_string());
                }
            });
            let Some(path) = (!enums.is_empty()).then(|| enums[rng.below(enums.len())].clone()) else {
                return (doc, "no enum to change".to_string());
            };
            let invalid = ["reject", "deny ", "Allow", "tcpp", "999", ""][rng.below(6)];
            if let Some(slot) = doc.pointer_mut(&path) {
                *slot = Value::from(invalid);
            }
            format!("set {path} to {invalid:?}")
        }
        _ => {
            let mut paths = Vec::new();
            collect_paths(&doc, String::new(), &mut |path, _| paths.push(path.to_string()));
            let path = paths[rng.below(paths.len())].clone();
            let Some(slot) = doc.pointer_mut(&path) else { return (doc, "nothing to swap".to_string()) };
            let swapped = match slot {
                Value::String(_) => Value::from(7),
                Value::Number(_) => Value::from("7"),
                Value::Bool(b) => Value::from(b.to_string()),
                Value::Array(_) => Value::Object(Default::default()),
                Value::Object(_) => Value::Array(Vec::new()),
                Value::Null => Value::Bool(true),
            };
            *slot = swapped;
            format!("swapped the type of {path}")
        }
    };
    (doc, what)
}

fn collect_paths(value: &Value, path: String, visit: &mut dyn FnMut(&str, &Value)) {
    if !path.is_empty() {
        visit(&path, value);
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                collect_paths(v, format!("{path}/{}", k.replace('~', "~0").replace('/', "~1")), visit);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_paths(v, format!("{path}/{i}"), visit);
            }
        }
        _ => {}
    }
}

/// What one mutated case did.
pub enum Verdict {
    Rejected,
    Held,
    /// A rule with an error on the original passed on the mutated input, with nothing skipped for it.
    Flipped(String),
}

pub fn check(base: &Base, rng: &mut Rng, scratch: &Path) -> Verdict {
    let (doc, what) = mutate(&base.doc, rng);
    let Ok(reports) = evaluate(base, &doc, scratch) else { return Verdict::Rejected };
    for code in &base.errors {
        let passed = reports.iter().any(|r| r.passed.contains(code));
        let skipped = reports.iter().any(|r| r.skipped.iter().any(|s| s.code == *code));
        if passed && !skipped {
            return Verdict::Flipped(format!("{}: {what}: {code} error -> passed", base.name));
        }
    }
    Verdict::Held
}
