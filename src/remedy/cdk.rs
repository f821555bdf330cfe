//! The CDK writer: a CDK app's templates are written again by every `cdk synth`, so the change belongs in the
//! app. Where an L2 construct has a call or a prop for the step (`vpc.addInterfaceEndpoint`,
//! `enableDnsSupport`, `connections.allowInternally`), it is that TypeScript, named by the construct path;
//! the rest is the CloudFormation change on the construct's resource (an escape hatch: `node.defaultChild`
//! or a `Cfn*` construct), located by construct path as well.

use std::collections::BTreeMap;

use super::{
    code, Action, Direction, EndpointKind, EndpointService, Part, Peer, Permission, Protocol, Ref, Remedy, Rendered, VpcAttribute,
};
use crate::target::Language;

/// `paths`: each logical ID's construct path.
pub fn render(remedy: &Remedy, paths: &BTreeMap<String, String>) -> Vec<Rendered> {
    let mut rest = Remedy { parts: Vec::new(), profile: remedy.profile };
    let mut escaped = false;
    for part in &remedy.parts {
        match part {
            Part::Do(action) => match call(action, paths) {
                Some(_) => rest.parts.push(part.clone()),
                None if action.applicability().is_none() => {}
                None => {
                    if !escaped {
                        rest.parts
                            .push(Part::Say("In the app, with L1 constructs (new ec2.CfnEIP(...)) or node.defaultChild overrides:".into()));
                        escaped = true;
                    }
                    rest.parts.push(part.clone());
                }
            },
            Part::Say(_) => rest.parts.push(part.clone()),
        }
    }
    code::render(&rest, Language::CloudFormation, paths, code::Form::YamlShort, &|action| call(action, paths))
}

/// The construct behind a logical ID as a TypeScript variable (`NetworkStack/Vpc/Resource` -> `vpc`), with
/// its path; a VPC's default group is declared first (`const defaultGroup = ...`).
fn construct(id: &Ref, paths: &BTreeMap<String, String>) -> Option<(String, String)> {
    let Ref::Id(id) = id else { return None };
    // What a resource brings (`Vpc.DefaultSecurityGroup`) is reached through the resource's construct.
    let (owner, attribute) = id.split_once('.').map_or((id.as_str(), None), |(o, a)| (o, Some(a)));
    let path = paths.get(owner)?;
    let name = path.split('/').rev().find(|s| !matches!(*s, "Resource" | "Default" | ""))?;
    let mut variable: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
    if let Some(first) = variable.get(..1) {
        variable = first.to_ascii_lowercase() + &variable[1..];
    }
    match attribute {
        Some("DefaultSecurityGroup") => Some(("defaultGroup".to_string(), format!("{path}\nconst defaultGroup = ec2.SecurityGroup.fromSecurityGroupId(this, 'DefaultGroup', {variable}.vpcDefaultSecurityGroup);"))),
        Some(_) => None,
        None => Some((variable, path.clone())),
    }
}

fn port(protocol: &Protocol) -> String {
    match protocol {
        Protocol::All => "ec2.Port.allTraffic()".to_string(),
        Protocol::Tcp { from, to } if from == to => format!("ec2.Port.tcp({from})"),
        Protocol::Tcp { from, to } => format!("ec2.Port.tcpRange({from}, {to})"),
    }
}

fn peer(peer: &Peer, paths: &BTreeMap<String, String>) -> Option<String> {
    Some(match peer {
        Peer::Group { group, account: None } => construct(group, paths)?.0,
        Peer::Group { .. } => return None,
        Peer::PrefixList(list) => format!("ec2.Peer.prefixList('{list}')"),
        Peer::Cidr(cidr) => format!("ec2.Peer.ipv4('{cidr}')"),
    })
}

/// What does `action` with an L2 construct, if anything does: a prop to set (prose), or TypeScript (code).
fn call(action: &Action, paths: &BTreeMap<String, String>) -> Option<Rendered> {
    typescript(action, paths).map(|text| if text.starts_with("In the ") { Rendered::Prose(text) } else { Rendered::Code(text) })
}

fn typescript(action: &Action, paths: &BTreeMap<String, String>) -> Option<String> {
    match action {
        Action::SetVpcAttribute { vpc, attribute } => {
            let (_, path) = construct(vpc, paths)?;
            let prop = match attribute {
                VpcAttribute::DnsSupport => "enableDnsSupport",
                VpcAttribute::DnsHostnames => "enableDnsHostnames",
            };
            Some(format!("In the ec2.Vpc at {path}, set the prop {prop}: true (new ec2.Vpc(this, ..., {{ {prop}: true, ... }})."))
        }
        Action::EnableEndpointPrivateDns { endpoint } => {
            let (_, path) = construct(endpoint, paths)?;
            Some(format!("In the interface endpoint at {path}, set the prop privateDnsEnabled: true."))
        }
        Action::AllowTraffic { group, direction, permissions } => {
            let (variable, path) = construct(group, paths)?;
            let mut lines = vec![format!("// {path}")];
            for Permission { protocol, peers } in permissions {
                for one in peers {
                    let line = match (direction, one) {
                        (Direction::Ingress, Peer::Group { group: other, account: None }) if other == group => {
                            format!("{variable}.connections.allowInternally({});", port(protocol))
                        }
                        (Direction::Ingress, _) => format!("{variable}.addIngressRule({}, {});", peer(one, paths)?, port(protocol)),
                        (Direction::Egress, _) => format!("{variable}.addEgressRule({}, {});", peer(one, paths)?, port(protocol)),
                    };
                    lines.push(line);
                }
            }
            Some(lines.join("\n"))
        }
        Action::CreateEndpoint { vpc, service: EndpointService::Named(name), kind, subnets, security_groups, private_dns, .. } => {
            let (variable, path) = construct(vpc, paths)?;
            let short = name.split('.').skip(3).collect::<Vec<_>>().join(".");
            let id: String = short
                .split(['.', '-'])
                .map(|w| w.get(..1).unwrap_or_default().to_ascii_uppercase() + w.get(1..).unwrap_or_default())
                .collect();
            Some(match kind {
                EndpointKind::Gateway => format!("// {path}\n{variable}.addGatewayEndpoint('{id}Endpoint', {{ service: new ec2.GatewayVpcEndpointAwsService('{short}') }});"),
                EndpointKind::Interface => {
                    let subnets: Vec<String> = subnets.iter().map(|s| construct(s, paths).map(|(v, _)| v)).collect::<Option<_>>()?;
                    let groups: Vec<String> = security_groups.iter().map(|s| construct(s, paths).map(|(v, _)| v)).collect::<Option<_>>()?;
                    format!(
                        "// {path}\n{variable}.addInterfaceEndpoint('{id}Endpoint', {{ service: new ec2.InterfaceVpcEndpointAwsService('{short}'), \
                         subnets: {{ subnets: [{}] }}, securityGroups: [{}], privateDnsEnabled: {private_dns} }});",
                        subnets.join(", "),
                        groups.join(", ")
                    )
                }
            })
        }
        Action::DisableSourceDestCheck { instance } => {
            let (_, path) = construct(instance, paths)?;
            Some(format!("In the ec2.Instance at {path}, set the prop sourceDestCheck: false (a NAT instance forwards others' traffic)."))
        }
        Action::NatGatewayPerZone { nat } => {
            let (_, path) = construct(nat, paths)?;
            let vpc = path.split("/PublicSubnet").next().unwrap_or(&path);
            Some(format!("In the ec2.Vpc at {vpc}, set the prop natGateways to its number of AZs (one NAT gateway per AZ)."))
        }
        // No L2 call or prop does these: the CloudFormation change, on the construct's resource.
        Action::CreateEndpoint { .. }
        | Action::CreateSecurityGroup { .. }
        | Action::UseAmazonProvidedDns { .. }
        | Action::ReplaceEndpointPolicy { .. }
        | Action::AddEndpointRouteTables { .. }
        | Action::AddEndpointSubnets { .. }
        | Action::AcceptEndpointConnections { .. }
        | Action::RouteDefault { .. }
        | Action::DeleteRoute { .. }
        | Action::AssociateRouteTable { .. }
        | Action::CreateRouteTable { .. }
        | Action::CreateNatGateway { .. }
        | Action::CreateInternetGateway { .. }
        | Action::AddNetworkAclEntry { .. }
        | Action::AssociateElasticIp { .. }
        | Action::DeleteEnvironment { .. }
        | Action::AddRolePolicy { .. }
        | Action::SetTrustPolicy { .. }
        | Action::AddDependsOn { .. }
        | Action::AddKeyPolicyStatement { .. }
        | Action::EnableBucketVersioning { .. }
        | Action::BlockBucketPublicAccess { .. }
        | Action::Inspect { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(remedy: &Remedy, paths: &BTreeMap<String, String>) -> String {
        Rendered::join(&render(remedy, paths))
    }

    #[test]
    fn steps_with_an_l2_call_are_typescript_and_the_rest_an_escape_hatch() {
        let paths = BTreeMap::from([
            ("VpcA".to_string(), "Net/Vpc/Resource".to_string()),
            ("GroupB".to_string(), "App/EnvGroup/Resource".to_string()),
        ]);
        let dns = Remedy::action(Action::SetVpcAttribute { vpc: Ref::id("VpcA"), attribute: VpcAttribute::DnsSupport });
        assert!(text(&dns, &paths).starts_with("In the ec2.Vpc at Net/Vpc/Resource, set the prop enableDnsSupport: true"));
        let group = Ref::id("GroupB");
        let allow = Remedy::action(Action::AllowTraffic {
            group: group.clone(),
            direction: Direction::Ingress,
            permissions: vec![Permission { protocol: Protocol::All, peers: vec![Peer::Group { group, account: None }] }],
        });
        assert_eq!(text(&allow, &paths), "// App/EnvGroup/Resource\nenvGroup.connections.allowInternally(ec2.Port.allTraffic());");
        let delete = Remedy::action(Action::DeleteRoute { table: Ref::id("TableC"), destination: "0.0.0.0/0".into() });
        assert_eq!(
            text(&delete, &paths),
            "In the app, with L1 constructs (new ec2.CfnEIP(...)) or node.defaultChild overrides:\n\
             Remove the AWS::EC2::Route of TableC to 0.0.0.0/0 (or that entry of its routes)."
        );
    }
}
