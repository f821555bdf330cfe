//! The writers for infrastructure code. Each action is lowered once into [`Change`]s in CloudFormation's
//! vocabulary (a resource to add, a property to set); the CloudFormation writer prints them as YAML, the
//! Terraform writer through the provider's names for the same types and properties, and `check --fix`
//! applies them to the template itself. IDs are logical IDs or resource addresses, so values that name a
//! resource become references (`!Ref X`, `X.id`).

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::{
    Action, Created, Direction, EndpointKind, EndpointService, Part, Peer, Protocol, Ref, Remedy, Rendered, Replaces, RouteTo, VpcAttribute,
};
use crate::target::Language;
use crate::text::snake_case;

/// How a template is written, so that remediation reads like the file: YAML with the short forms (`!Ref X`),
/// YAML with the long ones (`{Ref: X}`), or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Form {
    #[default]
    YamlShort,
    YamlLong,
    Json,
}

impl Form {
    /// The form of a template's text: JSON when it is an object; YAML's short forms unless the file writes only
    /// long ones.
    pub fn of(text: &str) -> Form {
        if text.trim_start_matches('\u{feff}').trim_start().starts_with('{') {
            return Form::Json;
        }
        let short = ["!Ref ", "!GetAtt ", "!Sub ", "!Select ", "!If "].iter().any(|t| text.contains(t));
        if short || !(text.contains("Ref:") || text.contains("Fn::")) {
            Form::YamlShort
        } else {
            Form::YamlLong
        }
    }
}

/// A value as JSON, intrinsic functions in their long form (`{"Ref": X}`, `{"Fn::GetAtt": [R, A]}`); an AWS
/// ID as text.
pub fn long_form(value: &Val) -> Value {
    let alnum = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric());
    match value {
        Val::Ref(id) => match id.split_once('.') {
            None if alnum(id) => serde_json::json!({"Ref": id}),
            Some((resource, attribute)) if alnum(resource) && alnum(attribute) => serde_json::json!({"Fn::GetAtt": [resource, attribute]}),
            _ => serde_json::json!(id),
        },
        Val::Sub(template) => serde_json::json!({"Fn::Sub": template}),
        Val::Text(text) => serde_json::json!(text),
        Val::Int(n) => serde_json::json!(n),
        Val::Bool(b) => serde_json::json!(b),
        Val::List(items) => Value::Array(items.iter().map(long_form).collect()),
        Val::Json(document) => document.clone(),
    }
}

/// A value on one line in `form`: YAML's short tags, a long-form function as a flow mapping, or JSON.
pub fn inline(value: &Val, form: Form) -> String {
    match (form, long_form(value)) {
        (Form::Json, json) => json.to_string(),
        (Form::YamlLong, function @ Value::Object(_)) if !matches!(value, Val::Json(_)) => function.to_string(),
        (Form::YamlLong, _) | (Form::YamlShort, _) => scalar(value),
    }
}

/// A property's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Text(String),
    Int(i64),
    Bool(bool),
    /// A resource of the code (`X`, an attribute `X.Attr`) or an existing one by its AWS ID.
    Ref(String),
    /// A name built from the stack's pseudo parameters (`com.amazonaws.${AWS::Region}.sqs`).
    Sub(String),
    List(Vec<Val>),
    /// A document (a policy, a NACL entry's port range), as JSON.
    Json(Value),
}

/// One change to the code, in CloudFormation's terms.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Add {
        id: String,
        kind: &'static str,
        properties: Vec<(&'static str, Val)>,
    },
    Set {
        resource: String,
        kind: &'static str,
        property: &'static str,
        value: Val,
    },
    Append {
        resource: String,
        kind: &'static str,
        property: &'static str,
        values: Vec<Val>,
    },
    /// The target of the `AWS::EC2::Route` of `table` to 0.0.0.0/0.
    SetDefaultRouteTarget {
        table: String,
        property: &'static str,
        target: Val,
    },
    /// The table of `subnet`'s `AWS::EC2::SubnetRouteTableAssociation`.
    SetAssociation {
        subnet: String,
        table: Val,
    },
    RemoveRoute {
        table: String,
        destination: String,
    },
    /// What code does not do: a command to run after deployment.
    AfterDeployment(String),
    /// A step for the code's own terms that needs a person (a module's inputs).
    Advice(String),
}

/// The changes each part of `remedy` makes, in order (`None` for prose and inspections).
pub fn changes(remedy: &Remedy, language: Language, names: &BTreeMap<String, String>) -> Vec<Option<Vec<Change>>> {
    let mut lowering = Lowering { language, names, created: HashMap::new() };
    remedy
        .parts
        .iter()
        .map(|part| match part {
            Part::Say(_) => None,
            Part::Do(action) => lowering.lower(action),
        })
        .collect()
}

/// `literal`: what a writer says of an action in its own words instead (the CDK's TypeScript).
pub fn render(
    remedy: &Remedy,
    language: Language,
    names: &BTreeMap<String, String>,
    form: Form,
    literal: &dyn Fn(&Action) -> Option<Rendered>,
) -> Vec<Rendered> {
    let mut writer = Writer { language, names, form, created: HashMap::new() };
    let mut out: Vec<Rendered> = Vec::new();
    for (part, changes) in remedy.parts.iter().zip(changes(remedy, language, names)) {
        match (part, changes) {
            (Part::Say(text), _) => out.push(Rendered::Prose(text.clone())),
            (Part::Do(action), changes) => match (literal(action), changes) {
                (Some(own), _) => out.push(own),
                (None, Some(changes)) => out.extend(writer.write(&changes)),
                // Inspecting what does not exist yet tells nothing: the command goes, and so does its lead-in.
                (None, None) => {
                    if let Some(Rendered::Prose(previous)) = out.last_mut() {
                        *previous = without_lead_in(previous);
                    }
                }
            },
        }
    }
    out.retain(|piece| !piece.text().is_empty());
    out
}

/// "Give X a table; list them:" -> "Give X a table."
fn without_lead_in(line: &str) -> String {
    let Some(body) = line.trim_end().strip_suffix(':') else { return line.to_string() };
    let cut = body.rfind("; ").or_else(|| body.rfind(". ").map(|i| i + 1)).filter(|i| body.len() - i < 24).unwrap_or(body.len());
    format!("{}.", body[..cut].trim_end_matches('.'))
}

/// A name for a new resource from its parts, alphanumeric: a resource address contributes its last part
/// (`module.vpc.aws_subnet.private[0]` -> `Private0`), an AWS ID its characters.
fn logical_id(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|part| {
            let last = if part.contains("aws_") { part.rsplit('.').next().unwrap_or(part) } else { part };
            let alnum: String = last.chars().filter(char::is_ascii_alphanumeric).collect();
            let mut chars = alnum.chars();
            chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

struct Lowering<'n> {
    language: Language,
    names: &'n BTreeMap<String, String>,
    /// The logical ID of each resource the remedy creates so far.
    created: HashMap<Created, String>,
}

impl Lowering<'_> {
    /// A resource's name in the code: its logical ID or address, or the logical ID a step gave it.
    fn name(&self, reference: &Ref) -> String {
        match reference {
            Ref::Id(id) => id.clone(),
            Ref::New { new } => self.created.get(new).cloned().unwrap_or_default(),
        }
    }

    fn val(&self, reference: &Ref) -> Val {
        Val::Ref(self.name(reference))
    }

    fn vals(&self, references: &[Ref]) -> Val {
        Val::List(references.iter().map(|r| self.val(r)).collect())
    }

    /// A new resource's logical ID, from the code's names of the resources it is made of (Terraform's
    /// addresses; a template's logical IDs are names already).
    fn new_id(&self, parts: &[&str]) -> String {
        let named: Vec<&str> = match self.language {
            Language::Terraform => parts.iter().map(|p| self.names.get(*p).map_or(*p, String::as_str)).collect(),
            _ => parts.to_vec(),
        };
        logical_id(&named)
    }

    fn create(&mut self, what: Created, id: &str) {
        self.created.insert(what, id.to_string());
    }

    fn lower(&mut self, action: &Action) -> Option<Vec<Change>> {
        let add = |id: String, kind, properties| Change::Add { id, kind, properties };
        Some(match action {
            Action::AllowTraffic { group, direction, permissions } => {
                let (kind, label, peer_group, peer_list) = match direction {
                    Direction::Ingress => ("AWS::EC2::SecurityGroupIngress", "Ingress", "SourceSecurityGroupId", "SourcePrefixListId"),
                    Direction::Egress => {
                        ("AWS::EC2::SecurityGroupEgress", "Egress", "DestinationSecurityGroupId", "DestinationPrefixListId")
                    }
                };
                let group_name = self.name(group);
                let mut changes = Vec::new();
                for permission in permissions {
                    for peer in &permission.peers {
                        let mut properties = vec![("GroupId", self.val(group))];
                        let port = match permission.protocol {
                            Protocol::All => {
                                properties.push(("IpProtocol", Val::Text("-1".into())));
                                "All".to_string()
                            }
                            Protocol::Tcp { from, to } => {
                                properties.push(("IpProtocol", Val::Text("tcp".into())));
                                properties.push(("FromPort", Val::Int(from.into())));
                                properties.push(("ToPort", Val::Int(to.into())));
                                from.to_string()
                            }
                        };
                        let peer_name = match peer {
                            Peer::Group { group: other, account } => {
                                properties.push((peer_group, self.val(other)));
                                if let (Some(account), Direction::Ingress) = (account, *direction) {
                                    properties.push(("SourceSecurityGroupOwnerId", Val::Text(account.clone())));
                                }
                                self.name(other)
                            }
                            Peer::PrefixList(list) => {
                                properties.push((peer_list, Val::Ref(list.clone())));
                                "PrefixList".to_string()
                            }
                            Peer::Cidr(cidr) => {
                                properties.push(("CidrIp", Val::Text(cidr.clone())));
                                "Cidr".to_string()
                            }
                        };
                        changes.push(add(self.new_id(&[&group_name, label, &peer_name, &port]), kind, properties));
                    }
                }
                changes
            }
            Action::CreateSecurityGroup { vpc, name } => {
                let id = self.new_id(&[name]);
                self.create(Created::SecurityGroup, &id);
                vec![add(id, "AWS::EC2::SecurityGroup", vec![("GroupDescription", Val::Text(name.clone())), ("VpcId", self.val(vpc))])]
            }
            Action::SetVpcAttribute { vpc, attribute } => {
                let property = match attribute {
                    VpcAttribute::DnsSupport => "EnableDnsSupport",
                    VpcAttribute::DnsHostnames => "EnableDnsHostnames",
                };
                vec![Change::Set { resource: self.name(vpc), kind: "AWS::EC2::VPC", property, value: Val::Bool(true) }]
            }
            Action::UseAmazonProvidedDns { vpc } => {
                let options = self.new_id(&[&self.name(vpc), "AmazonDhcpOptions"]);
                vec![
                    add(
                        options.clone(),
                        "AWS::EC2::DHCPOptions",
                        vec![("DomainNameServers", Val::List(vec![Val::Text("AmazonProvidedDNS".into())]))],
                    ),
                    add(
                        self.new_id(&[&options, "Association"]),
                        "AWS::EC2::VPCDHCPOptionsAssociation",
                        vec![("VpcId", self.val(vpc)), ("DhcpOptionsId", Val::Ref(options))],
                    ),
                ]
            }
            Action::CreateEndpoint { vpc, service, kind, subnets, security_groups, route_tables, private_dns } => {
                let (service_value, name) = match service {
                    EndpointService::Named(name) => {
                        let short = name.split('.').skip(3).collect::<Vec<_>>().join(".");
                        let value = match self.language {
                            Language::CloudFormation if name.starts_with("com.amazonaws.") && !short.is_empty() => {
                                Val::Sub(format!("com.amazonaws.${{AWS::Region}}.{short}"))
                            }
                            _ => Val::Text(name.clone()),
                        };
                        (value, logical_id(&short.split('.').collect::<Vec<_>>()))
                    }
                    EndpointService::Attribute(reference) => {
                        let attribute = reference.rsplit_once('.').map_or(reference.as_str(), |(_, a)| a);
                        let what = attribute.trim_end_matches("VpcEndpointService").trim_end_matches("_vpc_endpoint_service");
                        (Val::Ref(reference.clone()), logical_id(&[what]))
                    }
                    EndpointService::OfEnvironment { environment, attribute } => {
                        (Val::Text(format!("{environment} {attribute}")), logical_id(&[attribute.trim_end_matches("VpcEndpointService")]))
                    }
                };
                let kind = match kind {
                    EndpointKind::Interface => "Interface",
                    EndpointKind::Gateway => "Gateway",
                };
                let mut properties =
                    vec![("VpcId", self.val(vpc)), ("ServiceName", service_value), ("VpcEndpointType", Val::Text(kind.into()))];
                for (property, references) in
                    [("SubnetIds", subnets), ("SecurityGroupIds", security_groups), ("RouteTableIds", route_tables)]
                {
                    if !references.is_empty() {
                        properties.push((property, self.vals(references)));
                    }
                }
                if *private_dns {
                    // CloudFormation's default is false, unlike the API's.
                    properties.push(("PrivateDnsEnabled", Val::Bool(true)));
                }
                vec![add(self.new_id(&[&name, "VpcEndpoint"]), "AWS::EC2::VPCEndpoint", properties)]
            }
            Action::EnableEndpointPrivateDns { endpoint } => vec![Change::Set {
                resource: self.name(endpoint),
                kind: "AWS::EC2::VPCEndpoint",
                property: "PrivateDnsEnabled",
                value: Val::Bool(true),
            }],
            Action::ReplaceEndpointPolicy { endpoint, document } => vec![Change::Set {
                resource: self.name(endpoint),
                kind: "AWS::EC2::VPCEndpoint",
                property: "PolicyDocument",
                value: Val::Json(document.clone()),
            }],
            Action::AddEndpointRouteTables { endpoint, route_tables } => vec![Change::Append {
                resource: self.name(endpoint),
                kind: "AWS::EC2::VPCEndpoint",
                property: "RouteTableIds",
                values: route_tables.iter().map(|r| self.val(r)).collect(),
            }],
            Action::AddEndpointSubnets { endpoint, subnets } => vec![Change::Append {
                resource: self.name(endpoint),
                kind: "AWS::EC2::VPCEndpoint",
                property: "SubnetIds",
                values: subnets.iter().map(|r| self.val(r)).collect(),
            }],
            Action::RouteDefault { table, to, replace } => {
                let (property, target) = match to {
                    RouteTo::NatGateway(nat) => ("NatGatewayId", self.val(nat)),
                    RouteTo::InternetGateway(igw) => ("GatewayId", self.val(igw)),
                };
                let table = self.name(table);
                if *replace {
                    vec![Change::SetDefaultRouteTarget { table, property, target }]
                } else {
                    let properties = vec![
                        ("RouteTableId", Val::Ref(table.clone())),
                        ("DestinationCidrBlock", Val::Text("0.0.0.0/0".into())),
                        (property, target),
                    ];
                    vec![add(self.new_id(&[&table, "DefaultRoute"]), "AWS::EC2::Route", properties)]
                }
            }
            Action::DeleteRoute { table, destination } => {
                vec![Change::RemoveRoute { table: self.name(table), destination: destination.clone() }]
            }
            Action::AssociateRouteTable { subnet, table, replaces } => match replaces {
                Replaces::Nothing => {
                    let subnet_name = self.name(subnet);
                    vec![add(
                        self.new_id(&[&subnet_name, "RouteTableAssociation"]),
                        "AWS::EC2::SubnetRouteTableAssociation",
                        vec![("SubnetId", self.val(subnet)), ("RouteTableId", self.val(table))],
                    )]
                }
                Replaces::Association(_) => vec![Change::SetAssociation { subnet: self.name(subnet), table: self.val(table) }],
            },
            Action::CreateRouteTable { vpc } => {
                let id = self.new_id(&[&self.name(vpc), "PrivateRouteTable"]);
                self.create(Created::RouteTable, &id);
                vec![add(id, "AWS::EC2::RouteTable", vec![("VpcId", self.val(vpc))])]
            }
            Action::CreateNatGateway { subnet } => {
                let subnet_name = self.name(subnet);
                let (eip, id) = (self.new_id(&[&subnet_name, "NatEip"]), self.new_id(&[&subnet_name, "NatGateway"]));
                self.create(Created::NatGateway, &id);
                vec![
                    add(eip.clone(), "AWS::EC2::EIP", vec![("Domain", Val::Text("vpc".into()))]),
                    add(
                        id,
                        "AWS::EC2::NatGateway",
                        vec![("SubnetId", self.val(subnet)), ("AllocationId", Val::Ref(format!("{eip}.AllocationId")))],
                    ),
                ]
            }
            Action::CreateInternetGateway { vpc } => {
                let id = "InternetGateway".to_string();
                self.create(Created::InternetGateway, &id);
                vec![
                    add(id.clone(), "AWS::EC2::InternetGateway", Vec::new()),
                    add(
                        "InternetGatewayAttachment".into(),
                        "AWS::EC2::VPCGatewayAttachment",
                        vec![("InternetGatewayId", Val::Ref(id)), ("VpcId", self.val(vpc))],
                    ),
                ]
            }
            Action::AddNetworkAclEntry { acl, egress, rule_number, cidr, from, to } => {
                let acl_name = self.name(acl);
                let properties = vec![
                    ("NetworkAclId", self.val(acl)),
                    ("RuleNumber", Val::Int((*rule_number).into())),
                    ("Protocol", Val::Int(6)),
                    ("RuleAction", Val::Text("allow".into())),
                    ("Egress", Val::Bool(*egress)),
                    ("CidrBlock", Val::Text(cidr.clone())),
                    ("PortRange", Val::Json(serde_json::json!({"From": from, "To": to}))),
                ];
                let id = self.new_id(&[&acl_name, if *egress { "Egress" } else { "Ingress" }, &rule_number.to_string()]);
                vec![add(id, "AWS::EC2::NetworkAclEntry", properties)]
            }
            Action::DisableSourceDestCheck { instance } => vec![Change::Set {
                resource: self.name(instance),
                kind: "AWS::EC2::Instance",
                property: "SourceDestCheck",
                value: Val::Bool(false),
            }],
            Action::AssociateElasticIp { instance } => {
                let name = self.name(instance);
                vec![add(
                    self.new_id(&[&name, "Eip"]),
                    "AWS::EC2::EIP",
                    vec![("Domain", Val::Text("vpc".into())), ("InstanceId", self.val(instance))],
                )]
            }
            Action::NatGatewayPerZone { nat } => {
                let name = self.name(nat);
                let address = self.names.get(&name).map_or(name.as_str(), String::as_str);
                // terraform-aws-modules/vpc names its NAT gateways `module.<name>.aws_nat_gateway.this[i]`.
                let module = address.split_once(".aws_nat_gateway.this").map(|(m, _)| m).filter(|m| m.starts_with("module."));
                match (self.language, module) {
                    (Language::Terraform, Some(module)) => vec![Change::Advice(format!(
                        "If {module} is terraform-aws-modules/vpc: set single_nat_gateway = false and one_nat_gateway_per_az = true in its module block."
                    ))],
                    _ => Vec::new(),
                }
            }
            Action::AcceptEndpointConnections { endpoint } => vec![Change::AfterDeployment(format!(
                "the service owner accepts it: aws ec2 accept-vpc-endpoint-connections --service-id SERVICE_ID --vpc-endpoint-ids {}",
                self.name(endpoint)
            ))],
            Action::DeleteEnvironment { name } => vec![Change::AfterDeployment(format!("aws mwaa delete-environment --name {name}"))],
            Action::AddRolePolicy { role, name, document } => match self.language {
                // Terraform's inline policies are resources of their own (the role's `inline_policy` is deprecated).
                Language::Terraform => {
                    let id = self.new_id(&[&self.name(role), name]);
                    let wait = format!(
                        "Add aws_iam_role_policy.{} to the environment's depends_on, so that it is attached before the environment is created.",
                        snake_case(&id)
                    );
                    let properties = vec![
                        ("RoleName", self.val(role)),
                        ("PolicyName", Val::Text(name.clone())),
                        ("PolicyDocument", Val::Json(document.clone())),
                    ];
                    vec![add(id, "AWS::IAM::RolePolicy", properties), Change::Advice(wait)]
                }
                _ => vec![Change::Append {
                    resource: self.name(role),
                    kind: "AWS::IAM::Role",
                    property: "Policies",
                    values: vec![Val::Json(serde_json::json!({"PolicyName": name, "PolicyDocument": document}))],
                }],
            },
            Action::SetTrustPolicy { role, document } => vec![Change::Set {
                resource: self.name(role),
                kind: "AWS::IAM::Role",
                property: "AssumeRolePolicyDocument",
                value: Val::Json(document.clone()),
            }],
            Action::AddKeyPolicyStatement { key, statement } => {
                let pretty = serde_json::to_string_pretty(statement).unwrap_or_default();
                let policy = match self.language {
                    Language::Terraform => "policy",
                    _ => "KeyPolicy",
                };
                vec![Change::Advice(format!("Add to the Statement list of {}'s {policy}:\n{pretty}", self.name(key)))]
            }
            Action::EnableBucketVersioning { bucket } => match self.language {
                // The provider's bucket versioning is a resource of its own (the bucket's `versioning` is deprecated).
                Language::Terraform => vec![Change::Advice(format!(
                    "Add:\nresource \"aws_s3_bucket_versioning\" \"{}\" {{\n  bucket = {}.id\n  versioning_configuration {{\n    status = \"Enabled\"\n  }}\n}}",
                    snake_case(&self.new_id(&[&self.name(bucket), "Versioning"])),
                    self.name(bucket)
                ))],
                _ => vec![Change::Set {
                    resource: self.name(bucket),
                    kind: "AWS::S3::Bucket",
                    property: "VersioningConfiguration",
                    value: Val::Json(serde_json::json!({"Status": "Enabled"})),
                }],
            },
            Action::BlockBucketPublicAccess { bucket, block } => match (self.language, block) {
                (Language::Terraform, Some(block)) => vec![Change::Advice(format!(
                    "In {}, set block_public_acls, ignore_public_acls, block_public_policy and restrict_public_buckets to true.",
                    self.name(block)
                ))],
                (Language::Terraform, None) => vec![Change::Advice(format!(
                    "Add:\nresource \"aws_s3_bucket_public_access_block\" \"{}\" {{\n  bucket                  = {}.id\n  block_public_acls       = true\n  ignore_public_acls      = true\n  block_public_policy     = true\n  restrict_public_buckets = true\n}}",
                    snake_case(&self.new_id(&[&self.name(bucket), "PublicAccessBlock"])),
                    self.name(bucket)
                ))],
                _ => vec![Change::Set {
                    resource: self.name(bucket),
                    kind: "AWS::S3::Bucket",
                    property: "PublicAccessBlockConfiguration",
                    value: Val::Json(serde_json::json!({"BlockPublicAcls": true, "IgnorePublicAcls": true,
                        "BlockPublicPolicy": true, "RestrictPublicBuckets": true})),
                }],
            },
            Action::AddDependsOn { resource, on } => {
                let names: Vec<String> = on.iter().map(|r| self.name(r)).collect();
                vec![Change::Advice(match self.language {
                    Language::Terraform => format!("In {}, add depends_on = [{}].", self.name(resource), names.join(", ")),
                    _ => format!("Give {} DependsOn: [{}].", self.name(resource), names.join(", ")),
                })]
            }
            Action::Inspect { .. } => return None,
        })
    }
}

/// Writes changes as CloudFormation YAML or Terraform HCL.
struct Writer<'n> {
    language: Language,
    names: &'n BTreeMap<String, String>,
    /// How the template is written (CloudFormation only).
    form: Form,
    /// Resources this remedy adds (logical ID -> CloudFormation type), for references to them.
    created: HashMap<String, &'static str>,
}

/// Terraform's text for `check --fix`: new resource blocks and argument values, written as the remediation
/// writes them.
pub struct Hcl<'n>(Writer<'n>);

impl<'n> Hcl<'n> {
    /// `earlier`: the finding's changes before the one written, whose new resources it may refer to.
    pub fn new(names: &'n BTreeMap<String, String>, earlier: &[Change]) -> Self {
        let mut writer = Writer { language: Language::Terraform, names, form: Form::YamlShort, created: HashMap::new() };
        for change in earlier {
            if let Change::Add { id, kind, .. } = change {
                writer.created.insert(id.clone(), kind);
            }
        }
        Hcl(writer)
    }

    /// `resource "type" "name" { ... }`.
    pub fn block(&self, id: &str, kind: &str, properties: &[(&'static str, Val)]) -> String {
        self.0.resource(id, kind, properties)
    }

    pub fn value(&self, value: &Val) -> String {
        self.0.hcl(value)
    }

    /// A CloudFormation property's Terraform argument.
    pub fn argument(&self, kind: &str, property: &str) -> String {
        self.0.property(kind, property)
    }

    /// A CloudFormation type's Terraform resource type, and a new resource's name.
    pub fn resource_type(kind: &str) -> Option<&'static str> {
        terraform(kind).map(|(_, tf, _)| *tf)
    }

    pub fn name(id: &str) -> String {
        snake_case(id)
    }
}

/// A CloudFormation type, the Terraform resource type, and their property -> argument names.
type Mapping = (&'static str, &'static str, &'static [(&'static str, &'static str)]);

/// CloudFormation's types and properties as the Terraform AWS provider names them.
const TERRAFORM: [Mapping; 18] = [
    ("AWS::IAM::Role", "aws_iam_role", &[("AssumeRolePolicyDocument", "assume_role_policy")]),
    ("AWS::IAM::RolePolicy", "aws_iam_role_policy", &[("RoleName", "role"), ("PolicyName", "name"), ("PolicyDocument", "policy")]),
    (
        "AWS::EC2::SecurityGroupIngress",
        "aws_vpc_security_group_ingress_rule",
        &[
            ("GroupId", "security_group_id"),
            ("IpProtocol", "ip_protocol"),
            ("SourceSecurityGroupId", "referenced_security_group_id"),
            ("SourcePrefixListId", "prefix_list_id"),
            ("CidrIp", "cidr_ipv4"),
        ],
    ),
    (
        "AWS::EC2::SecurityGroupEgress",
        "aws_vpc_security_group_egress_rule",
        &[
            ("GroupId", "security_group_id"),
            ("IpProtocol", "ip_protocol"),
            ("DestinationSecurityGroupId", "referenced_security_group_id"),
            ("DestinationPrefixListId", "prefix_list_id"),
            ("CidrIp", "cidr_ipv4"),
        ],
    ),
    ("AWS::EC2::SecurityGroup", "aws_security_group", &[("GroupDescription", "description")]),
    ("AWS::EC2::Route", "aws_route", &[]),
    ("AWS::EC2::NetworkAclEntry", "aws_network_acl_rule", &[("CidrBlock", "cidr_block")]),
    (
        "AWS::EC2::VPCEndpoint",
        "aws_vpc_endpoint",
        &[
            ("SubnetIds", "subnet_ids"),
            ("SecurityGroupIds", "security_group_ids"),
            ("RouteTableIds", "route_table_ids"),
            ("PolicyDocument", "policy"),
        ],
    ),
    ("AWS::EC2::SubnetRouteTableAssociation", "aws_route_table_association", &[]),
    ("AWS::EC2::RouteTable", "aws_route_table", &[]),
    ("AWS::EC2::EIP", "aws_eip", &[("InstanceId", "instance")]),
    ("AWS::EC2::Instance", "aws_instance", &[]),
    ("AWS::EC2::NatGateway", "aws_nat_gateway", &[]),
    ("AWS::EC2::InternetGateway", "aws_internet_gateway", &[]),
    ("AWS::EC2::VPCGatewayAttachment", "aws_internet_gateway_attachment", &[]),
    ("AWS::EC2::VPC", "aws_vpc", &[]),
    ("AWS::EC2::DHCPOptions", "aws_vpc_dhcp_options", &[]),
    ("AWS::EC2::VPCDHCPOptionsAssociation", "aws_vpc_dhcp_options_association", &[]),
];

fn terraform(kind: &str) -> Option<&'static Mapping> {
    TERRAFORM.iter().find(|(cfn, _, _)| *cfn == kind)
}

impl Writer<'_> {
    /// One action's changes: the resources it adds under one heading, as one block of code; an edit as its
    /// sentence, and the value below it as code when it spans lines.
    fn write(&mut self, changes: &[Change]) -> Vec<Rendered> {
        let mut out = Vec::new();
        let mut adding = false;
        for change in changes {
            if let Change::Add { id, kind, .. } = change {
                self.created.insert(id.clone(), kind);
            }
            match change {
                Change::Add { id, kind, properties } => {
                    let block = self.resource(id, kind, properties);
                    match out.last_mut() {
                        Some(Rendered::Code(previous)) if adding => {
                            previous.push('\n');
                            previous.push_str(&block);
                        }
                        _ => {
                            let heading = if self.language == Language::Terraform { "Add:" } else { "Add to Resources:" };
                            out.push(Rendered::Prose(heading.to_string()));
                            out.push(Rendered::Code(block));
                        }
                    }
                    adding = true;
                }
                other => {
                    adding = false;
                    let text = self.edit(other);
                    match text.split_once('\n') {
                        Some((sentence, value)) => {
                            out.push(Rendered::Prose(sentence.to_string()));
                            out.push(Rendered::Code(value.to_string()));
                        }
                        None => out.push(Rendered::Prose(text)),
                    }
                }
            }
        }
        out
    }

    fn after(&self) -> &'static str {
        match self.language {
            Language::Terraform => "After the apply",
            _ => "After the stack is created",
        }
    }

    fn kind(&self, kind: &str) -> String {
        match (self.language, terraform(kind)) {
            (Language::Terraform, Some((_, tf, _))) => (*tf).to_string(),
            _ => kind.to_string(),
        }
    }

    fn property(&self, kind: &str, property: &str) -> String {
        match self.language {
            Language::Terraform => terraform(kind)
                .and_then(|(_, _, props)| props.iter().find(|(p, _)| *p == property))
                .map_or_else(|| snake_case(property), |(_, tf)| (*tf).to_string()),
            _ => property.to_string(),
        }
    }

    /// A resource of the code by its name there.
    fn display(&self, id: &str) -> String {
        self.names.get(id).cloned().unwrap_or_else(|| id.to_string())
    }

    /// `Property: value` (YAML) or `argument = value` (HCL).
    fn assignment(&self, kind: &str, property: &str, value: &Val) -> String {
        match (self.language, self.form, value) {
            (Language::Terraform, _, _) => format!("set {} = {}", self.property(kind, property), self.hcl(value)),
            (_, Form::Json, _) => format!("set \"{property}\": {}", pretty(&long_form(value), "")),
            (_, _, Val::List(_) | Val::Json(_)) => format!("set {property}:\n{}", self.block(value, 2)),
            _ => format!("set {property}: {}", inline(value, self.form)),
        }
    }

    /// A list or a document below its key, `indent` deep, in the template's form.
    fn block(&self, value: &Val, indent: usize) -> String {
        match (self.form, value) {
            (Form::YamlLong, Val::List(items)) if !items.is_empty() => {
                items.iter().map(|item| format!("{}- {}", " ".repeat(indent), inline(item, self.form))).collect::<Vec<_>>().join("\n")
            }
            _ => yaml(value, indent),
        }
    }

    fn resource(&self, id: &str, kind: &str, properties: &[(&'static str, Val)]) -> String {
        match self.language {
            Language::Terraform => {
                let pairs: Vec<(String, String)> = properties
                    .iter()
                    .flat_map(|(property, value)| match (*property, value) {
                        // A NACL entry's port range is two arguments.
                        ("PortRange", Val::Json(range)) => {
                            vec![("from_port".to_string(), range["From"].to_string()), ("to_port".to_string(), range["To"].to_string())]
                        }
                        _ => vec![(self.property(kind, property), self.hcl(value))],
                    })
                    .collect();
                // Equals signs aligned, as `terraform fmt` writes them.
                let width = pairs.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
                let arguments: Vec<String> = pairs.iter().map(|(name, value)| format!("  {name:width$} = {value}\n")).collect();
                format!("resource \"{}\" \"{}\" {{\n{}}}", self.kind(kind), snake_case(id), arguments.concat())
            }
            _ if self.form == Form::Json => {
                let body = if properties.is_empty() {
                    String::new()
                } else {
                    let map: serde_json::Map<String, Value> = properties.iter().map(|(p, v)| (p.to_string(), long_form(v))).collect();
                    format!(",\n  \"Properties\": {}", pretty(&Value::Object(map), "  "))
                };
                format!("\"{id}\": {{\n  \"Type\": {}{body}\n}}", Value::String(kind.to_string()))
            }
            _ => {
                let body = if properties.is_empty() {
                    String::new()
                } else {
                    let lines: Vec<String> = properties.iter().map(|(property, value)| self.entry(property, value, 6)).collect();
                    format!("\n    Properties:\n{}", lines.join("\n"))
                };
                format!("  {id}:\n    Type: {kind}{body}")
            }
        }
    }

    fn edit(&self, change: &Change) -> String {
        match change {
            Change::Add { .. } => String::new(),
            Change::Set { resource, kind, property, value } => {
                format!("In {} ({}), {}", self.display(resource), self.kind(kind), self.assignment(kind, property, value))
            }
            Change::Append { resource, kind, property, values } => {
                let list = Val::List(values.clone());
                let list = match (self.language, self.form) {
                    (Language::Terraform, _) => format!(" {}", self.hcl(&list)),
                    (_, Form::Json) => format!(" {}", long_form(&list)),
                    _ => format!("\n{}", self.block(&list, 2)),
                };
                format!("In {} ({}), add to {}:{list}", self.display(resource), self.kind(kind), self.property(kind, property))
            }
            Change::SetDefaultRouteTarget { table, property, target } => {
                let kind = "AWS::EC2::Route";
                format!(
                    "In the {} of {} to 0.0.0.0/0, {} (and remove any other target)",
                    self.kind(kind),
                    self.display(table),
                    self.assignment(kind, property, target)
                )
            }
            Change::SetAssociation { subnet, table } => {
                let kind = "AWS::EC2::SubnetRouteTableAssociation";
                format!("In the {} of {}, {}", self.kind(kind), self.display(subnet), self.assignment(kind, "RouteTableId", table))
            }
            Change::RemoveRoute { table, destination } => {
                format!(
                    "Remove the {} of {} to {destination} (or that entry of its routes).",
                    self.kind("AWS::EC2::Route"),
                    self.display(table)
                )
            }
            Change::AfterDeployment(command) => format!("{}: {command}", self.after()),
            Change::Advice(text) => text.clone(),
        }
    }

    /// A value in HCL: references as expressions (`aws_subnet.private[0].id`, `aws_eip.x.id`), AWS IDs
    /// and other text quoted.
    fn hcl(&self, value: &Val) -> String {
        match value {
            Val::Ref(id) => self.hcl_reference(id),
            Val::Text(text) | Val::Sub(text) => Value::String(text.clone()).to_string(),
            Val::Int(n) => n.to_string(),
            Val::Bool(b) => b.to_string(),
            Val::List(items) => format!("[{}]", items.iter().map(|i| self.hcl(i)).collect::<Vec<_>>().join(", ")),
            Val::Json(document) => format!("jsonencode({})", serde_json::to_string_pretty(document).unwrap_or_default()),
        }
    }

    fn hcl_reference(&self, id: &str) -> String {
        let id = self.names.get(id).map_or(id, String::as_str);
        // A resource this remedy adds (`X.AllocationId` of a new EIP is its `.id` in Terraform too).
        let resource = id.split_once('.').map(|(r, _)| r).filter(|r| self.created.contains_key(*r)).unwrap_or(id);
        if let Some(kind) = self.created.get(resource) {
            return format!("{}.{}.id", self.kind(kind), snake_case(resource));
        }
        // What a VPC brings (`<vpc address>.DefaultSecurityGroup`), as the VPC's attribute.
        for (suffix, attribute) in [
            (".DefaultSecurityGroup", "default_security_group_id"),
            (".DefaultNetworkAcl", "default_network_acl_id"),
            (".MainRouteTable", "main_route_table_id"),
        ] {
            if let Some(vpc) = id.strip_suffix(suffix) {
                return if vpc.contains("aws_") { format!("{vpc}.{attribute}") } else { format!("\"{vpc}\" # {attribute}") };
            }
        }
        // An attribute that is itself the value (the environment's endpoint service).
        if id.ends_with("_vpc_endpoint_service") {
            return id.to_string();
        }
        if id.contains("aws_") {
            format!("{id}.id")
        } else {
            Value::String(id.to_string()).to_string()
        }
    }
}

impl Writer<'_> {
    /// `Property: value` at `indent`, its block below it when it is a list or a document.
    fn entry(&self, property: &str, value: &Val, indent: usize) -> String {
        let pad = " ".repeat(indent);
        match value {
            Val::List(items) if !items.is_empty() => format!("{pad}{property}:\n{}", self.block(value, indent + 2)),
            Val::Json(Value::Object(map)) if !map.is_empty() => format!("{pad}{property}:\n{}", yaml(value, indent + 2)),
            other => format!("{pad}{property}: {}", inline(other, self.form)),
        }
    }
}

/// Pretty JSON (two spaces), its lines after the first continuing at `pad`.
pub fn pretty(value: &Value, pad: &str) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()).replace('\n', &format!("\n{pad}"))
}

/// A list or a document as block YAML, `indent` spaces deep.
pub fn yaml(value: &Val, indent: usize) -> String {
    match value {
        Val::List(items) if !items.is_empty() => {
            let pad = " ".repeat(indent);
            let item = |item: &Val| match item {
                Val::Json(document @ Value::Object(map)) if !map.is_empty() => {
                    format!("{pad}- {}", json_yaml(document, indent + 2).trim_start())
                }
                other => format!("{pad}- {}", scalar(other)),
            };
            items.iter().map(item).collect::<Vec<_>>().join("\n")
        }
        Val::Json(document) => json_yaml(document, indent),
        other => format!("{}{}", " ".repeat(indent), scalar(other)),
    }
}

fn json_yaml(value: &Value, indent: usize) -> String {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => ordered(map)
            .into_iter()
            .map(|(k, v)| match v {
                Value::Object(m) if !m.is_empty() => format!("{pad}{k}:\n{}", json_yaml(v, indent + 2)),
                Value::Array(a) if !a.is_empty() => format!("{pad}{k}:\n{}", json_yaml(v, indent + 2)),
                other => format!("{pad}{k}: {}", json_scalar(other)),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|item| match item {
                Value::Object(m) if !m.is_empty() => format!("{pad}- {}", json_yaml(item, indent + 2).trim_start()),
                other => format!("{pad}- {}", json_scalar(other)),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        other => format!("{pad}{}", json_scalar(other)),
    }
}

/// A policy's keys as policies are written: Version and Sid first, then the rest in name order.
fn ordered(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    const FIRST: [&str; 2] = ["Version", "Sid"];
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by_key(|(k, _)| FIRST.iter().position(|f| f == k).unwrap_or(FIRST.len()));
    entries
}

/// A value on one line of YAML: references as tags, text plain where YAML reads it back as the same text.
pub fn scalar(value: &Val) -> String {
    match value {
        Val::Ref(id) => {
            let alnum = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric());
            match id.split_once('.') {
                None if alnum(id) => format!("!Ref {id}"),
                Some((resource, attribute)) if alnum(resource) && alnum(attribute) => format!("!GetAtt {id}"),
                // An AWS ID: an existing resource, written as it is.
                _ => text(id),
            }
        }
        Val::Sub(template) => format!("!Sub {template}"),
        Val::Text(s) => text(s),
        Val::Int(n) => n.to_string(),
        Val::Bool(b) => b.to_string(),
        Val::List(_) => "[]".into(),
        Val::Json(document) => json_scalar(document),
    }
}

fn json_scalar(value: &Value) -> String {
    match value {
        Value::String(s) => text(s),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => other.to_string(),
    }
}

/// Plain where YAML reads it back as the same text; quoted (JSON style) where it would not: numbers, dates
/// (`2012-10-17`), booleans and null words, and anything with YAML's punctuation.
fn text(s: &str) -> String {
    const WORDS: [&str; 10] = ["true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"];
    let plain = !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c))
        && s.parse::<f64>().is_err()
        && !s.starts_with(|c: char| c.is_ascii_digit() || c == '-')
        && !WORDS.contains(&s.to_ascii_lowercase().as_str());
    if plain {
        s.to_string()
    } else {
        Value::String(s.to_string()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remedy::Permission;

    fn self_reference(group: &str) -> Remedy {
        let group = Ref::id(group);
        Remedy::say("Add the self-referencing rule AWS documents:").then(Action::AllowTraffic {
            group: group.clone(),
            direction: Direction::Ingress,
            permissions: vec![Permission { protocol: Protocol::All, peers: vec![Peer::Group { group, account: None }] }],
        })
    }

    fn nat_route(subnet: &str, table: &str) -> Remedy {
        Remedy::action(Action::CreateNatGateway { subnet: Ref::id(subnet) }).then(Action::RouteDefault {
            table: Ref::id(table),
            to: RouteTo::NatGateway(Ref::New { new: Created::NatGateway }),
            replace: false,
        })
    }

    #[test]
    fn actions_become_template_changes() {
        let cfn = |remedy: &Remedy| Rendered::join(&render(remedy, Language::CloudFormation, &BTreeMap::new(), Form::YamlShort, &|_| None));
        assert_eq!(
            cfn(&self_reference("SecurityGroup")),
            "Add the self-referencing rule AWS documents:\nAdd to Resources:\n  SecurityGroupIngressSecurityGroupAll:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !Ref SecurityGroup\n      IpProtocol: \"-1\"\n      SourceSecurityGroupId: !Ref SecurityGroup"
        );
        let dns = Remedy::action(Action::SetVpcAttribute { vpc: Ref::id("VPC"), attribute: VpcAttribute::DnsSupport });
        assert_eq!(cfn(&dns), "In VPC (AWS::EC2::VPC), set EnableDnsSupport: true");
        let nat = cfn(&nat_route("PublicSubnet1", "PrivateRouteTable1"));
        assert!(nat.contains("Type: AWS::EC2::NatGateway") && nat.contains("NatGatewayId: !Ref PublicSubnet1NatGateway"), "{nat}");
        assert!(nat.contains("AllocationId: !GetAtt PublicSubnet1NatEip.AllocationId"), "{nat}");
        let dhcp = cfn(&Remedy::action(Action::UseAmazonProvidedDns { vpc: Ref::id("VPC") }));
        assert!(
            dhcp.contains("Type: AWS::EC2::VPCDHCPOptionsAssociation") && dhcp.contains("DhcpOptionsId: !Ref VPCAmazonDhcpOptions"),
            "{dhcp}"
        );
        let inspect =
            Remedy::say("Pick a subnet in another AZ; list them:").then(Action::Inspect { command: "aws ec2 describe-subnets".into() });
        assert_eq!(cfn(&inspect), "Pick a subnet in another AZ.");
    }

    #[test]
    fn template_changes_are_written_in_the_template_s_own_form() {
        let in_form = |remedy: &Remedy, form| Rendered::join(&render(remedy, Language::CloudFormation, &BTreeMap::new(), form, &|_| None));
        let endpoint = Remedy::action(Action::CreateEndpoint {
            vpc: Ref::id("VPC"),
            service: EndpointService::Named("com.amazonaws.us-east-1.sqs".into()),
            kind: EndpointKind::Interface,
            subnets: vec![Ref::id("PrivateSubnet1")],
            security_groups: vec![Ref::id("SecurityGroup")],
            route_tables: Vec::new(),
            private_dns: true,
        });
        let long = in_form(&endpoint, Form::YamlLong);
        assert!(long.contains("      VpcId: {\"Ref\":\"VPC\"}\n") && long.contains("        - {\"Ref\":\"PrivateSubnet1\"}"), "{long}");
        assert!(long.contains("ServiceName: {\"Fn::Sub\":\"com.amazonaws.${AWS::Region}.sqs\"}"), "{long}");
        let json = in_form(&endpoint, Form::Json);
        let member = json.trim_start_matches("Add to Resources:\n");
        let parsed: Value = serde_json::from_str(&format!("{{{member}}}")).expect("a JSON member");
        assert_eq!(parsed["SqsVpcEndpoint"]["Type"], "AWS::EC2::VPCEndpoint");
        assert_eq!(parsed["SqsVpcEndpoint"]["Properties"]["SubnetIds"][0]["Ref"], "PrivateSubnet1");
        let dns = Remedy::action(Action::SetVpcAttribute { vpc: Ref::id("VPC"), attribute: VpcAttribute::DnsSupport });
        assert_eq!(in_form(&dns, Form::Json), "In VPC (AWS::EC2::VPC), set \"EnableDnsSupport\": true");
        assert_eq!(Form::of("{\n  \"Resources\": {}\n}"), Form::Json);
        assert_eq!(Form::of("Resources:\n  A:\n    Properties:\n      X:\n        Ref: B\n"), Form::YamlLong);
        assert_eq!(Form::of("Resources:\n  A:\n    Properties:\n      X: !Ref B\n"), Form::YamlShort);
    }

    #[test]
    fn actions_become_terraform_changes() {
        let names = BTreeMap::from([("rtb-0a1b2c3d".to_string(), "aws_route_table.private[1]".to_string())]);
        let tf = |remedy: &Remedy| Rendered::join(&render(remedy, Language::Terraform, &names, Form::YamlShort, &|_| None));
        assert_eq!(
            tf(&self_reference("module.mwaa.aws_security_group.this[0]")),
            "Add the self-referencing rule AWS documents:\nAdd:\nresource \"aws_vpc_security_group_ingress_rule\" \"this0_ingress_this0_all\" {\n  security_group_id            = module.mwaa.aws_security_group.this[0].id\n  ip_protocol                  = \"-1\"\n  referenced_security_group_id = module.mwaa.aws_security_group.this[0].id\n}"
        );
        let dns = Remedy::action(Action::SetVpcAttribute { vpc: Ref::id("aws_vpc.main"), attribute: VpcAttribute::DnsHostnames });
        assert_eq!(tf(&dns), "In aws_vpc.main (aws_vpc), set enable_dns_hostnames = true");
        let nat = tf(&nat_route("subnet-0a1b2c3d", "rtb-0a1b2c3d"));
        assert!(nat.contains("resource \"aws_nat_gateway\"") && nat.contains("allocation_id = aws_eip.subnet0a1b2c3d_nat_eip.id"), "{nat}");
        assert!(
            nat.contains("nat_gateway_id         = aws_nat_gateway.subnet0a1b2c3d_nat_gateway.id")
                && nat.contains("route_table_id         = aws_route_table.private[1].id"),
            "{nat}"
        );
        let hint = tf(&Remedy::action(Action::NatGatewayPerZone { nat: Ref::id("module.vpc.aws_nat_gateway.this[0]") }));
        assert!(hint.starts_with("If module.vpc is terraform-aws-modules/vpc"), "{hint}");
    }
}
