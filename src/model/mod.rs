//! The network model: the snapshot's members, indexed by ID, with what every analysis needs to look up.
//! Built once per input and shared read-only by all targets (and threads).

pub mod policy;
pub mod snapshot;

use std::collections::HashMap;

use ipnet::Ipv4Net;

use policy::Policy;
pub use snapshot::*;

/// The VPC of a security group the code creates without naming one: the Region's default VPC, whose ID
/// only the account knows.
pub const DEFAULT_VPC: &str = "the Region's default VPC";

/// The account a template deploys to when no snapshot names it: one symbol for `AWS::AccountId`, so that an
/// ARN a policy builds with it and the environment's own ARNs are the same account, as they will be once
/// deployed, while a policy naming a literal account proves nothing about it.
pub const DEPLOYING_ACCOUNT: &str = "{AccountId}";

/// The AWS services an environment may reach through VPC endpoints (`com.amazonaws.<region>.<short>`;
/// RULES.md's VPCE section says which are required): the analysis ranks them, the collector asks
/// DescribeVpcEndpointServices about them.
pub const MWAA_AWS_SERVICES: [&str; 10] =
    ["s3", "sqs", "logs", "monitoring", "kms", "ecr.api", "ecr.dkr", "airflow.api", "airflow.env", "airflow.ops"];

pub fn aws_service_name(region: &str, short: &str) -> String {
    format!("com.amazonaws.{region}.{short}")
}

/// Which member of the snapshot a rule needs; absent members make the rule skip, never pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    Vpcs,
    Subnets,
    RouteTables,
    NetworkAcls,
    SecurityGroups,
    VpcEndpoints,
    NatGateways,
    /// The interfaces of NAT instances (instance and interface route targets).
    NetworkInterfaces,
    InternetGateways,
    PrefixLists,
    DhcpOptions,
    VpcAttributes,
    VpcEndpointServices,
    EvaluationResults,
    Roles,
    RolePolicies,
    AttachedRolePolicies,
    PolicyVersions,
    Keys,
    KeyPolicies,
    KeyGrants,
    BucketLocations,
    BucketVersioning,
    BucketPublicAccessBlock,
    AccountPublicAccessBlock,
    BucketPolicies,
    BucketEncryption,
    ObjectVersions,
    ObjectTexts,
}

impl Member {
    pub fn name(self) -> &'static str {
        match self {
            Member::Vpcs => "Vpcs",
            Member::Subnets => "Subnets",
            Member::RouteTables => "RouteTables",
            Member::NetworkAcls => "NetworkAcls",
            Member::SecurityGroups => "SecurityGroups",
            Member::VpcEndpoints => "VpcEndpoints",
            Member::NatGateways => "NatGateways",
            Member::NetworkInterfaces => "NetworkInterfaces",
            Member::InternetGateways => "InternetGateways",
            Member::PrefixLists => "PrefixLists",
            Member::DhcpOptions => "DhcpOptions",
            Member::VpcAttributes => "VpcAttributes",
            Member::VpcEndpointServices => "VpcEndpointServices",
            Member::EvaluationResults => "EvaluationResults",
            Member::Roles => "Roles",
            Member::RolePolicies => "RolePolicies",
            Member::AttachedRolePolicies => "AttachedRolePolicies",
            Member::PolicyVersions => "PolicyVersions",
            Member::Keys => "Keys",
            Member::KeyPolicies => "KeyPolicies",
            Member::KeyGrants => "KeyGrants",
            Member::BucketLocations => "BucketLocations",
            Member::BucketVersioning => "BucketVersioning",
            Member::BucketPublicAccessBlock => "BucketPublicAccessBlock",
            Member::AccountPublicAccessBlock => "AccountPublicAccessBlock",
            Member::BucketPolicies => "BucketPolicies",
            Member::BucketEncryption => "BucketEncryption",
            Member::ObjectVersions => "ObjectVersions",
            Member::ObjectTexts => "ObjectTexts",
        }
    }

    /// The read-only API call that fills the member (named in skip reasons).
    pub fn api_action(self) -> &'static str {
        match self {
            Member::Vpcs => "ec2:DescribeVpcs",
            Member::Subnets => "ec2:DescribeSubnets",
            Member::RouteTables => "ec2:DescribeRouteTables",
            Member::NetworkAcls => "ec2:DescribeNetworkAcls",
            Member::SecurityGroups => "ec2:DescribeSecurityGroups",
            Member::VpcEndpoints => "ec2:DescribeVpcEndpoints",
            Member::NatGateways => "ec2:DescribeNatGateways",
            Member::NetworkInterfaces => "ec2:DescribeNetworkInterfaces",
            Member::InternetGateways => "ec2:DescribeInternetGateways",
            Member::PrefixLists => "ec2:DescribePrefixLists",
            Member::DhcpOptions => "ec2:DescribeDhcpOptions",
            Member::VpcAttributes => "ec2:DescribeVpcAttribute",
            Member::VpcEndpointServices => "ec2:DescribeVpcEndpointServices",
            Member::EvaluationResults => "iam:SimulatePrincipalPolicy",
            Member::Roles => "iam:GetRole",
            Member::RolePolicies => "iam:GetRolePolicy",
            Member::AttachedRolePolicies => "iam:ListAttachedRolePolicies",
            Member::PolicyVersions => "iam:GetPolicyVersion",
            Member::Keys => "kms:DescribeKey",
            Member::KeyPolicies => "kms:GetKeyPolicy",
            Member::KeyGrants => "kms:ListGrants",
            Member::BucketLocations => "s3:GetBucketLocation",
            Member::BucketVersioning => "s3:GetBucketVersioning",
            Member::BucketPublicAccessBlock => "s3:GetBucketPublicAccessBlock",
            Member::AccountPublicAccessBlock => "s3:GetAccountPublicAccessBlock",
            Member::BucketPolicies => "s3:GetBucketPolicy",
            Member::BucketEncryption => "s3:GetEncryptionConfiguration",
            Member::ObjectVersions => "s3:ListBucketVersions",
            Member::ObjectTexts => "s3:GetObjectVersion",
        }
    }
}

/// A VPC endpoint's policy as parsed at load time (no policy means full access).
#[derive(Debug)]
pub enum EndpointPolicy {
    FullAccess,
    Document(Policy),
    /// The input cannot tell (a template's policy names what only the deployment knows), with why.
    Unknown(String),
}

pub struct Network {
    pub snapshot: Snapshot,
    subnets: HashMap<String, usize>,
    security_groups: HashMap<String, usize>,
    endpoints: HashMap<String, usize>,
    nat_gateways: HashMap<String, usize>,
    route_table_by_subnet: HashMap<String, usize>,
    main_route_table_by_vpc: HashMap<String, usize>,
    nacl_by_subnet: HashMap<String, usize>,
    default_nacl_by_vpc: HashMap<String, usize>,
    /// Entries of each NACL sorted by rule number: evaluation order, not API order.
    sorted_nacl_entries: Vec<Vec<NetworkAclEntry>>,
    prefix_list_cidrs: HashMap<String, Vec<Ipv4Net>>,
    endpoint_policies: Vec<EndpointPolicy>,
}

/// A policy document that is not valid JSON policy: reported with the endpoint it belongs to.
#[derive(Debug)]
pub struct BadPolicy {
    pub endpoint_id: String,
    pub reason: String,
}

impl Network {
    pub fn new(snapshot: Snapshot) -> Result<Self, BadPolicy> {
        fn index<T>(items: Option<&Vec<T>>, id: impl Fn(&T) -> &str) -> HashMap<String, usize> {
            items.into_iter().flatten().enumerate().map(|(i, item)| (id(item).to_string(), i)).collect()
        }
        let subnets = index(snapshot.subnets.as_ref(), |s| &s.subnet_id);
        let security_groups = index(snapshot.security_groups.as_ref(), |g| &g.group_id);
        let endpoints = index(snapshot.vpc_endpoints.as_ref(), |e| &e.vpc_endpoint_id);
        let nat_gateways = index(snapshot.nat_gateways.as_ref(), |n| &n.nat_gateway_id);

        let mut route_table_by_subnet = HashMap::new();
        let mut main_route_table_by_vpc = HashMap::new();
        for (i, table) in snapshot.route_tables.iter().flatten().enumerate() {
            for assoc in &table.associations {
                if assoc.main {
                    main_route_table_by_vpc.insert(table.vpc_id.clone(), i);
                }
                if let Some(subnet) = &assoc.subnet_id {
                    route_table_by_subnet.insert(subnet.clone(), i);
                }
            }
        }

        let mut nacl_by_subnet = HashMap::new();
        let mut default_nacl_by_vpc = HashMap::new();
        let mut sorted_nacl_entries = Vec::new();
        for (i, acl) in snapshot.network_acls.iter().flatten().enumerate() {
            for assoc in &acl.associations {
                nacl_by_subnet.insert(assoc.subnet_id.clone(), i);
            }
            if acl.is_default {
                default_nacl_by_vpc.insert(acl.vpc_id.clone(), i);
            }
            let mut entries = acl.entries.clone();
            entries.sort_by_key(|e| e.rule_number);
            sorted_nacl_entries.push(entries);
        }

        // MWAA's traffic is IPv4: the IPv6 entries of a list never match it.
        fn ipv4<'a>(cidrs: impl Iterator<Item = &'a ipnet::IpNet>) -> Vec<Ipv4Net> {
            cidrs.filter_map(|c| if let ipnet::IpNet::V4(v4) = c { Some(*v4) } else { None }).collect()
        }
        let mut prefix_list_cidrs: HashMap<String, Vec<Ipv4Net>> = HashMap::new();
        for list in snapshot.prefix_lists.iter().flatten().filter(|l| !l.cidrs.is_empty()) {
            prefix_list_cidrs.insert(list.prefix_list_id.clone(), ipv4(list.cidrs.iter()));
        }
        for (id, entries) in snapshot.managed_prefix_list_entries.iter().flatten() {
            prefix_list_cidrs.insert(id.clone(), ipv4(entries.iter().map(|e| &e.cidr)));
        }

        let mut endpoint_policies = Vec::new();
        for endpoint in snapshot.vpc_endpoints.iter().flatten() {
            let unknown = snapshot.not_captured.as_ref().and_then(|n| n.get(&unknown_policy_key(&endpoint.vpc_endpoint_id)));
            if let Some(why) = unknown {
                endpoint_policies.push(EndpointPolicy::Unknown(why.clone()));
                continue;
            }
            let policy = match endpoint.policy_document.as_deref() {
                None => EndpointPolicy::FullAccess,
                Some(text) => EndpointPolicy::Document(
                    Policy::parse(text).map_err(|reason| BadPolicy { endpoint_id: endpoint.vpc_endpoint_id.clone(), reason })?,
                ),
            };
            endpoint_policies.push(policy);
        }

        Ok(Self {
            snapshot,
            subnets,
            security_groups,
            endpoints,
            nat_gateways,
            route_table_by_subnet,
            main_route_table_by_vpc,
            nacl_by_subnet,
            default_nacl_by_vpc,
            sorted_nacl_entries,
            prefix_list_cidrs,
            endpoint_policies,
        })
    }

    /// Why a member is absent: the reason the collector recorded, else the call that fills it.
    pub fn why_absent(&self, member: Member) -> String {
        match self.snapshot.not_captured.as_ref().and_then(|r| r.get(member.name())) {
            Some(reason) => format!("{}: {reason}", member.name()),
            None => format!("not captured: {} ({})", member.name(), member.api_action()),
        }
    }

    /// Why the input cannot tell something `member` would: `lacking` (what the captured member lacks), or,
    /// when the member is absent, why it is.
    pub fn gap(&self, member: Member, lacking: impl FnOnce() -> String) -> String {
        if self.has(member) {
            lacking()
        } else {
            self.why_absent(member)
        }
    }

    pub fn has(&self, member: Member) -> bool {
        let s = &self.snapshot;
        match member {
            Member::Vpcs => s.vpcs.is_some(),
            Member::Subnets => s.subnets.is_some(),
            Member::RouteTables => s.route_tables.is_some(),
            Member::NetworkAcls => s.network_acls.is_some(),
            Member::SecurityGroups => s.security_groups.is_some(),
            Member::VpcEndpoints => s.vpc_endpoints.is_some(),
            Member::NatGateways => s.nat_gateways.is_some(),
            Member::NetworkInterfaces => s.network_interfaces.is_some(),
            Member::InternetGateways => s.internet_gateways.is_some(),
            Member::PrefixLists => s.prefix_lists.is_some() || s.managed_prefix_list_entries.is_some(),
            Member::DhcpOptions => s.dhcp_options.is_some(),
            Member::VpcAttributes => s.vpc_attributes.is_some(),
            Member::VpcEndpointServices => s.vpc_endpoint_services.is_some(),
            Member::EvaluationResults => s.evaluation_results.is_some(),
            Member::Roles => s.roles.is_some() || s.roles_not_found.is_some(),
            Member::RolePolicies => s.role_policies.is_some(),
            Member::AttachedRolePolicies => s.attached_role_policies.is_some(),
            Member::PolicyVersions => s.policy_versions.is_some(),
            Member::Keys => s.keys.is_some(),
            Member::KeyPolicies => s.key_policies.is_some(),
            Member::KeyGrants => s.key_grants.is_some(),
            Member::BucketLocations => s.bucket_locations.is_some() || s.buckets_not_found.is_some(),
            Member::BucketVersioning => s.bucket_versioning.is_some(),
            Member::BucketPublicAccessBlock => s.bucket_public_access_block.is_some(),
            Member::AccountPublicAccessBlock => s.account_public_access_block.is_some(),
            Member::BucketPolicies => s.bucket_policies.is_some(),
            Member::BucketEncryption => s.bucket_encryption.is_some(),
            Member::ObjectVersions => s.object_versions.is_some(),
            Member::ObjectTexts => s.object_texts.is_some(),
        }
    }

    pub fn subnet(&self, id: &str) -> Option<&Subnet> {
        self.subnets.get(id).and_then(|&i| self.snapshot.subnets.as_ref()?.get(i))
    }

    pub fn security_group(&self, id: &str) -> Option<&SecurityGroup> {
        self.security_groups.get(id).and_then(|&i| self.snapshot.security_groups.as_ref()?.get(i))
    }

    pub fn endpoint(&self, id: &str) -> Option<&VpcEndpoint> {
        self.endpoints.get(id).and_then(|&i| self.snapshot.vpc_endpoints.as_ref()?.get(i))
    }

    pub fn endpoint_policy(&self, id: &str) -> Option<&EndpointPolicy> {
        self.endpoints.get(id).and_then(|&i| self.endpoint_policies.get(i))
    }

    pub fn nat_gateway(&self, id: &str) -> Option<&NatGateway> {
        self.nat_gateways.get(id).and_then(|&i| self.snapshot.nat_gateways.as_ref()?.get(i))
    }

    /// The interface a route's instance or interface target names: the interface itself, or the one
    /// attached to the instance (a NAT instance's).
    pub fn nat_interface(&self, target: &str) -> Option<&NetworkInterface> {
        let mut interfaces = self.snapshot.network_interfaces.iter().flatten();
        interfaces
            .clone()
            .find(|i| i.network_interface_id == target)
            .or_else(|| interfaces.find(|i| i.attachment.as_ref().and_then(|a| a.instance_id.as_deref()) == Some(target)))
    }

    /// A NAT instance's subnet: its interface's, when the input holds both.
    pub fn interface_subnet(&self, interface: &NetworkInterface) -> Option<&Subnet> {
        self.subnet(interface.subnet_id.as_deref()?)
    }

    /// What findings call a NAT instance a route names by its interface: the instance it is attached to
    /// (the resource a user changes), else the target as the route gives it.
    pub fn nat_instance_name<'a>(&'a self, target: &'a str) -> &'a str {
        self.nat_interface(target).and_then(|i| i.attachment.as_ref()?.instance_id.as_deref()).unwrap_or(target)
    }

    /// A zonal NAT gateway's subnet, when the snapshot holds it (a regional gateway has none).
    pub fn nat_subnet(&self, nat: &NatGateway) -> Option<&Subnet> {
        self.subnet(nat.subnet_id.as_deref()?)
    }

    pub fn vpc(&self, id: &str) -> Option<&Vpc> {
        self.snapshot.vpcs.iter().flatten().find(|v| v.vpc_id == id)
    }

    /// The VPC's IPv4 CIDRs: from the VPC itself, else (VPCs not captured) its subnets' CIDRs.
    pub fn vpc_cidrs(&self, vpc_id: &str) -> Vec<Ipv4Net> {
        match self.vpc(vpc_id) {
            Some(vpc) => vpc.cidr_block.into_iter().chain(vpc.cidr_block_association_set.iter().map(|a| a.cidr_block)).collect(),
            None => self.subnets_in_vpc(vpc_id).filter_map(|s| s.cidr_block).collect(),
        }
    }

    pub fn subnets_in_vpc<'a>(&'a self, vpc_id: &'a str) -> impl Iterator<Item = &'a Subnet> + 'a {
        self.snapshot.subnets.iter().flatten().filter(move |s| s.vpc_id == vpc_id)
    }

    /// The route table a subnet uses: its explicit association, else its VPC's main table. `None` also when
    /// that table holds a route the input cannot tell (see [`Network::route_table_gap`]).
    pub fn effective_route_table(&self, subnet: &Subnet) -> Option<(&RouteTable, Association)> {
        self.associated_route_table(subnet).filter(|(t, _)| self.unknown_route_table(&t.route_table_id).is_none())
    }

    fn associated_route_table(&self, subnet: &Subnet) -> Option<(&RouteTable, Association)> {
        let tables = self.snapshot.route_tables.as_ref()?;
        if let Some(&i) = self.route_table_by_subnet.get(&subnet.subnet_id) {
            return tables.get(i).map(|t| (t, Association::Explicit));
        }
        let &i = self.main_route_table_by_vpc.get(&subnet.vpc_id)?;
        tables.get(i).map(|t| (t, Association::Main))
    }

    /// Why one route table's routes are not known (a route whose destination or target a template or plan
    /// learns only at deployment): only the subnets using that table are unknown, not every table.
    pub fn unknown_route_table(&self, id: &str) -> Option<&str> {
        self.snapshot.not_captured.as_ref()?.get(&unknown_route_table_key(id)).map(String::as_str)
    }

    /// Why no route table is known for a subnet: its table's routes are unknown, RouteTables is absent, or
    /// it holds neither an association for the subnet nor its VPC's main table.
    pub fn route_table_gap(&self, subnet: &Subnet) -> String {
        if let Some((table, _)) = self.associated_route_table(subnet) {
            if let Some(why) = self.unknown_route_table(&table.route_table_id) {
                return format!("route table {}: {why}", table.route_table_id);
            }
        }
        self.gap(Member::RouteTables, || {
            format!("RouteTables holds no table for {} (its association or the VPC's main table)", subnet.subnet_id)
        })
    }

    /// The NACL a subnet uses (every subnet has exactly one; unassociated means the VPC default) with its
    /// entries in evaluation order.
    pub fn effective_nacl(&self, subnet: &Subnet) -> Option<(&NetworkAcl, &[NetworkAclEntry])> {
        let acls = self.snapshot.network_acls.as_ref()?;
        let &i = self.nacl_by_subnet.get(&subnet.subnet_id).or_else(|| self.default_nacl_by_vpc.get(&subnet.vpc_id))?;
        Some((acls.get(i)?, self.sorted_nacl_entries.get(i)?.as_slice()))
    }

    /// A prefix list's IPv4 CIDRs, when captured (by DescribePrefixLists or its entries).
    pub fn prefix_list_cidrs(&self, id: &str) -> Option<&[Ipv4Net]> {
        self.prefix_list_cidrs.get(id).map(Vec::as_slice)
    }

    /// The AWS-managed prefix list of a service (`com.amazonaws.<region>.s3`).
    pub fn prefix_list_named(&self, name: &str) -> Option<&PrefixList> {
        self.snapshot.prefix_lists.iter().flatten().find(|p| p.prefix_list_name.as_deref() == Some(name))
    }

    pub fn has_internet_gateway(&self, igw_id: &str) -> bool {
        self.snapshot.internet_gateways.iter().flatten().any(|g| g.internet_gateway_id == igw_id)
    }

    pub fn internet_gateway_attached(&self, igw_id: &str, vpc_id: &str) -> Option<bool> {
        let gateways = self.snapshot.internet_gateways.as_ref()?;
        Some(gateways.iter().any(|g| g.internet_gateway_id == igw_id && attached(g, vpc_id)))
    }

    /// The internet gateway attached to a VPC, if the snapshot holds one.
    pub fn internet_gateway_of(&self, vpc_id: &str) -> Option<&InternetGateway> {
        self.snapshot.internet_gateways.iter().flatten().find(|g| attached(g, vpc_id))
    }
}

fn attached(gateway: &InternetGateway, vpc_id: &str) -> bool {
    gateway.attachments.iter().any(|a| {
        a.vpc_id == vpc_id && a.state.as_deref().is_none_or(|s| s.eq_ignore_ascii_case("available") || s.eq_ignore_ascii_case("attached"))
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Association {
    Explicit,
    Main,
}

/// The most frequent value; ties go to the first seen (so the first subnet's VPC wins a tie).
pub fn majority<'a>(values: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for value in values {
        match counts.iter_mut().find(|(v, _)| *v == value) {
            Some((_, n)) => *n += 1,
            None => counts.push((value, 1)),
        }
    }
    let best = counts.iter().map(|(_, n)| *n).max()?;
    counts.into_iter().find(|(_, n)| *n == best).map(|(v, _)| v)
}

/// The ARN partition of a region.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The `not_captured` key saying why one route table's routes are unknown.
pub fn unknown_route_table_key(id: &str) -> String {
    format!("RouteTables/{id}")
}

/// The `not_captured` key saying why one endpoint's policy is unknown.
pub fn unknown_policy_key(id: &str) -> String {
    format!("VpcEndpoints/{id}/PolicyDocument")
}
