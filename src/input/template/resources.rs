//! The resources that shape an MWAA network, mapped onto the snapshot model with CloudFormation's defaults
//! where a property is absent. A resource's ID is its logical ID. What the template only refers to (an
//! existing VPC, subnets passed as parameters) comes from the base snapshot, else its member is unknown.

use std::collections::{BTreeMap, HashMap};

use ipnet::Ipv4Net;

use super::eval::{error, Context, EvalError, Resolver, Value};
use super::yaml::{Node, Spot, Value as Yaml};
use crate::input::iac::{
    self, all_traffic, list, middlebox_known_at_deployment, primary_interface, star_entries, AclEntryValues, Built, EndpointLink, Located,
    Model, PlannedEnvironment, PublicAddress, Scope,
};
use crate::model::snapshot::*;
use crate::model::Member;
use crate::target::KeyGiven;

/// A resource of one template.
#[derive(Clone)]
pub struct Resource<'d> {
    /// The ID in the model: the logical ID, prefixed with its stack's name (`AppStack/Sg`) when another
    /// template given has the same logical ID (each stack is its own namespace).
    pub id: String,
    /// The logical ID as the template writes it, what `Ref` and `GetAtt` name within its stack.
    pub logical: String,
    pub kind: String,
    pub node: &'d Node,
    pub at: Spot,
}

/// One template with its deployment context: evaluates properties, and answers `Ref` and `GetAtt`.
pub struct Stack<'d> {
    pub ctx: Context<'d>,
    pub resources: Vec<Resource<'d>>,
    index: HashMap<String, usize>,
}

impl<'d> Stack<'d> {
    pub fn new(ctx: Context<'d>, resources: Vec<Resource<'d>>) -> Self {
        let index = resources.iter().enumerate().map(|(i, r)| (r.logical.clone(), i)).collect();
        Self { ctx, resources, index }
    }

    pub fn resource(&self, id: &str) -> Option<&Resource<'d>> {
        self.index.get(id).and_then(|&i| self.resources.get(i))
    }

    /// A property of a resource, evaluated (`None`: absent or AWS::NoValue).
    pub fn property(&self, resource: &Resource<'_>, name: &str) -> Result<Option<Value>, EvalError> {
        match resource.node.get("Properties").and_then(|p| p.get(name)) {
            Some(node) => self.ctx.eval(node, self),
            None => Ok(None),
        }
    }

    /// Whether the resource is created: its `Condition`, if any, holds.
    pub fn created(&self, resource: &Resource<'_>) -> Result<bool, EvalError> {
        let Some(condition) = resource.node.get("Condition") else { return Ok(true) };
        let name = condition.as_str().ok_or_else(|| error(condition.at, "a resource's Condition is a condition name"))?;
        self.ctx.condition(name, condition.at, self)?.ok_or_else(|| {
            error(condition.at, format!("whether {} is created depends on condition {name}, which depends on what only the deployment knows: pass the parameters it reads with --parameter", resource.id))
        })
    }
}

impl Resolver for Stack<'_> {
    fn reference(&self, id: &str) -> Option<Value> {
        let resource = self.resource(id)?;
        Some(match resource.kind.as_str() {
            "AWS::S3::Bucket" => match self.property(resource, "BucketName") {
                Ok(Some(name)) => name,
                _ => Value::Unknown(format!("the name CloudFormation generates for bucket {id}")),
            },
            _ => Value::Text(resource.id.clone()),
        })
    }

    fn attribute(&self, id: &str, attribute: &str, at: Spot) -> Option<Result<Value, EvalError>> {
        let resource = self.resource(id)?;
        let property = |name: &str| -> Result<Value, EvalError> {
            self.property(resource, name)?.ok_or_else(|| error(at, format!("GetAtt {id}.{attribute}: {id} has no {name}")))
        };
        let own = |suffix: &str| Ok(Value::Text(format!("{}.{suffix}", resource.id)));
        let unknown = || Ok(Value::Unknown(format!("{id}.{attribute}, known after deployment")));
        Some(match (resource.kind.as_str(), attribute) {
            ("AWS::EC2::VPC", "CidrBlock") => property("CidrBlock"),
            ("AWS::EC2::VPC", "DefaultSecurityGroup") => own("DefaultSecurityGroup"),
            ("AWS::EC2::VPC", "DefaultNetworkAcl") => own("DefaultNetworkAcl"),
            ("AWS::MWAA::Environment", "DatabaseVpcEndpointService" | "WebserverVpcEndpointService") => own(attribute),
            ("AWS::EC2::Subnet", "AvailabilityZone") => property("AvailabilityZone"),
            ("AWS::EC2::Subnet", "CidrBlock") => property("CidrBlock"),
            ("AWS::EC2::Subnet", "VpcId") | ("AWS::EC2::SecurityGroup", "VpcId") => property("VpcId"),
            (
                "AWS::EC2::VPC"
                | "AWS::EC2::Subnet"
                | "AWS::EC2::SecurityGroup"
                | "AWS::EC2::EIP"
                | "AWS::EC2::NatGateway"
                | "AWS::EC2::RouteTable"
                | "AWS::EC2::NetworkAcl"
                | "AWS::EC2::VPCEndpoint"
                | "AWS::EC2::PrefixList"
                | "AWS::EC2::InternetGateway",
                "VpcId" | "SubnetId" | "GroupId" | "AllocationId" | "NatGatewayId" | "RouteTableId" | "Id" | "PrefixListId"
                | "InternetGatewayId",
            ) => Ok(Value::Text(resource.id.clone())),
            // A nested stack's output, when its template is among those read (a CDK assembly's).
            ("AWS::CloudFormation::Stack", output) if output.starts_with("Outputs.") => {
                let name = &output["Outputs.".len()..];
                let stack = super::cdk_out::nested_stack_name(&self.ctx.stack_name, id);
                Ok(self.ctx.outputs.by_stack.get(&(stack.clone(), name.to_string())).cloned().unwrap_or_else(|| {
                    Value::Unknown(format!("the output {name} of nested stack {id} (its template is not among those read)"))
                }))
            }
            ("AWS::S3::Bucket", "Arn") => match self.reference(id) {
                Some(Value::Text(name)) => Ok(Value::Text(format!("arn:{}:s3:::{name}", self.ctx.partition()))),
                _ => unknown(),
            },
            _ => unknown(),
        })
    }
}

/// How the environment's KmsKey is written: a key's `Ref` is its key ID, an alias's its name, `GetAtt
/// Key.Arn` the key's ARN; a text is judged as written.
fn key_given(props: &Props<'_, '_>) -> Result<Option<KeyGiven>, EvalError> {
    let of_kind = |id: &str| props.stack.resources.iter().find(|r| r.id == id).map(|r| r.kind.as_str());
    Ok(match props.value("KmsKey")? {
        None => None,
        Some(Value::Text(text)) => Some(match of_kind(&text) {
            Some("AWS::KMS::Key") => KeyGiven::KeyIdOf(text),
            Some("AWS::KMS::Alias") => KeyGiven::AliasOf(text),
            _ => KeyGiven::Text(text),
        }),
        Some(Value::Unknown(why)) => {
            let node = props.resource.node.get("Properties").and_then(|p| p.get("KmsKey"));
            Some(match node.and_then(get_att).map(|(resource, attribute)| (of_kind(&resource).map(str::to_string), resource, attribute)) {
                Some((Some(kind), resource, attribute)) if kind == "AWS::KMS::Key" && attribute == "Arn" => KeyGiven::ArnOf(resource),
                Some((Some(kind), resource, attribute)) if kind == "AWS::KMS::Key" && attribute == "KeyId" => KeyGiven::KeyIdOf(resource),
                _ => KeyGiven::Unknown(why),
            })
        }
        Some(_) => Some(KeyGiven::Unknown("KmsKey is not a text".to_string())),
    })
}

/// `!GetAtt R.A` or `Fn::GetAtt: [R, A]` as (R, A).
fn get_att(node: &Node) -> Option<(String, String)> {
    let target = match (node.tag.as_deref(), node.entries()) {
        (Some("GetAtt"), _) => node,
        (None, Some([(key, value)])) if key.as_str() == Some("Fn::GetAtt") => value,
        _ => return None,
    };
    match &target.value {
        Yaml::Scalar { text } => text.split_once('.').map(|(r, a)| (r.to_string(), a.to_string())),
        Yaml::Seq(items) => match items.as_slice() {
            [resource, attribute] => Some((resource.as_str()?.to_string(), attribute.as_str()?.to_string())),
            _ => None,
        },
        Yaml::Map(_) => None,
    }
}

/// Reads a resource's properties with the resource's name in every error.
struct Props<'s, 'd> {
    stack: &'s Stack<'d>,
    resource: &'s Resource<'d>,
}

impl Props<'_, '_> {
    fn at(&self, name: &str) -> Spot {
        self.resource.node.get("Properties").and_then(|p| p.get(name)).map_or(self.resource.at, |n| n.at)
    }

    fn value(&self, name: &str) -> Result<Option<Value>, EvalError> {
        self.stack.property(self.resource, name)
    }

    /// Text, or `Err(Unknown)` carried as `Ok(Err(why))` so that callers decide what an unknown means.
    fn text(&self, name: &str) -> Result<Option<Result<String, String>>, EvalError> {
        Ok(match self.value(name)? {
            None => None,
            Some(Value::Text(text)) => Some(Ok(text)),
            Some(Value::Unknown(why)) => Some(Err(why)),
            Some(_) => return Err(error(self.at(name), format!("{}.{name} must be text", self.resource.id))),
        })
    }

    fn required(&self, name: &str) -> Result<Result<String, String>, EvalError> {
        self.text(name)?.ok_or_else(|| error(self.resource.at, format!("{} ({}) has no {name}", self.resource.id, self.resource.kind)))
    }

    fn texts(&self, name: &str) -> Result<Result<Vec<String>, String>, EvalError> {
        Ok(match self.value(name)? {
            None => Ok(Vec::new()),
            Some(Value::List(items)) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Value::Text(text) => out.push(text),
                        Value::Unknown(why) => return Ok(Err(why)),
                        _ => return Err(error(self.at(name), format!("{}.{name} must be a list of text", self.resource.id))),
                    }
                }
                Ok(out)
            }
            Some(Value::Unknown(why)) => Err(why),
            Some(_) => return Err(error(self.at(name), format!("{}.{name} must be a list", self.resource.id))),
        })
    }

    fn boolean(&self, name: &str) -> Result<Option<Result<bool, String>>, EvalError> {
        Ok(match self.text(name)? {
            None => None,
            Some(Ok(text)) => match text.to_ascii_lowercase().as_str() {
                "true" => Some(Ok(true)),
                "false" => Some(Ok(false)),
                _ => return Err(error(self.at(name), format!("{}.{name} must be true or false, not {text:?}", self.resource.id))),
            },
            Some(Err(why)) => Some(Err(why)),
        })
    }

    fn parsed<T: std::str::FromStr>(&self, name: &str, what: &str) -> Result<Option<Result<T, String>>, EvalError> {
        Ok(match self.text(name)? {
            None => None,
            Some(Ok(text)) => Some(Ok(text
                .trim()
                .parse()
                .map_err(|_| error(self.at(name), format!("{}.{name} {text:?} is not {what}", self.resource.id)))?)),
            Some(Err(why)) => Some(Err(why)),
        })
    }
}

/// The templates' network on top of `base` (a snapshot, or nothing).
/// An error names the template (by index) it is in.
pub fn build(stacks: &[Stack<'_>], base: Option<Snapshot>, region: &str) -> Result<Built, Located> {
    let alone = base.is_none();
    let mut model = Model::new(base, "template", region);
    let mut environments = Vec::new();
    let mut unmodeled: Vec<String> = Vec::new();
    for (i, stack) in stacks.iter().enumerate() {
        model.stack = i;
        add_stack(&mut model, stack, &mut environments, &mut unmodeled).map_err(|e| Located {
            source: i,
            offset: e.at.offset,
            message: e.message,
        })?;
    }
    model.into_built(environments, unmodeled, alone)
}

fn add_stack(
    model: &mut Model,
    stack: &Stack<'_>,
    environments: &mut Vec<PlannedEnvironment>,
    unmodeled: &mut Vec<String>,
) -> Result<(), EvalError> {
    let model = &mut *model;
    {
        for resource in &stack.resources {
            if !stack.created(resource)? {
                continue;
            }
            let props = Props { stack, resource };
            // CloudFormation evaluates every property, those the tool does not model too: a function it
            // would refuse there (a malformed Fn::If, a Ref to nothing) is refused here, located.
            if let Some(properties) = resource.node.get("Properties") {
                stack.ctx.eval(properties, stack)?;
            }
            match resource.kind.as_str() {
                "AWS::EC2::VPC" => vpc(model, &props)?,
                "AWS::EC2::VPCCidrBlock" => {
                    let vpc = props.required("VpcId")?;
                    if let (Some(vpc), Some(Some(cidr))) = (
                        model.known(Member::Vpcs, vpc),
                        props.parsed::<Ipv4Net>("CidrBlock", "an IPv4 CIDR")?.map(|c| model.known(Member::Vpcs, c)),
                    ) {
                        model.vpc_cidrs.push((vpc, cidr));
                    }
                }
                "AWS::EC2::Subnet" => subnet(model, &props)?,
                "AWS::EC2::InternetGateway" => list(&mut model.snapshot.internet_gateways)
                    .push(InternetGateway { internet_gateway_id: resource.id.clone(), attachments: Vec::new() }),
                "AWS::EC2::VPCGatewayAttachment" => {
                    if let (Some(igw), Some(vpc)) = (props.text("InternetGatewayId")?, props.text("VpcId")?) {
                        if let (Some(igw), Some(vpc)) =
                            (model.known(Member::InternetGateways, igw), model.known(Member::InternetGateways, vpc))
                        {
                            model.gateway_attachments.push((igw, vpc));
                        }
                    }
                }
                "AWS::EC2::NatGateway" => nat_gateway(model, &props)?,
                "AWS::EC2::Instance" => instance(model, &props)?,
                "AWS::EC2::NetworkInterface" => {
                    let subnet = props.required("SubnetId")?;
                    let check = props.boolean("SourceDestCheck")?.unwrap_or(Ok(true));
                    if let (Some(subnet), Some(check)) =
                        (model.known(Member::NetworkInterfaces, subnet), model.known(Member::NetworkInterfaces, check))
                    {
                        list(&mut model.snapshot.network_interfaces).push(NetworkInterface {
                            network_interface_id: resource.id.clone(),
                            subnet_id: Some(subnet),
                            vpc_id: None,
                            availability_zone: None,
                            source_dest_check: Some(check),
                            status: Some("available".into()),
                            attachment: None,
                            association: None,
                        });
                    }
                }
                "AWS::EC2::NetworkInterfaceAttachment" => {
                    let (interface, instance) = (props.required("NetworkInterfaceId")?, props.required("InstanceId")?);
                    if let (Some(interface), Some(instance)) =
                        (model.known(Member::NetworkInterfaces, interface), model.known(Member::NetworkInterfaces, instance))
                    {
                        model.interface_attachments.push((interface, instance));
                    }
                }
                // An Elastic IP given to an instance or an interface: a NAT instance's fixed address.
                "AWS::EC2::EIP" | "AWS::EC2::EIPAssociation" => {
                    let target = props.text("InstanceId")?.or(props.text("NetworkInterfaceId")?);
                    let allocation = match resource.kind.as_str() {
                        "AWS::EC2::EIP" => Ok(resource.id.clone()),
                        _ => props.text("AllocationId")?.or(props.text("EIP")?).unwrap_or_else(|| Ok(resource.id.clone())),
                    };
                    if let Some(target) = target.and_then(|t| model.known(Member::NetworkInterfaces, t)) {
                        if let Some(allocation) = model.known(Member::NetworkInterfaces, allocation) {
                            model.public_addresses.push((target, PublicAddress::Elastic(allocation)));
                        }
                    }
                }
                // The CDK's handler that revokes the default group's default rules at deployment.
                "Custom::VpcRestrictDefaultSG" => {
                    if let Some(group) = props.text("DefaultSecurityGroupId")?.and_then(|g| model.known(Member::SecurityGroups, g)) {
                        model.restricted_default_groups.push(group);
                    }
                }
                "AWS::EC2::RouteTable" => {
                    let vpc = props.required("VpcId")?;
                    if let Some(vpc_id) = model.known(Member::RouteTables, vpc) {
                        list(&mut model.snapshot.route_tables).push(RouteTable {
                            route_table_id: resource.id.clone(),
                            vpc_id,
                            associations: Vec::new(),
                            routes: Vec::new(),
                        });
                    }
                }
                "AWS::EC2::Route" => route(model, &props)?,
                "AWS::EC2::SubnetRouteTableAssociation" => {
                    let (table, subnet) = (props.required("RouteTableId")?, props.required("SubnetId")?);
                    if let (Some(table), Some(subnet)) = (model.known(Member::RouteTables, table), model.known(Member::RouteTables, subnet))
                    {
                        model.table_associations.push((table, subnet));
                    }
                }
                "AWS::EC2::NetworkAcl" => {
                    let vpc = props.required("VpcId")?;
                    if let Some(vpc_id) = model.known(Member::NetworkAcls, vpc) {
                        // A NACL created by a template has no entries but the `*` denies until entries are added.
                        let entries = star_entries(RuleAction::Deny);
                        list(&mut model.snapshot.network_acls).push(NetworkAcl {
                            network_acl_id: resource.id.clone(),
                            vpc_id,
                            is_default: false,
                            associations: Vec::new(),
                            entries,
                        });
                    }
                }
                "AWS::EC2::NetworkAclEntry" => acl_entry(model, &props)?,
                "AWS::EC2::SubnetNetworkAclAssociation" => {
                    let (acl, subnet) = (props.required("NetworkAclId")?, props.required("SubnetId")?);
                    if let (Some(acl), Some(subnet)) = (model.known(Member::NetworkAcls, acl), model.known(Member::NetworkAcls, subnet)) {
                        model.acl_associations.push((acl, subnet));
                    }
                }
                "AWS::EC2::SecurityGroup" => security_group(model, &props)?,
                "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
                    let egress = resource.kind.ends_with("Egress");
                    let group = props.required("GroupId")?;
                    if let Some(group) = model.known(Member::SecurityGroups, group) {
                        let all = match resource.node.get("Properties") {
                            Some(node) => stack.ctx.eval(node, stack)?.unwrap_or(Value::Map(Vec::new())),
                            None => Value::Map(Vec::new()),
                        };
                        if let Some(permission) = permission(model, &props, &all, egress, resource.at)? {
                            model.rules.push((group, egress, permission));
                        }
                    }
                }
                "AWS::EC2::VPCEndpoint" => endpoint(model, &props)?,
                "AWS::EC2::DHCPOptions" => dhcp_options(model, &props)?,
                "AWS::EC2::VPCDHCPOptionsAssociation" => {
                    let (options, vpc) = (props.required("DhcpOptionsId")?, props.required("VpcId")?);
                    if let (Some(options), Some(vpc)) = (model.known(Member::DhcpOptions, options), model.known(Member::DhcpOptions, vpc)) {
                        model.dhcp_associations.push((vpc, options));
                    }
                }
                "AWS::EC2::PrefixList" => {
                    let entries = match props.value("Entries")? {
                        Some(Value::List(entries)) => entries,
                        _ => Vec::new(),
                    };
                    let mut cidrs = Vec::new();
                    for entry in entries {
                        match entry.get("Cidr") {
                            Some(Value::Text(cidr)) => cidrs.push(
                                cidr.parse().map_err(|_| error(props.at("Entries"), format!("{}: {cidr:?} is not a CIDR", resource.id)))?,
                            ),
                            _ => model.unknown(Member::PrefixLists, format!("an entry of {} is not known before deployment", resource.id)),
                        }
                    }
                    let name = props.text("PrefixListName")?.and_then(Result::ok);
                    list(&mut model.snapshot.prefix_lists).push(PrefixList {
                        prefix_list_id: resource.id.clone(),
                        prefix_list_name: name,
                        cidrs,
                    });
                }
                "AWS::MWAA::Environment" => environments.push(environment(&props)?),
                "AWS::S3::Bucket" | "AWS::KMS::Key" | "AWS::KMS::Alias" | "AWS::EC2::EgressOnlyInternetGateway" => {}
                other => {
                    if other.starts_with("Custom::") || other == "AWS::CloudFormation::CustomResource" {
                        custom_resource(model, stack, resource);
                    }
                    if !unmodeled.iter().any(|u| u == other) {
                        unmodeled.push(other.to_string());
                    }
                }
            }
        }
    }
    Ok(())
}

fn vpc(model: &mut Model, props: &Props<'_, '_>) -> Result<(), EvalError> {
    let id = props.resource.id.clone();
    let cidr = match props.parsed::<Ipv4Net>("CidrBlock", "an IPv4 CIDR")? {
        Some(cidr) => model.known(Member::Vpcs, cidr),
        // IPAM pools allocate the block at deployment.
        None => {
            model.unknown(Member::Vpcs, format!("the CIDR of {id} comes from an IPAM pool at deployment"));
            None
        }
    };
    list(&mut model.snapshot.vpcs).push(Vpc {
        vpc_id: id.clone(),
        cidr_block: cidr,
        cidr_block_association_set: Vec::new(),
        ipv6_cidr_block_association_set: Vec::new(),
        dhcp_options_id: Some(format!("{id}.DefaultDhcpOptions")),
        owner_id: None,
    });
    // AWS::EC2::VPC: "EnableDnsSupport ... Default: true"; "EnableDnsHostnames ... Default: false" (true
    // only for a default VPC, which a template never creates).
    let support = props.boolean("EnableDnsSupport")?.unwrap_or(Ok(true));
    let hostnames = props.boolean("EnableDnsHostnames")?.unwrap_or(Ok(false));
    if let (Ok(support), Ok(hostnames)) = (&support, &hostnames) {
        model.snapshot.vpc_attributes.get_or_insert_with(BTreeMap::new).insert(
            id.clone(),
            VpcAttributes {
                enable_dns_support: Some(BooleanValue { value: *support }),
                enable_dns_hostnames: Some(BooleanValue { value: *hostnames }),
            },
        );
    } else {
        model.snapshot.vpc_attributes.get_or_insert_with(BTreeMap::new);
    }
    model.new_vpc_defaults(&id);
    Ok(())
}

fn subnet(model: &mut Model, props: &Props<'_, '_>) -> Result<(), EvalError> {
    let id = props.resource.id.clone();
    let vpc = props.required("VpcId")?;
    let Some(vpc_id) = model.known(Member::Subnets, vpc) else { return Ok(()) };
    let cidr = match props.parsed::<Ipv4Net>("CidrBlock", "an IPv4 CIDR")? {
        Some(cidr) => model.known(Member::Subnets, cidr),
        None => None,
    };
    let ipv6_native = props.boolean("Ipv6Native")?.and_then(Result::ok);
    if cidr.is_none() && ipv6_native != Some(true) {
        model.unknown(Member::Subnets, format!("the IPv4 CIDR of {id} is allocated at deployment (an IPAM pool)"));
    }
    let zone = props.text("AvailabilityZone")?.map(|z| z.unwrap_or_else(|why| why));
    let zone_id = props.text("AvailabilityZoneId")?.and_then(Result::ok);
    // A new subnet has its block's addresses but the five AWS reserves (VPC user guide, "Subnet CIDR blocks").
    let free = cidr.map(|c| (1u32 << (32 - u32::from(c.prefix_len()))).saturating_sub(5));
    list(&mut model.snapshot.subnets).push(Subnet {
        subnet_id: id,
        vpc_id,
        availability_zone: zone,
        availability_zone_id: zone_id,
        cidr_block: cidr,
        ipv6_cidr_block_association_set: Vec::new(),
        ipv6_native,
        available_ip_address_count: free,
        map_public_ip_on_launch: props.boolean("MapPublicIpOnLaunch")?.and_then(Result::ok),
        owner_id: None,
    });
    Ok(())
}

/// A custom resource runs code at deployment that the tool cannot follow: what it names among the
/// resources that shape a flow (groups, route tables, NACLs, endpoints) is unknown, with its name, so the
/// checks that depend on them are skipped, never passed. Subnets and VPCs it names (to tag or look them
/// up, commonly) keep their verdicts.
fn custom_resource(model: &mut Model, stack: &Stack<'_>, resource: &Resource<'_>) {
    let mut names = Vec::new();
    if let Some(properties) = resource.node.get("Properties") {
        super::dependencies(properties, &mut names);
    }
    for target in names.iter().filter_map(|name| stack.resource(name)) {
        let why = format!(
            "custom resource {} ({}) acts on {} at deployment, which the tool cannot follow",
            resource.id, resource.kind, target.id
        );
        match target.kind.as_str() {
            "AWS::EC2::SecurityGroup" => model.unknown(Member::SecurityGroups, why),
            "AWS::EC2::RouteTable" => model.unknown(Scope::RouteTable(&target.id), why),
            "AWS::EC2::NetworkAcl" => model.unknown(Member::NetworkAcls, why),
            "AWS::EC2::VPCEndpoint" => model.unknown(Member::VpcEndpoints, why),
            _ => {}
        }
    }
}

/// `AWS::EC2::Instance`, for what a route through it needs (a NAT instance): its primary interface's
/// subnet, source/destination check and public address.
fn instance(model: &mut Model, props: &Props<'_, '_>) -> Result<(), EvalError> {
    let id = props.resource.id.clone();
    let Some(check) = model.known(Member::NetworkInterfaces, props.boolean("SourceDestCheck")?.unwrap_or(Ok(true))) else { return Ok(()) };
    // The interface at device index 0, when the instance lists its interfaces.
    let primary = match props.value("NetworkInterfaces")? {
        Some(Value::List(items)) => items.into_iter().find(|i| i.get("DeviceIndex").and_then(Value::text).map(str::trim) == Some("0")),
        Some(Value::Unknown(why)) => {
            model.unknown(Member::NetworkInterfaces, why);
            return Ok(());
        }
        _ => None,
    };
    let text = |model: &mut Model, value: Option<&Value>| match value {
        Some(Value::Text(text)) => Some(text.clone()),
        Some(Value::Unknown(why)) => model.known(Member::NetworkInterfaces, Err(why.clone())),
        _ => None,
    };
    let (subnet, public) = match &primary {
        Some(entry) => {
            if let Some(interface) = text(model, entry.get("NetworkInterfaceId")) {
                model.interface_attachments.push((interface, id));
                return Ok(());
            }
            let public = match text(model, entry.get("AssociatePublicIpAddress")).map(|p| p.eq_ignore_ascii_case("true")) {
                Some(true) => Some(PublicAddress::AtLaunch),
                Some(false) => None,
                None => Some(PublicAddress::SubnetDefault),
            };
            (text(model, entry.get("SubnetId")), public)
        }
        None => (props.text("SubnetId")?.and_then(|s| model.known(Member::NetworkInterfaces, s)), Some(PublicAddress::SubnetDefault)),
    };
    list(&mut model.snapshot.network_interfaces).push(primary_interface(&id, subnet, check));
    if let Some(public) = public {
        model.public_addresses.push((id, public));
    }
    Ok(())
}

fn nat_gateway(model: &mut Model, props: &Props<'_, '_>) -> Result<(), EvalError> {
    // AWS::EC2::NatGateway: "AvailabilityMode ... zonal | regional", zonal by default; a regional gateway
    // names its VPC, not a subnet.
    let mode = props.text("AvailabilityMode")?.and_then(Result::ok);
    let regional = mode.as_deref().is_some_and(|m| m.eq_ignore_ascii_case("regional"));
    let (subnet_id, vpc_id) = if regional {
        let vpc = props.required("VpcId")?;
        let Some(vpc_id) = model.known(Member::NatGateways, vpc) else { return Ok(()) };
        (None, Some(vpc_id))
    } else {
        let subnet = props.required("SubnetId")?;
        let Some(subnet_id) = model.known(Member::NatGateways, subnet) else { return Ok(()) };
        (Some(subnet_id), None)
    };
    // AWS::EC2::NatGateway: "ConnectivityType ... Default: public".
    let connectivity = props.text("ConnectivityType")?.and_then(Result::ok).unwrap_or_else(|| "public".into());
    let mut allocations: Vec<String> = props.text("AllocationId")?.map(|a| a.unwrap_or_else(|why| why)).into_iter().collect();
    // Manual mode names each AZ's addresses; without them AWS allocates them (automatic mode).
    let zone_addresses = props.value("AvailabilityZoneAddresses")?;
    if let Some(Value::List(zones)) = &zone_addresses {
        for zone in zones {
            if let Some(Value::List(ids)) = zone.get("AllocationIds") {
                allocations
                    .extend(ids.iter().map(|id| id.text().map_or_else(|| id.unknown().unwrap_or_default().to_string(), str::to_string)));
            }
        }
    }
    list(&mut model.snapshot.nat_gateways).push(NatGateway {
        nat_gateway_id: props.resource.id.clone(),
        vpc_id,
        subnet_id,
        // CloudFormation completes the resource when the gateway is available.
        state: Some("available".into()),
        connectivity_type: Some(connectivity),
        availability_mode: mode,
        auto_provision_zones: (regional && zone_addresses.is_none()).then(|| "enabled".to_string()),
        nat_gateway_addresses: allocations.into_iter().map(|a| NatGatewayAddress { allocation_id: Some(a), public_ip: None }).collect(),
    });
    Ok(())
}

/// Route targets whose kind alone decides the verdicts: egress the tool cannot see past (RT005).
const MIDDLEBOX_TARGETS: &[&str] =
    &["VpcEndpointId", "TransitGatewayId", "VpcPeeringConnectionId", "LocalGatewayId", "CarrierGatewayId", "CoreNetworkArn"];

fn route(model: &mut Model, props: &Props<'_, '_>) -> Result<(), EvalError> {
    let table = props.required("RouteTableId")?;
    let Some(table) = model.known(Member::RouteTables, table) else { return Ok(()) };
    // A value known only at deployment makes this table's routes unknown, not every table's.
    let scope = Scope::RouteTable(&table);
    let mut route = Route { state: Some("active".into()), ..Route::default() };
    route.destination_cidr_block = match props.parsed::<Ipv4Net>("DestinationCidrBlock", "an IPv4 CIDR")? {
        Some(cidr) => model.known(scope, cidr),
        None => None,
    };
    route.destination_ipv6_cidr_block = props.parsed("DestinationIpv6CidrBlock", "an IPv6 CIDR")?.and_then(Result::ok);
    route.destination_prefix_list_id = props.text("DestinationPrefixListId")?.and_then(|v| model.known(scope, v));
    let mut target = |name: &str| -> Result<Option<String>, EvalError> {
        Ok(match props.text(name)? {
            Some(Err(_)) if MIDDLEBOX_TARGETS.contains(&name) => Some(middlebox_known_at_deployment(name)),
            value => value.and_then(|v| model.known(scope, v)),
        })
    };
    route.gateway_id = target("GatewayId")?.or(target("VpcEndpointId")?);
    route.nat_gateway_id = target("NatGatewayId")?;
    route.instance_id = target("InstanceId")?;
    route.network_interface_id = target("NetworkInterfaceId")?;
    route.transit_gateway_id = target("TransitGatewayId")?;
    route.vpc_peering_connection_id = target("VpcPeeringConnectionId")?;
    route.egress_only_internet_gateway_id = target("EgressOnlyInternetGatewayId")?;
    route.local_gateway_id = target("LocalGatewayId")?;
    route.carrier_gateway_id = target("CarrierGatewayId")?;
    route.core_network_arn = target("CoreNetworkArn")?;
    model.routes.push((table, route, model.stack, props.resource.at.offset));
    Ok(())
}

fn acl_entry(model: &mut Model, props: &Props<'_, '_>) -> Result<(), EvalError> {
    let acl = props.required("NetworkAclId")?;
    let Some(acl) = model.known(Member::NetworkAcls, acl) else { return Ok(()) };
    let id = &props.resource.id;
    let number =
        props.parsed::<u32>("RuleNumber", "a rule number")?.ok_or_else(|| error(props.resource.at, format!("{id} has no RuleNumber")))?;
    let protocol = props.required("Protocol")?;
    let action = props.required("RuleAction")?;
    let (Some(number), Some(protocol), Some(action)) =
        (model.known(Member::NetworkAcls, number), model.known(Member::NetworkAcls, protocol), model.known(Member::NetworkAcls, action))
    else {
        return Ok(());
    };
    let ports = match props.value("PortRange")? {
        Some(range) => {
            let port = |key: &str| -> Result<i32, EvalError> {
                range
                    .get(key)
                    .and_then(Value::text)
                    .and_then(|t| t.parse().ok())
                    .ok_or_else(|| error(props.at("PortRange"), format!("{id}.PortRange.{key} must be a port 0-65535")))
            };
            Some(("PortRange", port("From")?, port("To")?))
        }
        None => None,
    };
    let cidr_block = match props.parsed::<Ipv4Net>("CidrBlock", "an IPv4 CIDR")? {
        Some(cidr) => model.known(Member::NetworkAcls, cidr),
        None => None,
    };
    let entry = iac::acl_entry(AclEntryValues {
        number: ("RuleNumber", number),
        protocol: ("Protocol", protocol),
        action: ("RuleAction", action),
        ports,
        // AWS::EC2::NetworkAclEntry: "Egress ... Default: false".
        egress: props.boolean("Egress")?.and_then(Result::ok).unwrap_or(false),
        cidr_block,
        ipv6_cidr_block: props.parsed("Ipv6CidrBlock", "an IPv6 CIDR")?.and_then(Result::ok),
    })
    .map_err(|(name, why)| error(props.at(&name), format!("{id}.{why}")))?;
    model.acl_entries.push((acl, entry));
    Ok(())
}

fn security_group(model: &mut Model, props: &Props<'_, '_>) -> Result<(), EvalError> {
    let id = props.resource.id.clone();
    // AWS::EC2::SecurityGroup: a group without VpcId is created in the Region's default VPC.
    let vpc = match props.text("VpcId")? {
        Some(vpc) => model.known(Member::SecurityGroups, vpc),
        None => Some(crate::model::DEFAULT_VPC.to_string()),
    };
    let mut group = SecurityGroup {
        group_id: id.clone(),
        group_name: props.text("GroupName")?.and_then(Result::ok),
        vpc_id: vpc,
        owner_id: None,
        ip_permissions: Vec::new(),
        ip_permissions_egress: Vec::new(),
    };
    for (name, egress) in [("SecurityGroupIngress", false), ("SecurityGroupEgress", true)] {
        let rules = match props.value(name)? {
            Some(Value::List(rules)) => rules,
            Some(Value::Unknown(why)) => {
                model.unknown(Member::SecurityGroups, why);
                Vec::new()
            }
            None => Vec::new(),
            Some(_) => return Err(error(props.at(name), format!("{id}.{name} must be a list of rules"))),
        };
        for rule in &rules {
            if let Some(permission) = permission(model, props, rule, egress, props.at(name))? {
                if egress {
                    group.ip_permissions_egress.push(permission);
                } else {
                    group.ip_permissions.push(permission);
                }
            }
        }
    }
    // AWS::EC2::SecurityGroup: "When you specify a VPC security group, Amazon EC2 creates a default egress
    // rule that allows egress traffic on all ports and IP protocols to any location. The default rule is
    // removed only when you specify one or more egress rules."
    if props.value("SecurityGroupEgress")?.is_none() {
        group.ip_permissions_egress.push(all_traffic(vec![IpRange { cidr_ip: Ipv4Net::default() }], Vec::new()));
    }
    list(&mut model.snapshot.security_groups).push(group);
    Ok(())
}

/// One security group rule (inline, or a SecurityGroupIngress/Egress resource's properties).
fn permission(model: &mut Model, props: &Props<'_, '_>, rule: &Value, egress: bool, at: Spot) -> Result<Option<IpPermission>, EvalError> {
    let id = &props.resource.id;
    let field = |key: &str| -> Result<Option<String>, String> {
        match rule.get(key) {
            None => Ok(None),
            Some(Value::Text(text)) => Ok(Some(text.clone())),
            Some(Value::Unknown(why)) => Err(why.clone()),
            Some(_) => Err(format!("{id}: {key} is not text")),
        }
    };
    let mut get = |key: &str| -> Option<Option<String>> { field(key).map_err(|why| model.unknown(Member::SecurityGroups, why)).ok() };
    let (Some(protocol), Some(from), Some(to)) = (get("IpProtocol"), get("FromPort"), get("ToPort")) else { return Ok(None) };
    let protocol = protocol.ok_or_else(|| error(at, format!("a rule of {id} has no IpProtocol")))?;
    if protocol_number(&protocol).is_none() {
        return Err(error(at, format!("{id}: IpProtocol {protocol:?} is not -1, tcp, udp, icmp or a protocol number")));
    }
    let port = |text: Option<String>| -> Result<Option<i32>, EvalError> {
        text.map(|t| {
            t.parse::<i32>().ok().filter(|p| (-1..=65535).contains(p)).ok_or_else(|| error(at, format!("{id}: port {t:?} is not -1-65535")))
        })
        .transpose()
    };
    let (peer_group, peer_list) =
        if egress { ("DestinationSecurityGroupId", "DestinationPrefixListId") } else { ("SourceSecurityGroupId", "SourcePrefixListId") };
    let (Some(cidr), Some(cidr6), Some(group), Some(owner), Some(prefix_list)) =
        (get("CidrIp"), get("CidrIpv6"), get(peer_group), get("SourceSecurityGroupOwnerId"), get(peer_list))
    else {
        return Ok(None);
    };
    let cidr = cidr.map(|c| c.parse::<Ipv4Net>().map_err(|_| error(at, format!("{id}: CidrIp {c:?} is not an IPv4 CIDR")))).transpose()?;
    let cidr6 = cidr6
        .map(|c| c.parse::<ipnet::Ipv6Net>().map_err(|_| error(at, format!("{id}: CidrIpv6 {c:?} is not an IPv6 CIDR"))))
        .transpose()?;
    Ok(Some(IpPermission {
        ip_protocol: protocol,
        from_port: port(from)?,
        to_port: port(to)?,
        ip_ranges: cidr.into_iter().map(|cidr_ip| IpRange { cidr_ip }).collect(),
        ipv6_ranges: cidr6.into_iter().map(|cidr_ipv6| Ipv6Range { cidr_ipv6 }).collect(),
        prefix_list_ids: prefix_list.into_iter().map(|prefix_list_id| PrefixListId { prefix_list_id }).collect(),
        user_id_group_pairs: group.into_iter().map(|group_id| UserIdGroupPair { group_id, user_id: owner.clone() }).collect(),
    }))
}

fn endpoint(model: &mut Model, props: &Props<'_, '_>) -> Result<(), EvalError> {
    let id = props.resource.id.clone();
    let (vpc, service) = (props.required("VpcId")?, props.required("ServiceName")?);
    let (Some(vpc_id), Some(service_name)) = (model.known(Member::VpcEndpoints, vpc), model.known(Member::VpcEndpoints, service)) else {
        return Ok(());
    };
    // AWS::EC2::VPCEndpoint: "VpcEndpointType ... Default: Gateway"; "PrivateDnsEnabled ... Default: false"
    // (the EC2 API defaults it to true for interface endpoints; CloudFormation does not).
    let kind = props.text("VpcEndpointType")?.and_then(Result::ok).unwrap_or_else(|| "Gateway".into());
    let private_dns = props.boolean("PrivateDnsEnabled")?.and_then(Result::ok).unwrap_or(false);
    let subnet_ids = props.texts("SubnetIds")?;
    let groups = props.texts("SecurityGroupIds")?;
    let tables = props.texts("RouteTableIds")?;
    let (Some(subnet_ids), Some(groups), Some(route_table_ids)) = (
        model.known(Member::VpcEndpoints, subnet_ids),
        model.known(Member::VpcEndpoints, groups),
        model.known(Member::VpcEndpoints, tables),
    ) else {
        return Ok(());
    };
    // "For CloudFormation templates in YAML, you can provide the policy in JSON or YAML format."
    let policy_document = match props.value("PolicyDocument")? {
        None => None,
        Some(Value::Text(text)) => Some(text),
        Some(document) => {
            if let Some(why) = document.unknown() {
                model.unknown(Scope::EndpointPolicy(&id), why.to_string());
            }
            Some(document.to_json().to_string())
        }
    };
    let gateway = kind.eq_ignore_ascii_case("gateway");
    // Its route tables, as every front end gives them (the routes to its service's prefix list are added
    // once all tables are in).
    for table in route_table_ids {
        model.endpoint_links.push((id.clone(), EndpointLink::RouteTable(table)));
    }
    list(&mut model.snapshot.vpc_endpoints).push(VpcEndpoint {
        vpc_endpoint_id: id,
        vpc_endpoint_type: if gateway { "Gateway".into() } else { kind },
        vpc_id,
        service_name,
        state: Some("available".into()),
        policy_document,
        route_table_ids: Vec::new(),
        subnet_ids,
        groups: groups.into_iter().map(|group_id| SecurityGroupIdentifier { group_id }).collect(),
        private_dns_enabled: private_dns,
        owner_id: None,
    });
    Ok(())
}

fn dhcp_options(model: &mut Model, props: &Props<'_, '_>) -> Result<(), EvalError> {
    let mut configurations = Vec::new();
    for (property, key) in [("DomainNameServers", "domain-name-servers"), ("DomainName", "domain-name")] {
        let values = match property {
            "DomainName" => props.text(property)?.map(|v| v.map(|t| vec![t])),
            _ => Some(props.texts(property)?),
        };
        if let Some(values) = values.and_then(|v| model.known(Member::DhcpOptions, v)) {
            if !values.is_empty() {
                configurations.push(DhcpConfiguration {
                    key: key.into(),
                    values: values.into_iter().map(|value| AttributeValue { value }).collect(),
                });
            }
        }
    }
    list(&mut model.snapshot.dhcp_options)
        .push(DhcpOptions { dhcp_options_id: props.resource.id.clone(), dhcp_configurations: configurations });
    Ok(())
}

fn environment(props: &Props<'_, '_>) -> Result<PlannedEnvironment, EvalError> {
    let id = &props.resource.id;
    let known = |value: Option<Result<String, String>>| value.and_then(Result::ok);
    let network = match props.value("NetworkConfiguration")? {
        Some(network) => {
            let ids = |key: &str| -> Result<Vec<String>, EvalError> {
                match network.get(key) {
                    None => Ok(Vec::new()),
                    Some(Value::List(items)) => items
                        .iter()
                        .map(|i| match i {
                            Value::Text(t) => Ok(t.clone()),
                            Value::Unknown(why) => {
                                Err(error(props.at("NetworkConfiguration"), format!("{id}.NetworkConfiguration.{key}: {why}")))
                            }
                            _ => Err(error(
                                props.at("NetworkConfiguration"),
                                format!("{id}.NetworkConfiguration.{key} must be a list of IDs"),
                            )),
                        })
                        .collect(),
                    Some(Value::Unknown(why)) => {
                        Err(error(props.at("NetworkConfiguration"), format!("{id}.NetworkConfiguration.{key}: {why}")))
                    }
                    Some(_) => Err(error(props.at("NetworkConfiguration"), format!("{id}.NetworkConfiguration.{key} must be a list"))),
                }
            };
            Some(NetworkConfiguration { subnet_ids: ids("SubnetIds")?, security_group_ids: ids("SecurityGroupIds")? })
        }
        None => None,
    };
    let number = |name: &str| -> Result<Option<u32>, EvalError> { Ok(props.parsed::<u32>(name, "a number")?.and_then(Result::ok)) };
    let kms_key = props.text("KmsKey")?.map(|k| k.unwrap_or_else(|_| iac::key_created_at_deployment(&props.stack.ctx.region)));
    let environment = Environment {
        name: known(props.text("Name")?).unwrap_or_else(|| id.clone()),
        arn: None,
        status: None,
        created_at: None,
        network_configuration: network,
        // AWS::MWAA::Environment leaves WebserverAccessMode to the service, whose default is PRIVATE_ONLY.
        webserver_access_mode: Some(known(props.text("WebserverAccessMode")?).unwrap_or_else(|| "PRIVATE_ONLY".into())),
        endpoint_management: Some(known(props.text("EndpointManagement")?).unwrap_or_else(|| "SERVICE".into())),
        source_bucket_arn: known(props.text("SourceBucketArn")?),
        kms_key,
        environment_class: known(props.text("EnvironmentClass")?),
        max_workers: number("MaxWorkers")?,
        schedulers: number("Schedulers")?,
        last_update: None,
        // MWAA creates these services when the environment enters PENDING; an endpoint in the template that
        // names them through `!GetAtt Env.DatabaseVpcEndpointService` carries the same text.
        database_vpc_endpoint_service: Some(format!("{id}.DatabaseVpcEndpointService")),
        webserver_vpc_endpoint_service: Some(format!("{id}.WebserverVpcEndpointService")),
        celery_executor_queue: None,
    };
    Ok(PlannedEnvironment { logical_id: id.clone(), environment, unknown_ids: Vec::new(), kms_key_given: key_given(props)? })
}
