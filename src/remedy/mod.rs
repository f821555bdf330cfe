//! Remediation as data. A rule returns a [`Remedy`]: prose and typed [`Action`]s (add a route, allow a
//! flow in a security group, create an endpoint, ...). One writer per language renders the same actions:
//! AWS CLI commands for live and snapshot inputs, resources and properties for CloudFormation templates and
//! Terraform configurations. Each writer matches every action, so a new action does not compile until
//! every language says how to do it. The same actions, lowered to [`Change`]s, are what `check --fix` applies.

mod cdk;
mod cli;
pub mod code;

use std::collections::BTreeMap;

use serde::ser::SerializeStruct;
use serde::Serialize;
use serde_json::Value;

use crate::target::Language;

pub use code::{changes, Change, Form, Val};

/// How far a step can be applied without a human, as ruff says of its fixes. Ordered: a remedy is as
/// restrictive as its most restrictive step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Only adds what the environment needs: nothing that exists changes meaning.
    Safe,
    /// Changes or removes something the user wrote (a route's target, a policy, the VPC's DNS options).
    Unsafe,
    /// Needs a human choice or someone else's hands (another subnet, the service owner's acceptance).
    Manual,
}

/// A resource a step creates, referred to by later steps of the same remedy before it has an ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Created {
    NatGateway,
    RouteTable,
    InternetGateway,
    SecurityGroup,
}

impl Created {
    /// The shell variable that holds its ID in AWS CLI commands.
    fn variable(self) -> &'static str {
        match self {
            Created::NatGateway => "nat",
            Created::RouteTable => "rt",
            Created::InternetGateway => "igw",
            Created::SecurityGroup => "sg",
        }
    }
}

/// A resource a step acts on: one that exists, by the ID the input gives it (an AWS ID, a logical ID, a
/// Terraform address, `VPC.DefaultSecurityGroup`), or one an earlier step creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Ref {
    Id(String),
    New { new: Created },
}

impl Ref {
    pub fn id(id: impl Into<String>) -> Self {
        Ref::Id(id.into())
    }

    pub fn ids<S: AsRef<str>>(ids: &[S]) -> Vec<Ref> {
        ids.iter().map(|id| Ref::id(id.as_ref())).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ingress,
    Egress,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "protocol")]
pub enum Protocol {
    /// Every protocol and port (`-1`), as the self-referencing rule AWS documents.
    All,
    Tcp {
        from: u16,
        to: u16,
    },
}

/// The other end of a security group rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Peer {
    /// A group, with its account when it is another account's (a shared VPC's owner admitting a participant).
    Group {
        group: Ref,
        account: Option<String>,
    },
    PrefixList(String),
    Cidr(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Permission {
    #[serde(flatten)]
    pub protocol: Protocol,
    pub peers: Vec<Peer>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VpcAttribute {
    DnsSupport,
    DnsHostnames,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EndpointKind {
    Interface,
    Gateway,
}

/// The service an endpoint connects to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointService {
    /// A service name (`com.amazonaws.us-east-1.sqs`, or an existing environment's endpoint service).
    Named(String),
    /// The environment's attribute that names its endpoint service, as the code refers to it
    /// (`Env.DatabaseVpcEndpointService`, `aws_mwaa_environment.x.database_vpc_endpoint_service`).
    Attribute(String),
    /// What GetEnvironment will report for an environment that does not exist yet.
    OfEnvironment { environment: String, attribute: &'static str },
}

/// Where a default route goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteTo {
    NatGateway(Ref),
    InternetGateway(Ref),
}

/// The association a subnet's new table replaces, if it has one of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Replaces {
    Nothing,
    /// Its association ID, or `None` where the input does not hold it (it is then looked up by subnet).
    Association(Option<String>),
}

/// One change to the network, in no language.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    AllowTraffic {
        group: Ref,
        direction: Direction,
        permissions: Vec<Permission>,
    },
    CreateSecurityGroup {
        vpc: Ref,
        name: String,
    },
    SetVpcAttribute {
        vpc: Ref,
        attribute: VpcAttribute,
    },
    /// New DHCP options with AmazonProvidedDNS, associated with the VPC in place of its own.
    UseAmazonProvidedDns {
        vpc: Ref,
    },
    CreateEndpoint {
        vpc: Ref,
        service: EndpointService,
        kind: EndpointKind,
        subnets: Vec<Ref>,
        security_groups: Vec<Ref>,
        route_tables: Vec<Ref>,
        private_dns: bool,
    },
    EnableEndpointPrivateDns {
        endpoint: Ref,
    },
    ReplaceEndpointPolicy {
        endpoint: Ref,
        document: Value,
    },
    AddEndpointRouteTables {
        endpoint: Ref,
        route_tables: Vec<Ref>,
    },
    AddEndpointSubnets {
        endpoint: Ref,
        subnets: Vec<Ref>,
    },
    AcceptEndpointConnections {
        endpoint: Ref,
    },
    /// A 0.0.0.0/0 route; `replace`: the table has one already, whose target this changes.
    RouteDefault {
        table: Ref,
        to: RouteTo,
        replace: bool,
    },
    /// `destination`: a CIDR block or a prefix list ID.
    DeleteRoute {
        table: Ref,
        destination: String,
    },
    AssociateRouteTable {
        subnet: Ref,
        table: Ref,
        replaces: Replaces,
    },
    CreateRouteTable {
        vpc: Ref,
    },
    /// A NAT gateway with an Elastic IP of its own, in a public subnet.
    CreateNatGateway {
        subnet: Ref,
    },
    /// An internet gateway, attached to the VPC.
    CreateInternetGateway {
        vpc: Ref,
    },
    /// An inbound or outbound TCP allow entry.
    AddNetworkAclEntry {
        acl: Ref,
        egress: bool,
        rule_number: u32,
        cidr: String,
        from: u16,
        to: u16,
    },
    DisableSourceDestCheck {
        instance: Ref,
    },
    AssociateElasticIp {
        instance: Ref,
    },
    /// The NAT gateways of a Terraform module become one per AZ (the module's own input, where it has one).
    NatGatewayPerZone {
        nat: Ref,
    },
    DeleteEnvironment {
        name: String,
    },
    /// An inline policy added to a role (`role`: its name for the AWS CLI, its ID in code).
    AddRolePolicy {
        role: Ref,
        name: String,
        document: Value,
    },
    /// A role's trust policy replaced.
    SetTrustPolicy {
        role: Ref,
        document: Value,
    },
    /// A statement added to a key's policy (KMS has no command that appends one: the policy is read, edited and
    /// put back).
    AddKeyPolicyStatement {
        key: Ref,
        statement: Value,
    },
    /// The bucket's versioning turned on (it can be suspended later, never turned off).
    EnableBucketVersioning {
        bucket: Ref,
    },
    /// All four of the bucket's Block Public Access settings on.
    BlockBucketPublicAccess {
        bucket: Ref,
        /// The resource that already sets the bucket's block apart from it, whose settings change instead.
        #[serde(skip_serializing_if = "Option::is_none")]
        block: Option<Ref>,
    },
    /// The environment made to wait for resources it does not refer to (`DependsOn`, `depends_on`).
    AddDependsOn {
        resource: Ref,
        on: Vec<Ref>,
    },
    /// A read-only command that shows what to look at; nothing changes, and code has no equivalent.
    Inspect {
        command: String,
    },
}

impl Action {
    /// `None`: the step changes nothing (an inspection).
    pub fn applicability(&self) -> Option<Applicability> {
        use Applicability::*;
        Some(match self {
            Action::AllowTraffic { .. }
            | Action::CreateSecurityGroup { .. }
            | Action::SetVpcAttribute { .. }
            | Action::CreateEndpoint { .. }
            | Action::EnableEndpointPrivateDns { .. }
            | Action::AddEndpointRouteTables { .. }
            | Action::AddEndpointSubnets { .. }
            | Action::CreateRouteTable { .. }
            | Action::CreateNatGateway { .. }
            | Action::CreateInternetGateway { .. }
            | Action::AddNetworkAclEntry { .. }
            | Action::DisableSourceDestCheck { .. }
            | Action::AssociateElasticIp { .. }
            | Action::AddRolePolicy { .. }
            | Action::EnableBucketVersioning { .. }
            | Action::BlockBucketPublicAccess { .. } => Safe,
            Action::RouteDefault { replace, .. } => {
                if *replace {
                    Unsafe
                } else {
                    Safe
                }
            }
            Action::AssociateRouteTable { replaces, .. } => match replaces {
                Replaces::Nothing => Safe,
                Replaces::Association(_) => Unsafe,
            },
            Action::UseAmazonProvidedDns { .. }
            | Action::ReplaceEndpointPolicy { .. }
            | Action::DeleteRoute { .. }
            | Action::SetTrustPolicy { .. } => Unsafe,
            // The code's own dependency attribute, which `--fix` does not edit.
            Action::AcceptEndpointConnections { .. }
            | Action::NatGatewayPerZone { .. }
            | Action::DeleteEnvironment { .. }
            | Action::AddDependsOn { .. }
            | Action::AddKeyPolicyStatement { .. } => Manual,
            Action::Inspect { .. } => return None,
        })
    }
}

/// A remedy as written for a reader: prose, and code to paste (commands, YAML, HCL, TypeScript), so that
/// Markdown fences the code and the HTML page copies the code alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rendered {
    Prose(String),
    Code(String),
}

impl Rendered {
    pub fn text(&self) -> &str {
        match self {
            Rendered::Prose(text) | Rendered::Code(text) => text,
        }
    }

    /// The pieces as one text, a line apart (the JSON `remediation`).
    pub fn join(pieces: &[Rendered]) -> String {
        pieces.iter().map(Rendered::text).filter(|t| !t.is_empty()).collect::<Vec<_>>().join("\n")
    }
}

/// A part of a remedy, in the order it is read.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Prose, the same in every language.
    Say(String),
    Do(Action),
}

/// What to do about a finding: prose and actions. `profile`: the AWS CLI profile the commands need when
/// they must run in another account (a shared VPC's owner).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Remedy {
    pub parts: Vec<Part>,
    pub profile: Option<&'static str>,
}

impl Remedy {
    pub fn say(text: impl Into<String>) -> Self {
        Remedy { parts: vec![Part::Say(text.into())], profile: None }
    }

    pub fn action(action: Action) -> Self {
        Remedy { parts: vec![Part::Do(action)], profile: None }
    }

    pub fn then(mut self, action: Action) -> Self {
        self.parts.push(Part::Do(action));
        self
    }

    pub fn then_say(mut self, text: impl Into<String>) -> Self {
        self.parts.push(Part::Say(text.into()));
        self
    }

    pub fn then_all(mut self, other: Remedy) -> Self {
        self.parts.extend(other.parts);
        self
    }

    pub fn in_profile(mut self, profile: &'static str) -> Self {
        self.profile = Some(profile);
        self
    }

    pub fn actions(&self) -> impl Iterator<Item = &Action> {
        self.parts.iter().filter_map(|p| match p {
            Part::Do(action) => Some(action),
            Part::Say(_) => None,
        })
    }

    /// The most restrictive step's; `None` when no step changes anything.
    pub fn applicability(&self) -> Option<Applicability> {
        self.actions().filter_map(Action::applicability).max()
    }

    /// The remedy as text in `language`. `names`: the code's name of each resource's AWS ID (Terraform
    /// addresses), or each logical ID's construct path (CDK), so that the changes refer to the code.
    /// `form`: how the template is written (its YAML forms or JSON), for CloudFormation.
    pub fn render(&self, language: Language, names: &BTreeMap<String, String>, form: Form) -> Vec<Rendered> {
        match language {
            Language::AwsCli => cli::render(self),
            Language::CloudFormation | Language::Terraform => code::render(self, language, names, form, &|_| None),
            Language::Cdk => cdk::render(self, names),
        }
    }
}

impl From<&str> for Remedy {
    fn from(text: &str) -> Self {
        Remedy::say(text)
    }
}

impl From<String> for Remedy {
    fn from(text: String) -> Self {
        Remedy::say(text)
    }
}

impl From<Action> for Remedy {
    fn from(action: Action) -> Self {
        Remedy::action(action)
    }
}

/// In JSON a remedy is its applicability and its steps (the prose is the finding's `remediation`).
impl Serialize for Remedy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Step<'a> {
            #[serde(flatten)]
            action: &'a Action,
            applicability: Option<Applicability>,
        }
        let steps: Vec<Step<'_>> = self
            .actions()
            .filter(|a| a.applicability().is_some())
            .map(|action| Step { action, applicability: action.applicability() })
            .collect();
        let mut fix = serializer.serialize_struct("Fix", 2)?;
        fix.serialize_field("applicability", &self.applicability())?;
        fix.serialize_field("steps", &steps)?;
        fix.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remedy_is_as_restrictive_as_its_most_restrictive_step() {
        let table = Ref::id("rtb-1");
        let route = |replace| Action::RouteDefault {
            table: table.clone(),
            to: RouteTo::NatGateway(Ref::New { new: Created::NatGateway }),
            replace,
        };
        let safe = Remedy::action(Action::CreateNatGateway { subnet: Ref::id("subnet-1") }).then(route(false));
        assert_eq!(safe.applicability(), Some(Applicability::Safe));
        assert_eq!(safe.clone().then(route(true)).applicability(), Some(Applicability::Unsafe));
        assert_eq!(Remedy::say("Pick another subnet.").applicability(), None);
        assert_eq!(Remedy::action(Action::Inspect { command: "aws ec2 describe-vpcs".into() }).applicability(), None);
        let json = serde_json::to_value(&safe).expect("serializes");
        assert_eq!(json["steps"][1]["to"]["nat_gateway"]["new"], "nat_gateway");
        assert_eq!(json["steps"][0]["action"], "create_nat_gateway");
    }
}
