//! The remedies that repair routing, with the IDs the input holds: which NAT gateway, public subnet,
//! route table or internet gateway to use is chosen here once, for RT002, RT004 and SUB005.

use crate::analysis::routing::{self, RouteTarget};
use crate::analysis::Analysis;
use crate::model::{Member, NatGateway, NetworkInterface, RouteTable, Subnet};
use crate::remedy::{Action, Created, Ref, Remedy, Replaces, RouteTo};

/// Why a NAT gateway cannot carry the environment's traffic (empty: it can).
pub fn nat_problems(a: &Analysis<'_>, nat: &NatGateway) -> Vec<String> {
    let mut problems = Vec::new();
    let state = nat.state.as_deref().unwrap_or("unknown");
    if !state.eq_ignore_ascii_case("available") {
        problems.push(format!("its state is {state}"));
    }
    if nat.connectivity_type.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("private")) {
        problems.push("it is a private NAT gateway (no internet access)".to_string());
    }
    let automatic = nat.auto_provision_zones.as_deref().is_some_and(|z| z.eq_ignore_ascii_case("enabled"));
    if !automatic && !nat.nat_gateway_addresses.iter().any(|addr| addr.allocation_id.is_some() || addr.public_ip.is_some()) {
        problems.push("it has no Elastic IP".to_string());
    }
    if nat.is_regional() {
        // In no subnet: its way out is the VPC's internet gateway itself.
        let vpc = nat.vpc_id.as_deref().or(a.vpc_id.as_deref()).unwrap_or_default();
        if a.network.has(Member::InternetGateways) && a.network.internet_gateway_of(vpc).is_none() {
            problems.push(format!("its VPC {vpc} has no internet gateway attached"));
        }
        return problems;
    }
    problems.extend(subnet_problem(a, nat.subnet_id.as_deref()));
    problems
}

/// Why a NAT instance (its network interface) cannot carry the environment's traffic (empty: it can).
pub fn nat_instance_problems(a: &Analysis<'_>, interface: &NetworkInterface) -> Vec<String> {
    let mut problems = Vec::new();
    if !interface.forwards() {
        problems.push("its source/destination check is on, so it drops traffic it does not own".to_string());
    }
    if interface.attachment.as_ref().and_then(|at| at.instance_id.as_deref()).is_none() {
        problems.push(format!("its network interface {} is attached to no instance", interface.network_interface_id));
    }
    // An association is a public address (a template's or plan's address assigned at launch has no value yet).
    if interface.association.is_none() {
        problems.push("it has no public IP address".to_string());
    }
    problems.extend(subnet_problem(a, interface.subnet_id.as_deref()));
    problems
}

/// Why a NAT device's subnet gives it no way out: none named, not in the input, or no default route to
/// an internet gateway attached to the VPC.
fn subnet_problem(a: &Analysis<'_>, subnet_id: Option<&str>) -> Option<String> {
    match subnet_id.map(|id| (id, a.network.subnet(id))) {
        None => Some("it names no subnet".to_string()),
        Some((id, None)) => Some(format!("its subnet {id} is not in the snapshot")),
        Some((id, Some(subnet))) if !is_public(a, subnet) => {
            let default = a.network.effective_route_table(subnet).and_then(|(t, _)| routing::default_route(a.network, t));
            let route = default.map_or("no 0.0.0.0/0 route".to_string(), |r| r.to_string());
            Some(format!("its subnet {id} has no 0.0.0.0/0 route to an internet gateway attached to the VPC ({route})"))
        }
        Some(_) => None,
    }
}

/// A subnet whose effective table sends 0.0.0.0/0 to an internet gateway attached to its VPC.
fn is_public(a: &Analysis<'_>, subnet: &Subnet) -> bool {
    let Some((table, _)) = a.network.effective_route_table(subnet) else { return false };
    public_table(a, table, &subnet.vpc_id)
}

fn public_table(a: &Analysis<'_>, table: &RouteTable, vpc_id: &str) -> bool {
    match routing::default_route(a.network, table) {
        Some(route) if !route.blackhole => match &route.target {
            RouteTarget::InternetGateway(igw) => a.network.internet_gateway_attached(igw, vpc_id).unwrap_or(false),
            _ => false,
        },
        _ => false,
    }
}

/// The first item in `zone` (`Some(zone)`), or the first at all (`None`).
fn in_zone<'n, T>(items: Vec<(&'n T, Option<&'n str>)>, zone: Option<&str>) -> Option<&'n T> {
    items.iter().find(|(_, z)| zone.is_none() || *z == zone).map(|(item, _)| *item)
}

fn vpc_subnets<'n>(a: &Analysis<'n>) -> Vec<&'n Subnet> {
    match a.vpc_id.as_deref() {
        Some(vpc) => a.network.snapshot.subnets.iter().flatten().filter(|s| s.vpc_id == vpc).collect(),
        None => Vec::new(),
    }
}

fn working_nat<'n>(a: &Analysis<'n>, zone: Option<&str>) -> Option<&'n NatGateway> {
    let nats = a.network.snapshot.nat_gateways.iter().flatten().filter(|n| n.vpc_id.is_none() || n.vpc_id == a.vpc_id);
    let working: Vec<&NatGateway> = nats.filter(|n| nat_problems(a, n).is_empty()).collect();
    // A regional NAT gateway serves every AZ, the one asked for included.
    if let Some(regional) = working.iter().find(|n| n.is_regional()) {
        return Some(regional);
    }
    let zonal = working.into_iter().map(|n| (n, a.network.nat_subnet(n).and_then(Analysis::zone_of)));
    in_zone(zonal.collect(), zone)
}

fn public_subnet<'n>(a: &Analysis<'n>, zone: Option<&str>) -> Option<&'n Subnet> {
    let public: Vec<(&Subnet, Option<&str>)> =
        vpc_subnets(a).into_iter().filter(|s| is_public(a, s)).map(|s| (s, Analysis::zone_of(s))).collect();
    in_zone(public, zone)
}

fn attached_internet_gateway<'n>(a: &Analysis<'n>) -> Option<&'n str> {
    a.network.internet_gateway_of(a.vpc_id.as_deref()?).map(|g| g.internet_gateway_id.as_str())
}

fn vpc_ref(a: &Analysis<'_>) -> Ref {
    Ref::id(a.vpc_id.clone().unwrap_or_default())
}

/// Whether `table` has a 0.0.0.0/0 route already (a new target then replaces its own).
fn has_default_route(table: &RouteTable) -> bool {
    let any = ipnet::Ipv4Net::default();
    table.routes.iter().any(|r| r.destination_cidr_block == Some(any))
}

/// Gives `table` a 0.0.0.0/0 route to a working NAT gateway: one in `zone`, existing or created in its
/// public subnet (one NAT per AZ, RT003), else any.
pub fn route_to_nat(a: &Analysis<'_>, table: Ref, replace: bool, zone: Option<&str>) -> Remedy {
    let route = |nat: Ref| Action::RouteDefault { table: table.clone(), to: RouteTo::NatGateway(nat), replace };
    if let Some(nat) = working_nat(a, zone) {
        return Remedy::action(route(Ref::id(&nat.nat_gateway_id)));
    }
    let public = public_subnet(a, zone);
    if let (None, Some(nat)) = (public, working_nat(a, None)) {
        return Remedy::action(route(Ref::id(&nat.nat_gateway_id)));
    }
    let in_zone = zone.map(|z| format!(" in {z}")).unwrap_or_default();
    let Some(public) = public.or_else(|| public_subnet(a, None)) else {
        return Remedy::say(format!(
            "{} has no public subnet (one whose route table sends 0.0.0.0/0 to an attached internet gateway) to hold a NAT gateway: \
             create one{in_zone}, or use private routing with VPC endpoints.",
            a.vpc_id.as_deref().unwrap_or("The VPC"),
        ));
    };
    Remedy::say(format!("No working NAT gateway{in_zone}: create one in the public subnet {}, then route to it:", public.subnet_id))
        .then(Action::CreateNatGateway { subnet: Ref::id(&public.subnet_id) })
        .then(route(Ref::New { new: Created::NatGateway }))
}

/// RT002 (no NAT route), RT004 (a blackholed default route): a default route to a working NAT gateway.
pub fn default_route_to_nat(a: &Analysis<'_>, table: &RouteTable) -> Remedy {
    let zone = a
        .subnets
        .iter()
        .find(|s| a.network.effective_route_table(s).is_some_and(|(t, _)| t.route_table_id == table.route_table_id))
        .and_then(|s| Analysis::zone_of(s));
    route_to_nat(a, Ref::id(&table.route_table_id), has_default_route(table), zone)
}

/// Makes `subnet` use `table`: a new association, or its own association replaced.
pub fn associate(a: &Analysis<'_>, subnet: &Subnet, table: Ref) -> Action {
    let explicit = a
        .network
        .snapshot
        .route_tables
        .iter()
        .flatten()
        .flat_map(|t| &t.associations)
        .find(|assoc| !assoc.main && assoc.subnet_id.as_deref() == Some(subnet.subnet_id.as_str()));
    let replaces = match explicit {
        None => Replaces::Nothing,
        Some(assoc) => Replaces::Association(assoc.route_table_association_id.clone()),
    };
    Action::AssociateRouteTable { subnet: Ref::id(&subnet.subnet_id), table, replaces }
}

/// A NAT gateway's subnet without internet access: associate it with the VPC's public table, else route
/// its own table (a new one when it shares the main table) to the attached internet gateway.
pub fn route_to_internet(a: &Analysis<'_>, subnet: &Subnet) -> Remedy {
    let own = a.network.effective_route_table(subnet);
    let public = a.network.snapshot.route_tables.iter().flatten().find(|t| t.vpc_id == subnet.vpc_id && public_table(a, t, &subnet.vpc_id));
    if let Some(table) = public {
        return Remedy::action(associate(a, subnet, Ref::id(&table.route_table_id)));
    }
    let mut remedy = Remedy::default();
    let igw = match attached_internet_gateway(a) {
        Some(igw) => Ref::id(igw),
        None => {
            remedy = remedy.then(Action::CreateInternetGateway { vpc: vpc_ref(a) });
            Ref::New { new: Created::InternetGateway }
        }
    };
    match own {
        Some((table, crate::model::Association::Explicit)) => remedy.then(Action::RouteDefault {
            table: Ref::id(&table.route_table_id),
            to: RouteTo::InternetGateway(igw),
            replace: has_default_route(table),
        }),
        // The main table is shared (by the env subnets among others): the NAT subnet gets its own.
        _ => {
            let table = Ref::New { new: Created::RouteTable };
            remedy
                .then(Action::CreateRouteTable { vpc: vpc_ref(a) })
                .then(Action::RouteDefault { table: table.clone(), to: RouteTo::InternetGateway(igw), replace: false })
                .then(associate(a, subnet, table))
        }
    }
}

/// SUB005: give a public env subnet a private table. Public routing: a table that sends 0.0.0.0/0 to a
/// working NAT gateway in its AZ, existing or new. Private routing: another env subnet's private table,
/// else a new one (only the local route).
pub fn make_private(a: &Analysis<'_>, subnet: &Subnet, public_routing: bool) -> Remedy {
    let zone = Analysis::zone_of(subnet);
    let tables: Vec<&RouteTable> = a.network.snapshot.route_tables.iter().flatten().filter(|t| t.vpc_id == subnet.vpc_id).collect();
    let no_igw = |t: &&RouteTable| routing::internet_gateway_routes(a.network, t).is_empty();
    let existing = if public_routing {
        let nat = working_nat(a, zone);
        tables.into_iter().filter(no_igw).find(|t| {
            routing::default_route(a.network, t).is_some_and(|r| {
                !r.blackhole
                    && matches!(&r.target, RouteTarget::NatGateway(id) if Some(id.as_str()) == nat.map(|n| n.nat_gateway_id.as_str()))
            })
        })
    } else {
        a.env_route_tables().into_iter().filter(no_igw).find(|t| routing::default_route(a.network, t).is_none())
    };
    if let Some(table) = existing {
        return Remedy::action(associate(a, subnet, Ref::id(&table.route_table_id)));
    }
    let table = Ref::New { new: Created::RouteTable };
    let mut remedy = Remedy::action(Action::CreateRouteTable { vpc: Ref::id(&subnet.vpc_id) });
    if public_routing {
        remedy = remedy.then_all(route_to_nat(a, table.clone(), false, zone));
    }
    remedy.then(associate(a, subnet, table))
}
