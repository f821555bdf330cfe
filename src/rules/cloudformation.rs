//! Remediation in the template's language: a rule writes the AWS CLI commands that repair a network, and
//! for a template (whose resources do not exist yet) each command becomes the template change that does
//! the same: a resource to add, or a property to set. The IDs are logical IDs, so they become `!Ref`s.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

/// `remediation` with each `aws ec2 ...` command rewritten as a template change; prose is kept.
pub fn translate(remediation: &str) -> String {
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
        match change(operation, &args) {
            Some(Change::Resource { id, text }) => {
                if let Some(name) = variable {
                    variables.insert(name.to_string(), id);
                }
                out.push(text);
            }
            Some(Change::Set(text)) => out.push(text),
            Some(Change::Nothing) => {}
            None => out.push(format!("After the stack is created: {line}")),
        }
    }
    out.join("\n")
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

/// A template's reference to a resource: a logical ID is `!Ref`'d, an implicit one (`VPC.DefaultSecurityGroup`)
/// `!GetAtt`'d; an AWS ID (of an existing resource) is written as it is.
fn reference(id: &str) -> Value {
    if id.chars().all(|c| c.is_ascii_alphanumeric()) && !id.is_empty() {
        Value::String(format!("!Ref {id}"))
    } else if id.split_once('.').is_some_and(|(a, b)| a.chars().all(|c| c.is_ascii_alphanumeric()) && !b.contains('.')) {
        Value::String(format!("!GetAtt {id}"))
    } else {
        Value::String(id.to_string())
    }
}

/// A logical ID for a new resource: alphanumeric, from its parts.
fn logical_id(parts: &[&str]) -> String {
    parts.iter().flat_map(|p| p.chars()).filter(char::is_ascii_alphanumeric).collect()
}

fn resource(id: String, kind: &str, properties: Value) -> Change {
    let text = format!("Add to Resources:\n  {id}:\n    Type: {kind}\n    Properties:\n{}", yaml(&properties, 6));
    Change::Resource { id, text }
}

fn set(resource: &str, kind: &str, property: &str, value: &Value) -> Change {
    let rendered = match value {
        Value::Object(_) | Value::Array(_) => format!("\n{}", yaml(value, 2)),
        other => format!(" {}", scalar(other)),
    };
    Change::Set(format!("In {resource} ({kind}), set {property}:{rendered}"))
}

fn change(operation: &str, args: &Args) -> Option<Change> {
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
                let id = logical_id(&[group, direction, peer, &port]);
                let Change::Resource { text, id } = resource(id, kind, Value::Object(properties)) else { continue };
                texts.push(text);
                last = id;
            }
            Change::Resource { id: last, text: texts.join("\n") }
        }
        "modify-vpc-attribute" => {
            let vpc = args.one("vpc-id")?;
            let property = if args.has("enable-dns-support") { "EnableDnsSupport" } else { "EnableDnsHostnames" };
            set(vpc, "AWS::EC2::VPC", property, &json!(true))
        }
        "modify-vpc-endpoint" => {
            let endpoint = args.one("vpc-endpoint-id")?;
            let kind = "AWS::EC2::VPCEndpoint";
            if args.has("private-dns-enabled") {
                return Some(set(endpoint, kind, "PrivateDnsEnabled", &json!(true)));
            }
            if let Some(document) = args.one("policy-document") {
                return Some(set(endpoint, kind, "PolicyDocument", &serde_json::from_str(document).ok()?));
            }
            for (flag, property) in [("add-route-table-ids", "RouteTableIds"), ("add-subnet-ids", "SubnetIds")] {
                let ids = args.all(flag);
                if !ids.is_empty() {
                    let refs: Vec<Value> = ids.iter().map(|i| reference(i)).collect();
                    return Some(Change::Set(format!("In {endpoint} ({kind}), add to {property}:\n{}", yaml(&Value::Array(refs), 2))));
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
            let name: String = short.split('.').map(|w| w[..1].to_ascii_uppercase() + &w[1..]).collect();
            resource(logical_id(&[&name, "VpcEndpoint"]), "AWS::EC2::VPCEndpoint", Value::Object(p))
        }
        "create-route" | "replace-route" => {
            let table = args.one("route-table-id")?;
            let destination = args.one("destination-cidr-block")?;
            let (property, target) = [("nat-gateway-id", "NatGatewayId"), ("gateway-id", "GatewayId")]
                .into_iter()
                .find_map(|(flag, property)| args.one(flag).map(|t| (property, t)))?;
            if operation == "replace-route" {
                return Some(Change::Set(format!(
                    "In the AWS::EC2::Route of {table} to {destination}, set {property}: {} (and remove any other target)",
                    scalar(&reference(target))
                )));
            }
            let p = json!({"RouteTableId": reference(table), "DestinationCidrBlock": destination, property: reference(target)});
            resource(logical_id(&[table, "DefaultRoute"]), "AWS::EC2::Route", p)
        }
        "replace-route-table-association" => {
            // The association's ID is looked up by subnet (`association.subnet-id,Values=S`).
            let lookup = args.one("association-id")?;
            let subnet = lookup.split("Values=").nth(1)?.split([' ', ',', '"']).next()?;
            let table = args.one("route-table-id")?;
            Change::Set(format!(
                "In the AWS::EC2::SubnetRouteTableAssociation of {subnet}, set RouteTableId: {}",
                scalar(&reference(table))
            ))
        }
        "associate-route-table" => {
            let (subnet, table) = (args.one("subnet-id")?, args.one("route-table-id")?);
            let p = json!({"SubnetId": reference(subnet), "RouteTableId": reference(table)});
            resource(logical_id(&[subnet, "RouteTableAssociation"]), "AWS::EC2::SubnetRouteTableAssociation", p)
        }
        "create-route-table" => {
            let vpc = args.one("vpc-id")?;
            resource(logical_id(&[vpc, "PrivateRouteTable"]), "AWS::EC2::RouteTable", json!({"VpcId": reference(vpc)}))
        }
        "create-nat-gateway" => {
            let subnet = args.one("subnet-id")?;
            let eip = logical_id(&[subnet, "NatEip"]);
            let id = logical_id(&[subnet, "NatGateway"]);
            let Change::Resource { text: eip_text, .. } = resource(eip.clone(), "AWS::EC2::EIP", json!({"Domain": "vpc"})) else {
                return None;
            };
            let p = json!({"SubnetId": reference(subnet), "AllocationId": format!("!GetAtt {eip}.AllocationId")});
            let Change::Resource { text, .. } = resource(id.clone(), "AWS::EC2::NatGateway", p) else { return None };
            Change::Resource { id, text: format!("{eip_text}\n{}", text.trim_start_matches("Add to Resources:\n")) }
        }
        "create-internet-gateway" => resource("InternetGateway".into(), "AWS::EC2::InternetGateway", json!({})),
        "attach-internet-gateway" => {
            let p = json!({"InternetGatewayId": reference(args.one("internet-gateway-id")?), "VpcId": reference(args.one("vpc-id")?)});
            resource("InternetGatewayAttachment".into(), "AWS::EC2::VPCGatewayAttachment", p)
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
            resource(logical_id(&[acl, if egress { "Egress" } else { "Ingress" }, number]), "AWS::EC2::NetworkAclEntry", p)
        }
        "wait" => Change::Nothing,
        _ => return None,
    })
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
        Value::String(s) if s.starts_with("!Ref ") || s.starts_with("!GetAtt ") || s.starts_with("!Sub ") => s.clone(),
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
        let text = translate("Add the self-referencing rule AWS documents:\naws ec2 authorize-security-group-ingress --group-id SecurityGroup --ip-permissions 'IpProtocol=-1,UserIdGroupPairs=[{GroupId=SecurityGroup}]'");
        assert_eq!(
            text,
            "Add the self-referencing rule AWS documents:\nAdd to Resources:\n  SecurityGroupIngressSecurityGroupAll:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !Ref SecurityGroup\n      IpProtocol: \"-1\"\n      SourceSecurityGroupId: !Ref SecurityGroup"
        );
        assert_eq!(
            translate("aws ec2 modify-vpc-attribute --vpc-id VPC --enable-dns-support '{\"Value\":true}'"),
            "In VPC (AWS::EC2::VPC), set EnableDnsSupport: true"
        );
        let nat = translate("nat=$(aws ec2 create-nat-gateway --subnet-id PublicSubnet1 --allocation-id \"$(aws ec2 allocate-address --domain vpc --query AllocationId --output text)\" --query NatGateway.NatGatewayId --output text)\naws ec2 wait nat-gateway-available --nat-gateway-ids \"$nat\"\naws ec2 create-route --route-table-id PrivateRouteTable1 --destination-cidr-block 0.0.0.0/0 --nat-gateway-id \"$nat\"");
        assert!(nat.contains("Type: AWS::EC2::NatGateway") && nat.contains("NatGatewayId: !Ref PublicSubnet1NatGateway"), "{nat}");
        assert_eq!(translate("aws ec2 frobnicate --x y"), "After the stack is created: aws ec2 frobnicate --x y");
    }
}
