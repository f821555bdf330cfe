//! Golden outputs (insta snapshots under tests/snapshots/): the human, JSON and SARIF views of the
//! reference networks and of failing cases. `cargo insta review` after an intended change.

mod support;

fn report(case: &str, format: &str) -> String {
    let (args, snapshot) = match case {
        "public" => (
            vec!["check", "--subnet-ids", "subnet-a1a1a1a1,subnet-b2b2b2b2", "--security-group-ids", "sg-e1e1e1e1"],
            "fixtures/networks/public.json".to_string(),
        ),
        "private" => (vec!["check"], "fixtures/networks/private.json".to_string()),
        name => {
            let file = support::root().join("fixtures/cases").join(format!("{name}.json"));
            let loaded = support::load_case(&file);
            let path = support::materialise(&loaded, name);
            let relative = path.strip_prefix(support::root()).expect("under the root").display().to_string();
            let args: Vec<&'static str> = loaded.args.iter().map(|a| &*Box::leak(a.clone().into_boxed_str())).collect();
            (args, relative)
        }
    };
    let output = support::binary()
        .current_dir(support::root())
        .args(&args)
        .args(["--snapshot", &snapshot, "--format", format, "--color", "never"])
        .output()
        .expect("binary runs");
    format!("exit: {:?}\n{}", output.status.code(), support::stdout(&output))
}

#[test]
fn human_reference_networks_pass_clean() {
    insta::assert_snapshot!("human_public", report("public", "human"));
    insta::assert_snapshot!("human_private", report("private", "human"));
}

#[test]
fn human_failing_cases() {
    insta::assert_snapshot!("human_acl001_ingress_443_only", report("ACL001/fail_ingress_443_only", "human"));
    insta::assert_snapshot!("human_env001_pending", report("ENV001/fail_pending_without_endpoints", "human"));
    insta::assert_snapshot!("human_sg004_egress", report("SG004/fail_egress_vpc_only", "human"));
    // Several families: one table each, what explains the state first.
    insta::assert_snapshot!("markdown_env001_pending", report("ENV001/fail_pending_without_endpoints", "markdown"));
}

#[test]
fn json_reports() {
    insta::assert_snapshot!("json_private", report("private", "json"));
    insta::assert_snapshot!("json_vpce007_layer_bucket_only", report("VPCE007/fail_layer_bucket_only", "json"));
    insta::assert_snapshot!("json_rt004_deleted_nat", report("RT004/fail_deleted_nat", "json"));
}

#[test]
fn sarif_report() {
    let text = report("SUB004/fail_same_az_id", "sarif");
    // The rule table is the catalog's documentation; the golden file keeps the results.
    let (exit, body) = text.split_once('\n').expect("exit line");
    let mut sarif: serde_json::Value = serde_json::from_str(body).expect("json");
    sarif["runs"][0]["tool"]["driver"]["rules"] = serde_json::json!("(the catalog)");
    insta::assert_snapshot!("sarif_sub004_same_az", format!("{exit}\n{}", serde_json::to_string_pretty(&sarif).expect("json")));
}
