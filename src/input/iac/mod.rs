//! What the infrastructure-as-code readers share: the model they build onto (over a base snapshot), what
//! every new VPC brings, the items that attach to other resources by ID, and what stays unknown.

use std::collections::{BTreeMap, HashMap};

use ipnet::Ipv4Net;

use super::{live, target_error, AwsAccess, InputError, Selection};

pub mod props;
pub mod types;
mod value;

use crate::model::snapshot::*;
use crate::model::Member;
use crate::target::{CodeBucket, KeyGiven, Language, PolicyOf, PolicyOrder, RoleGiven, SeparatePolicy, Settings};
pub use value::Value;

/// An error at a spot of one of the files read: its index and byte offset.
#[derive(Debug)]
pub struct Located {
    pub source: usize,
    pub offset: usize,
    pub message: String,
}

/// What the sources describe: the network (over the base snapshot's), the environments, and what was not
/// modelled.
pub struct Built {
    pub snapshot: Snapshot,
    pub environments: Vec<PlannedEnvironment>,
    /// Resource types not modelled, once each.
    pub unmodeled: Vec<String>,
    /// Existing resources the templates refer to but no input describes (what `--live` reads).
    pub external: External,
    /// Read from the templates alone (no snapshot, no account).
    pub alone: bool,
    /// Members the templates make unknowable, with why (emptied by [`Built::finish`]).
    pub unknown: BTreeMap<&'static str, String>,
    /// What the sources are called in messages ("template", "plan").
    pub kind: &'static str,
    /// Why the environment's own subnets or groups are not known: they exist already and no input
    /// describes them (read alone, that leaves nothing to check).
    pub existing_target: Option<String>,
}

impl Built {
    /// The environment's subnets and groups that no input describes: existing ones (by their AWS IDs),
    /// unknown when the templates are read alone.
    pub fn note_external(&mut self, subnet_ids: &[String], group_ids: &[String]) {
        let subnets: Vec<&String> =
            subnet_ids.iter().filter(|id| !self.snapshot.subnets.iter().flatten().any(|s| &s.subnet_id == *id)).collect();
        let groups: Vec<&String> =
            group_ids.iter().filter(|id| !self.snapshot.security_groups.iter().flatten().any(|g| &g.group_id == *id)).collect();
        for (ids, list, member, kind) in [
            (subnets, &mut self.external.subnets, Member::Subnets, "subnet"),
            (groups, &mut self.external.groups, Member::SecurityGroups, "security group"),
        ] {
            for id in ids {
                let before = list.len();
                External::note(list, id);
                if self.alone && list.len() > before {
                    let why =
                        format!("{kind} {id} is not in the {} (it exists already): pass --snapshot FILE or --live to read it", self.kind);
                    self.existing_target.get_or_insert_with(|| why.clone());
                    self.unknown.entry(member.name()).or_insert(why);
                }
            }
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct External {
    pub vpcs: Vec<String>,
    pub subnets: Vec<String>,
    pub groups: Vec<String>,
}

impl External {
    #[cfg(feature = "aws")]
    pub fn is_empty(&self) -> bool {
        self.vpcs.is_empty() && self.subnets.is_empty() && self.groups.is_empty()
    }

    /// Only what can be an AWS ID: a logical ID no template defines is SUB002's or SG002's finding.
    pub fn note(list: &mut Vec<String>, id: &str) {
        let aws_id = ["vpc-", "subnet-", "sg-"].iter().any(|p| id.starts_with(p));
        if aws_id && !list.iter().any(|i| i == id) {
            list.push(id.to_string());
        }
    }
}

/// An `AWS::MWAA::Environment` of a template: the settings it gives.
pub struct PlannedEnvironment {
    pub logical_id: String,
    pub environment: Environment,
    /// Why its subnet or security group IDs are not known before deployment, when they are not.
    pub unknown_ids: Vec<String>,
    /// How its KmsKey is written (a reference to a key or an alias of the code), when the code says.
    pub kms_key_given: Option<KeyGiven>,
    /// How its ExecutionRoleArn is written (a reference to a role of the code), when the code says.
    pub execution_role_given: Option<RoleGiven>,
    /// Its ID in the model.
    pub id: String,
    /// The policies created apart from their roles, and what the environment waits for.
    pub policy_order: PolicyOrder,
    /// Its source bucket, when the code creates it or a state holds it.
    pub source_bucket: Option<CodeBucket>,
}

/// What a resource of its own, or the bucket's own properties, say of a bucket (by its name or ID).
pub enum BucketLink {
    Versioning(BucketVersioning),
    /// With the resource that sets it apart from the bucket (Terraform's), if one does.
    Block(PublicAccessBlock, Option<String>),
    Policy(BucketPolicy),
    Encryption(BucketEncryption),
    Object(ObjectVersion),
}

/// A policy a resource of its own gives a role (by the role's name or ID as the code writes it).
pub enum RoleLink {
    Inline { policy: RolePolicy, source: String },
    Attached { policy: AttachedPolicy, source: String },
}

impl Built {
    /// The network as read: members the templates make unknowable are absent, with why.
    pub fn finish(mut self) -> Self {
        for (member, why) in std::mem::take(&mut self.unknown) {
            clear(&mut self.snapshot, member);
            self.snapshot.not_captured.get_or_insert_with(BTreeMap::new).insert(member.to_string(), why);
        }
        self
    }
}

/// Collects items onto the base snapshot; `unknown` notes members the templates make unknowable.
pub struct Model {
    pub snapshot: Snapshot,
    pub unknown: BTreeMap<&'static str, String>,
    /// Items that attach to another resource by ID, applied once every resource is in.
    /// Routes with the source (index) and byte offset that add them, for the error of a route given twice.
    pub routes: Vec<(String, Route, usize, usize)>,
    /// The environments read.
    pub environments: Vec<PlannedEnvironment>,
    /// AZ IDs by name, where a data source lists both.
    pub zone_ids: HashMap<String, String>,
    pub table_associations: Vec<(String, String)>,
    pub acl_associations: Vec<(String, String)>,
    pub acl_entries: Vec<(String, NetworkAclEntry)>,
    pub rules: Vec<(String, bool, IpPermission)>,
    pub gateway_attachments: Vec<(String, String)>,
    pub dhcp_associations: Vec<(String, String)>,
    pub vpc_cidrs: Vec<(String, Ipv4Net)>,
    /// What separate resources add to an endpoint (Terraform's `aws_vpc_endpoint_*_association`, `_policy`).
    pub endpoint_links: Vec<(String, EndpointLink)>,
    /// Network interfaces attached to instances: (interface, instance).
    pub interface_attachments: Vec<(String, String)>,
    /// Public addresses of instances or interfaces (by either ID): NAT instances' way out.
    pub public_addresses: Vec<(String, PublicAddress)>,
    /// Main route table associations that move the main table (Terraform's `aws_main_route_table_association`).
    pub main_tables: Vec<(String, String)>,
    /// Parts of one resource that are unknown (an endpoint's policy, a route table's routes), by their
    /// `not_captured` key: only what depends on that resource is unknown.
    pub unknown_parts: BTreeMap<String, String>,
    /// Default security groups whose default rules a custom resource revokes when the stack deploys (the
    /// CDK's `Custom::VpcRestrictDefaultSG`, on by default in new apps).
    pub restricted_default_groups: Vec<String>,
    pub external: External,
    /// What the sources are called in messages ("template", "plan").
    pub kind: &'static str,
    /// The region deployed to: its partition is every ARN's.
    pub region: String,
    /// Roles by (ID, key): a policy may name a role by either.
    pub role_ids: Vec<(String, String)>,
    /// Policies that resources of their own give roles, joined to them once every role is in.
    pub role_links: Vec<(String, RoleLink)>,
    /// What each resource refers to or depends on, by ID (the order CloudFormation and Terraform create in).
    pub dependencies: BTreeMap<String, Vec<String>>,
    /// The buckets of the code, and what configures them, joined once every bucket is in.
    pub buckets: Vec<CodeBucket>,
    pub bucket_links: Vec<(String, BucketLink)>,
}

/// How an instance's interface gets its public IPv4 address.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PublicAddress {
    /// Its subnet's MapPublicIpOnLaunch decides (nothing said on the instance).
    SubnetDefault,
    /// Assigned at launch (AssociatePublicIpAddress).
    AtLaunch,
    /// An Elastic IP, by its allocation (the EIP's ID in the code).
    Elastic(String),
}

/// A NAT instance's primary interface as a template or plan describes the instance: the instance's own ID
/// with this suffix, in `subnet_id`, its source/destination check on unless turned off (AWS's default).
pub fn primary_interface(instance: &str, subnet_id: Option<String>, source_dest_check: bool) -> NetworkInterface {
    NetworkInterface {
        network_interface_id: format!("{instance}.PrimaryNetworkInterface"),
        subnet_id,
        vpc_id: None,
        availability_zone: None,
        source_dest_check: Some(source_dest_check),
        status: Some("in-use".into()),
        attachment: Some(InterfaceAttachment { instance_id: Some(instance.to_string()), status: Some("attached".into()) }),
        association: None,
    }
}

/// What a separate resource adds to an endpoint.
pub enum EndpointLink {
    Subnet(String),
    RouteTable(String),
    Group(String),
    /// The policy document, or why it is not known.
    Policy(Result<String, String>),
}

pub fn list<T>(slot: &mut Option<Vec<T>>) -> &mut Vec<T> {
    slot.get_or_insert_with(Vec::new)
}

/// What an unknown value makes unknowable: a whole member, or one part of one resource.
#[derive(Clone, Copy)]
pub enum Scope<'a> {
    Member(Member),
    /// One route table's routes: only the subnets using the table are unknown.
    RouteTable(&'a str),
    EndpointPolicy(&'a str),
}

impl From<Member> for Scope<'_> {
    fn from(member: Member) -> Self {
        Scope::Member(member)
    }
}

impl Model {
    pub fn unknown<'a>(&mut self, scope: impl Into<Scope<'a>>, why: String) {
        match scope.into() {
            Scope::Member(member) => {
                self.unknown.entry(member.name()).or_insert(why);
            }
            Scope::RouteTable(id) => {
                self.unknown_parts.entry(crate::model::unknown_route_table_key(id)).or_insert(why);
            }
            Scope::EndpointPolicy(id) => {
                self.unknown_parts.entry(crate::model::unknown_policy_key(id)).or_insert(why);
            }
        }
    }

    pub fn known<'a, T>(&mut self, scope: impl Into<Scope<'a>>, value: Result<T, String>) -> Option<T> {
        value.map_err(|why| self.unknown(scope, why)).ok()
    }
}

/// What templates alone describe: every member a template can create, empty until resources are added
/// (a template without endpoints creates none). What only the deployment or the account can tell is absent,
/// with why.
pub fn described() -> Snapshot {
    let mut not_captured = BTreeMap::new();
    not_captured.insert(
        Member::VpcEndpointServices.name().to_string(),
        "which Availability Zones an endpoint service offers is the region's fact, not the code's: pass --snapshot with VpcEndpointServices".to_string(),
    );
    not_captured.insert(
        Member::EvaluationResults.name().to_string(),
        "whether the deploying principal may create VPC endpoints is the account's fact: pass --snapshot with EvaluationResults"
            .to_string(),
    );
    let role = "a role the code names only by its ARN is the account's: pass --snapshot with Roles, RolePolicies, AttachedRolePolicies and PolicyVersions";
    for member in [Member::Roles, Member::RolePolicies, Member::AttachedRolePolicies, Member::PolicyVersions] {
        not_captured.insert(member.name().to_string(), role.to_string());
    }
    let bucket = "a bucket the code names only by its ARN is the account's: pass --snapshot with its BucketLocations, BucketVersioning, BucketPublicAccessBlock, BucketPolicies and BucketEncryption";
    for member in [
        Member::BucketLocations,
        Member::BucketVersioning,
        Member::BucketPublicAccessBlock,
        Member::BucketPolicies,
        Member::BucketEncryption,
        Member::ObjectVersions,
    ] {
        not_captured.insert(member.name().to_string(), bucket.to_string());
    }
    not_captured.insert(
        Member::AccountPublicAccessBlock.name().to_string(),
        "the account's public access block is the account's fact: pass --snapshot with AccountPublicAccessBlock".to_string(),
    );
    Snapshot {
        vpcs: Some(Vec::new()),
        subnets: Some(Vec::new()),
        route_tables: Some(Vec::new()),
        network_acls: Some(Vec::new()),
        security_groups: Some(Vec::new()),
        vpc_endpoints: Some(Vec::new()),
        nat_gateways: Some(Vec::new()),
        network_interfaces: Some(Vec::new()),
        internet_gateways: Some(Vec::new()),
        prefix_lists: Some(Vec::new()),
        dhcp_options: Some(Vec::new()),
        vpc_attributes: Some(BTreeMap::new()),
        not_captured: Some(not_captured),
        ..Snapshot::default()
    }
}

/// The members a template describes, joined with the base snapshot's (which also gives the account and
/// region, and may hold what no template can: VpcEndpointServices, EvaluationResults, prefix-list CIDRs).
pub fn over(base: Option<Snapshot>) -> Snapshot {
    let Some(base) = base else { return described() };
    let (Ok(serde_json::Value::Object(mut merged)), Ok(base_value)) = (serde_json::to_value(&base), serde_json::to_value(described()))
    else {
        return base;
    };
    let base_members: Vec<String> = merged.keys().cloned().collect();
    crate::input::merge(&mut merged, base_value);
    // What the base captured is no longer "not captured".
    if let Some(serde_json::Value::Object(reasons)) = merged.get_mut("not_captured") {
        reasons.retain(|member, _| !base_members.contains(member));
    }
    // Both sides are this crate's own types: the round trip cannot fail, and if it did the base stands.
    serde_json::from_value(serde_json::Value::Object(merged)).unwrap_or(base)
}

/// Empties a member the templates make unknowable (absent, so that the rules needing it skip).
pub fn clear(snapshot: &mut Snapshot, member: &str) {
    match member {
        "Vpcs" => snapshot.vpcs = None,
        "Subnets" => snapshot.subnets = None,
        "RouteTables" => snapshot.route_tables = None,
        "NetworkAcls" => snapshot.network_acls = None,
        "SecurityGroups" => snapshot.security_groups = None,
        "VpcEndpoints" => snapshot.vpc_endpoints = None,
        "NatGateways" => snapshot.nat_gateways = None,
        "NetworkInterfaces" => snapshot.network_interfaces = None,
        "InternetGateways" => snapshot.internet_gateways = None,
        "PrefixLists" => {
            snapshot.prefix_lists = None;
            snapshot.managed_prefix_list_entries = None;
        }
        "DhcpOptions" => snapshot.dhcp_options = None,
        "VpcAttributes" => snapshot.vpc_attributes = None,
        _ => {}
    }
}

/// The stand-in ID of a middlebox route target (transit gateway, peering, firewall endpoint, ...) known
/// only at deployment: its kind alone decides the verdict (RT005), so the route is kept under this name
/// instead of making its table unknown.
pub fn middlebox_known_at_deployment(key: &str) -> String {
    format!("({key} known at deployment)")
}

/// Why EC2 would refuse a subnet the code creates (`created`), as `(subnet, message)`: an IPv4 CIDR outside
/// every block of its VPC, or overlapping another subnet of the VPC.
pub fn impossible_subnet(snapshot: &Snapshot, created: impl Fn(&str) -> bool) -> Option<(String, String)> {
    let subnets: Vec<&Subnet> = snapshot.subnets.iter().flatten().collect();
    for subnet in subnets.iter().filter(|s| created(&s.subnet_id)) {
        let Some(cidr) = subnet.cidr_block else { continue };
        if let Some(vpc) = snapshot.vpcs.iter().flatten().find(|v| v.vpc_id == subnet.vpc_id) {
            let blocks: Vec<Ipv4Net> =
                vpc.cidr_block.into_iter().chain(vpc.cidr_block_association_set.iter().map(|a| a.cidr_block)).collect();
            if !blocks.is_empty() && !blocks.iter().any(|b| b.contains(&cidr)) {
                let list = blocks.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
                return Some((
                    subnet.subnet_id.clone(),
                    format!("subnet {} has CIDR {cidr}, outside its VPC {} ({list})", subnet.subnet_id, vpc.vpc_id),
                ));
            }
        }
        let overlapping = subnets.iter().find(|o| {
            o.subnet_id != subnet.subnet_id
                && o.vpc_id == subnet.vpc_id
                && o.cidr_block.is_some_and(|c| c.contains(&cidr) || cidr.contains(&c))
        });
        if let Some(other) = overlapping {
            let other_cidr = other.cidr_block.map(|c| c.to_string()).unwrap_or_default();
            return Some((
                subnet.subnet_id.clone(),
                format!("subnet {} has CIDR {cidr}, which overlaps {} ({other_cidr}) in the same VPC", subnet.subnet_id, other.subnet_id),
            ));
        }
    }
    None
}

/// A customer managed key the code creates has no ARN before deployment: any key of the account, in the
/// region's partition, for the requests the policies must allow.
pub fn key_created_at_deployment(region: &str) -> String {
    format!("arn:{}:kms:{region}:*:key/*", crate::model::partition(region))
}

/// The ID of the prefix list a gateway endpoint's routes name: the input's list of that service (a base
/// snapshot's, with its real ID and CIDRs), else one known by the service's name, whose CIDRs are AWS's.
fn service_prefix_list(lists: &mut Option<Vec<PrefixList>>, service: &str) -> String {
    let lists = list(lists);
    if let Some(known) = lists.iter().find(|l| l.prefix_list_id == service || l.prefix_list_name.as_deref() == Some(service)) {
        return known.prefix_list_id.clone();
    }
    lists.push(PrefixList { prefix_list_id: service.to_string(), prefix_list_name: Some(service.to_string()), cidrs: Vec::new() });
    service.to_string()
}

/// AWS's `*` entries (rule 32767): every NACL ends with them.
pub fn star_entries(action: RuleAction) -> Vec<NetworkAclEntry> {
    [false, true]
        .into_iter()
        .map(|egress| NetworkAclEntry {
            rule_number: 32767,
            protocol: "-1".into(),
            rule_action: action,
            egress,
            cidr_block: Some(Ipv4Net::default()),
            ipv6_cidr_block: None,
            port_range: None,
        })
        .collect()
}

pub fn all_traffic(ip_ranges: Vec<IpRange>, user_id_group_pairs: Vec<UserIdGroupPair>) -> IpPermission {
    IpPermission {
        ip_protocol: "-1".into(),
        from_port: None,
        to_port: None,
        ip_ranges,
        ipv6_ranges: Vec::new(),
        prefix_list_ids: Vec::new(),
        user_id_group_pairs,
    }
}

/// The rules every VPC's default group starts with: all traffic from the group itself, all traffic out.
fn default_group_rules(group_id: &str) -> (IpPermission, IpPermission) {
    let from_itself = all_traffic(Vec::new(), vec![UserIdGroupPair { group_id: group_id.to_string(), user_id: None }]);
    (from_itself, all_traffic(vec![IpRange { cidr_ip: Ipv4Net::default() }], Vec::new()))
}

/// Applies what attaches by ID (associations, routes, rules, entries) to the resource it names, in the
/// template or the base snapshot; an ID in neither is an existing resource this input does not describe.
pub fn attach(model: &mut Model) -> Result<(), Located> {
    let source = model.kind;
    let outside =
        |kind: &str, id: &str| format!("{kind} {id} is not in the {source} (it exists already): pass --snapshot FILE or --live to read it");
    let s = &mut model.snapshot;
    let mut unknown: Vec<(Member, String)> = Vec::new();
    // What the VPC brought (all traffic from the group itself, all traffic out) is revoked; rules the code
    // adds to the group stay.
    for group in std::mem::take(&mut model.restricted_default_groups) {
        if let Some(g) = s.security_groups.iter_mut().flatten().find(|g| g.group_id == group) {
            let (ingress, egress) = default_group_rules(&group);
            g.ip_permissions.retain(|p| *p != ingress);
            g.ip_permissions_egress.retain(|p| *p != egress);
        }
    }
    for (vpc, cidr) in std::mem::take(&mut model.vpc_cidrs) {
        match s.vpcs.iter_mut().flatten().find(|v| v.vpc_id == vpc) {
            Some(v) => v.cidr_block_association_set.push(CidrAssociation { cidr_block: cidr }),
            None => {
                External::note(&mut model.external.vpcs, &vpc);
                unknown.push((Member::Vpcs, outside("VPC", &vpc)));
            }
        }
    }
    for (vpc, cidr) in s
        .vpcs
        .iter()
        .flatten()
        .flat_map(|v| {
            v.cidr_block.into_iter().chain(v.cidr_block_association_set.iter().map(|a| a.cidr_block)).map(move |c| (v.vpc_id.clone(), c))
        })
        .collect::<Vec<_>>()
    {
        // Every table of a VPC has the local route for each of its blocks.
        for table in s.route_tables.iter_mut().flatten().filter(|t| t.vpc_id == vpc) {
            if !table.routes.iter().any(|r| r.destination_cidr_block == Some(cidr) && r.gateway_id.as_deref() == Some("local")) {
                table.routes.insert(
                    0,
                    Route {
                        destination_cidr_block: Some(cidr),
                        gateway_id: Some("local".into()),
                        state: Some("active".into()),
                        ..Route::default()
                    },
                );
            }
        }
    }
    for (table, route, source, offset) in std::mem::take(&mut model.routes) {
        match s.route_tables.iter_mut().flatten().find(|t| t.route_table_id == table) {
            Some(t) => {
                // The same route twice is one (a Terraform state lists a table's aws_route resources inline too).
                let same = |r: &Route| serde_json::to_value(r).ok() == serde_json::to_value(&route).ok();
                if t.routes.iter().any(same) {
                    continue;
                }
                if t.routes.iter().any(|r| r.destination_cidr_block.is_some() && r.destination_cidr_block == route.destination_cidr_block) {
                    let destination = route.destination_cidr_block.map(|c| c.to_string()).unwrap_or_default();
                    return Err(Located { source, offset, message: format!("route table {table} has two routes to {destination}") });
                }
                t.routes.push(route);
            }
            None => unknown.push((Member::RouteTables, outside("route table", &table))),
        }
    }
    for (table, subnet) in std::mem::take(&mut model.table_associations) {
        match s.route_tables.iter_mut().flatten().find(|t| t.route_table_id == table) {
            Some(t) => t.associations.push(RouteTableAssociation {
                main: false,
                route_table_association_id: None,
                subnet_id: Some(subnet),
                gateway_id: None,
            }),
            None => unknown.push((Member::RouteTables, outside("route table", &table))),
        }
    }
    for (acl, subnet) in std::mem::take(&mut model.acl_associations) {
        for other in s.network_acls.iter_mut().flatten() {
            other.associations.retain(|a| a.subnet_id != subnet);
        }
        match s.network_acls.iter_mut().flatten().find(|a| a.network_acl_id == acl) {
            Some(a) => a.associations.push(NetworkAclAssociation { subnet_id: subnet }),
            None => unknown.push((Member::NetworkAcls, outside("network ACL", &acl))),
        }
    }
    for (acl, entry) in std::mem::take(&mut model.acl_entries) {
        match s.network_acls.iter_mut().flatten().find(|a| a.network_acl_id == acl) {
            Some(a) => a.entries.push(entry),
            None => unknown.push((Member::NetworkAcls, outside("network ACL", &acl))),
        }
    }
    for (group, egress, permission) in std::mem::take(&mut model.rules) {
        match s.security_groups.iter_mut().flatten().find(|g| g.group_id == group) {
            Some(g) if egress => g.ip_permissions_egress.push(permission),
            Some(g) => g.ip_permissions.push(permission),
            // A rule the code adds to a group that exists already (opening an RDS group to the
            // environment's): read with the group when --snapshot or --live gives it; otherwise the group
            // is unknown only where the environment uses it (the flows through it say so).
            None => External::note(&mut model.external.groups, &group),
        }
    }
    for (igw, vpc) in std::mem::take(&mut model.gateway_attachments) {
        // None: a VPN gateway's attachment, or an existing gateway's, which the base snapshot describes.
        if let Some(g) = s.internet_gateways.iter_mut().flatten().find(|g| g.internet_gateway_id == igw) {
            g.attachments.push(InternetGatewayAttachment { vpc_id: vpc, state: Some("available".into()) });
        }
    }
    for (vpc, options) in std::mem::take(&mut model.dhcp_associations) {
        match s.vpcs.iter_mut().flatten().find(|v| v.vpc_id == vpc) {
            Some(v) => v.dhcp_options_id = Some(options),
            None => {
                External::note(&mut model.external.vpcs, &vpc);
                unknown.push((Member::DhcpOptions, outside("VPC", &vpc)));
            }
        }
    }
    for (endpoint, link) in std::mem::take(&mut model.endpoint_links) {
        let Some(e) = s.vpc_endpoints.iter_mut().flatten().find(|e| e.vpc_endpoint_id == endpoint) else {
            unknown.push((Member::VpcEndpoints, outside("VPC endpoint", &endpoint)));
            continue;
        };
        match link {
            EndpointLink::Subnet(id) => e.subnet_ids.push(id),
            EndpointLink::Group(id) => e.groups.push(SecurityGroupIdentifier { group_id: id }),
            EndpointLink::Policy(Ok(document)) => e.policy_document = Some(document),
            EndpointLink::Policy(Err(why)) => {
                model.unknown_parts.entry(crate::model::unknown_policy_key(&endpoint)).or_insert(why);
            }
            EndpointLink::RouteTable(table) => {
                // A gateway endpoint routes its service's prefix list in the table.
                let route = Route {
                    destination_prefix_list_id: Some(service_prefix_list(&mut s.prefix_lists, &e.service_name)),
                    gateway_id: Some(endpoint.clone()),
                    state: Some("active".into()),
                    ..Route::default()
                };
                e.route_table_ids.push(table.clone());
                match s.route_tables.iter_mut().flatten().find(|t| t.route_table_id == table) {
                    Some(t) => t.routes.push(route),
                    None => unknown.push((Member::RouteTables, outside("route table", &table))),
                }
            }
        }
    }
    for (vpc, table) in std::mem::take(&mut model.main_tables) {
        for t in s.route_tables.iter_mut().flatten().filter(|t| t.vpc_id == vpc) {
            t.associations.retain(|a| !a.main);
            if t.route_table_id == table {
                t.associations.push(RouteTableAssociation {
                    main: true,
                    route_table_association_id: None,
                    subnet_id: None,
                    gateway_id: None,
                });
            }
        }
    }
    for (interface, instance) in std::mem::take(&mut model.interface_attachments) {
        match s.network_interfaces.iter_mut().flatten().find(|i| i.network_interface_id == interface) {
            Some(i) => i.attachment = Some(InterfaceAttachment { instance_id: Some(instance), status: Some("attached".into()) }),
            None => unknown.push((Member::NetworkInterfaces, outside("network interface", &interface))),
        }
    }
    // Elastic IPs last: they replace an address assigned at launch.
    let mut addresses = std::mem::take(&mut model.public_addresses);
    addresses.sort_by(|a, b| a.1.cmp(&b.1));
    let mapping: Vec<String> =
        s.subnets.iter().flatten().filter(|sn| sn.map_public_ip_on_launch == Some(true)).map(|sn| sn.subnet_id.clone()).collect();
    for (target, address) in addresses {
        let owned_by = |i: &NetworkInterface| {
            i.network_interface_id == target || i.attachment.as_ref().and_then(|a| a.instance_id.as_deref()) == Some(target.as_str())
        };
        // An address of an instance the code does not route through is none of the checks' business.
        let Some(interface) = s.network_interfaces.iter_mut().flatten().find(|i| owned_by(i)) else { continue };
        let launch = InterfaceAssociation { public_ip: None, allocation_id: None };
        match address {
            PublicAddress::SubnetDefault if interface.subnet_id.as_ref().is_some_and(|sn| mapping.contains(sn)) => {
                interface.association = Some(launch);
            }
            PublicAddress::SubnetDefault => {}
            PublicAddress::AtLaunch => interface.association = Some(launch),
            PublicAddress::Elastic(allocation) => {
                interface.association = Some(InterfaceAssociation { public_ip: None, allocation_id: Some(allocation) });
            }
        }
    }
    // NAT gateways take their subnet's VPC.
    let vpc_of: HashMap<String, String> = s.subnets.iter().flatten().map(|sn| (sn.subnet_id.clone(), sn.vpc_id.clone())).collect();
    for nat in s.nat_gateways.iter_mut().flatten().filter(|n| n.vpc_id.is_none()) {
        nat.vpc_id = nat.subnet_id.as_ref().and_then(|subnet| vpc_of.get(subnet)).cloned();
    }
    // Subnets in a VPC no input describes: its main table, default NACL, endpoints and gateways are unknown.
    let known_vpcs: Vec<String> = s.vpcs.iter().flatten().map(|v| v.vpc_id.clone()).collect();
    if let Some(vpc) = s.subnets.iter().flatten().map(|sn| sn.vpc_id.clone()).find(|v| !known_vpcs.contains(v)) {
        External::note(&mut model.external.vpcs, &vpc);
        let why = outside("VPC", &vpc);
        for member in [
            Member::Vpcs,
            Member::VpcAttributes,
            Member::RouteTables,
            Member::NetworkAcls,
            Member::VpcEndpoints,
            Member::NatGateways,
            Member::InternetGateways,
            Member::DhcpOptions,
        ] {
            unknown.push((member, why.clone()));
        }
    }
    for (member, why) in unknown {
        model.unknown(member, why);
    }
    Ok(())
}

impl Model {
    /// A model over `base` (a snapshot of what exists), else over what the sources alone describe.
    pub fn new(base: Option<Snapshot>, kind: &'static str, region: &str) -> Self {
        Model {
            kind,
            region: region.to_string(),
            snapshot: over(base),
            unknown: BTreeMap::new(),
            routes: Vec::new(),
            environments: Vec::new(),
            zone_ids: HashMap::new(),
            table_associations: Vec::new(),
            acl_associations: Vec::new(),
            acl_entries: Vec::new(),
            rules: Vec::new(),
            gateway_attachments: Vec::new(),
            dhcp_associations: Vec::new(),
            endpoint_links: Vec::new(),
            main_tables: Vec::new(),
            interface_attachments: Vec::new(),
            public_addresses: Vec::new(),
            vpc_cidrs: Vec::new(),
            unknown_parts: BTreeMap::new(),
            restricted_default_groups: Vec::new(),
            external: External::default(),
            role_ids: Vec::new(),
            role_links: Vec::new(),
            dependencies: BTreeMap::new(),
            buckets: Vec::new(),
            bucket_links: Vec::new(),
        }
    }

    /// What every new VPC comes with: a main route table with the local route, the default NACL (allow all),
    /// the default security group (itself, and all egress), and the default DHCP options (AmazonProvidedDNS).
    pub fn new_vpc_defaults(&mut self, id: &str) {
        list(&mut self.snapshot.route_tables).push(RouteTable {
            route_table_id: format!("{id}.MainRouteTable"),
            vpc_id: id.to_string(),
            associations: vec![RouteTableAssociation { main: true, route_table_association_id: None, subnet_id: None, gateway_id: None }],
            routes: Vec::new(),
        });
        let mut entries: Vec<NetworkAclEntry> = star_entries(RuleAction::Allow)
            .into_iter()
            .map(|mut e| {
                e.rule_number = 100;
                e
            })
            .collect();
        entries.extend(star_entries(RuleAction::Deny));
        list(&mut self.snapshot.network_acls).push(NetworkAcl {
            network_acl_id: format!("{id}.DefaultNetworkAcl"),
            vpc_id: id.to_string(),
            is_default: true,
            associations: Vec::new(),
            entries,
        });
        let default_group = format!("{id}.DefaultSecurityGroup");
        let (ingress, egress) = default_group_rules(&default_group);
        list(&mut self.snapshot.security_groups).push(SecurityGroup {
            group_id: default_group,
            group_name: Some("default".into()),
            vpc_id: Some(id.to_string()),
            owner_id: None,
            ip_permissions: vec![ingress],
            ip_permissions_egress: vec![egress],
        });
        list(&mut self.snapshot.dhcp_options).push(DhcpOptions {
            dhcp_options_id: format!("{id}.DefaultDhcpOptions"),
            dhcp_configurations: vec![DhcpConfiguration {
                key: "domain-name-servers".into(),
                values: vec![AttributeValue { value: "AmazonProvidedDNS".into() }],
            }],
        });
    }

    /// Everything read: attachments applied, policies that are not known noted, the built network.
    pub fn into_built(mut self, unmodeled: Vec<String>, alone: bool) -> Result<Built, Located> {
        attach(&mut self)?;
        let separate = self.link_role_policies();
        self.link_buckets();
        for environment in &mut self.environments {
            environment.policy_order = PolicyOrder { separate: separate.clone(), waits_for: closure(&self.dependencies, &environment.id) };
            let bucket =
                environment.environment.source_bucket_arn.as_deref().and_then(|arn| arn.split_once(":s3:::")).map(|(_, name)| name);
            environment.source_bucket = self.buckets.iter().find(|b| Some(b.name.as_str()) == bucket).cloned();
        }
        // An AZ name the code states gets its ID where a data source lists both.
        for subnet in self.snapshot.subnets.iter_mut().flatten().filter(|s| s.availability_zone_id.is_none()) {
            subnet.availability_zone_id = subnet.availability_zone.as_ref().and_then(|z| self.zone_ids.get(z)).cloned();
        }
        let mut snapshot = self.snapshot;
        if !self.unknown_parts.is_empty() {
            snapshot.not_captured.get_or_insert_with(BTreeMap::new).extend(self.unknown_parts);
        }
        let mut built = Built {
            snapshot,
            environments: self.environments,
            unmodeled,
            external: self.external,
            alone,
            unknown: self.unknown,
            kind: self.kind,
            existing_target: None,
        };
        // The environments' own subnets and groups, when no input describes them.
        let networks: Vec<NetworkConfiguration> =
            built.environments.iter().map(|e| e.environment.network_configuration.clone().unwrap_or_default()).collect();
        for network in networks {
            built.note_external(&network.subnet_ids, &network.security_group_ids);
        }
        Ok(built)
    }
}

impl Model {
    /// Joins the policies of resources of their own to their roles (named by ID or name); returns them.
    fn link_role_policies(&mut self) -> Vec<SeparatePolicy> {
        let mut separate = Vec::new();
        for (named, link) in std::mem::take(&mut self.role_links) {
            let role = self.role_ids.iter().find(|(id, key)| *id == named || *key == named).map_or(named, |(_, key)| key.clone());
            let s = &mut self.snapshot;
            match link {
                RoleLink::Inline { policy, source } => {
                    separate.push(SeparatePolicy {
                        role: role.clone(),
                        policy: PolicyOf::Inline(policy.policy_name.clone()),
                        resource: source,
                    });
                    s.role_policies.get_or_insert_with(BTreeMap::new).entry(role).or_default().push(policy);
                }
                RoleLink::Attached { policy, source } => {
                    separate.push(SeparatePolicy {
                        role: role.clone(),
                        policy: PolicyOf::Attached(policy.policy_arn.clone()),
                        resource: source,
                    });
                    s.attached_role_policies.get_or_insert_with(BTreeMap::new).entry(role).or_default().push(policy);
                }
            }
        }
        separate
    }
}

impl Model {
    /// Joins what configures a bucket apart (named by name or ID) to it; a new bucket without a public
    /// access block gets S3's default for new buckets, all four settings on.
    fn link_buckets(&mut self) {
        let s = &mut self.snapshot;
        for (named, link) in std::mem::take(&mut self.bucket_links) {
            let name = self.buckets.iter().find(|b| b.id == named || b.name == named).map_or(named, |b| b.name.clone());
            match link {
                BucketLink::Versioning(v) => {
                    s.bucket_versioning.get_or_insert_with(BTreeMap::new).insert(name, v);
                }
                BucketLink::Block(b, source) => {
                    if let Some(bucket) = self.buckets.iter_mut().find(|b| b.name == name) {
                        bucket.block_resource = source;
                    }
                    s.bucket_public_access_block.get_or_insert_with(BTreeMap::new).insert(name, b);
                }
                BucketLink::Policy(p) => {
                    s.bucket_policies.get_or_insert_with(BTreeMap::new).insert(name, p);
                }
                BucketLink::Encryption(e) => {
                    s.bucket_encryption.get_or_insert_with(BTreeMap::new).insert(name, e);
                }
                BucketLink::Object(object) => {
                    let prefixes = s.object_versions.get_or_insert_with(BTreeMap::new).entry(name).or_default();
                    prefixes.entry(object.key.clone()).or_default().versions.push(object);
                }
            }
        }
        for bucket in self.buckets.iter_mut().filter(|b| b.new) {
            let blocks = s.bucket_public_access_block.get_or_insert_with(BTreeMap::new);
            if !blocks.contains_key(&bucket.name) {
                bucket.default_block = true;
                let all_on = PublicAccessBlock { public_access_block_configuration: Some(PublicAccessBlockConfiguration::ALL_ON) };
                blocks.insert(bucket.name.clone(), all_on);
            }
            s.bucket_policies.get_or_insert_with(BTreeMap::new).entry(bucket.name.clone()).or_default();
            s.bucket_encryption.get_or_insert_with(BTreeMap::new).entry(bucket.name.clone()).or_default();
        }
    }
}

/// Every resource `start` waits for, transitively.
fn closure(dependencies: &BTreeMap<String, Vec<String>>, start: &str) -> std::collections::BTreeSet<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![start.to_string()];
    while let Some(id) = stack.pop() {
        for next in dependencies.get(&id).into_iter().flatten() {
            if seen.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    seen
}

/// The network the code describes over what exists: the base snapshot when given; with `--live`, what the
/// code alone describes, then the account read for what it only refers to.
pub fn over_existing(
    base: Option<Snapshot>,
    live: Option<&AwsAccess>,
    evaluate: impl Fn(Option<Snapshot>) -> Result<Built, InputError>,
) -> Result<Built, InputError> {
    let built = match (base, live) {
        (Some(base), _) => evaluate(Some(base))?,
        (None, Some(access)) => {
            let alone = evaluate(None)?;
            match live::referenced(access, &alone.external, &alone.environments)? {
                Some(existing) => evaluate(Some(existing))?,
                None => alone,
            }
        }
        (None, None) => {
            let built = evaluate(None)?;
            // The environment's own subnets or groups exist already and nothing describes them: there is
            // nothing to check (what the code itself leaves unknown is skipped instead, check by check).
            if let Some(why) = &built.existing_target {
                return Err(target_error(
                    why.clone(),
                    "pass --snapshot FILE with the existing resources, or --live to read them from the account",
                ));
            }
            built
        }
    };
    Ok(built.finish())
}

/// How a reader's messages name its code.
pub struct Words {
    pub language: Language,
    /// `AWS::MWAA::Environment`
    pub environment: &'static str,
    /// `the templates`, with the verbs that agree with it.
    pub source: &'static str,
    pub has: &'static str,
    pub holds: &'static str,
    /// `logical ID`, and its flag placeholder `LOGICAL_ID`.
    pub id: &'static str,
    pub id_flag: &'static str,
    /// The help when the code has no environment: how to name its subnets and groups.
    pub no_environment_help: &'static str,
}

/// Whether each environment is in a stack of its own (several templates' logical IDs are `STACK/ID`).
fn in_separate_stacks(environments: &[PlannedEnvironment]) -> bool {
    let mut stacks = std::collections::BTreeSet::new();
    environments.iter().all(|e| e.logical_id.rsplit_once('/').is_some_and(|(stack, _)| stacks.insert(stack)))
}

/// The environments to evaluate: the code's own (planned, named by logical ID or address), or one planned
/// from flags.
pub fn targets(
    environments: &[PlannedEnvironment],
    selection: &Selection,
    region: &str,
    account_id: Option<&str>,
    words: &Words,
) -> Result<Vec<Settings>, InputError> {
    let settings = |e: &PlannedEnvironment| {
        let mut s = Settings::from_environment(&e.environment, region.to_string(), account_id.map(str::to_string));
        // Planned, not existing: nothing about it has been created, and findings name it as the code does.
        s.environment = None;
        s.planned_name = Some(e.logical_id.clone());
        s.language = words.language;
        s.unknown_ids.clone_from(&e.unknown_ids);
        s.kms_key_given.clone_from(&e.kms_key_given);
        if e.execution_role_given.is_some() {
            s.facts.execution_role.clone_from(&e.execution_role_given);
        }
        s.policy_order = Some(e.policy_order.clone());
        s.facts.bucket_in_code.clone_from(&e.source_bucket);
        s
    };
    let names: Vec<&str> = environments.iter().map(|e| e.logical_id.as_str()).collect();
    let chosen = match selection {
        Selection::Planned(planned) => {
            let mut s = (**planned).clone();
            s.region = region.to_string();
            s.account_id = account_id.map(str::to_string);
            s.language = words.language;
            return Ok(vec![s]);
        }
        Selection::All => return Ok(environments.iter().map(settings).collect()),
        Selection::Environment(Some(name)) => {
            environments.iter().find(|e| e.logical_id == *name || e.environment.name == *name).ok_or_else(|| {
                let held = if names.is_empty() { "none".to_string() } else { names.join(", ") };
                target_error(
                    format!("no {} {name} in {} ({} {held})", words.environment, words.source, words.holds),
                    format!("give its {}", words.id),
                )
            })?
        }
        Selection::Environment(None) => match environments {
            [one] => one,
            [] => return Err(target_error(format!("{} {} no {}", words.source, words.has, words.environment), words.no_environment_help)),
            // Templates given together, each with its environment: each stack is checked on its own, as a linter
            // checks each file it is given.
            _ if in_separate_stacks(environments) => return Ok(environments.iter().map(settings).collect()),
            _ => {
                return Err(target_error(
                    format!("{} {} several environments: {}", words.source, words.has, names.join(", ")),
                    format!("pick one with --environment {}, or --all-environments", words.id_flag),
                ))
            }
        },
    };
    Ok(vec![settings(chosen)])
}
