//! Everything rules need to know about one target, computed once: which subnets and groups it uses, how
//! each subnet reaches the internet, the routing mode, the AWS services it needs and the endpoints that
//! carry them, and every required flow evaluated hop by hop.

pub mod addr;
pub mod bucket;
pub mod deployer;
pub mod flows;
pub mod identity;
pub mod key;
pub mod nacl;
pub mod policy;
pub mod requirements;
pub mod routing;
pub mod sg;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;

use crate::model::{Association, Network, Subnet, VpcEndpoint};
use crate::target::{RoutingAssertion, Settings};
use flows::Flow;
use routing::{RouteMatch, RouteTarget};

/// How the environment's subnets reach AWS services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Routing {
    /// 0.0.0.0/0 through a NAT device.
    Public,
    /// No internet path: VPC endpoints carry everything.
    Private,
    /// The default route leaves through something the tool cannot see past (TGW, VGW, peering, firewall).
    Unverifiable,
    /// No route table is known for an env subnet (RouteTables not captured, or without its table and the
    /// VPC's main one): the rules that depend on the mode are skipped.
    Unknown,
}

impl std::fmt::Display for Routing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Routing::Public => "public",
            Routing::Private => "private",
            Routing::Unverifiable => "unverifiable",
            Routing::Unknown => "unknown",
        })
    }
}

/// What one env subnet's default route does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Egress {
    Nat,
    /// Straight to an internet gateway: a public subnet, which MWAA's tasks (no public IPs) cannot use;
    /// SUB005's finding. It still shows the public-routing intent.
    InternetGateway,
    /// No default route, or a blackhole.
    None,
    Unverifiable,
    /// No route table applies that the input holds.
    Unknown,
}

impl Egress {
    /// Whether the route shows public-routing intent (what RT001 compares between subnets).
    pub fn intent(self) -> Option<Routing> {
        match self {
            Egress::Nat | Egress::InternetGateway => Some(Routing::Public),
            Egress::None => Some(Routing::Private),
            Egress::Unverifiable | Egress::Unknown => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SubnetEgress {
    pub subnet_id: String,
    pub route_table_id: Option<String>,
    pub association: Option<Association>,
    pub default_route: Option<RouteMatch>,
    pub egress: Egress,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Need {
    Required,
    Recommended,
    Optional,
}

/// An AWS service the environment talks to, and how much it needs an endpoint in private routing.
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub short: &'static str,
    pub name: String,
    pub need: Need,
}

/// The services of `RULES.md`'s VPCE section, for one region and key choice.
pub fn services(region: &str, customer_managed_key: bool) -> Vec<Service> {
    crate::model::MWAA_AWS_SERVICES
        .into_iter()
        .map(|short| {
            let need = match short {
                "s3" | "sqs" | "logs" | "monitoring" => Need::Required,
                "kms" if customer_managed_key => Need::Required,
                "airflow.ops" => Need::Optional,
                _ => Need::Recommended,
            };
            Service { short, name: crate::model::aws_service_name(region, short), need }
        })
        .collect()
}

/// An endpoint in the env VPC that carries traffic of a needed service for this environment.
#[derive(Debug, Clone)]
pub struct UsedEndpoint<'n> {
    pub endpoint: &'n VpcEndpoint,
    pub service: Service,
}

impl UsedEndpoint<'_> {
    pub fn is_interface(&self) -> bool {
        self.endpoint.vpc_endpoint_type.eq_ignore_ascii_case("Interface")
    }
}

pub struct Analysis<'n> {
    pub network: &'n Network,
    pub settings: &'n Settings,
    /// Env subnets that exist in the snapshot, in the order given.
    pub subnets: Vec<&'n Subnet>,
    /// The VPC most of the env subnets and groups are in.
    pub vpc_id: Option<String>,
    pub egress: Vec<SubnetEgress>,
    pub routing: Routing,
    pub services: Vec<Service>,
    pub used_endpoints: Vec<UsedEndpoint<'n>>,
    /// CUSTOMER endpoint management: the MWAA endpoints the environment waits for, with those found.
    pub customer_endpoints: Vec<CustomerEndpoint<'n>>,
    pub flows: Vec<Flow>,
    /// Required flows the input cannot build, with why (the rules judging flows are skipped then).
    pub unbuilt: Vec<String>,
    /// How the env groups admit traffic among the env ENIs (SG003, SG006 share it).
    pub self_access: Vec<SelfAccess>,
    /// The execution role, its required permissions judged, and the customer managed key: read, parsed and
    /// evaluated once for the rules that share them, and only when one of them runs.
    role: OnceLock<identity::Lookup<'n>>,
    judgment: OnceLock<Result<identity::Judgment, String>>,
    key: OnceLock<key::Lookup<'n>>,
    bucket: OnceLock<bucket::Lookup<'n>>,
    requirements: OnceLock<Result<Option<requirements::Requirements>, String>>,
    deployer: OnceLock<Result<deployer::Deployer<'n>, String>>,
}

/// A customer-managed MWAA endpoint the environment needs (database always, web server when private), found
/// in its VPC by its service name: GetEnvironment's, or the template's or plan's attribute reference.
#[derive(Debug, Clone)]
pub struct CustomerEndpoint<'n> {
    pub kind: flows::FlowKind,
    pub what: &'static str,
    pub port: u16,
    /// The service name from GetEnvironment, once MWAA has provisioned it.
    pub service_name: Option<String>,
    pub endpoints: Vec<&'n VpcEndpoint>,
}

impl<'n> Analysis<'n> {
    /// The role the environment names (ROLE001 reports what is wrong with it).
    pub fn execution_role(&self) -> &identity::Lookup<'n> {
        self.role.get_or_init(|| identity::execution_role(self.network, self.settings))
    }

    /// The execution role and every required permission with its decision, or why they cannot be judged.
    pub fn role_judged(&self) -> Result<identity::Judged<'_, 'n>, String> {
        let role = identity::found(self.execution_role())?;
        let judgment = self.judgment.get_or_init(|| identity::judge(self.network, self.settings, role));
        let identity::Judgment { identity, decisions } = judgment.as_ref().map_err(Clone::clone)?;
        Ok(identity::Judged { role, identity, decisions })
    }

    /// The customer managed key the environment names.
    pub fn customer_key(&self) -> &key::Lookup<'n> {
        self.key.get_or_init(|| key::environment_key(self.network, self.settings))
    }

    /// The source bucket the environment names (BKT001 reports what is wrong with its ARN).
    pub fn source_bucket(&self) -> &bucket::Lookup<'n> {
        self.bucket.get_or_init(|| bucket::source_bucket(self.network, self.settings))
    }

    /// The principal that will create the environment and its simulated permissions (the DEP rules').
    pub fn deployer(&self) -> Result<&deployer::Deployer<'n>, String> {
        self.deployer.get_or_init(|| deployer::deployer(self.network, self.settings)).as_ref().map_err(Clone::clone)
    }

    /// The requirements the environment installs, every included file read; `Ok(None)` when it names none.
    pub fn requirements(&self) -> Result<Option<&requirements::Requirements>, String> {
        let read = self.requirements.get_or_init(|| {
            let bucket = match self.source_bucket() {
                bucket::Lookup::Found(b) => Some(b.name.as_str()),
                _ => None,
            };
            requirements::requirements(self.network, self.settings, bucket)
        });
        read.as_ref().map(Option::as_ref).map_err(Clone::clone)
    }

    pub fn new(network: &'n Network, settings: &'n Settings) -> Self {
        let subnets: Vec<&Subnet> = settings.subnet_ids.iter().filter_map(|id| network.subnet(id)).collect();
        let vpc_id = majority_vpc(network, &subnets, &settings.security_group_ids);
        let egress: Vec<SubnetEgress> = subnets.iter().map(|s| subnet_egress(network, s)).collect();
        let derived_routing = derive_routing(&egress);
        let routing = match (derived_routing, settings.routing) {
            (Some(Routing::Unverifiable | Routing::Unknown) | None, RoutingAssertion::Public) => Routing::Public,
            (Some(Routing::Unverifiable | Routing::Unknown) | None, RoutingAssertion::Private) => Routing::Private,
            (Some(derived), _) => derived,
            (None, RoutingAssertion::Auto) => Routing::Unverifiable,
        };
        let services = services(&settings.region, settings.kms_key.is_some());
        let mut analysis = Self {
            network,
            settings,
            subnets,
            vpc_id,
            egress,
            routing,
            services,
            used_endpoints: Vec::new(),
            customer_endpoints: Vec::new(),
            flows: Vec::new(),
            unbuilt: Vec::new(),
            self_access: Vec::new(),
            role: OnceLock::new(),
            judgment: OnceLock::new(),
            key: OnceLock::new(),
            bucket: OnceLock::new(),
            requirements: OnceLock::new(),
            deployer: OnceLock::new(),
        };
        analysis.used_endpoints = analysis.find_used_endpoints();
        analysis.customer_endpoints = analysis.find_customer_endpoints();
        (analysis.flows, analysis.unbuilt) = flows::required_flows(&analysis);
        analysis.self_access = analysis.find_self_access();
        analysis
    }

    pub fn vpc_endpoints(&self) -> impl Iterator<Item = &'n VpcEndpoint> + '_ {
        let vpc = self.vpc_id.clone();
        self.network.snapshot.vpc_endpoints.iter().flatten().filter(move |e| vpc.as_deref() == Some(e.vpc_id.as_str()))
    }

    /// The env subnets' effective route tables, each once.
    pub fn env_route_tables(&self) -> Vec<&'n crate::model::RouteTable> {
        let mut tables: Vec<&crate::model::RouteTable> = Vec::new();
        for subnet in &self.subnets {
            if let Some((table, _)) = self.network.effective_route_table(subnet) {
                if !tables.iter().any(|t| t.route_table_id == table.route_table_id) {
                    tables.push(table);
                }
            }
        }
        tables
    }

    /// Interface endpoints carry traffic when their private DNS captures the service name (any routing) or,
    /// in private routing, because nothing else can; gateway endpoints only through the route tables they are on.
    fn find_used_endpoints(&self) -> Vec<UsedEndpoint<'n>> {
        let by_name: HashMap<&str, &Service> = self.services.iter().map(|s| (s.name.as_str(), s)).collect();
        let tables = self.env_route_tables();
        self.vpc_endpoints()
            .filter_map(|endpoint| {
                let service = by_name.get(endpoint.service_name.as_str())?;
                let used = match endpoint.vpc_endpoint_type.to_ascii_lowercase().as_str() {
                    "interface" => endpoint.private_dns_enabled || self.routing == Routing::Private,
                    "gateway" => tables.iter().any(|t| routing::prefix_list_route_to(self.network, t, &endpoint.vpc_endpoint_id).is_some()),
                    _ => false,
                };
                used.then(|| UsedEndpoint { endpoint, service: (*service).clone() })
            })
            .collect()
    }

    fn find_customer_endpoints(&self) -> Vec<CustomerEndpoint<'n>> {
        let services = &self.settings.endpoint_services;
        let mut wanted = vec![(flows::FlowKind::Database, "database", 5432, services.database.clone())];
        if self.settings.webserver_access.has_private_endpoint() {
            wanted.push((flows::FlowKind::Webserver, "web server", 443, services.webserver.clone()));
        }
        wanted
            .into_iter()
            .map(|(kind, what, port, service_name)| {
                let endpoints = match &service_name {
                    Some(name) => self.vpc_endpoints().filter(|e| &e.service_name == name).collect(),
                    None => Vec::new(),
                };
                CustomerEndpoint { kind, what, port, service_name, endpoints }
            })
            .collect()
    }

    pub fn used_endpoints_for(&self, short: &str) -> impl Iterator<Item = &UsedEndpoint<'n>> + '_ {
        let short = short.to_string();
        self.used_endpoints.iter().filter(move |u| u.service.short == short)
    }

    /// Why the routing mode is unknown, when it is (no route table known for an env subnet).
    pub fn unknown_routing(&self) -> Option<String> {
        if self.routing != Routing::Unknown {
            return None;
        }
        let mut why: Vec<String> = Vec::new();
        for subnet in self.egress.iter().filter(|e| e.egress == Egress::Unknown).filter_map(|e| self.network.subnet(&e.subnet_id)) {
            let gap = self.network.route_table_gap(subnet);
            if !why.contains(&gap) {
                why.push(gap);
            }
        }
        if why.is_empty() {
            why.push(self.network.why_absent(crate::model::Member::RouteTables));
        }
        Some(format!("the routing mode is unknown: {}", why.join("; ")))
    }

    /// The AZ ID of a subnet (its name when the ID was not captured).
    pub fn zone_of(subnet: &Subnet) -> Option<&str> {
        subnet.availability_zone_id.as_deref().or(subnet.availability_zone.as_deref())
    }
}

fn majority_vpc(network: &Network, subnets: &[&Subnet], groups: &[String]) -> Option<String> {
    let vpcs = subnets.iter().map(|s| s.vpc_id.as_str()).chain(groups.iter().filter_map(|g| network.security_group(g)?.vpc_id.as_deref()));
    crate::model::majority(vpcs).map(str::to_string)
}

fn subnet_egress(network: &Network, subnet: &Subnet) -> SubnetEgress {
    let effective = network.effective_route_table(subnet);
    let default_route = effective.and_then(|(table, _)| routing::default_route(network, table));
    let egress = match &default_route {
        None if effective.is_none() => Egress::Unknown,
        None => Egress::None,
        Some(route) if route.blackhole => Egress::None,
        Some(route) => match &route.target {
            t if t.is_nat() => Egress::Nat,
            RouteTarget::InternetGateway(_) => Egress::InternetGateway,
            RouteTarget::Local | RouteTarget::GatewayEndpoint(_) | RouteTarget::EgressOnlyInternetGateway(_) => Egress::None,
            _ => Egress::Unverifiable,
        },
    };
    SubnetEgress {
        subnet_id: subnet.subnet_id.clone(),
        route_table_id: effective.map(|(t, _)| t.route_table_id.clone()),
        association: effective.map(|(_, a)| a),
        default_route,
        egress,
    }
}

/// Any public intent (NAT, or IGW): public, where a subnet without it is RT001's and RT002's finding.
/// All without egress: private. Otherwise (a TGW, VGW, peering or firewall route) unverifiable.
fn derive_routing(egress: &[SubnetEgress]) -> Option<Routing> {
    if egress.is_empty() {
        return None;
    }
    if egress.iter().any(|e| e.egress == Egress::Unknown) {
        return Some(Routing::Unknown);
    }
    let intents: Vec<Option<Routing>> = egress.iter().map(|e| e.egress.intent()).collect();
    if intents.iter().all(|i| *i == Some(Routing::Private)) {
        Some(Routing::Private)
    } else if intents.contains(&Some(Routing::Public)) && intents.iter().all(Option::is_some) {
        Some(Routing::Public)
    } else {
        Some(Routing::Unverifiable)
    }
}

/// How the env security groups admit traffic between the env ENIs on one port MWAA needs among them
/// (SG003, SG006): by a group reference, and by CIDR or prefix-list rules covering the env subnets.
#[derive(Debug, Clone)]
pub struct SelfAccess {
    pub port: u16,
    pub by_reference: bool,
    pub by_address: sg::SgVerdict,
}

impl SelfAccess {
    pub fn admitted(&self) -> bool {
        self.by_reference || self.by_address.allowed
    }
}

/// The ports the environment's containers, database and web server endpoints use among themselves.
pub const SELF_PORTS: [u16; 2] = [443, 5432];

impl Analysis<'_> {
    fn find_self_access(&self) -> Vec<SelfAccess> {
        let groups = &self.settings.security_group_ids;
        let members = sg::Peer { groups: groups.clone(), ..sg::Peer::default() };
        let addresses = sg::Peer { addrs: self.env_subnet_addrs(), ..sg::Peer::default() };
        SELF_PORTS
            .into_iter()
            .map(|port| SelfAccess {
                port,
                by_reference: sg::evaluate(self.network, groups, nacl::Direction::Ingress, &members, port).allowed,
                by_address: sg::evaluate(self.network, groups, nacl::Direction::Ingress, &addresses, port),
            })
            .collect()
    }

    /// The address space of the env subnets.
    pub fn env_subnet_addrs(&self) -> addr::AddrSet {
        addr::AddrSet::from_nets(self.subnets.iter().filter_map(|s| s.cidr_block.as_ref()))
    }
}

impl Analysis<'_> {
    /// Needed services with no endpoint of any kind in the env VPC (S3: gateway or interface).
    pub fn missing_services(&self) -> Vec<&Service> {
        self.services.iter().filter(|service| !self.vpc_endpoints().any(|e| e.service_name == service.name)).collect()
    }

    /// The requests the environment makes through a service's endpoint, as (action, resource) pairs with
    /// `*` meaning "any" (MWAA execution role documentation; queue and bucket from the environment).
    pub fn service_requests(&self, short: &str) -> Vec<(String, String)> {
        let region = &self.settings.region;
        // ARNs in the region's partition: aws, aws-cn, aws-us-gov.
        let p = crate::model::partition(region);
        let account = self.settings.account_id.as_deref().unwrap_or("*");
        let pairs = |actions: &[&str], resource: &str| -> Vec<(String, String)> {
            actions.iter().map(|a| (a.to_string(), resource.to_string())).collect()
        };
        match short {
            "s3" => {
                let mut requests = pairs(&["s3:GetObject"], &format!("arn:{p}:s3:::prod-{region}-starport-layer-bucket/*"));
                if let Some(bucket) = &self.settings.source_bucket_arn {
                    requests.extend(pairs(&["s3:GetObject*", "s3:List*"], &format!("{bucket}/*")));
                    requests.extend(pairs(&["s3:GetBucket*", "s3:List*"], bucket));
                }
                requests
            }
            "sqs" => {
                let queue = self
                    .settings
                    .environment
                    .as_ref()
                    .and_then(|e| e.celery_executor_queue.clone())
                    .unwrap_or_else(|| format!("arn:{p}:sqs:{region}:*:airflow-celery-*"));
                pairs(&identity::QUEUE_ACTIONS, &queue)
            }
            "logs" => pairs(&identity::LOG_GROUP_ACTIONS, &format!("arn:{p}:logs:{region}:{account}:log-group:airflow-*")),
            "monitoring" => pairs(&["cloudwatch:PutMetricData"], "*"),
            "kms" => {
                let key = self.settings.kms_key.clone().unwrap_or_else(|| format!("arn:{p}:kms:{region}:*:key/*"));
                pairs(&["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"], &key)
            }
            "ecr.api" | "ecr.dkr" => pairs(&["ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], "*"),
            "airflow.api" | "airflow.env" | "airflow.ops" => {
                let name = self.settings.environment_name().unwrap_or("*");
                pairs(&["airflow:PublishMetrics"], &format!("arn:{p}:airflow:{region}:{account}:environment/{name}"))
            }
            _ => Vec::new(),
        }
    }
}
