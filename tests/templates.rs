//! `check --template` and `snapshot --template` as a user meets them: malformed templates name the file,
//! line and column and exit 2; findings are located at the resource's line; what a template only refers to
//! is read from a snapshot, or unknown; the template's network written as a snapshot checks the same.

mod support;

use std::path::PathBuf;

use serde_json::{json, Value};

fn write(name: &str, text: &str) -> PathBuf {
    support::scratch_file("template-tests", name, text)
}

fn base(name: &str) -> PathBuf {
    support::root().join(format!("fixtures/templates/base/{name}.yaml"))
}

fn check(templates: &[&PathBuf], extra: &[&str]) -> std::process::Output {
    let mut args: Vec<String> = vec!["check".into()];
    for t in templates {
        args.extend(["--template".into(), t.display().to_string()]);
    }
    args.extend(["--region", "us-east-1"].map(String::from));
    if !extra.contains(&"--format") {
        args.extend(["--format", "json"].map(String::from));
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    support::binary().args(&args).output().expect("runs")
}

fn report(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("no JSON report ({e}); stderr: {}", support::stderr(output)))
}

use support::codes;

#[test]
fn malformed_templates_exit_2_with_file_line_and_column() {
    let vpc = "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n";
    let subnet = |name: &str, cidr: &str| {
        format!("  {name}:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Vpc\n      CidrBlock: {cidr}\n")
    };
    let outside = format!("{vpc}{}", subnet("Outside", "10.1.0.0/24"));
    let overlapping = format!("{vpc}{}{}", subnet("First", "10.0.0.0/23"), subnet("Second", "10.0.1.0/24"));
    let parameter = |spec: &str| format!("Parameters:\n  P:\n{spec}{vpc}");
    let number = parameter("    Type: Number\n    Default: twelve\n");
    let pattern = parameter("    Type: String\n    AllowedPattern: '(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}'\n    Default: 10.0.0.0/33x\n");
    let id = parameter("    Type: List<AWS::EC2::Subnet::Id>\n    Default: subnet-0a1b2c3d,PrivateSubnet2\n");
    let kind = parameter("    Type: Strnig\n");
    let no_reason = format!("{vpc}    Metadata:\n      mwaa-preflight:\n        ignore:\n          - rule: RT003\n");
    let no_rule = format!("{vpc}    Metadata:\n      mwaa-preflight:\n        ignore:\n          - rule: XYZ001\n            reason: r\n");
    let cases: [(&str, &str, &str, &str); 17] = [
        ("no-reason.yaml", &no_reason, ":9:17", "Vpc: the ignore of RT003 needs a reason"),
        ("no-rule.yaml", &no_rule, ":9:17", "Vpc: no rule \"XYZ001\" to ignore"),
        ("outside.yaml", &outside, ":6:3", "subnet Outside has CIDR 10.1.0.0/24, outside its VPC Vpc (10.0.0.0/16)"),
        ("overlap.yaml", &overlapping, ":6:3", "subnet First has CIDR 10.0.0.0/23, which overlaps Second (10.0.1.0/24) in the same VPC"),
        ("number.yaml", &number, ":2:3", "parameter P: \"twelve\" is not a number (Number)"),
        ("pattern.yaml", &pattern, ":2:3", "does not match its AllowedPattern"),
        ("id.yaml", &id, ":2:3", "\"PrivateSubnet2\" is not an AWS::EC2::Subnet::Id"),
        ("type.yaml", &kind, ":2:3", "parameter P has type \"Strnig\", which CloudFormation does not know"),
        (
            "depends.yaml",
            "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    DependsOn: [Gateway]\n    Properties:\n      CidrBlock: 10.0.0.0/16\n",
            ":4:17",
            "Vpc DependsOn Gateway, which is not in Resources",
        ),
        // A flow collection left of its key (as AWS's samples write them): positions stay the file's own.
        (
            "dedented.yaml",
            "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: {EnableDnsSupport: true,\n  CidrBlock: !Reff x\n}\n",
            ":5:20",
            "unknown tag !Reff",
        ),
        ("syntax.yaml", "Resources:\n  A: [1, 2\n  B: 3\n", ":3:", "syntax"),
        ("tag.yaml", "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !Reff Cidr\n", ":5:", "unknown tag !Reff"),
        (
            "missing.yaml",
            "Resources:\n  Subnet:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Nowhere\n      CidrBlock: 10.0.0.0/24\n",
            ":5:",
            "Ref to Nowhere",
        ),
        (
            "cycle.yaml",
            "Resources:\n  A:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: !GetAtt B.GroupId\n  B:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: !Ref A\n",
            ":2:",
            "circular dependency between resources: A -> B -> A",
        ),
        (
            "condition.yaml",
            "Conditions:\n  Odd: !Join [\"\", [a]]\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Condition: Odd\n    Properties:\n      CidrBlock: 10.0.0.0/16\n",
            ":2:",
            "condition Odd is not Fn::Equals",
        ),
        ("noresources.yaml", "AWSTemplateFormatVersion: \"2010-09-09\"\n", ":1:", "no Resources section"),
        ("json.json", "{\"Resources\": {\"Vpc\": {\"Type\": \"AWS::EC2::VPC\",, }}}\n", ":1:", "invalid template"),
    ];
    for (name, text, spot, message) in cases {
        let path = write(name, text);
        let output = check(&[&path], &["--subnet-ids", "A,B", "--security-group-ids", "C"]);
        let stderr = support::stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(&format!("{}{spot}", path.display())), "{name}: no {spot} in {stderr}");
        assert!(stderr.contains(message), "{name}: {message:?} not in {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}

/// Hostile templates are refused where they start, with bounded memory and no stack overflow: an alias
/// bomb of a few KB, 20,000 conditions each naming the next, collections nested 200 deep.
#[test]
fn hostile_templates_exit_2_located_without_exhausting_memory_or_stack() {
    let mut bomb = String::from("Mappings:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let names = ["b", "c", "d", "e", "f", "g", "h", "i", "j"];
    for (name, previous) in names.iter().zip(["a", "b", "c", "d", "e", "f", "g", "h", "i"]) {
        let refs = vec![format!("*{previous}"); 10].join(", ");
        bomb.push_str(&format!("  {name}: &{name} [{refs}]\n"));
    }
    bomb.push_str("Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n");
    assert!(bomb.len() < 5000, "{} bytes", bomb.len());
    let mut chain = String::from("Conditions:\n");
    for i in 0..20_000 {
        chain.push_str(&format!("  C{i}: !Condition C{}\n", i + 1));
    }
    chain.push_str("  C20000: !Equals [a, a]\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Condition: C0\n    Properties:\n      CidrBlock: 10.0.0.0/16\n");
    let nested: String = (0..200).map(|level| format!("{}k{level}:\n", " ".repeat(level))).collect();
    let cases = [
        ("bomb.yaml", bomb, ":6:", "expand to more than 100000 nodes"),
        ("chain.yaml", chain, ":", "nest deeper than 256 levels"),
        ("nested.yaml", nested, ":129:", "nest deeper than 128 levels"),
    ];
    for (name, text, spot, message) in cases {
        let path = write(name, &text);
        let output = check(&[&path], &["--subnet-ids", "A,B", "--security-group-ids", "C"]);
        let stderr = support::stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(&format!("{}{spot}", path.display())), "{name}: no {spot} in {stderr}");
        assert!(stderr.contains(message), "{name}: {message:?} not in {stderr}");
    }
}

/// A NoEcho parameter's value never reaches an error message.
#[test]
fn no_echo_values_stay_out_of_errors() {
    let text = "Parameters:\n  DbPassword:\n    Type: String\n    NoEcho: true\n    AllowedValues: [alpha, beta]\n  Cidr:\n    Type: String\n    NoEcho: \"true\"\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !Ref Cidr\n";
    let path = write("noecho.yaml", text);
    for (flag, secret) in [("DbPassword=hunter2-secret", "hunter2-secret"), ("Cidr=s3cr3t-value", "s3cr3t-value")] {
        let other = if flag.starts_with("Db") { "Cidr=10.0.0.0/16" } else { "DbPassword=alpha" };
        let output = check(&[&path], &["--subnet-ids", "A,B", "--security-group-ids", "C", "--parameter", flag, "--parameter", other]);
        let stderr = support::stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{flag}: {stderr}");
        assert!(!stderr.contains(secret), "{flag}: the value is printed: {stderr}");
        assert!(stderr.contains("****"), "{flag}: {stderr}");
    }
}

#[test]
fn duplicate_keys_are_noted_with_their_lines_and_the_later_is_used() {
    let text = std::fs::read_to_string(base("public")).expect("base");
    // The group given again, without its self-reference: the later definition holds, so SG003 fires.
    let again = "  SecurityGroupIngress:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !Ref SecurityGroup\n      IpProtocol: tcp\n      FromPort: 443\n      ToPort: 443\n      SourceSecurityGroupId: !Ref SecurityGroup\n";
    let path = write("duplicate.yaml", &format!("{text}{again}"));
    let output = check(&[&path], &[]);
    let report = report(&output);
    assert_eq!(codes(&report), vec![("SG003".to_string(), "SecurityGroup".to_string())]);
    let notes = report["notes"].as_array().expect("notes");
    let line = text.lines().count() + 1;
    assert!(
        notes.iter().any(|n| n.as_str().is_some_and(|n| n.contains(&format!(":{line}:3: SecurityGroupIngress is given twice")))),
        "{notes:?}"
    );
}

#[test]
fn sarif_and_github_locate_findings_at_the_resource_in_its_template() {
    let text = std::fs::read_to_string(base("private")).expect("base");
    let broken = text.replacen("      EnableDnsHostnames: true\n", "", 1);
    let path = write("located.yaml", &broken);
    let line = broken.lines().position(|l| l == "  VPC:").expect("VPC line") + 1;
    let sarif: Value = serde_json::from_slice(&check(&[&path], &["--format", "sarif"]).stdout).expect("sarif");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "DNS002");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], path.display().to_string());
    assert_eq!(location["region"]["startLine"], line);
    assert_eq!(location["region"]["startColumn"], 3);
    let github = support::stdout(&check(&[&path], &["--format", "github"]));
    assert!(github.contains(&format!("file={},line={line},col=3", path.display())), "{github}");
    let human = support::stdout(&check(&[&path], &["--format", "human", "--color", "never"]));
    assert!(
        human.contains(&format!("{}:{line}:3", path.display())) && human.contains("In VPC (AWS::EC2::VPC), set EnableDnsHostnames: true"),
        "{human}"
    );
}

#[test]
fn the_template_written_as_a_snapshot_checks_the_same() {
    for name in ["public", "private"] {
        let template = base(name);
        let file = support::root().join(format!("target/template-tests/{name}-snapshot.json"));
        let written = support::run(&[
            "snapshot",
            "--template",
            template.to_str().expect("utf-8"),
            "--region",
            "us-east-1",
            "--output",
            file.to_str().expect("utf-8"),
        ]);
        assert_eq!(written.status.code(), Some(0), "{}", support::stderr(&written));
        let from_template = report(&check(&[&template], &[]));
        let from_snapshot =
            report(&support::run(&["check", "--snapshot", file.to_str().expect("utf-8"), "--all-environments", "--format", "json"]));
        let environment = &from_snapshot["environments"][0];
        assert_eq!(codes(environment), codes(&from_template), "{name}");
        // The snapshot's environment reads as an existing one, for which CME005 (may the creator make the
        // endpoints) no longer applies; every other skip is the template's.
        let skips = |r: &Value| -> Vec<String> {
            r["skipped"]
                .as_array()
                .expect("skipped")
                .iter()
                .filter_map(|s| s["code"].as_str())
                .filter(|c| *c != "CME005")
                .map(String::from)
                .collect()
        };
        assert_eq!(skips(environment), skips(&from_template), "{name}");
        // Its one environment is the target without naming it.
        let alone = report(&support::run(&["check", "--snapshot", file.to_str().expect("utf-8"), "--format", "json"]));
        assert_eq!(codes(&alone), codes(environment), "{name}");
    }
}

#[test]
fn parameters_come_from_flags_files_and_defaults() {
    let template = base("public");
    // A /28 VPC from a parameters file cannot hold four /24 subnets (Fn::Cidr refuses).
    let file = write("params.json", &json!([{"ParameterKey": "VpcCidr", "ParameterValue": "10.9.0.0/28"}]).to_string());
    let output = check(&[&template], &["--parameters-file", file.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(2), "{}", support::stderr(&output));
    assert!(support::stderr(&output).contains("Fn::Cidr"), "{}", support::stderr(&output));
    // --parameter wins over the file.
    let output = check(&[&template], &["--parameters-file", file.to_str().expect("utf-8"), "--parameter", "VpcCidr=10.9.0.0/16"]);
    assert_eq!(output.status.code(), Some(0), "{}", support::stderr(&output));
    let unknown = check(&[&template], &["--parameter", "Nope=1"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(support::stderr(&unknown).contains("no template given has a parameter Nope"));
    let bad_file = write("params-bad.json", "{\"VpcCidr\": \"10.0.0.0/16\"}");
    let output = check(&[&template], &["--parameters-file", bad_file.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(support::stderr(&output).contains("ParameterKey"), "{}", support::stderr(&output));
    let no_region = support::run(&["check", "--template", template.to_str().expect("utf-8"), "--format", "json"]);
    assert_eq!(no_region.status.code(), Some(2));
    assert!(support::stderr(&no_region).contains("--region"));
}

/// Subnets in an existing VPC, passed as parameters: unknown without a snapshot (the rules that need the
/// VPC skip), read from one with it.
#[test]
fn an_existing_vpc_is_read_from_the_snapshot_or_unknown() {
    let template = write(
        "existing-vpc.yaml",
        "Parameters:\n  VpcId:\n    Type: AWS::EC2::VPC::Id\n    Default: vpc-0e0e0e0e\nResources:\n  PrivateSubnet1:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref VpcId\n      CidrBlock: 10.192.30.0/24\n      AvailabilityZone: us-east-1a\n  PrivateSubnet2:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref VpcId\n      CidrBlock: 10.192.31.0/24\n      AvailabilityZone: us-east-1b\n  SecurityGroup:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: env\n      VpcId: !Ref VpcId\n  SelfIngress:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !Ref SecurityGroup\n      IpProtocol: \"-1\"\n      SourceSecurityGroupId: !Ref SecurityGroup\n",
    );
    let target = ["--subnet-ids", "PrivateSubnet1,PrivateSubnet2", "--security-group-ids", "SecurityGroup"];
    let alone = report(&check(&[&template], &target));
    let skipped: Vec<&str> = alone["skipped"].as_array().expect("skipped").iter().filter_map(|s| s["reason"].as_str()).collect();
    assert!(skipped.iter().any(|r| r.contains("VPC vpc-0e0e0e0e is not in the template")), "{skipped:?}");
    assert!(alone["findings"].as_array().expect("findings").is_empty(), "nothing unknown is reported as a finding: {}", alone["findings"]);

    // The public reference network holds vpc-0e0e0e0e with its NAT gateways and main table.
    let snapshot = support::root().join("fixtures/networks/public.json");
    let mut with = vec!["--snapshot", snapshot.to_str().expect("utf-8")];
    with.extend(target);
    let read = report(&check(&[&template], &with));
    let skipped: Vec<&str> = read["skipped"].as_array().expect("skipped").iter().filter_map(|s| s["code"].as_str()).collect();
    assert!(!skipped.iter().any(|c| ["RT001", "RT002", "DNS001", "ACL001"].contains(c)), "{skipped:?}");
}

fn plan(name: &str) -> PathBuf {
    support::root().join(format!("fixtures/terraform/plans/{name}"))
}

#[test]
fn malformed_plans_exit_2_with_the_spot_and_what_was_expected() {
    let cases: [(&str, &str, &str); 6] = [
        // EC2 refuses it, so the plan is refused at the resource, in the words the template reader uses.
        (
            "bad-rule.json",
            "{\"format_version\": \"1.2\", \"planned_values\": {\"root_module\": {\"resources\": [{\"address\": \"aws_network_acl_rule.bad\", \"mode\": \"managed\", \"type\": \"aws_network_acl_rule\", \"name\": \"bad\", \"values\": {\"network_acl_id\": \"acl-0a1b2c3d\", \"rule_number\": 40000, \"protocol\": \"6\", \"rule_action\": \"allow\", \"egress\": false, \"cidr_block\": \"0.0.0.0/0\", \"from_port\": 443, \"to_port\": 443}}]}}}",
            "aws_network_acl_rule.bad.rule_number 40000 is outside 1-32766",
        ),
        ("not-json.json", "{\"format_version\": \"1.2\",\n  \"planned_values\": [\n", "not JSON"),
        ("major.json", "{\"format_version\": \"2.0\", \"planned_values\": {}}", "format_version \"2.0\" is not 1.x"),
        ("old-state.json", "{\"version\": 3, \"modules\": []}", "state version 3"),
        (
            "other-provider.json",
            "{\"format_version\": \"1.0\", \"values\": {\"root_module\": {\"resources\": [{\"address\": \"google_compute_network.vpc\", \"mode\": \"managed\", \"type\": \"google_compute_network\", \"name\": \"vpc\", \"values\": {}}]}}}",
            "no resource of the AWS provider",
        ),
        ("neither.json", "{\"resources\": []}", "neither format_version"),
    ];
    for (name, text, message) in cases {
        let path = write(name, text);
        let output =
            support::run(&["check", "--terraform-plan", path.to_str().expect("utf-8"), "--region", "us-east-1", "--format", "json"]);
        let stderr = support::stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(message) && stderr.contains(&path.display().to_string()), "{name}: {message:?} not in {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
    let yaml = write("plan.yaml", "format_version: 1.2\n");
    let output = support::run(&["check", "--terraform-plan", yaml.to_str().expect("utf-8"), "--region", "us-east-1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(support::stderr(&output).contains("not a JSON document"), "{}", support::stderr(&output));
}

#[test]
fn plan_findings_are_located_at_the_resource_address() {
    let path = plan("private-no-egress.plan.json");
    let text = std::fs::read_to_string(&path).expect("plan");
    let sarif: Value =
        serde_json::from_slice(&support::run(&["check", "--terraform-plan", path.to_str().expect("utf-8"), "--format", "sarif"]).stdout)
            .expect("sarif");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "SG004");
    let line = text.lines().position(|l| l.contains("\"address\": \"aws_security_group.mwaa\"")).expect("address line") + 1;
    assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], line);
    assert_eq!(result["locations"][0]["logicalLocations"][0]["name"], "aws_security_group.mwaa");
}

#[test]
fn a_plan_over_existing_subnets_reads_them_from_a_snapshot_or_says_how() {
    // A group and an environment planned into the reference network's existing subnets.
    let plan = write(
        "existing.plan.json",
        &json!({
            "format_version": "1.2",
            "planned_values": {"root_module": {"resources": [
                {"address": "aws_security_group.mwaa", "mode": "managed", "type": "aws_security_group", "name": "mwaa",
                 "values": {"vpc_id": "vpc-0e0e0e0e", "ingress": [{"protocol": "-1", "from_port": 0, "to_port": 0, "self": true, "cidr_blocks": [], "security_groups": []}],
                            "egress": [{"protocol": "-1", "from_port": 0, "to_port": 0, "self": false, "cidr_blocks": ["0.0.0.0/0"], "security_groups": []}]}},
                {"address": "aws_mwaa_environment.this", "mode": "managed", "type": "aws_mwaa_environment", "name": "this",
                 "values": {"name": "existing", "webserver_access_mode": "PUBLIC_ONLY", "network_configuration": [{"subnet_ids": ["subnet-a1a1a1a1", "subnet-b2b2b2b2"]}]}}
            ]}},
            "resource_changes": [
                {"address": "aws_security_group.mwaa", "change": {"actions": ["create"], "after_unknown": {"id": true}}},
                {"address": "aws_mwaa_environment.this", "change": {"actions": ["create"], "after_unknown": {"id": true, "network_configuration": [{"security_group_ids": true}]}}}
            ],
            "configuration": {"root_module": {"resources": [
                {"address": "aws_mwaa_environment.this", "expressions": {"network_configuration": [{"security_group_ids": {"references": ["aws_security_group.mwaa.id", "aws_security_group.mwaa"]}}]}}
            ]}}
        })
        .to_string(),
    );
    let path = plan.to_str().expect("utf-8");
    let alone = support::run(&["check", "--terraform-plan", path, "--region", "us-east-1", "--format", "json"]);
    assert_eq!(alone.status.code(), Some(2), "{}", support::stderr(&alone));
    let stderr = support::stderr(&alone);
    assert!(stderr.contains("subnet-a1a1a1a1") && stderr.contains("is not in the plan") && stderr.contains("--live"), "{stderr}");
    let snapshot = support::root().join("fixtures/networks/public.json");
    let read =
        report(&support::run(&["check", "--terraform-plan", path, "--snapshot", snapshot.to_str().expect("utf-8"), "--format", "json"]));
    assert_eq!(codes(&read), Vec::<(String, String)>::new(), "{}", read["skipped"]);
    assert_eq!(read["target"]["security_group_ids"], json!(["aws_security_group.mwaa"]));
}

/// `--template -` reads the template piped in, as `cdk synth STACK | mwaa-preflight check --template -`.
#[test]
fn a_template_on_standard_input_is_read() {
    let text = std::fs::read_to_string(base("public")).expect("base");
    let output =
        support::piped(support::binary().args(["check", "--template", "-", "--region", "us-east-1", "--format", "json"]), text.as_bytes());
    assert_eq!(output.status.code(), Some(0), "{}", support::stderr(&output));
    assert_eq!(report(&output)["findings"], serde_json::json!([]));
}
