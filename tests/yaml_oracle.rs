//! The template reader's YAML against the reader CloudFormation's tools use: PyYAML (libyaml), pinned in
//! tests/emulator/requirements.txt, loads every template of a corpus (hand-written shapes from AWS's
//! samples, and generated ones), and the tree the tool builds must be the same: mappings, sequences,
//! scalars as text (PyYAML's BaseLoader resolves no types, as CloudFormation reads a property by its own
//! type), and CloudFormation's short forms as `{"!Tag": value}`.

mod support;

// Only the emulator's Python (which has PyYAML) is needed here, not the emulator.
#[allow(dead_code)]
#[path = "support/emulator.rs"]
mod emulator;

use std::path::PathBuf;

use mwaa_preflight::input::template::yaml::{self, Node, Value as Yaml};
use serde_json::{Map, Value};

/// The tree PyYAML builds, as JSON, for each file (after [`support::pyyaml_loader`]).
const ORACLE: &str = r#"
def tagged_form(suffix, value):
    return {"!" + suffix: value}
out = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        try:
            out.append({"tree": yaml.load(f, Loader=Loader)})
        except yaml.YAMLError as e:
            out.append({"error": str(e).splitlines()[0]})
print(json.dumps(out))
"#;

fn tree(node: &Node) -> Value {
    let value = match &node.value {
        Yaml::Scalar { text } => Value::String(text.clone()),
        Yaml::Seq(items) => Value::Array(items.iter().map(tree).collect()),
        Yaml::Map(entries) => {
            let mut map = Map::new();
            for (key, value) in entries {
                let key = match tree(key) {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                map.insert(key, tree(value));
            }
            Value::Object(map)
        }
    };
    match &node.tag {
        Some(tag) => Value::Object(Map::from_iter([(format!("!{tag}"), value)])),
        None => value,
    }
}

/// Shapes from AWS's samples and the CDK, in the forms CloudFormation accepts.
fn hand_written() -> Vec<(&'static str, String)> {
    let block = "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n";
    vec![
        ("closing bracket at the key's column", "Resources:\n  A:\n    Properties:\n      Tags: [\n        {Key: a, Value: b}\n      ]\n".into()),
        ("closing bracket left of the key", "Resources:\n  A:\n    Properties:\n      Tags: [\n        {Key: a, Value: b}\n    ]\n      Other: x\n".into()),
        ("closing brace at column 0", "Resources:\n  A: {Type: AWS::EC2::VPC,\n    Properties: {CidrBlock: 10.0.0.0/16}\n}\n".into()),
        ("flow content left of its key", "Resources:\n  A:\n    Properties:\n      SubnetIds: [!Ref A,\n  !Ref B]\n".into()),
        ("multi-line flow with comments", "A: [1, # one\n     2, # two\n     3]\nB: {x: 1,\n    y: 2}\n".into()),
        ("nested flows in a sequence entry", "A:\n  - Name: [a, [b,\n c], {d: e}\n  ]\n  - x\n".into()),
        ("short forms", "A: !Sub \"${AWS::Region}-x\"\nB: !Select [0, !GetAZs \"\"]\nC: !If [Cond, !Ref X, !Ref AWS::NoValue]\nD: !GetAtt Vpc.CidrBlock\n".into()),
        ("anchors and aliases", "Shared: &tags\n  - {Key: a, Value: b}\nA:\n  Tags: *tags\nB: &x hello\nC: *x\n".into()),
        ("CRLF", block.replace('\n', "\r\n")),
        ("byte order mark", format!("\u{feff}{block}")),
        ("document markers", format!("---\n{block}...\n")),
        ("a directive", format!("%YAML 1.1\n---\n{block}")),
        ("quoted scalars over lines", "A: \"one\n  two\"\nB: 'it''s\n\n  three'\n".into()),
        ("block scalars with brackets", "A: |\n  [not a flow\n  {nor this\nB: >-\n  folded ]\n  text\nC: x\n".into()),
        ("plain scalars with brackets", "A: arn:aws:s3:::b[1]\nB: a {b} c\nC: 'q [x'\nD: it's [x\n".into()),
        ("compact sequences", "A:\n- x\n- - y\n  - z\n- k: v\n  l: [1,\n 2]\n".into()),
        ("explicit key", "? A\n: 1\nB: 2\n".into()),
        ("duplicate key keeps the last", "A: 1\nB: 2\nA: 3\n".into()),
        ("trailing spaces", "A: 1   \nB: [x,   \n  y]   \n".into()),
        ("JSON", "{\"Resources\": {\"A\": {\"Type\": \"AWS::EC2::VPC\", \"Properties\": {\"Tags\": [\n{\"Key\": \"a\", \"Value\": \"b\"}\n]}}}}\n".into()),
    ]
}

/// Templates built from a seed: mappings and sequences nested in block or flow style, flow collections
/// opened at the end of a line and closed at a random column, comments, quotes and short forms.
fn generated(count: usize) -> Vec<(String, String)> {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    (0..count)
        .map(|i| {
            let mut text = String::from("Resources:\n");
            for r in 0..1 + next(4) {
                text.push_str(&format!("  R{r}:\n    Type: AWS::EC2::Subnet\n    Properties:\n"));
                for p in 0..1 + next(5) {
                    let scalar = |k: u64| match k {
                        0 => format!("v{p}"),
                        1 => format!("\"q {p}, [x]\""),
                        2 => format!("!Ref P{p}"),
                        3 => "'it''s'".to_string(),
                        _ => format!("10.{p}.0.0/16"),
                    };
                    match next(4) {
                        0 => text.push_str(&format!("      K{p}: {}\n", scalar(next(5)))),
                        1 => {
                            // A flow sequence over several lines, closed at a random column (0 to 8).
                            text.push_str(&format!("      K{p}: [\n"));
                            for e in 0..1 + next(3) {
                                text.push_str(&format!(
                                    "{}{},{}\n",
                                    " ".repeat(next(10) as usize),
                                    scalar(next(5)),
                                    if e == 0 { " # c" } else { "" }
                                ));
                            }
                            text.push_str(&format!("{}]\n", " ".repeat(next(9) as usize)));
                        }
                        2 => {
                            text.push_str(&format!("      K{p}: {{a: {},\n", scalar(next(5))));
                            text.push_str(&format!(
                                "{}b: [{}, {}]\n{}}}\n",
                                " ".repeat(next(10) as usize),
                                scalar(next(5)),
                                scalar(next(5)),
                                " ".repeat(next(9) as usize)
                            ));
                        }
                        _ => {
                            text.push_str(&format!("      K{p}:\n"));
                            for _ in 0..1 + next(3) {
                                text.push_str(&format!("        - {}\n", scalar(next(5))));
                            }
                        }
                    }
                }
            }
            (format!("generated {i}"), text)
        })
        .collect()
}

#[test]
fn templates_read_as_pyyaml_reads_them() {
    let dir = support::root().join("target/yaml-oracle");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    let cases: Vec<(String, String)> =
        hand_written().into_iter().map(|(name, text)| (name.to_string(), text)).chain(generated(300)).collect();
    let paths: Vec<PathBuf> = cases
        .iter()
        .enumerate()
        .map(|(i, (_, text))| {
            let path = dir.join(format!("{i}.yaml"));
            std::fs::write(&path, text).expect("write");
            path
        })
        .collect();
    let output = std::process::Command::new(emulator::python())
        .arg("-c")
        .arg(support::pyyaml_loader("BaseLoader") + ORACLE)
        .args(&paths)
        .output()
        .expect("PyYAML runs");
    assert!(output.status.success(), "{}", support::stderr(&output));
    let oracle: Vec<Value> = serde_json::from_slice(&output.stdout).expect("the oracle's JSON");
    let mut differences = Vec::new();
    for ((name, text), expected) in cases.iter().zip(&oracle) {
        let ours = yaml::parse(text).map(|d| tree(&d.root));
        match (ours, expected.get("tree")) {
            (Ok(ours), Some(theirs)) if &ours == theirs => {}
            (Ok(ours), Some(theirs)) => differences.push(format!("{name}: the tool reads {ours}, PyYAML {theirs}\n{text}")),
            (Err(e), Some(_)) => differences
                .push(format!("{name}: the tool refuses it ({} at {}:{}), PyYAML reads it\n{text}", e.message, e.at.line, e.at.column)),
            (Ok(_), None) => differences.push(format!("{name}: the tool reads it, PyYAML refuses it ({})\n{text}", expected["error"])),
            (Err(_), None) => {}
        }
    }
    assert!(differences.is_empty(), "{} of {} templates differ:\n{}", differences.len(), cases.len(), differences.join("\n---\n"));
}
