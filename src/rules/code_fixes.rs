//! Remediation in the language of the code that creates the network: a rule writes the AWS CLI commands
//! that repair it, and for a CloudFormation template or a Terraform configuration each command becomes the
//! change to that code that does the same: a resource to add, or a property (argument) to set. IDs are
//! logical IDs or resource addresses, so they become references (`!Ref X`, `X.id`).

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use crate::target::Language;

/// `remediation` with each `aws ec2 ...` command rewritten as a change to the code; prose is kept. `names`:
/// the resource address of each existing resource's AWS ID (Terraform), so that changes refer to the code.
pub fn translate(remediation: &str, language: Language, names: &BTreeMap<String, String>) -> String {
    let mut render = Render { language, created: HashMap::new(), names };
    let mut variables: HashMap<String, String> = HashMap::new();
    let mut out: Vec<String> = Vec::new();
    for line in remediation.lines() {
        // `nat=$(aws ec2 create-nat-gateway ...)`: the created resource is named, and "$nat" refers to it.
        let (variable, command) = match line.split_once("=$(aws ec2 ") {
            Some((name, rest)) if name.chars().all(|c| c.is_ascii_alphanumeric()) => (Some(name), rest.strip_suffix(')').unwrap_or(rest)),
            _ => (None, line.strip_prefix("aws ec2 ").unwrap_or("")),
        };
        if command.is_empty() {
            out.push(line.to_string());
            continue;
        }
        if command.starts_with("describe-") {
            // Inspecting what does not exist yet tells nothing: the command goes, and so does its lead-in.
            if let Some(previous) = out.last_mut() {
                *previous = without_lead_in(previous);
            }
            continue;
        }
        let command = variables.iter().fold(command.to_string(), |text, (name, id)| text.replace(&format!("\"${name}\""), id));
        let words = split(&command);
        let (Some(operation), args) = (words.first(), Args::new(&words[1.min(words.len())..])) else { continue };
        match change(&mut render, operation, &args) {
            Some(Change::Resource { id, text }) => {
                if let Some(name) = variable {
                    variables.insert(name.to_string(), id);
                }
                out.push(text);
            }
            Some(Change::Set(text)) => out.push(text),
            Some(Change::Nothing) => {}
            None => out.push(format!("{}: {line}", render.after())),
        }
    }
    out.join("\n")
}

/// What a finding's remediation adds in the code's own terms beyond its commands: the NAT-per-AZ switch of
/// the terraform-aws-modules/vpc module, whose NAT gateways are `module.<name>.aws_nat_gateway.this[i]`.
pub fn module_hint(code: &str, resource: Option<&str>, language: Language, names: &BTreeMap<String, String>) -> Option<String> {
    let resource = resource?;
    let address = names.get(resource).map_or(resource, String::as_str);
    let module =
        address.split(".aws_nat_gateway.this").next().filter(|m| m.starts_with("module.") && address.contains(".aws_nat_gateway.this"))?;
    (code == "RT003" && language == Language::Terraform).then(|| {
        format!("If {module} is terraform-aws-modules/vpc: set single_nat_gateway = false and one_nat_gateway_per_az = true in its module block.")
    })
}

/// "Give X a table; list them:" -> "Give X a table."
fn without_lead_in(line: &str) -> String {
    let Some(body) = line.trim_end().strip_suffix(':') else { return line.to_string() };
    let cut = body.rfind("; ").or_else(|| body.rfind(". ").map(|i| i + 1)).filter(|i| body.len() - i < 24).unwrap_or(body.len());
    format!("{}.", body[..cut].trim_end_matches('.'))
}

enum Change {
    /// A resource to add under `Resources`, with its logical ID.
    Resource { id: String, text: String },
    /// A property to set on an existing resource.
    Set(String),
    /// A step a template does not need (waiting for a resource).
    Nothing,
}

/// Words of a command line: spaces separate, single and double quotes group.
fn split(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut started = false;
    for c in line.chars() {
        match (quote, c) {
            (None, ' ') => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (Some(q), c) if c == q => quote = None,
            (_, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

/// `--name value...` pairs; a flag without a value is `true`.
struct Args(Vec<(String, Vec<String>)>);

impl Args {
    fn new(words: &[String]) -> Self {
        let mut args: Vec<(String, Vec<String>)> = Vec::new();
        for word in words {
            match word.strip_prefix("--") {
                Some(name) => args.push((name.to_string(), Vec::new())),
                None => {
                    if let Some((_, values)) = args.last_mut() {
                        values.push(word.clone());
                    }
                }
            }
        }
        Self(args)
    }

    fn one(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.first()).map(String::as_str)
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }
}

/// A reference to a resource by its ID, written by the renderer in its language.
fn reference(id: &str) -> Value {
    Value::String(format!("!Ref {id}"))
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

fn change(render: &mut Render<'_>, operation: &str, args: &Args) -> Option<Change> {
    Some(match operation {
        "authorize-security-group-ingress" | "authorize-security-group-egress" => {
            let egress = operation.ends_with("egress");
            let group = args.one("group-id")?;
            let permissions: Vec<Value> = match args.one("ip-permissions") {
                Some(json) if json.starts_with('[') || json.starts_with('{') => match serde_json::from_str::<Value>(json).ok()? {
                    Value::Array(items) => items,
                    one => vec![one],
                },
                // The shorthand `IpProtocol=-1,UserIdGroupPairs=[{GroupId=sg}]` (the self-reference).
                Some(shorthand) if shorthand.starts_with("IpProtocol=-1,UserIdGroupPairs") => {
                    vec![json!({"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group}]})]
                }
                Some(_) => return None,
                None => {
                    let mut p = json!({"IpProtocol": args.one("protocol")?});
                    if let Some(port) = args.one("port").and_then(|p| p.parse::<i64>().ok()) {
                        p["FromPort"] = json!(port);
                        p["ToPort"] = json!(port);
                    }
                    if let Some(source) = args.one("source-group") {
                        p["UserIdGroupPairs"] = json!([{"GroupId": source}]);
                    }
                    if let Some(cidr) = args.one("cidr") {
                        p["IpRanges"] = json!([{"CidrIp": cidr}]);
                    }
                    vec![p]
                }
            };
            let kind = if egress { "AWS::EC2::SecurityGroupEgress" } else { "AWS::EC2::SecurityGroupIngress" };
            let mut texts = Vec::new();
            let mut last = String::new();
            for p in permissions {
                let mut properties = Map::new();
                properties.insert("GroupId".into(), reference(group));
                properties.insert("IpProtocol".into(), p["IpProtocol"].clone());
                for port in ["FromPort", "ToPort"] {
                    if !p[port].is_null() {
                        properties.insert(port.into(), p[port].clone());
                    }
                }
                let (peer_group, peer_list) = if egress {
                    ("DestinationSecurityGroupId", "DestinationPrefixListId")
                } else {
                    ("SourceSecurityGroupId", "SourcePrefixListId")
                };
                let mut peer = "";
                if let Some(other) = p["UserIdGroupPairs"][0]["GroupId"].as_str() {
                    properties.insert(peer_group.into(), reference(other));
                    peer = other;
                } else if let Some(list) = p["PrefixListIds"][0]["PrefixListId"].as_str() {
                    properties.insert(peer_list.into(), reference(list));
                    peer = "PrefixList";
                } else if let Some(cidr) = p["IpRanges"][0]["CidrIp"].as_str() {
                    properties.insert("CidrIp".into(), json!(cidr));
                    peer = "Cidr";
                }
                let port = p["FromPort"].as_i64().map(|n| n.to_string()).unwrap_or_else(|| "All".into());
                let direction = if egress { "Egress" } else { "Ingress" };
                let id = render.logical_id(&[group, direction, peer, &port]);
                let Change::Resource { text, id } = render.resource(id, kind, Value::Object(properties)) else { continue };
                texts.push(text);
                last = id;
            }
            Change::Resource { id: last, text: texts.join("\n") }
        }
        "modify-vpc-attribute" => {
            let vpc = args.one("vpc-id")?;
            let property = if args.has("enable-dns-support") { "EnableDnsSupport" } else { "EnableDnsHostnames" };
            render.set(vpc, "AWS::EC2::VPC", property, &json!(true))
        }
        "modify-vpc-endpoint" => {
            let endpoint = args.one("vpc-endpoint-id")?;
            let kind = "AWS::EC2::VPCEndpoint";
            if args.has("private-dns-enabled") {
                return Some(render.set(endpoint, kind, "PrivateDnsEnabled", &json!(true)));
            }
            if let Some(document) = args.one("policy-document") {
                return Some(render.set(endpoint, kind, "PolicyDocument", &serde_json::from_str(document).ok()?));
            }
            for (flag, property) in [("add-route-table-ids", "RouteTableIds"), ("add-subnet-ids", "SubnetIds")] {
                let ids = args.all(flag);
                if !ids.is_empty() {
                    let refs: Vec<Value> = ids.iter().map(|i| reference(i)).collect();
                    return Some(render.append(endpoint, kind, property, refs));
                }
            }
            return None;
        }
        "create-vpc-endpoint" => {
            let service = args.one("service-name")?;
            let short = service.split('.').skip(3).collect::<Vec<_>>().join(".");
            let mut p = Map::new();
            p.insert("VpcId".into(), reference(args.one("vpc-id")?));
            p.insert("ServiceName".into(), Value::String(format!("!Sub com.amazonaws.${{AWS::Region}}.{short}")));
            p.insert("VpcEndpointType".into(), json!(args.one("vpc-endpoint-type").unwrap_or("Interface")));
            for (flag, property) in
                [("subnet-ids", "SubnetIds"), ("security-group-ids", "SecurityGroupIds"), ("route-table-ids", "RouteTableIds")]
            {
                let ids = args.all(flag);
                if !ids.is_empty() {
                    p.insert(property.into(), Value::Array(ids.iter().map(|i| reference(i)).collect()));
                }
            }
            if args.has("private-dns-enabled") {
                // CloudFormation's default is false, unlike the API's.
                p.insert("PrivateDnsEnabled".into(), json!(true));
            }
            if render.language == Language::Terraform {
                p.insert("ServiceName".into(), json!(service));
            }
            // The environment's own endpoint service (`Env.DatabaseVpcEndpointService`, known once MWAA
            // creates it): a reference to that attribute.
            let environment_service = service
                .rsplit_once('.')
                .filter(|(_, a)| a.to_ascii_lowercase().ends_with("vpcendpointservice") || a.ends_with("vpc_endpoint_service"));
            if let Some((_, attribute)) = environment_service {
                p.insert("ServiceName".into(), reference(service));
                let kind = logical_id(&[attribute.trim_end_matches("VpcEndpointService").trim_end_matches("_vpc_endpoint_service")]);
                return Some(render.resource(render.logical_id(&[&kind, "VpcEndpoint"]), "AWS::EC2::VPCEndpoint", Value::Object(p)));
            }
            let name = logical_id(&short.split('.').collect::<Vec<_>>());
            render.resource(render.logical_id(&[&name, "VpcEndpoint"]), "AWS::EC2::VPCEndpoint", Value::Object(p))
        }
        "create-route" | "replace-route" => {
            let table = args.one("route-table-id")?;
            let destination = args.one("destination-cidr-block")?;
            let (property, target) = [("nat-gateway-id", "NatGatewayId"), ("gateway-id", "GatewayId")]
                .into_iter()
                .find_map(|(flag, property)| args.one(flag).map(|t| (property, t)))?;
            if operation == "replace-route" {
                let what = format!("the {} of {} to {destination}", render.kind("AWS::EC2::Route"), table);
                return Some(Change::Set(format!(
                    "In {what}, {} (and remove any other target)",
                    render.assignment("AWS::EC2::Route", property, &reference(target))
                )));
            }
            let p = json!({"RouteTableId": reference(table), "DestinationCidrBlock": destination, property: reference(target)});
            render.resource(render.logical_id(&[table, "DefaultRoute"]), "AWS::EC2::Route", p)
        }
        "replace-route-table-association" => {
            // The association's ID is looked up by subnet (`association.subnet-id,Values=S`).
            let lookup = args.one("association-id")?;
            let subnet = lookup.split("Values=").nth(1)?.split([' ', ',', '"']).next()?;
            let table = args.one("route-table-id")?;
            let kind = "AWS::EC2::SubnetRouteTableAssociation";
            Change::Set(format!(
                "In the {} of {}, {}",
                render.kind(kind),
                subnet,
                render.assignment(kind, "RouteTableId", &reference(table))
            ))
        }
        "associate-route-table" => {
            let (subnet, table) = (args.one("subnet-id")?, args.one("route-table-id")?);
            let p = json!({"SubnetId": reference(subnet), "RouteTableId": reference(table)});
            render.resource(render.logical_id(&[subnet, "RouteTableAssociation"]), "AWS::EC2::SubnetRouteTableAssociation", p)
        }
        "create-route-table" => {
            let vpc = args.one("vpc-id")?;
            render.resource(render.logical_id(&[vpc, "PrivateRouteTable"]), "AWS::EC2::RouteTable", json!({"VpcId": reference(vpc)}))
        }
        "create-nat-gateway" => {
            let subnet = args.one("subnet-id")?;
            let eip = render.logical_id(&[subnet, "NatEip"]);
            let id = render.logical_id(&[subnet, "NatGateway"]);
            let Change::Resource { text: eip_text, .. } = render.resource(eip.clone(), "AWS::EC2::EIP", json!({"Domain": "vpc"})) else {
                return None;
            };
            let p = json!({"SubnetId": reference(subnet), "AllocationId": format!("!Ref {eip}.AllocationId")});
            let Change::Resource { text, .. } = render.resource(id.clone(), "AWS::EC2::NatGateway", p) else { return None };
            Change::Resource { id, text: format!("{eip_text}\n{}", render.continued(&text)) }
        }
        // A NAT instance forwards only with its source/destination check off.
        "modify-instance-attribute" if args.has("no-source-dest-check") => {
            render.set(args.one("instance-id")?, "AWS::EC2::Instance", "SourceDestCheck", &json!(false))
        }
        // A fixed address for a NAT instance: an Elastic IP of its own.
        "associate-address" => {
            let instance = args.one("instance-id")?;
            render.resource(
                render.logical_id(&[instance, "Eip"]),
                "AWS::EC2::EIP",
                json!({"Domain": "vpc", "InstanceId": reference(instance)}),
            )
        }
        "create-internet-gateway" => render.resource("InternetGateway".into(), "AWS::EC2::InternetGateway", json!({})),
        "attach-internet-gateway" => {
            let p = json!({"InternetGatewayId": reference(args.one("internet-gateway-id")?), "VpcId": reference(args.one("vpc-id")?)});
            render.resource("InternetGatewayAttachment".into(), "AWS::EC2::VPCGatewayAttachment", p)
        }
        "create-network-acl-entry" => {
            let acl = args.one("network-acl-id")?;
            let egress = args.has("egress");
            let number = args.one("rule-number")?;
            let (from, to) = args.one("port-range").and_then(|r| {
                let (from, to) = r.split_once(',')?;
                Some((from.strip_prefix("From=")?.parse::<i64>().ok()?, to.strip_prefix("To=")?.parse::<i64>().ok()?))
            })?;
            let p = json!({
                "NetworkAclId": reference(acl), "RuleNumber": number.parse::<i64>().ok()?, "Protocol": 6,
                "RuleAction": args.one("rule-action")?, "Egress": egress, "CidrBlock": args.one("cidr-block")?,
                "PortRange": {"From": from, "To": to},
            });
            render.resource(render.logical_id(&[acl, if egress { "Egress" } else { "Ingress" }, number]), "AWS::EC2::NetworkAclEntry", p)
        }
        "wait" => Change::Nothing,
        _ => return None,
    })
}

/// Writes changes in the code's language: CloudFormation YAML, or Terraform HCL.
struct Render<'n> {
    language: Language,
    /// Resources this remediation adds (ID -> CloudFormation type), for references to them.
    created: HashMap<String, &'static str>,
    names: &'n BTreeMap<String, String>,
}

/// A CloudFormation type, the Terraform resource type, and their property -> argument names.
type Mapping = (&'static str, &'static str, &'static [(&'static str, &'static str)]);

/// CloudFormation's types and properties as the Terraform AWS provider names them.
const TERRAFORM: [Mapping; 13] = [
    (
        "AWS::EC2::SecurityGroupIngress",
        "aws_vpc_security_group_ingress_rule",
        &[
            ("GroupId", "security_group_id"),
            ("IpProtocol", "ip_protocol"),
            ("FromPort", "from_port"),
            ("ToPort", "to_port"),
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
            ("FromPort", "from_port"),
            ("ToPort", "to_port"),
            ("DestinationSecurityGroupId", "referenced_security_group_id"),
            ("DestinationPrefixListId", "prefix_list_id"),
            ("CidrIp", "cidr_ipv4"),
        ],
    ),
    (
        "AWS::EC2::Route",
        "aws_route",
        &[
            ("RouteTableId", "route_table_id"),
            ("DestinationCidrBlock", "destination_cidr_block"),
            ("NatGatewayId", "nat_gateway_id"),
            ("GatewayId", "gateway_id"),
        ],
    ),
    (
        "AWS::EC2::NetworkAclEntry",
        "aws_network_acl_rule",
        &[
            ("NetworkAclId", "network_acl_id"),
            ("RuleNumber", "rule_number"),
            ("Protocol", "protocol"),
            ("RuleAction", "rule_action"),
            ("Egress", "egress"),
            ("CidrBlock", "cidr_block"),
            ("PortRange", "port_range"),
        ],
    ),
    (
        "AWS::EC2::VPCEndpoint",
        "aws_vpc_endpoint",
        &[
            ("VpcId", "vpc_id"),
            ("ServiceName", "service_name"),
            ("VpcEndpointType", "vpc_endpoint_type"),
            ("SubnetIds", "subnet_ids"),
            ("SecurityGroupIds", "security_group_ids"),
            ("RouteTableIds", "route_table_ids"),
            ("PrivateDnsEnabled", "private_dns_enabled"),
            ("PolicyDocument", "policy"),
        ],
    ),
    (
        "AWS::EC2::SubnetRouteTableAssociation",
        "aws_route_table_association",
        &[("SubnetId", "subnet_id"), ("RouteTableId", "route_table_id")],
    ),
    ("AWS::EC2::RouteTable", "aws_route_table", &[("VpcId", "vpc_id")]),
    ("AWS::EC2::EIP", "aws_eip", &[("Domain", "domain"), ("InstanceId", "instance")]),
    ("AWS::EC2::Instance", "aws_instance", &[("SourceDestCheck", "source_dest_check")]),
    ("AWS::EC2::NatGateway", "aws_nat_gateway", &[("SubnetId", "subnet_id"), ("AllocationId", "allocation_id")]),
    ("AWS::EC2::InternetGateway", "aws_internet_gateway", &[]),
    (
        "AWS::EC2::VPCGatewayAttachment",
        "aws_internet_gateway_attachment",
        &[("InternetGatewayId", "internet_gateway_id"), ("VpcId", "vpc_id")],
    ),
    ("AWS::EC2::VPC", "aws_vpc", &[("EnableDnsSupport", "enable_dns_support"), ("EnableDnsHostnames", "enable_dns_hostnames")]),
];

fn terraform(kind: &str) -> Option<&'static Mapping> {
    TERRAFORM.iter().find(|(cfn, _, _)| *cfn == kind)
}

/// `PrivateSubnet1NatGateway` -> `private_subnet1_nat_gateway`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

impl Render<'_> {
    /// A name for a new resource, from the code's names of the resources it is made of.
    fn logical_id(&self, parts: &[&str]) -> String {
        let named: Vec<&str> = parts.iter().map(|p| self.names.get(*p).map_or(*p, String::as_str)).collect();
        logical_id(&named)
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
        match (self.language, terraform(kind)) {
            (Language::Terraform, Some((_, _, props))) => {
                props.iter().find(|(p, _)| *p == property).map_or_else(|| snake(property), |(_, tf)| (*tf).to_string())
            }
            _ => property.to_string(),
        }
    }

    /// `Property: value` (YAML) or `argument = value` (HCL).
    fn assignment(&self, kind: &str, property: &str, value: &Value) -> String {
        match self.language {
            Language::Terraform => format!("set {} = {}", self.property(kind, property), self.hcl(value)),
            _ => format!("set {property}: {}", scalar(value)),
        }
    }

    fn resource(&mut self, id: String, kind: &'static str, properties: Value) -> Change {
        self.created.insert(id.clone(), kind);
        let text = match self.language {
            Language::Terraform => {
                let Value::Object(map) = &properties else { return Change::Nothing };
                let arguments: Vec<String> = ordered(map)
                    .into_iter()
                    .flat_map(|(k, v)| match (k.as_str(), v) {
                        // A NACL entry's port range is two arguments.
                        ("PortRange", range) => vec![format!("from_port = {}", range["From"]), format!("to_port = {}", range["To"])],
                        _ => vec![format!("{} = {}", self.property(kind, k), self.hcl(v))],
                    })
                    .collect();
                format!(
                    "Add:\nresource \"{}\" \"{}\" {{\n{}\n}}",
                    self.kind(kind),
                    snake(&id),
                    arguments.iter().map(|a| format!("  {a}")).collect::<Vec<_>>().join("\n")
                )
            }
            _ => format!("Add to Resources:\n  {id}:\n    Type: {kind}\n    Properties:\n{}", yaml(&properties, 6)),
        };
        Change::Resource { id, text }
    }

    /// A second resource of one change: without the leading "Add" line.
    fn continued(&self, text: &str) -> String {
        text.trim_start_matches("Add to Resources:\n").trim_start_matches("Add:\n").to_string()
    }

    fn set(&self, resource: &str, kind: &str, property: &str, value: &Value) -> Change {
        let rendered = match (self.language, value) {
            (Language::Terraform, Value::Object(_)) => {
                format!("set {} = jsonencode({})", self.property(kind, property), serde_json::to_string_pretty(value).unwrap_or_default())
            }
            (Language::Terraform, _) => self.assignment(kind, property, value),
            (_, Value::Object(_) | Value::Array(_)) => format!("set {property}:\n{}", yaml(value, 2)),
            (_, other) => format!("set {property}: {}", scalar(other)),
        };
        Change::Set(format!("In {resource} ({}), {rendered}", self.kind(kind)))
    }

    fn append(&self, resource: &str, kind: &str, property: &str, values: Vec<Value>) -> Change {
        let list = match self.language {
            Language::Terraform => format!(" {}", self.hcl(&Value::Array(values))),
            _ => format!("\n{}", yaml(&Value::Array(values), 2)),
        };
        Change::Set(format!("In {resource} ({}), add to {}:{list}", self.kind(kind), self.property(kind, property)))
    }

    /// A value in HCL: references as expressions (`aws_subnet.private[0].id`, `aws_eip.x.id`), AWS IDs
    /// and other text quoted.
    fn hcl(&self, value: &Value) -> String {
        match value {
            Value::String(s) if s.starts_with("!Ref ") => self.hcl_reference(&s["!Ref ".len()..]),
            Value::String(s) if s.starts_with("!Sub ") => Value::String(s["!Sub ".len()..].to_string()).to_string(),
            Value::Array(items) => format!("[{}]", items.iter().map(|i| self.hcl(i)).collect::<Vec<_>>().join(", ")),
            Value::Object(_) => format!("jsonencode({value})"),
            other => other.to_string(),
        }
    }

    fn hcl_reference(&self, id: &str) -> String {
        let id = self.names.get(id).map_or(id, String::as_str);
        // A resource this remediation adds (`X.AllocationId` of a new EIP is its `.id` in Terraform too).
        let resource = id.split_once('.').map(|(r, _)| r).filter(|r| self.created.contains_key(*r)).unwrap_or(id);
        if let Some(kind) = self.created.get(resource) {
            return format!("{}.{}.id", self.kind(kind), snake(resource));
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

/// A JSON value as block YAML, `indent` spaces deep; `!Ref x` and friends are written as tags.
fn yaml(value: &Value, indent: usize) -> String {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => ordered(map)
            .into_iter()
            .map(|(k, v)| match v {
                Value::Object(m) if !m.is_empty() => format!("{pad}{k}:\n{}", yaml(v, indent + 2)),
                Value::Array(a) if !a.is_empty() => format!("{pad}{k}:\n{}", yaml(v, indent + 2)),
                other => format!("{pad}{k}: {}", scalar(other)),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|item| match item {
                Value::Object(m) if !m.is_empty() => {
                    let inner = yaml(item, indent + 2);
                    format!("{pad}- {}", inner.trim_start())
                }
                other => format!("{pad}- {}", scalar(other)),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        other => format!("{pad}{}", scalar(other)),
    }
}

/// What a resource is attached to first (GroupId, RouteTableId, ...), as templates are written; then the rest
/// in name order.
fn ordered(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    const FIRST: [&str; 9] =
        ["GroupId", "NetworkAclId", "RouteTableId", "SubnetId", "VpcId", "ServiceName", "VpcEndpointType", "Version", "Sid"];
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by_key(|(k, _)| FIRST.iter().position(|f| f == k).unwrap_or(FIRST.len()));
    entries
}

/// Plain where YAML reads it back as the same text; quoted (JSON style) where it would not: numbers, dates
/// (`2012-10-17`), booleans and null words, and anything with YAML's punctuation.
fn scalar(value: &Value) -> String {
    const WORDS: [&str; 12] = ["true", "false", "yes", "no", "on", "off", "null", "y", "n", "~", "True", "False"];
    match value {
        Value::String(s) if s.starts_with("!Ref ") => {
            let id = &s["!Ref ".len()..];
            let alnum = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric());
            match id.split_once('.') {
                None if alnum(id) => s.clone(),
                Some((resource, attribute)) if alnum(resource) && alnum(attribute) => format!("!GetAtt {id}"),
                // An AWS ID: an existing resource, written as it is.
                _ => scalar(&Value::String(id.to_string())),
            }
        }
        Value::String(s) if s.starts_with("!Sub ") => s.clone(),
        Value::String(s)
            if !s.is_empty()
                && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c))
                && s.parse::<f64>().is_err()
                && !s.starts_with(|c: char| c.is_ascii_digit() || c == '-')
                && !WORDS.contains(&s.to_ascii_lowercase().as_str()) =>
        {
            s.clone()
        }
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_become_template_changes() {
        let cfn = |text: &str| translate(text, Language::CloudFormation, &BTreeMap::new());
        let text = cfn("Add the self-referencing rule AWS documents:\naws ec2 authorize-security-group-ingress --group-id SecurityGroup --ip-permissions 'IpProtocol=-1,UserIdGroupPairs=[{GroupId=SecurityGroup}]'");
        assert_eq!(
            text,
            "Add the self-referencing rule AWS documents:\nAdd to Resources:\n  SecurityGroupIngressSecurityGroupAll:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !Ref SecurityGroup\n      IpProtocol: \"-1\"\n      SourceSecurityGroupId: !Ref SecurityGroup"
        );
        assert_eq!(
            cfn("aws ec2 modify-vpc-attribute --vpc-id VPC --enable-dns-support '{\"Value\":true}'"),
            "In VPC (AWS::EC2::VPC), set EnableDnsSupport: true"
        );
        let nat = cfn("nat=$(aws ec2 create-nat-gateway --subnet-id PublicSubnet1 --allocation-id \"$(aws ec2 allocate-address --domain vpc --query AllocationId --output text)\" --query NatGateway.NatGatewayId --output text)\naws ec2 wait nat-gateway-available --nat-gateway-ids \"$nat\"\naws ec2 create-route --route-table-id PrivateRouteTable1 --destination-cidr-block 0.0.0.0/0 --nat-gateway-id \"$nat\"");
        assert!(nat.contains("Type: AWS::EC2::NatGateway") && nat.contains("NatGatewayId: !Ref PublicSubnet1NatGateway"), "{nat}");
        assert_eq!(cfn("aws ec2 frobnicate --x y"), "After the stack is created: aws ec2 frobnicate --x y");
    }

    #[test]
    fn commands_become_terraform_changes() {
        let names = BTreeMap::from([("rtb-0a1b2c3d".to_string(), "aws_route_table.private[1]".to_string())]);
        let tf = |text: &str| translate(text, Language::Terraform, &names);
        assert_eq!(
            tf("aws ec2 authorize-security-group-ingress --group-id module.mwaa.aws_security_group.this[0] --ip-permissions 'IpProtocol=-1,UserIdGroupPairs=[{GroupId=module.mwaa.aws_security_group.this[0]}]'"),
            "Add:\nresource \"aws_vpc_security_group_ingress_rule\" \"this0_ingress_this0_all\" {\n  security_group_id = module.mwaa.aws_security_group.this[0].id\n  ip_protocol = \"-1\"\n  referenced_security_group_id = module.mwaa.aws_security_group.this[0].id\n}"
        );
        assert_eq!(
            tf("aws ec2 modify-vpc-attribute --vpc-id vpc-0a1b2c3d --enable-dns-hostnames '{\"Value\":true}'"),
            "In vpc-0a1b2c3d (aws_vpc), set enable_dns_hostnames = true"
        );
        let nat = tf("nat=$(aws ec2 create-nat-gateway --subnet-id subnet-0a1b2c3d --allocation-id x --query NatGateway.NatGatewayId --output text)\naws ec2 create-route --route-table-id rtb-0a1b2c3d --destination-cidr-block 0.0.0.0/0 --nat-gateway-id \"$nat\"");
        assert!(nat.contains("resource \"aws_nat_gateway\"") && nat.contains("allocation_id = aws_eip.subnet0a1b2c3d_nat_eip.id"), "{nat}");
        assert!(
            nat.contains("nat_gateway_id = aws_nat_gateway.subnet0a1b2c3d_nat_gateway.id")
                && nat.contains("route_table_id = aws_route_table.private[1].id"),
            "{nat}"
        );
    }
}
