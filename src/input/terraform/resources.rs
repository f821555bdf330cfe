//! The AWS provider's network resources onto the snapshot model. A resource's ID is its AWS ID once it
//! exists, else its address; an attribute known only after apply resolves through the configuration's
//! references when it is an identity (`aws_subnet.private[0].id`), and is unknown when it is a fact.
//! Where the provider's semantics differ from the API's, the code says so with the provider's docs.

use std::collections::{BTreeMap, HashMap};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde_json::Value;

use super::{Instance, Parsed};
use crate::input::iac::{
    self, list, middlebox_known_at_deployment, primary_interface, star_entries, AclEntryValues, Built, EndpointLink, External, Located,
    Model, PlannedEnvironment, PublicAddress, Scope,
};
use crate::model::snapshot::*;
use crate::model::Member;
use crate::target::KeyGiven;

/// An instance's ID: its AWS ID once it exists, else its address (what findings name until apply).
pub fn id_of(instance: &Instance) -> String {
    instance.values.get("id").and_then(Value::as_str).filter(|id| !id.is_empty()).map_or_else(|| instance.address.clone(), str::to_string)
}

/// An attribute as the plan knows it.
enum Field {
    Absent,
    Known(Value),
    /// Known only after apply, and not an identity the configuration names.
    Unknown(String),
}

fn walk<'v>(value: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, key| match v {
        Value::Object(map) => map.get(*key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

struct Reader<'p> {
    parsed: &'p Parsed,
    /// (module path, config address) -> the instances.
    by_config: HashMap<(String, String), Vec<&'p Instance>>,
}

impl<'p> Reader<'p> {
    fn new(parsed: &'p Parsed) -> Self {
        let mut by_config: HashMap<(String, String), Vec<&Instance>> = HashMap::new();
        for instance in &parsed.instances {
            by_config.entry((instance.module.clone(), instance.config_address.clone())).or_default().push(instance);
        }
        Self { parsed, by_config }
    }

    fn field(&self, instance: &Instance, path: &[&str]) -> Field {
        // The attribute, or a block holding it (`network_configuration` as a whole), known only after apply.
        let unknown = (1..=path.len()).any(|n| walk(&instance.unknown, &path[..n]) == Some(&Value::Bool(true)));
        if unknown {
            return match self.expression(instance, path) {
                Some(value) => Field::Known(value),
                None => Field::Unknown(format!("{}.{} is known only after apply", instance.address, path.join("."))),
            };
        }
        match walk(&instance.values, path) {
            None | Some(Value::Null) => Field::Absent,
            Some(value) => Field::Known(value.clone()),
        }
    }

    /// The references an attribute's expression makes, as written (`aws_kms_key.this.arn`), each only in
    /// its longest form.
    fn written_references(&self, instance: &Instance, path: &[&str]) -> Vec<String> {
        let expressions = self.parsed.expressions.get(&(instance.module.clone(), instance.config_address.clone()));
        let all: Vec<&str> = expressions
            .and_then(|e| walk(e, path))
            .and_then(|e| e.get("references"))
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let prefix_of_another = |r: &str| all.iter().any(|o| o.len() > r.len() && o.starts_with(r));
        all.iter().filter(|r| !prefix_of_another(r)).map(|r| r.to_string()).collect()
    }

    /// The identity an unknown attribute names through the configuration's references.
    fn expression(&self, instance: &Instance, path: &[&str]) -> Option<Value> {
        let expressions = self.parsed.expressions.get(&(instance.module.clone(), instance.config_address.clone()))?;
        // Blocks are lists in values and in expressions alike (network_configuration[0].subnet_ids).
        let expression = walk(expressions, path)?;
        self.references(&instance.module, instance.index.as_ref(), expression.get("references")?)
    }

    /// Every resource the references name, each once (`aws_subnet.a.id` and `aws_subnet.a` are one): a list
    /// expression `[aws_subnet.a.id, aws_subnet.b.id]` is both subnets, however the plan holds it.
    fn references(&self, module: &str, index: Option<&Value>, references: &Value) -> Option<Value> {
        let mut values: Vec<Value> = Vec::new();
        let all: Vec<&str> = references.as_array()?.iter().filter_map(Value::as_str).collect();
        // Terraform lists an expression's traversal with each of its prefixes (`aws_instance.nat[0].primary_network_interface_id`,
        // `aws_instance.nat[0]`, `aws_instance.nat`): the longest names the value.
        let prefix_of_another =
            |r: &str| all.iter().any(|o| o.len() > r.len() && o.starts_with(r) && matches!(o.as_bytes()[r.len()], b'.' | b'['));
        for reference in all.iter().copied().filter(|r| !prefix_of_another(r)) {
            let named = match self.reference(module, index, reference) {
                Some(Value::Array(items)) => items,
                Some(one) => vec![one],
                None => continue,
            };
            for value in named {
                if !values.contains(&value) {
                    values.push(value);
                }
            }
        }
        match values.len() {
            0 => None,
            1 => values.pop(),
            _ => Some(Value::Array(values)),
        }
    }

    /// One reference (`aws_vpc.this.id`, `aws_subnet.private[0].id`, `aws_subnet.private`,
    /// `module.vpc.private_subnets`, `data.aws_subnets.x.ids`) as the ID(s) it names, or a known attribute.
    fn reference(&self, module: &str, index: Option<&Value>, reference: &str) -> Option<Value> {
        if let Some(rest) = reference.strip_prefix("module.") {
            let (name, output) = rest.split_once('.')?;
            let child = if module.is_empty() { format!("module.{name}") } else { format!("{module}.module.{name}") };
            let output = output.split(['.', '[']).next()?;
            let expression = self.parsed.outputs.get(&(child.clone(), output.to_string()))?;
            return self.references(&child, None, expression.get("references")?);
        }
        let (data, rest) = match reference.strip_prefix("data.") {
            Some(rest) => (true, rest),
            None => (false, reference),
        };
        let mut parts = rest.splitn(3, '.');
        let (kind, name_and_index) = (parts.next()?, parts.next()?);
        if !kind.starts_with("aws_") {
            return None; // var., local., count., each., path.: values, not resources
        }
        let attribute = parts.next();
        let (name, explicit) = match name_and_index.split_once('[') {
            Some((name, key)) => (name, Some(key.trim_end_matches(']').trim_matches('"').to_string())),
            None => (name_and_index, None),
        };
        let config = if data { format!("data.{kind}.{name}") } else { format!("{kind}.{name}") };
        let candidates = self.by_config.get(&(module.to_string(), config))?;
        let key = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let chosen: Vec<&&Instance> = match (&explicit, index) {
            (Some(k), _) => candidates.iter().filter(|c| c.index.as_ref().map(key).as_deref() == Some(k.as_str())).collect(),
            // `element(aws_subnet.private[*].id, count.index)` and the like: the instance of the same index.
            (None, Some(i)) if candidates.iter().any(|c| c.index.as_ref() == Some(i)) => {
                candidates.iter().filter(|c| c.index.as_ref() == Some(i)).collect()
            }
            (None, _) => candidates.iter().collect(),
        };
        let values: Vec<Value> = chosen.iter().filter_map(|c| attribute_value(c, attribute)).collect();
        match values.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            _ => Some(Value::Array(values)),
        }
    }
}

/// What a reference to `attribute` of an instance gives: its ID, the ID of what its VPC brings, or a known
/// attribute.
fn attribute_value(instance: &Instance, attribute: Option<&str>) -> Option<Value> {
    let id = id_of(instance);
    let suffix = match attribute.map(|a| a.split(['.', '[']).next().unwrap_or(a)) {
        None | Some("id") => return Some(Value::String(id)),
        Some("default_route_table_id" | "main_route_table_id") => "MainRouteTable",
        Some("default_network_acl_id") => "DefaultNetworkAcl",
        Some("default_security_group_id") => "DefaultSecurityGroup",
        Some("primary_network_interface_id") => "PrimaryNetworkInterface",
        Some(service @ ("database_vpc_endpoint_service" | "webserver_vpc_endpoint_service")) => service,
        Some(other) => return instance.values.get(other).filter(|v| !v.is_null()).cloned(),
    };
    Some(Value::String(instance.values.get(attribute?).and_then(Value::as_str).map_or_else(|| format!("{id}.{suffix}"), str::to_string)))
}

/// Reads one instance's attributes (or one of its nested blocks: `prefix`), every unknown noted against
/// `member`.
struct Attributes<'r, 'p> {
    reader: &'r Reader<'p>,
    instance: &'p Instance,
    prefix: Vec<String>,
}

impl Attributes<'_, '_> {
    /// The `i`-th block of a nested attribute (`route`, `ingress`), read like the instance.
    fn block(&self, name: &str, i: usize) -> Self {
        let mut prefix = self.prefix.clone();
        prefix.extend([name.to_string(), i.to_string()]);
        Attributes { reader: self.reader, instance: self.instance, prefix }
    }

    fn field(&self, path: &[&str]) -> Field {
        let full: Vec<&str> = self.prefix.iter().map(String::as_str).chain(path.iter().copied()).collect();
        self.reader.field(self.instance, &full)
    }

    /// The ID an `aws_default_*` resource manages (the VPC's default item: its `default_*_id`), and whether
    /// the resource is that kind; other resources keep their own ID.
    fn adopted_id(&self, model: &mut Model, member: Member, default_kind: &str, id_key: &str, id: &str) -> (String, bool) {
        if self.instance.kind == default_kind {
            (self.text(model, member, &[id_key]).unwrap_or_else(|| id.to_string()), true)
        } else {
            (id.to_string(), false)
        }
    }

    fn text<'a>(&self, model: &mut Model, scope: impl Into<Scope<'a>>, path: &[&str]) -> Option<String> {
        let scope = scope.into();
        match self.field(path) {
            // `var.x ? aws_vpc.a.id : aws_vpc.b.id`: which one is known only after apply.
            Field::Known(Value::Array(items)) if items.len() > 1 => {
                let names: Vec<String> = items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect();
                model.unknown(
                    scope,
                    format!("{}.{} is one of {}, known only after apply", self.instance.address, path.join("."), names.join(", ")),
                );
                None
            }
            Field::Known(Value::String(s)) if s.is_empty() => None,
            Field::Known(Value::String(s)) => Some(s),
            Field::Known(Value::Number(n)) => Some(n.to_string()),
            Field::Known(Value::Bool(b)) => Some(b.to_string()),
            Field::Unknown(why) => {
                model.unknown(scope, why);
                None
            }
            Field::Absent | Field::Known(_) => None,
        }
    }

    fn texts(&self, model: &mut Model, member: Member, path: &[&str]) -> Vec<String> {
        match self.field(path) {
            Field::Known(Value::Array(items)) => {
                items.iter().filter_map(|v| v.as_str().map(str::to_string)).filter(|s| !s.is_empty()).collect()
            }
            Field::Known(Value::String(s)) if !s.is_empty() => vec![s],
            Field::Unknown(why) => {
                model.unknown(member, why);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn boolean(&self, path: &[&str]) -> Option<bool> {
        match self.field(path) {
            Field::Known(Value::Bool(b)) => Some(b),
            _ => None,
        }
    }

    fn cidr(&self, model: &mut Model, member: Member, path: &[&str]) -> Option<Ipv4Net> {
        self.text(model, member, path).and_then(|c| c.parse().ok())
    }

    /// The blocks of a nested attribute (`route`, `ingress`), as index paths; `None` when unknown.
    fn blocks(&self, name: &str) -> Option<usize> {
        match self.field(&[name]) {
            Field::Known(Value::Array(items)) => Some(items.len()),
            Field::Absent => Some(0),
            _ => None,
        }
    }

    /// Known text, else nothing (settings that default when not stated).
    fn plain(&self, path: &[&str]) -> Option<String> {
        match self.field(path) {
            Field::Known(Value::String(s)) if !s.is_empty() => Some(s),
            Field::Known(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        }
    }

    /// Whether the configuration sets the attribute (a constant or an expression) rather than leaving it to
    /// the provider. A state has no configuration: nothing is set there, and nothing there is unknown.
    fn configured(&self, path: &[&str]) -> bool {
        let key = (self.instance.module.clone(), self.instance.config_address.clone());
        self.reader.parsed.expressions.get(&key).is_some_and(|e| walk(e, path).is_some())
    }

    fn exists(&self) -> bool {
        self.instance.values.get("id").and_then(Value::as_str).is_some_and(|id| !id.is_empty())
    }
}

/// The plan's network on top of `base` (a snapshot of what exists, or nothing).
pub fn build(parsed: &Parsed, base: Option<Snapshot>, region: &str) -> Result<Built, Located> {
    let alone = base.is_none();
    let base_subnets: Vec<String> = base.iter().flat_map(|b| b.subnets.iter().flatten().map(|s| s.subnet_id.clone())).collect();
    let mut model = Model::new(base, "plan", region);
    let reader = Reader::new(parsed);
    let mut environments = Vec::new();
    let mut unmodeled: Vec<String> = Vec::new();
    let mut zone_ids: HashMap<String, String> = HashMap::new();
    for instance in &parsed.instances {
        let a = Attributes { reader: &reader, instance, prefix: Vec::new() };
        let id = id_of(instance);
        // A value EC2 refuses, located at the resource.
        let refused = |message: String| Located { source: 0, offset: instance.at.0, message };
        match (instance.data, instance.kind.as_str()) {
            (false, "aws_vpc") => vpc(&mut model, &a, &id),
            (false, "aws_vpc_ipv4_cidr_block_association") => {
                if let (Some(vpc), Some(cidr)) =
                    (a.text(&mut model, Member::Vpcs, &["vpc_id"]), a.cidr(&mut model, Member::Vpcs, &["cidr_block"]))
                {
                    model.vpc_cidrs.push((vpc, cidr));
                }
            }
            (false, "aws_subnet") | (true, "aws_subnet") => {
                if !base_subnets.contains(&id) {
                    subnet(&mut model, &a, &id, instance.data);
                }
            }
            (false, "aws_internet_gateway") => {
                list(&mut model.snapshot.internet_gateways)
                    .push(InternetGateway { internet_gateway_id: id.clone(), attachments: Vec::new() });
                if let Some(vpc) = a.text(&mut model, Member::InternetGateways, &["vpc_id"]) {
                    model.gateway_attachments.push((id, vpc));
                }
            }
            (false, "aws_internet_gateway_attachment") => {
                if let (Some(igw), Some(vpc)) = (
                    a.text(&mut model, Member::InternetGateways, &["internet_gateway_id"]),
                    a.text(&mut model, Member::InternetGateways, &["vpc_id"]),
                ) {
                    model.gateway_attachments.push((igw, vpc));
                }
            }
            (false, "aws_nat_gateway") => {
                // aws_nat_gateway: "availability_mode ... zonal (default) or regional"; a regional gateway
                // names its VPC, not a subnet, and AWS allocates its addresses unless they are given.
                let mode = a.plain(&["availability_mode"]);
                let regional = mode.as_deref().is_some_and(|m| m.eq_ignore_ascii_case("regional"));
                let place = if regional {
                    a.text(&mut model, Member::NatGateways, &["vpc_id"]).map(|vpc| (None, Some(vpc)))
                } else {
                    a.text(&mut model, Member::NatGateways, &["subnet_id"]).map(|subnet| (Some(subnet), None))
                };
                if let Some((subnet_id, vpc_id)) = place {
                    // aws_nat_gateway: "connectivity_type ... Defaults to public".
                    let connectivity = a.plain(&["connectivity_type"]).unwrap_or_else(|| "public".into());
                    let allocation = a.text(&mut model, Member::NatGateways, &["allocation_id"]);
                    list(&mut model.snapshot.nat_gateways).push(NatGateway {
                        nat_gateway_id: id,
                        vpc_id,
                        subnet_id,
                        // Terraform waits for the gateway to be available; a state holds it as it was then.
                        state: Some("available".into()),
                        connectivity_type: Some(connectivity),
                        auto_provision_zones: (regional && allocation.is_none()).then(|| "enabled".to_string()),
                        availability_mode: mode,
                        nat_gateway_addresses: allocation
                            .into_iter()
                            .map(|a| NatGatewayAddress { allocation_id: Some(a), public_ip: None })
                            .collect(),
                    });
                }
            }
            (false, "aws_instance") => {
                let check = a.boolean(&["source_dest_check"]).unwrap_or(true);
                let subnet = a.text(&mut model, Member::NetworkInterfaces, &["subnet_id"]);
                let mut interface = primary_interface(&id, subnet, check);
                if let Some(existing) = a.plain(&["primary_network_interface_id"]) {
                    interface.network_interface_id = existing;
                }
                list(&mut model.snapshot.network_interfaces).push(interface);
                let public = match (a.plain(&["public_ip"]), a.boolean(&["associate_public_ip_address"])) {
                    (Some(_), _) | (None, Some(true)) => Some(PublicAddress::AtLaunch),
                    (None, Some(false)) => None,
                    (None, None) => Some(PublicAddress::SubnetDefault),
                };
                if let Some(public) = public {
                    model.public_addresses.push((id, public));
                }
            }
            (false, "aws_network_interface") => {
                if let Some(subnet) = a.text(&mut model, Member::NetworkInterfaces, &["subnet_id"]) {
                    list(&mut model.snapshot.network_interfaces).push(NetworkInterface {
                        network_interface_id: id.clone(),
                        subnet_id: Some(subnet),
                        vpc_id: None,
                        availability_zone: None,
                        source_dest_check: Some(a.boolean(&["source_dest_check"]).unwrap_or(true)),
                        status: Some("available".into()),
                        attachment: None,
                        association: None,
                    });
                    for i in 0..a.blocks("attachment").unwrap_or(0) {
                        if let Some(instance) = a.block("attachment", i).text(&mut model, Member::NetworkInterfaces, &["instance"]) {
                            model.interface_attachments.push((id.clone(), instance));
                        }
                    }
                }
            }
            (false, "aws_network_interface_attachment") => {
                if let (Some(interface), Some(instance)) = (
                    a.text(&mut model, Member::NetworkInterfaces, &["network_interface_id"]),
                    a.text(&mut model, Member::NetworkInterfaces, &["instance_id"]),
                ) {
                    model.interface_attachments.push((interface, instance));
                }
            }
            // An Elastic IP given to an instance or an interface: a NAT instance's fixed address.
            (false, "aws_eip") | (false, "aws_eip_association") => {
                let association = instance.kind == "aws_eip_association";
                let keys = if association { ["instance_id", "network_interface_id"] } else { ["instance", "network_interface"] };
                let target = keys.iter().find_map(|key| a.text(&mut model, Member::NetworkInterfaces, &[key]));
                let allocation =
                    if association { a.text(&mut model, Member::NetworkInterfaces, &["allocation_id"]) } else { Some(id.clone()) };
                if let (Some(target), Some(allocation)) = (target, allocation) {
                    model.public_addresses.push((target, PublicAddress::Elastic(allocation)));
                }
            }
            (false, "aws_route_table") | (false, "aws_default_route_table") => route_table(&mut model, &a, &id),
            (false, "aws_route") => {
                if let Some(table) = a.text(&mut model, Member::RouteTables, &["route_table_id"]) {
                    let route = route_of(&mut model, &a, &table, "destination_cidr_block", "destination_ipv6_cidr_block");
                    model.routes.push((table, route, 0, instance.at.0));
                }
            }
            (false, "aws_route_table_association") => {
                if let (Some(table), Some(subnet)) =
                    (a.text(&mut model, Member::RouteTables, &["route_table_id"]), a.text(&mut model, Member::RouteTables, &["subnet_id"]))
                {
                    model.table_associations.push((table, subnet));
                }
            }
            (false, "aws_main_route_table_association") => {
                if let (Some(vpc), Some(table)) =
                    (a.text(&mut model, Member::RouteTables, &["vpc_id"]), a.text(&mut model, Member::RouteTables, &["route_table_id"]))
                {
                    model.main_tables.push((vpc, table));
                }
            }
            (false, "aws_network_acl") | (false, "aws_default_network_acl") => network_acl(&mut model, &a, &id).map_err(refused)?,
            (false, "aws_network_acl_rule") => {
                if let Some(acl) = a.text(&mut model, Member::NetworkAcls, &["network_acl_id"]) {
                    let egress = a.boolean(&["egress"]).unwrap_or(false);
                    if let Some(entry) = acl_entry(&mut model, &a, "rule_number", "rule_action", egress).map_err(refused)? {
                        model.acl_entries.push((acl, entry));
                    }
                }
            }
            (false, "aws_network_acl_association") => {
                if let (Some(acl), Some(subnet)) =
                    (a.text(&mut model, Member::NetworkAcls, &["network_acl_id"]), a.text(&mut model, Member::NetworkAcls, &["subnet_id"]))
                {
                    model.acl_associations.push((acl, subnet));
                }
            }
            (false, "aws_security_group") | (false, "aws_default_security_group") => security_group(&mut model, &a, &id),
            (false, "aws_security_group_rule") => {
                if let Some(group) = a.text(&mut model, Member::SecurityGroups, &["security_group_id"]) {
                    let egress = a.text(&mut model, Member::SecurityGroups, &["type"]).as_deref() == Some("egress");
                    if let Some(permission) = inline_rule(&mut model, &a, &group, "source_security_group_id") {
                        model.rules.push((group, egress, permission));
                    }
                }
            }
            (false, "aws_vpc_security_group_ingress_rule") | (false, "aws_vpc_security_group_egress_rule") => {
                if let Some(group) = a.text(&mut model, Member::SecurityGroups, &["security_group_id"]) {
                    let egress = instance.kind.ends_with("egress_rule");
                    if let Some(permission) = vpc_rule(&mut model, &a) {
                        model.rules.push((group, egress, permission));
                    }
                }
            }
            (false, "aws_vpc_endpoint") => endpoint(&mut model, &a, &id),
            (
                false,
                link @ ("aws_vpc_endpoint_subnet_association"
                | "aws_vpc_endpoint_route_table_association"
                | "aws_vpc_endpoint_security_group_association"
                | "aws_vpc_endpoint_policy"),
            ) => {
                if let Some(endpoint) = a.text(&mut model, Member::VpcEndpoints, &["vpc_endpoint_id"]) {
                    let added = match link {
                        "aws_vpc_endpoint_subnet_association" => {
                            a.text(&mut model, Member::VpcEndpoints, &["subnet_id"]).map(EndpointLink::Subnet)
                        }
                        "aws_vpc_endpoint_route_table_association" => {
                            a.text(&mut model, Member::VpcEndpoints, &["route_table_id"]).map(EndpointLink::RouteTable)
                        }
                        "aws_vpc_endpoint_security_group_association" => {
                            a.text(&mut model, Member::VpcEndpoints, &["security_group_id"]).map(EndpointLink::Group)
                        }
                        _ => Some(EndpointLink::Policy(policy(&reader, instance))),
                    };
                    model.endpoint_links.extend(added.map(|l| (endpoint, l)));
                }
            }
            (false, "aws_vpc_dhcp_options") => {
                let servers = a.texts(&mut model, Member::DhcpOptions, &["domain_name_servers"]);
                let domain = a.text(&mut model, Member::DhcpOptions, &["domain_name"]);
                let mut configurations = Vec::new();
                for (key, values) in [("domain-name-servers", servers), ("domain-name", domain.into_iter().collect())] {
                    if !values.is_empty() {
                        configurations.push(DhcpConfiguration {
                            key: key.into(),
                            values: values.into_iter().map(|value| AttributeValue { value }).collect(),
                        });
                    }
                }
                list(&mut model.snapshot.dhcp_options).push(DhcpOptions { dhcp_options_id: id, dhcp_configurations: configurations });
            }
            (false, "aws_vpc_dhcp_options_association") => {
                if let (Some(vpc), Some(options)) =
                    (a.text(&mut model, Member::DhcpOptions, &["vpc_id"]), a.text(&mut model, Member::DhcpOptions, &["dhcp_options_id"]))
                {
                    model.dhcp_associations.push((vpc, options));
                }
            }
            (false, "aws_ec2_managed_prefix_list") | (true, "aws_prefix_list") | (true, "aws_ec2_managed_prefix_list") => {
                let name = a.text(&mut model, Member::PrefixLists, &["name"]);
                let mut cidrs: Vec<IpNet> =
                    a.texts(&mut model, Member::PrefixLists, &["cidr_blocks"]).iter().filter_map(|c| c.parse().ok()).collect();
                for i in 0..a.blocks("entry").unwrap_or(0) {
                    cidrs.extend(
                        a.text(&mut model, Member::PrefixLists, &["entry", &i.to_string(), "cidr"]).and_then(|c| c.parse::<IpNet>().ok()),
                    );
                }
                list(&mut model.snapshot.prefix_lists).push(PrefixList { prefix_list_id: id, prefix_list_name: name, cidrs });
            }
            (false, "aws_ec2_managed_prefix_list_entry") => {
                let list_id = a.text(&mut model, Member::PrefixLists, &["prefix_list_id"]);
                let cidr = a.text(&mut model, Member::PrefixLists, &["cidr"]).and_then(|c| c.parse::<IpNet>().ok());
                if let (Some(list_id), Some(cidr)) = (list_id, cidr) {
                    if let Some(l) = model.snapshot.prefix_lists.iter_mut().flatten().find(|l| l.prefix_list_id == list_id) {
                        l.cidrs.push(cidr);
                    }
                }
            }
            (false, "aws_mwaa_environment") => environments.push(environment(&mut model, &a)),
            (true, "aws_vpc") => {
                if let Some(vpc) = a.text(&mut model, Member::Vpcs, &["id"]) {
                    External::note(&mut model.external.vpcs, &vpc);
                }
            }
            (true, "aws_availability_zones") => {
                let names = a.texts(&mut model, Member::Subnets, &["names"]);
                let ids = a.texts(&mut model, Member::Subnets, &["zone_ids"]);
                zone_ids.extend(names.into_iter().zip(ids));
            }
            // Read, and nothing to model: egress-only gateways carry IPv6, which MWAA does not use.
            (false, "aws_egress_only_internet_gateway") => {}
            (true, _) => {}
            (false, kind) if kind.starts_with("aws_") && !NOT_NETWORK.iter().any(|p| kind.starts_with(p)) => {
                if !unmodeled.iter().any(|u| u == kind) {
                    unmodeled.push(kind.to_string());
                }
            }
            (false, _) => {}
        }
    }
    // An AZ name the plan states gets its ID where a data source lists both.
    for subnet in model.snapshot.subnets.iter_mut().flatten().filter(|s| s.availability_zone_id.is_none()) {
        subnet.availability_zone_id = subnet.availability_zone.as_ref().and_then(|z| zone_ids.get(z)).cloned();
    }
    model.into_built(environments, unmodeled, alone)
}

/// Types that are no part of a network, listed nowhere (IAM, S3, logs and the like).
const NOT_NETWORK: [&str; 8] =
    ["aws_iam_", "aws_s3_", "aws_cloudwatch_", "aws_kms_", "aws_ecr_", "aws_ecs_", "aws_secretsmanager_", "aws_ssm_"];

fn vpc(model: &mut Model, a: &Attributes<'_, '_>, id: &str) {
    let cidr = a.cidr(model, Member::Vpcs, &["cidr_block"]);
    if cidr.is_none() {
        model.unknown(Member::Vpcs, format!("the CIDR of {} is known only after apply (an IPAM pool)", a.instance.address));
    }
    let owner_id = a.plain(&["owner_id"]);
    list(&mut model.snapshot.vpcs).push(Vpc {
        vpc_id: id.to_string(),
        cidr_block: cidr,
        cidr_block_association_set: Vec::new(),
        ipv6_cidr_block_association_set: Vec::new(),
        dhcp_options_id: None,
        owner_id,
    });
    // aws_vpc: "enable_dns_support ... Defaults to true"; "enable_dns_hostnames ... Defaults false".
    let support = a.boolean(&["enable_dns_support"]).unwrap_or(true);
    let hostnames = a.boolean(&["enable_dns_hostnames"]).unwrap_or(false);
    model.snapshot.vpc_attributes.get_or_insert_with(BTreeMap::new).insert(
        id.to_string(),
        VpcAttributes {
            enable_dns_support: Some(BooleanValue { value: support }),
            enable_dns_hostnames: Some(BooleanValue { value: hostnames }),
        },
    );
    if !a.exists() {
        // A VPC the plan creates comes with its main table, default NACL, group and DHCP options; of an
        // existing one the state holds only what aws_default_* resources adopted.
        model.new_vpc_defaults(id);
        if let Some(v) = model.snapshot.vpcs.iter_mut().flatten().find(|v| v.vpc_id == id) {
            v.dhcp_options_id = Some(format!("{id}.DefaultDhcpOptions"));
        }
    }
}

fn subnet(model: &mut Model, a: &Attributes<'_, '_>, id: &str, data: bool) {
    let Some(vpc_id) = a.text(model, Member::Subnets, &["vpc_id"]) else { return };
    let cidr = a.cidr(model, Member::Subnets, &["cidr_block"]);
    let ipv6_native = a.boolean(&["ipv6_native"]);
    if cidr.is_none() && ipv6_native != Some(true) {
        model.unknown(Member::Subnets, format!("the IPv4 CIDR of {} is known only after apply", a.instance.address));
    }
    // A new subnet has its block's addresses but the five AWS reserves; an existing one's count is the
    // account's fact (a data source reads it; a state does not hold it).
    let free = match (a.exists(), data) {
        (_, true) => a.text(model, Member::Subnets, &["available_ip_address_count"]).and_then(|n| n.parse().ok()),
        (false, false) => cidr.map(|c| (1u32 << (32 - u32::from(c.prefix_len()))).saturating_sub(5)),
        (true, false) => None,
    };
    let ipv6: Option<Ipv6Net> = a.text(model, Member::Subnets, &["ipv6_cidr_block"]).and_then(|c| c.parse().ok());
    // The AZ ID of a named AZ is the account's mapping, known after apply: unknown, not a gap in the subnets.
    let (availability_zone, availability_zone_id) =
        (a.text(model, Member::Subnets, &["availability_zone"]), a.plain(&["availability_zone_id"]));
    let owner_id = a.plain(&["owner_id"]);
    list(&mut model.snapshot.subnets).push(Subnet {
        subnet_id: id.to_string(),
        vpc_id,
        availability_zone,
        availability_zone_id,
        cidr_block: cidr,
        ipv6_cidr_block_association_set: ipv6.into_iter().map(|c| Ipv6CidrAssociation { ipv6_cidr_block: Some(c) }).collect(),
        ipv6_native,
        available_ip_address_count: free,
        map_public_ip_on_launch: a.boolean(&["map_public_ip_on_launch"]),
        owner_id,
    });
}

/// Route targets whose kind alone decides the verdicts: egress the tool cannot see past (RT005).
const MIDDLEBOX_TARGETS: &[&str] =
    &["vpc_endpoint_id", "transit_gateway_id", "vpc_peering_connection_id", "local_gateway_id", "carrier_gateway_id", "core_network_arn"];

/// A route of `table` from an `aws_route` or an inline `route` block, whose destination keys differ. A
/// value known only after apply makes that table's routes unknown, not every table's.
fn route_of(model: &mut Model, a: &Attributes<'_, '_>, table: &str, cidr_key: &str, ipv6_key: &str) -> Route {
    let mut get = |key: &str| match a.field(&[key]) {
        Field::Unknown(_) if MIDDLEBOX_TARGETS.contains(&key) => Some(middlebox_known_at_deployment(key)),
        _ => a.text(model, Scope::RouteTable(table), &[key]),
    };
    let mut route = Route { state: Some("active".into()), ..Route::default() };
    route.destination_cidr_block = get(cidr_key).and_then(|c| c.parse().ok());
    route.destination_ipv6_cidr_block = get(ipv6_key).and_then(|c| c.parse().ok());
    route.destination_prefix_list_id = get("destination_prefix_list_id");
    route.gateway_id = get("gateway_id").or_else(|| get("vpc_endpoint_id"));
    route.nat_gateway_id = get("nat_gateway_id");
    route.network_interface_id = get("network_interface_id");
    route.transit_gateway_id = get("transit_gateway_id");
    route.vpc_peering_connection_id = get("vpc_peering_connection_id");
    route.egress_only_internet_gateway_id = get("egress_only_gateway_id");
    route.local_gateway_id = get("local_gateway_id");
    route.carrier_gateway_id = get("carrier_gateway_id");
    route.core_network_arn = get("core_network_arn");
    route
}

fn route_table(model: &mut Model, a: &Attributes<'_, '_>, id: &str) {
    // aws_default_route_table adopts the VPC's main table (its ID is the VPC's default_route_table_id).
    let (id, default) = a.adopted_id(model, Member::RouteTables, "aws_default_route_table", "default_route_table_id", id);
    let vpc = a
        .text(model, Member::RouteTables, &["vpc_id"])
        .or_else(|| model.snapshot.route_tables.iter().flatten().find(|t| t.route_table_id == id).map(|t| t.vpc_id.clone()));
    let Some(vpc_id) = vpc else {
        model.unknown(Member::RouteTables, format!("the VPC of {} is not known", a.instance.address));
        return;
    };
    let mut routes = Vec::new();
    // Unknown inline routes (None): only aws_route resources add any.
    if let Some(n) = a.blocks("route") {
        for i in 0..n {
            routes.push(route_of(model, &a.block("route", i), &id, "cidr_block", "ipv6_cidr_block"));
        }
    }
    let tables = list(&mut model.snapshot.route_tables);
    match tables.iter_mut().find(|t| t.route_table_id == id) {
        // The main table of a VPC the plan creates: the provider replaces its routes with the given ones.
        Some(t) => t.routes = routes,
        None => tables.push(RouteTable {
            route_table_id: id,
            vpc_id,
            associations: if default {
                vec![RouteTableAssociation { main: true, route_table_association_id: None, subnet_id: None, gateway_id: None }]
            } else {
                Vec::new()
            },
            routes,
        }),
    }
}

/// An entry of an `aws_network_acl_rule` or an inline `ingress`/`egress` block.
/// An entry of an `aws_network_acl_rule` or an inline `ingress`/`egress` block: `Ok(None)` while a value is
/// known only after apply, `Err` (located at the resource) for one EC2 refuses.
fn acl_entry(
    model: &mut Model,
    a: &Attributes<'_, '_>,
    number_key: &str,
    action_key: &str,
    egress: bool,
) -> Result<Option<NetworkAclEntry>, String> {
    let mut get = |key: &str| a.text(model, Member::NetworkAcls, &[key]);
    let (Some(number), Some(protocol), Some(action)) = (get(number_key), get("protocol"), get(action_key)) else { return Ok(None) };
    let address = &a.instance.address;
    let number = number.parse::<u32>().map_err(|_| format!("{address}: {number_key} {number:?} is not a rule number"))?;
    let port = |p: Option<String>| p.and_then(|p| p.parse::<i32>().ok());
    let ports = match (port(get("from_port")), port(get("to_port"))) {
        (Some(from), Some(to)) => Some(("from_port/to_port", from, to)),
        _ => None,
    };
    iac::acl_entry(AclEntryValues {
        number: (number_key, number),
        protocol: ("protocol", protocol),
        action: (action_key, action),
        ports,
        egress,
        cidr_block: get("cidr_block").and_then(|c| c.parse().ok()),
        ipv6_cidr_block: get("ipv6_cidr_block").and_then(|c| c.parse().ok()),
    })
    .map(Some)
    .map_err(|(_, why)| format!("{address}: {why}"))
}

fn network_acl(model: &mut Model, a: &Attributes<'_, '_>, id: &str) -> Result<(), String> {
    let (id, default) = a.adopted_id(model, Member::NetworkAcls, "aws_default_network_acl", "default_network_acl_id", id);
    let vpc = a
        .text(model, Member::NetworkAcls, &["vpc_id"])
        .or_else(|| model.snapshot.network_acls.iter().flatten().find(|n| n.network_acl_id == id).map(|n| n.vpc_id.clone()));
    let Some(vpc_id) = vpc else {
        model.unknown(Member::NetworkAcls, format!("the VPC of {} is not known", a.instance.address));
        return Ok(());
    };
    // aws_network_acl and aws_default_network_acl manage every entry: those given, then AWS's `*` denies
    // (aws_default_network_acl: "removes all default rules ... and adds only the rules specified").
    let mut entries = Vec::new();
    for (block, egress) in [("ingress", false), ("egress", true)] {
        match a.blocks(block) {
            Some(n) => {
                for i in 0..n {
                    entries.extend(acl_entry(model, &a.block(block, i), "rule_no", "action", egress)?);
                }
            }
            None => model.unknown(Member::NetworkAcls, format!("the {block} rules of {} are known only after apply", a.instance.address)),
        }
    }
    entries.extend(star_entries(RuleAction::Deny));
    let subnets = a.texts(model, Member::NetworkAcls, &["subnet_ids"]);
    let acls = list(&mut model.snapshot.network_acls);
    let acl = NetworkAcl { network_acl_id: id.clone(), vpc_id, is_default: default, associations: Vec::new(), entries };
    match acls.iter_mut().find(|n| n.network_acl_id == id) {
        Some(existing) => {
            existing.entries = acl.entries;
        }
        None => acls.push(acl),
    }
    for subnet in subnets {
        model.acl_associations.push((id.clone(), subnet));
    }
    Ok(())
}

fn security_group(model: &mut Model, a: &Attributes<'_, '_>, id: &str) {
    let (id, _) = a.adopted_id(model, Member::SecurityGroups, "aws_default_security_group", "default_security_group_id", id);
    // aws_security_group: "vpc_id ... Defaults to the region's default VPC" when not configured.
    let vpc_id = match a.field(&["vpc_id"]) {
        Field::Unknown(_) if a.instance.kind == "aws_security_group" && !a.configured(&["vpc_id"]) => {
            Some(crate::model::DEFAULT_VPC.to_string())
        }
        _ => a.text(model, Member::SecurityGroups, &["vpc_id"]),
    };
    let mut group = SecurityGroup {
        group_id: id.clone(),
        group_name: a.plain(&["name"]),
        vpc_id,
        owner_id: a.plain(&["owner_id"]),
        ip_permissions: Vec::new(),
        ip_permissions_egress: Vec::new(),
    };
    // aws_security_group: "When creating a new Security Group inside a VPC, Terraform will remove this
    // default rule [allow all egress], and require you specifically re-create it". Blocks not configured
    // are computed (unknown in a plan): only separate rule resources add to them. aws_default_security_group
    // likewise removes the default group's rules and adds the given ones.
    for (block, egress) in [("ingress", false), ("egress", true)] {
        for i in 0..a.blocks(block).unwrap_or(0) {
            if let Some(permission) = inline_rule(model, &a.block(block, i), &id, "security_groups") {
                if egress {
                    group.ip_permissions_egress.push(permission);
                } else {
                    group.ip_permissions.push(permission);
                }
            }
        }
    }
    let groups = list(&mut model.snapshot.security_groups);
    match groups.iter_mut().find(|g| g.group_id == id) {
        Some(existing) => *existing = SecurityGroup { vpc_id: group.vpc_id.or(existing.vpc_id.clone()), ..group },
        None => groups.push(group),
    }
}

/// An inline `ingress`/`egress` block or an `aws_security_group_rule`, whose peer keys
/// differ: `security_groups` (a list) or `source_security_group_id`, and `self`.
fn inline_rule(model: &mut Model, a: &Attributes<'_, '_>, group: &str, peers_key: &str) -> Option<IpPermission> {
    let text = |model: &mut Model, key: &str| a.text(model, Member::SecurityGroups, &[key]);
    let texts = |model: &mut Model, key: &str| a.texts(model, Member::SecurityGroups, &[key]);
    let protocol = text(model, "protocol")?;
    protocol_number(&protocol)?;
    let all = protocol_number(&protocol) == Some(-1);
    let port = |p: Option<String>| p.and_then(|p| p.parse::<i32>().ok()).filter(|p| (-1..=65535).contains(p));
    let (from_port, to_port) = if all { (None, None) } else { (port(text(model, "from_port")), port(text(model, "to_port"))) };
    let mut peers = texts(model, peers_key);
    if a.boolean(&["self"]) == Some(true) {
        peers.push(group.to_string());
    }
    Some(IpPermission {
        ip_protocol: protocol,
        from_port,
        to_port,
        ip_ranges: texts(model, "cidr_blocks").iter().filter_map(|c| c.parse().ok()).map(|cidr_ip| IpRange { cidr_ip }).collect(),
        ipv6_ranges: texts(model, "ipv6_cidr_blocks")
            .iter()
            .filter_map(|c| c.parse().ok())
            .map(|cidr_ipv6| Ipv6Range { cidr_ipv6 })
            .collect(),
        prefix_list_ids: texts(model, "prefix_list_ids").into_iter().map(|prefix_list_id| PrefixListId { prefix_list_id }).collect(),
        user_id_group_pairs: peers.into_iter().map(|group_id| UserIdGroupPair { group_id, user_id: None }).collect(),
    })
}

/// `aws_vpc_security_group_ingress_rule` / `_egress_rule`: one peer each.
fn vpc_rule(model: &mut Model, a: &Attributes<'_, '_>) -> Option<IpPermission> {
    let protocol = a.text(model, Member::SecurityGroups, &["ip_protocol"])?;
    protocol_number(&protocol)?;
    let port = |p: Option<String>| p.and_then(|p| p.parse::<i32>().ok()).filter(|p| (-1..=65535).contains(p));
    Some(IpPermission {
        from_port: port(a.text(model, Member::SecurityGroups, &["from_port"])),
        to_port: port(a.text(model, Member::SecurityGroups, &["to_port"])),
        ip_ranges: a.cidr(model, Member::SecurityGroups, &["cidr_ipv4"]).map(|cidr_ip| IpRange { cidr_ip }).into_iter().collect(),
        ipv6_ranges: a
            .text(model, Member::SecurityGroups, &["cidr_ipv6"])
            .and_then(|c| c.parse().ok())
            .map(|cidr_ipv6| Ipv6Range { cidr_ipv6 })
            .into_iter()
            .collect(),
        prefix_list_ids: a
            .text(model, Member::SecurityGroups, &["prefix_list_id"])
            .map(|prefix_list_id| PrefixListId { prefix_list_id })
            .into_iter()
            .collect(),
        user_id_group_pairs: a
            .text(model, Member::SecurityGroups, &["referenced_security_group_id"])
            .map(|group_id| UserIdGroupPair { group_id, user_id: None })
            .into_iter()
            .collect(),
        ip_protocol: protocol,
    })
}

/// A policy document: the JSON text, or why it is not known.
fn policy(reader: &Reader<'_>, instance: &Instance) -> Result<String, String> {
    match reader.field(instance, &["policy"]) {
        Field::Known(Value::String(text)) => Ok(text),
        Field::Unknown(why) => Err(why),
        Field::Absent | Field::Known(_) => Err(format!("{} has no policy", instance.address)),
    }
}

fn endpoint(model: &mut Model, a: &Attributes<'_, '_>, id: &str) {
    let (Some(vpc_id), Some(service_name)) =
        (a.text(model, Member::VpcEndpoints, &["vpc_id"]), a.text(model, Member::VpcEndpoints, &["service_name"]))
    else {
        return;
    };
    // aws_vpc_endpoint: "vpc_endpoint_type ... Defaults to Gateway"; "private_dns_enabled ... Defaults to false".
    let kind = a.text(model, Member::VpcEndpoints, &["vpc_endpoint_type"]).unwrap_or_else(|| "Gateway".into());
    let private_dns = a.boolean(&["private_dns_enabled"]).unwrap_or(false);
    let subnet_ids = a.texts(model, Member::VpcEndpoints, &["subnet_ids"]);
    let groups = a.texts(model, Member::VpcEndpoints, &["security_group_ids"]);
    let route_table_ids = a.texts(model, Member::VpcEndpoints, &["route_table_ids"]);
    // `policy` is optional and computed: not configured, the plan leaves it unknown and AWS attaches its
    // default full-access policy ("If this parameter is not specified, we attach a default policy that
    // allows full access", CreateVpcEndpoint). A configured policy the plan computes is unknown.
    let configured = a
        .reader
        .parsed
        .expressions
        .get(&(a.instance.module.clone(), a.instance.config_address.clone()))
        .is_some_and(|e| e.get("policy").is_some());
    let policy_document = match a.field(&["policy"]) {
        Field::Known(Value::String(text)) => Some(text),
        Field::Unknown(why) if configured => {
            model.unknown(Scope::EndpointPolicy(id), why);
            None
        }
        _ => None,
    };
    let gateway = kind.eq_ignore_ascii_case("gateway");
    list(&mut model.snapshot.vpc_endpoints).push(VpcEndpoint {
        vpc_endpoint_id: id.to_string(),
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
    for table in route_table_ids {
        model.endpoint_links.push((id.to_string(), EndpointLink::RouteTable(table)));
    }
}

fn environment(model: &mut Model, a: &Attributes<'_, '_>) -> PlannedEnvironment {
    // IDs known only after apply that no reference names (`var.subnet_ids`) are unknown, not none.
    let mut unknown_ids = Vec::new();
    let mut ids = |model: &mut Model, member: Member, key: &str| {
        let path = ["network_configuration", "0", key];
        if let Field::Unknown(why) = a.field(&path) {
            unknown_ids.push(why);
        }
        a.texts(model, member, &path)
    };
    let network = NetworkConfiguration {
        subnet_ids: ids(model, Member::Subnets, "subnet_ids"),
        security_group_ids: ids(model, Member::SecurityGroups, "security_group_ids"),
    };
    let number = |key: &str| a.plain(&[key]).and_then(|n| n.parse().ok());
    // A key the plan creates has no ARN yet: any key of the account, for the requests the policies must allow.
    let kms_key = match a.reader.field(a.instance, &["kms_key"]) {
        Field::Unknown(_) => Some(iac::key_created_at_deployment(&model.region)),
        _ => a.plain(&["kms_key"]),
    };
    let environment = Environment {
        name: a.plain(&["name"]).unwrap_or_else(|| a.instance.address.clone()),
        arn: None,
        status: None,
        created_at: None,
        network_configuration: Some(network),
        // aws_mwaa_environment: "webserver_access_mode ... Possible options: PRIVATE_ONLY (default)".
        webserver_access_mode: Some(a.plain(&["webserver_access_mode"]).unwrap_or_else(|| "PRIVATE_ONLY".into())),
        endpoint_management: Some(a.plain(&["endpoint_management"]).unwrap_or_else(|| "SERVICE".into())),
        source_bucket_arn: a.plain(&["source_bucket_arn"]),
        kms_key,
        environment_class: a.plain(&["environment_class"]),
        max_workers: number("max_workers"),
        schedulers: number("schedulers"),
        last_update: None,
        // MWAA creates these services when the environment enters PENDING; an endpoint whose service_name
        // refers to the attribute carries the same text (see attribute_value).
        database_vpc_endpoint_service: Some(format!("{}.database_vpc_endpoint_service", id_of(a.instance))),
        webserver_vpc_endpoint_service: Some(format!("{}.webserver_vpc_endpoint_service", id_of(a.instance))),
        celery_executor_queue: None,
    };
    PlannedEnvironment { logical_id: a.instance.address.clone(), environment, unknown_ids, kms_key_given: key_given(a) }
}

/// How `kms_key` is written: a known text as it is; a reference to a key's `arn` or `key_id`, or to an alias,
/// by what it names.
fn key_given(a: &Attributes<'_, '_>) -> Option<KeyGiven> {
    let references = a.reader.written_references(a.instance, &["kms_key"]);
    let unknown = match a.reader.field(a.instance, &["kms_key"]) {
        Field::Absent => return None,
        Field::Known(_) if references.is_empty() => return a.plain(&["kms_key"]).map(KeyGiven::Text),
        Field::Known(_) => format!("{}.kms_key is known only after apply", a.instance.address),
        Field::Unknown(why) => why,
    };
    let [reference] = references.as_slice() else { return Some(KeyGiven::Unknown(unknown)) };
    let (resource, attribute) = reference.rsplit_once('.')?;
    Some(match (resource.split('.').next(), attribute) {
        (Some("aws_kms_key"), "arn") => KeyGiven::ArnOf(resource.to_string()),
        (Some("aws_kms_key"), "key_id" | "id") => KeyGiven::KeyIdOf(resource.to_string()),
        (Some("aws_kms_alias"), _) => KeyGiven::AliasOf(resource.to_string()),
        _ => KeyGiven::Unknown(unknown),
    })
}
