//! One description of each resource type under both front ends: the same network written as a
//! CloudFormation template and as a Terraform plan (IDs known only after apply, wired by references, as
//! `terraform show -json` prints a plan) is judged the same, variant by variant.

mod support;

use std::path::PathBuf;

use serde_json::{json, Map, Value};

fn write(name: &str, text: &str) -> PathBuf {
    support::scratch_file("iac-core-tests", name, text)
}

/// (kind, name, known values, attribute -> the resources it references).
type Planned<'a> = (&'a str, &'a str, Value, Vec<(&'a str, Vec<&'a str>)>);

/// A plan creating `resources` (kind, name, known values, attribute -> the resource it references): each
/// reference unknown until apply, as Terraform plans it.
fn plan(resources: &[Planned<'_>]) -> String {
    let (mut planned, mut changes, mut config) = (Vec::new(), Vec::new(), Vec::new());
    for (kind, name, values, references) in resources {
        let address = format!("{kind}.{name}");
        let mut unknown = Map::from_iter([("id".to_string(), json!(true))]);
        let mut expressions = Map::new();
        let mut depends_on = Vec::new();
        for (attribute, targets) in references {
            if *attribute == "depends_on" {
                depends_on.extend(targets.iter().map(|t| t.to_string()));
                continue;
            }
            unknown.insert(attribute.to_string(), json!(true));
            // `aws_iam_role.exec.arn` names its attribute; `aws_subnet.a` means its ID.
            let refs: Vec<String> = targets
                .iter()
                .flat_map(|t| match t.rsplit_once('.').filter(|_| t.matches('.').count() == 2) {
                    Some((resource, _)) => [t.to_string(), resource.to_string()],
                    None => [format!("{t}.id"), t.to_string()],
                })
                .collect();
            expressions.insert(attribute.to_string(), json!({ "references": refs }));
        }
        planned.push(json!({"address": address, "mode": "managed", "type": kind, "name": name, "values": values}));
        changes.push(json!({"address": address, "mode": "managed", "type": kind, "name": name,
            "change": {"actions": ["create"], "before": null, "after": values, "after_unknown": unknown}}));
        config.push(json!({"address": address, "mode": "managed", "type": kind, "name": name, "expressions": expressions,
            "depends_on": depends_on}));
    }
    json!({"format_version": "1.2", "planned_values": {"root_module": {"resources": planned}}, "resource_changes": changes,
        "configuration": {"provider_config": {"aws": {"name": "aws", "expressions": {"region": {"constant_value": "us-east-1"}}}},
            "root_module": {"resources": config}}})
    .to_string()
}

/// The network: a VPC with two private subnets, a group open to itself, and the environment; `acl_port`
/// a NACL on both subnets admitting that TCP port in (and every port out). The execution role: trusted by
/// `trusts`, allowed `allows` by a policy of its own, which the environment waits for when `waits`.
struct Network {
    hostnames: bool,
    zones: [&'static str; 2],
    acl_port: Option<u16>,
    trusts: &'static [&'static str],
    allows: &'static [&'static str],
    waits: bool,
}

const BOTH: &[&str] = &["airflow.amazonaws.com", "airflow-env.amazonaws.com"];
const EVERYTHING: &[&str] = &["airflow:PublishMetrics", "s3:*", "logs:*", "cloudwatch:PutMetricData", "sqs:*", "kms:*"];

impl Network {
    const fn with(hostnames: bool, zones: [&'static str; 2], acl_port: Option<u16>) -> Self {
        Network { hostnames, zones, acl_port, trusts: BOTH, allows: EVERYTHING, waits: true }
    }

    fn trust(&self) -> String {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": self.trusts}, "Action": "sts:AssumeRole"}]})
            .to_string()
    }

    fn permissions(&self) -> String {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": self.allows, "Resource": "*"}]}).to_string()
    }
}

fn template(n: &Network) -> String {
    let acl = match n.acl_port {
        None => String::new(),
        Some(port) => format!(
            "  Acl:\n    Type: AWS::EC2::NetworkAcl\n    Properties: {{VpcId: !Ref Vpc}}\n{}{}{}",
            ["In", "Out"]
                .iter()
                .map(|way| format!(
                    "  Acl{way}:\n    Type: AWS::EC2::NetworkAclEntry\n    Properties: {{NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: '6', RuleAction: allow, Egress: {}, CidrBlock: 0.0.0.0/0, PortRange: {{From: {}, To: {}}}}}\n",
                    *way == "Out",
                    if *way == "Out" { 0 } else { port },
                    if *way == "Out" { 65535 } else { port }
                ))
                .collect::<String>(),
            ["A", "B"]
                .iter()
                .map(|s| format!("  Acl{s}:\n    Type: AWS::EC2::SubnetNetworkAclAssociation\n    Properties: {{NetworkAclId: !Ref Acl, SubnetId: !Ref Subnet{s}}}\n"))
                .collect::<String>(),
            "",
        ),
    };
    format!(
        "Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {{CidrBlock: 10.0.0.0/16, EnableDnsSupport: true, EnableDnsHostnames: {}}}
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: {{VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24, AvailabilityZone: {}}}
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties: {{VpcId: !Ref Vpc, CidrBlock: 10.0.2.0/24, AvailabilityZone: {}}}
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties: {{GroupDescription: mwaa, VpcId: !Ref Vpc}}
  GroupSelf:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {{GroupId: !Ref Group, IpProtocol: '-1', SourceSecurityGroupId: !Ref Group}}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
  Policy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: mwaa
      Roles: [!Ref Role]
      PolicyDocument: {}
{acl}  Env:
    Type: AWS::MWAA::Environment
{}    Properties:
      Name: env
      SourceBucketArn: arn:aws:s3:::dags
      ExecutionRoleArn: !GetAtt Role.Arn
      NetworkConfiguration: {{SubnetIds: [!Ref SubnetA, !Ref SubnetB], SecurityGroupIds: [!Ref Group]}}
",
        n.hostnames,
        n.zones[0],
        n.zones[1],
        n.trust(),
        n.permissions(),
        if n.waits { "    DependsOn: Policy\n" } else { "" },
    )
}

fn terraform(n: &Network) -> String {
    let vpc = |attribute| vec![(attribute, vec!["aws_vpc.main"])];
    let mut resources = vec![
        ("aws_vpc", "main", json!({"cidr_block": "10.0.0.0/16", "enable_dns_support": true, "enable_dns_hostnames": n.hostnames}), vec![]),
        ("aws_subnet", "a", json!({"cidr_block": "10.0.1.0/24", "availability_zone": n.zones[0]}), vpc("vpc_id")),
        ("aws_subnet", "b", json!({"cidr_block": "10.0.2.0/24", "availability_zone": n.zones[1]}), vpc("vpc_id")),
        (
            "aws_security_group",
            "mwaa",
            json!({"name": "mwaa",
                "ingress": [{"protocol": "-1", "from_port": 0, "to_port": 0, "self": true, "cidr_blocks": [], "security_groups": []}],
                "egress": [{"protocol": "-1", "from_port": 0, "to_port": 0, "self": false, "cidr_blocks": ["0.0.0.0/0"], "security_groups": []}]}),
            vpc("vpc_id"),
        ),
        (
            "aws_mwaa_environment",
            "this",
            json!({"name": "env", "source_bucket_arn": "arn:aws:s3:::dags", "network_configuration": [{}]}),
            vec![
                ("network_configuration.0.subnet_ids", vec!["aws_subnet.a", "aws_subnet.b"]),
                ("network_configuration.0.security_group_ids", vec!["aws_security_group.mwaa"]),
                ("execution_role_arn", vec!["aws_iam_role.exec.arn"]),
                ("depends_on", if n.waits { vec!["aws_iam_role_policy.exec"] } else { vec![] }),
            ],
        ),
        ("aws_iam_role", "exec", json!({"assume_role_policy": n.trust()}), vec![]),
        ("aws_iam_role_policy", "exec", json!({"name": "mwaa", "policy": n.permissions()}), vec![("role", vec!["aws_iam_role.exec"])]),
    ];
    if let Some(port) = n.acl_port {
        let rule = |action_port: u16, egress: bool| {
            json!({"rule_no": 100, "protocol": "6", "action": "allow", "cidr_block": "0.0.0.0/0",
                "from_port": if egress { 0 } else { action_port }, "to_port": if egress { 65535 } else { action_port }})
        };
        resources.push((
            "aws_network_acl",
            "acl",
            json!({"ingress": [rule(port, false)], "egress": [rule(port, true)]}),
            vec![("vpc_id", vec!["aws_vpc.main"]), ("subnet_ids", vec!["aws_subnet.a", "aws_subnet.b"])],
        ));
    }
    // Nested attributes are unknown at their own path: the plan's mask and the configuration nest them.
    let mut text: Value = serde_json::from_str(&plan(&resources)).expect("plan");
    nest(&mut text);
    text.to_string()
}

/// `a.0.b` keys of masks and expressions as Terraform nests them.
fn nest(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let dotted: Vec<String> = map.keys().filter(|k| k.contains('.')).cloned().collect();
            for key in dotted {
                let inner = map.remove(&key).unwrap_or(Value::Null);
                let mut slot = &mut *map;
                let parts: Vec<&str> = key.split('.').collect();
                for part in &parts[..parts.len() - 1] {
                    slot = slot.entry(part.to_string()).or_insert_with(|| json!({})).as_object_mut().expect("object");
                }
                slot.insert(parts[parts.len() - 1].to_string(), inner);
            }
            map.values_mut().for_each(nest);
        }
        Value::Array(items) => items.iter_mut().for_each(nest),
        _ => {}
    }
}

/// The report's verdicts: each finding's code and severity, each skipped rule, the number passed.
fn verdicts(args: &[&str]) -> Vec<(String, String)> {
    let output = support::run(&[&["check", "--region", "us-east-1", "--format", "json"], args].concat());
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", support::stderr(&output)));
    let mut found: Vec<(String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (f["code"].as_str().unwrap_or_default().to_string(), f["severity"].as_str().unwrap_or_default().to_string()))
        .collect();
    found.extend(
        report["skipped"].as_array().into_iter().flatten().map(|c| (c["code"].as_str().unwrap_or_default().to_string(), "skipped".into())),
    );
    found.push(("passed".into(), report["summary"]["passed"].to_string()));
    found.sort();
    found
}

const ZONES: [&str; 2] = ["us-east-1a", "us-east-1b"];

#[test]
fn a_network_written_as_a_template_and_as_a_plan_is_judged_the_same() {
    let variants = [
        ("ok", Network::with(true, ZONES, None)),
        ("no-hostnames", Network::with(false, ZONES, None)),
        ("one-zone", Network::with(true, ["us-east-1a", "us-east-1a"], None)),
        ("acl-443", Network::with(true, ZONES, Some(443))),
        ("acl-22", Network::with(true, ZONES, Some(22))),
        ("trusts-one", Network { trusts: &["airflow.amazonaws.com"], ..Network::with(true, ZONES, None) }),
        ("no-logs", Network { allows: &["airflow:PublishMetrics", "s3:*", "sqs:*", "kms:*"], ..Network::with(true, ZONES, None) }),
        ("does-not-wait", Network { waits: false, ..Network::with(true, ZONES, None) }),
    ];
    let mut distinct = std::collections::HashSet::new();
    for (name, network) in variants {
        let yaml = write(&format!("{name}.yaml"), &template(&network));
        let json = write(&format!("{name}.plan.json"), &terraform(&network));
        let from_template = verdicts(&["--template", yaml.to_str().expect("utf-8")]);
        let from_plan = verdicts(&["--terraform-plan", json.to_str().expect("utf-8")]);
        assert!(!from_template.is_empty(), "{name}: no verdicts");
        assert_eq!(from_template, from_plan, "{name}: the template and the plan are judged apart");
        distinct.insert(from_template);
    }
    // The variants change the verdicts (but acl-443, which admits what the environment needs, as ok does):
    // the comparison is not between reports that cannot differ.
    assert_eq!(distinct.len(), 7, "{distinct:?}");
}
