//! One message style across rules, checked on every finding of every golden case output (like clippy's
//! `lint_message_convention`): the renderer prints the resource before the message, so a message never
//! begins with it; a message is one short sentence in lower case without a final period; every AWS CLI
//! command of a remediation stands alone on its line, ready to copy and paste.

use serde_json::Value;

const MAX_MESSAGE: usize = 180;
const CLI_PREFIXES: [&str; 5] = ["aws ec2 ", "aws iam ", "aws ram ", "aws mwaa ", "aws sts "];

fn problems(finding: &Value) -> Vec<String> {
    let text = |key: &str| finding[key].as_str().unwrap_or_default().to_string();
    let (message, remediation, resource) = (text("message"), text("remediation"), text("resource"));
    let mut found = Vec::new();
    if !resource.is_empty() && message.starts_with(&resource) {
        found.push(format!("message begins with its resource {resource:?}"));
    }
    if message.contains('\n') || message.chars().count() > MAX_MESSAGE {
        found.push(format!("message is not one short sentence (at most {MAX_MESSAGE} characters, one line)"));
    }
    let first_word = message.split_whitespace().next().unwrap_or_default();
    let mut letters = first_word.chars();
    if letters.next().is_some_and(char::is_uppercase) && letters.next().is_some_and(char::is_lowercase) {
        found.push(format!("message begins with a capitalised word {first_word:?}: messages are lower case"));
    }
    if message.ends_with('.') {
        found.push("message ends with a period".to_string());
    }
    if remediation.trim().is_empty() {
        found.push("no remediation".to_string());
    }
    for line in remediation.lines() {
        // `nat=$(aws ...)`: a command whose output the next lines use is a command on its own line too, and
        // so is one nested in `"$(aws ...)"`.
        let line = line
            .split_once("=$(")
            .filter(|(var, _)| !var.is_empty() && var.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .map_or(line, |(_, command)| command);
        for prefix in CLI_PREFIXES {
            if line.match_indices(prefix).any(|(at, _)| at != 0 && !line[..at].ends_with("$(")) {
                found.push(format!("command inside prose, not on its own line: {line:?}"));
            }
        }
        if CLI_PREFIXES.iter().any(|p| line.starts_with(p)) && (line.ends_with('.') || line.contains("  ")) {
            found.push(format!("command line is not copy-pasteable as it stands: {line:?}"));
        }
    }
    found
}

#[test]
fn every_golden_finding_follows_the_message_style() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cases");
    for dir in std::fs::read_dir(&root).expect("fixtures/cases") {
        for file in std::fs::read_dir(dir.expect("entry").path()).expect("rule dir") {
            let path = file.expect("entry").path();
            if path.extension().is_none_or(|e| e != "snap") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("golden file");
            // An insta file: a header between `---` lines, then the body.
            let body = text.splitn(3, "---\n").nth(2).expect("insta header");
            let golden: Value = serde_json::from_str(body).expect("golden JSON");
            for finding in golden["findings"].as_array().into_iter().flatten() {
                checked += 1;
                for problem in problems(finding) {
                    failures.push(format!("{} {}: {problem}", path.display(), finding["code"].as_str().unwrap_or("?")));
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} findings found in the golden files");
    assert!(failures.is_empty(), "{} message style problem(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_style_check_rejects_what_it_should() {
    let old_acl001 = serde_json::json!({
        "resource": "acl-0e0e0e0e",
        "message": "acl-0e0e0e0e blocks 2 required flow(s): F-SELF a -> b tcp/443.",
        "remediation": "Allow the traffic before the deciding rule: aws ec2 create-network-acl-entry --network-acl-id acl-0e0e0e0e"
    });
    let found = problems(&old_acl001);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(problems(&serde_json::json!({"message": "Check it", "remediation": "x"})).iter().any(|p| p.contains("capitalised")));
    assert!(problems(&serde_json::json!({"message": "ok", "remediation": "aws ec2 a  then  aws ec2 b"})).len() == 2);
}
