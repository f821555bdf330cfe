//! The AWS CLI writer: each action as the commands that do it, for live and snapshot inputs. A resource a
//! step creates is held in a shell variable (`nat=$(aws ec2 create-nat-gateway ...)`), never a placeholder,
//! so the commands run as printed.

use serde_json::{json, Value};

use super::{
    Action, Created, Direction, EndpointKind, EndpointService, Part, Peer, Permission, Protocol, Ref, Remedy, Rendered, Replaces, RouteTo,
    VpcAttribute,
};

pub fn render(remedy: &Remedy) -> Vec<Rendered> {
    let writer = Writer { profile: remedy.profile.map(|p| format!(" --profile \"${p}\"")).unwrap_or_default() };
    let mut out: Vec<Rendered> = Vec::new();
    for part in &remedy.parts {
        match part {
            Part::Say(text) => out.push(Rendered::Prose(text.clone())),
            Part::Do(action) => {
                let command = writer.command(action);
                match out.last_mut() {
                    _ if command.is_empty() => {}
                    // Commands run one after the other are one block to paste.
                    Some(Rendered::Code(block)) => {
                        block.push('\n');
                        block.push_str(&command);
                    }
                    _ => out.push(Rendered::Code(command)),
                }
            }
        }
    }
    out
}

struct Writer {
    /// ` --profile "$X"`, or nothing.
    profile: String,
}

fn id(reference: &Ref) -> String {
    match reference {
        Ref::Id(id) => id.clone(),
        Ref::New { new } => format!("\"${}\"", new.variable()),
    }
}

fn ids(references: &[Ref]) -> String {
    references.iter().map(id).collect::<Vec<_>>().join(" ")
}

/// `'text'` for the shell: a quote inside is closed, escaped and reopened.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

const ALLOCATE_ADDRESS: &str = "\"$(aws ec2 allocate-address --domain vpc --query AllocationId --output text)\"";

impl Writer {
    fn ec2(&self, operation: &str) -> String {
        format!("aws ec2 {operation}{}", self.profile)
    }

    /// `variable=$(aws ec2 <operation> ... --query Q --output text)`.
    fn created(&self, what: Created, operation: &str, arguments: &str, query: &str) -> String {
        format!("{}=$({} {arguments} --query {query} --output text)", what.variable(), self.ec2(operation))
    }

    fn command(&self, action: &Action) -> String {
        match action {
            Action::AllowTraffic { group, direction, permissions } => self.allow(group, *direction, permissions),
            Action::CreateSecurityGroup { vpc, name } => self.created(
                Created::SecurityGroup,
                "create-security-group",
                &format!("--vpc-id {} --group-name {name} --description {name}", id(vpc)),
                "GroupId",
            ),
            Action::SetVpcAttribute { vpc, attribute } => {
                let flag = match attribute {
                    VpcAttribute::DnsSupport => "--enable-dns-support",
                    VpcAttribute::DnsHostnames => "--enable-dns-hostnames",
                };
                format!("{} --vpc-id {} {flag} '{{\"Value\":true}}'", self.ec2("modify-vpc-attribute"), id(vpc))
            }
            Action::UseAmazonProvidedDns { vpc } => format!(
                "opts=$({} --dhcp-configurations 'Key=domain-name-servers,Values=AmazonProvidedDNS' --query DhcpOptions.DhcpOptionsId --output text)\n\
                 {} --dhcp-options-id \"$opts\" --vpc-id {}",
                self.ec2("create-dhcp-options"),
                self.ec2("associate-dhcp-options"),
                id(vpc)
            ),
            Action::CreateEndpoint { vpc, service, kind, subnets, security_groups, route_tables, private_dns } => {
                let service = match service {
                    EndpointService::Named(name) | EndpointService::Attribute(name) => name.clone(),
                    EndpointService::OfEnvironment { environment, attribute } => {
                        format!("\"$(aws mwaa get-environment --name {environment} --query Environment.{attribute} --output text)\"")
                    }
                };
                let kind = match kind {
                    EndpointKind::Interface => "Interface",
                    EndpointKind::Gateway => "Gateway",
                };
                let mut command = format!("{} --vpc-id {} --vpc-endpoint-type {kind} --service-name {service}", self.ec2("create-vpc-endpoint"), id(vpc));
                for (flag, references) in [("--subnet-ids", subnets), ("--security-group-ids", security_groups), ("--route-table-ids", route_tables)] {
                    if !references.is_empty() {
                        command.push_str(&format!(" {flag} {}", ids(references)));
                    }
                }
                if *private_dns {
                    command.push_str(" --private-dns-enabled");
                }
                command
            }
            Action::EnableEndpointPrivateDns { endpoint } => {
                format!("{} --vpc-endpoint-id {} --private-dns-enabled", self.ec2("modify-vpc-endpoint"), id(endpoint))
            }
            Action::ReplaceEndpointPolicy { endpoint, document } => {
                format!("{} --vpc-endpoint-id {} --policy-document {}", self.ec2("modify-vpc-endpoint"), id(endpoint), quoted(&document.to_string()))
            }
            Action::AddEndpointRouteTables { endpoint, route_tables } => {
                format!("{} --vpc-endpoint-id {} --add-route-table-ids {}", self.ec2("modify-vpc-endpoint"), id(endpoint), ids(route_tables))
            }
            Action::AddEndpointSubnets { endpoint, subnets } => {
                format!("{} --vpc-endpoint-id {} --add-subnet-ids {}", self.ec2("modify-vpc-endpoint"), id(endpoint), ids(subnets))
            }
            Action::AcceptEndpointConnections { endpoint } => {
                format!("{} --service-id SERVICE_ID --vpc-endpoint-ids {}", self.ec2("accept-vpc-endpoint-connections"), id(endpoint))
            }
            Action::RouteDefault { table, to, replace } => {
                let (flag, target) = match to {
                    RouteTo::NatGateway(nat) => ("--nat-gateway-id", nat),
                    RouteTo::InternetGateway(igw) => ("--gateway-id", igw),
                };
                let operation = if *replace { "replace-route" } else { "create-route" };
                format!("{} --route-table-id {} --destination-cidr-block 0.0.0.0/0 {flag} {}", self.ec2(operation), id(table), id(target))
            }
            Action::DeleteRoute { table, destination } => {
                let flag = if destination.starts_with("pl-") { "--destination-prefix-list-id" } else { "--destination-cidr-block" };
                format!("{} --route-table-id {} {flag} {destination}", self.ec2("delete-route"), id(table))
            }
            Action::AssociateRouteTable { subnet, table, replaces } => match replaces {
                Replaces::Nothing => format!("{} --subnet-id {} --route-table-id {}", self.ec2("associate-route-table"), id(subnet), id(table)),
                Replaces::Association(association) => {
                    let association = association.clone().unwrap_or_else(|| {
                        format!(
                            "\"$(aws ec2 describe-route-tables --filters Name=association.subnet-id,Values={s} \
                             --query 'RouteTables[0].Associations[?SubnetId==`{s}`].RouteTableAssociationId' --output text)\"",
                            s = id(subnet)
                        )
                    });
                    format!("{} --association-id {association} --route-table-id {}", self.ec2("replace-route-table-association"), id(table))
                }
            },
            Action::CreateRouteTable { vpc } => {
                self.created(Created::RouteTable, "create-route-table", &format!("--vpc-id {}", id(vpc)), "RouteTable.RouteTableId")
            }
            Action::CreateNatGateway { subnet } => format!(
                "{}\n{} --nat-gateway-ids \"$nat\"",
                self.created(
                    Created::NatGateway,
                    "create-nat-gateway",
                    &format!("--subnet-id {} --allocation-id {ALLOCATE_ADDRESS}", id(subnet)),
                    "NatGateway.NatGatewayId"
                ),
                self.ec2("wait nat-gateway-available")
            ),
            Action::CreateInternetGateway { vpc } => format!(
                "{}=$({} --query InternetGateway.InternetGatewayId --output text)\n{} --internet-gateway-id \"$igw\" --vpc-id {}",
                Created::InternetGateway.variable(),
                self.ec2("create-internet-gateway"),
                self.ec2("attach-internet-gateway"),
                id(vpc)
            ),
            Action::AddNetworkAclEntry { acl, egress, rule_number, cidr, from, to } => format!(
                "{} --network-acl-id {} {} --rule-number {rule_number} --protocol tcp --port-range From={from},To={to} --cidr-block {cidr} --rule-action allow",
                self.ec2("create-network-acl-entry"),
                id(acl),
                if *egress { "--egress" } else { "--ingress" }
            ),
            Action::DisableSourceDestCheck { instance } => {
                format!("{} --instance-id {} --no-source-dest-check", self.ec2("modify-instance-attribute"), id(instance))
            }
            Action::AssociateElasticIp { instance } => {
                format!("{} --instance-id {} --allocation-id {ALLOCATE_ADDRESS}", self.ec2("associate-address"), id(instance))
            }
            // The prose says it; AWS has no command that makes a module's gateways one per AZ.
            Action::NatGatewayPerZone { .. } => String::new(),
            Action::DeleteEnvironment { name } => format!("aws mwaa delete-environment --name {name}"),
            Action::AddRolePolicy { role, name, document } => {
                format!("aws iam put-role-policy --role-name {} --policy-name {name} --policy-document {}", id(role), quoted(&document.to_string()))
            }
            Action::SetTrustPolicy { role, document } => {
                format!("aws iam update-assume-role-policy --role-name {} --policy-document {}", id(role), quoted(&document.to_string()))
            }
            Action::AddKeyPolicyStatement { key, statement } => {
                let pretty = serde_json::to_string_pretty(statement).unwrap_or_default();
                format!(
                    "aws kms get-key-policy --key-id {key} --policy-name default --query Policy --output text > key-policy.json\n# add to the Statement list of key-policy.json:\n# {}\naws kms put-key-policy --key-id {key} --policy-name default --policy file://key-policy.json",
                    pretty.replace('\n', "\n# "),
                    key = id(key)
                )
            }
            Action::EnableBucketVersioning { bucket } => {
                format!("aws s3api put-bucket-versioning --bucket {} --versioning-configuration Status=Enabled", id(bucket))
            }
            Action::BlockBucketPublicAccess { bucket, .. } => format!(
                "aws s3api put-public-access-block --bucket {} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
                id(bucket)
            ),
            // What exists has been created: there is no order left to change.
            Action::AddDependsOn { .. } => String::new(),
            Action::Inspect { command } => command.clone(),
        }
    }

    /// `authorize-security-group-{ingress,egress}`: the shorthand AWS documents for the self-reference, the
    /// flag form people know for one inbound TCP rule, else the permissions as JSON.
    fn allow(&self, group: &Ref, direction: Direction, permissions: &[Permission]) -> String {
        let verb = match direction {
            Direction::Ingress => "authorize-security-group-ingress",
            Direction::Egress => "authorize-security-group-egress",
        };
        let group_id = id(group);
        let head = format!("{} --group-id {group_id}", self.ec2(verb));
        if let [Permission { protocol: Protocol::All, peers }] = permissions {
            if let [Peer::Group { group: other, account: None }] = peers.as_slice() {
                if other == group {
                    return format!("{head} --ip-permissions 'IpProtocol=-1,UserIdGroupPairs=[{{GroupId={group_id}}}]'");
                }
            }
        }
        if let (Direction::Ingress, [Permission { protocol: Protocol::Tcp { from, to }, peers }]) = (direction, permissions) {
            let source = match peers.as_slice() {
                [Peer::Group { group: other, account: None }] => Some(format!("--source-group {}", id(other))),
                [Peer::Cidr(cidr)] => Some(format!("--cidr {cidr}")),
                _ => None,
            };
            if let Some(source) = source {
                let port = if from == to { from.to_string() } else { format!("{from}-{to}") };
                return format!("{head} --protocol tcp --port {port} {source}");
            }
        }
        let json: Vec<Value> = permissions.iter().map(permission_json).collect();
        format!("{head} --ip-permissions {}", quoted(&Value::Array(json).to_string()))
    }
}

/// One `IpPermission` as the EC2 API takes it.
fn permission_json(permission: &Permission) -> Value {
    let mut json = match permission.protocol {
        Protocol::All => json!({"IpProtocol": "-1"}),
        Protocol::Tcp { from, to } => json!({"IpProtocol": "tcp", "FromPort": from, "ToPort": to}),
    };
    let mut pairs = Vec::new();
    for peer in &permission.peers {
        match peer {
            Peer::Group { group, account: Some(account) } => pairs.push(json!({"UserId": account, "GroupId": id(group)})),
            Peer::Group { group, account: None } => pairs.push(json!({"GroupId": id(group)})),
            Peer::PrefixList(list) => json["PrefixListIds"] = json!([{"PrefixListId": list}]),
            Peer::Cidr(cidr) => json["IpRanges"] = json!([{"CidrIp": cidr}]),
        }
    }
    if !pairs.is_empty() {
        json["UserIdGroupPairs"] = Value::Array(pairs);
    }
    json
}
