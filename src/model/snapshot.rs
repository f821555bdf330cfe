//! The snapshot file: AWS CLI JSON shapes (`aws ec2 describe-... --output json`), member for member.
//!
//! Every collection is an `Option`: a member that is absent was not captured, which is not the same as
//! captured-and-empty. Unknown members are ignored so that raw AWS CLI output can be pasted in.

use std::collections::BTreeMap;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

/// The snapshot format this build writes and reads (`snapshot_version`).
pub const SNAPSHOT_VERSION: u32 = 1;

/// Every top-level member a snapshot may hold, as spelled in the file.
pub const MEMBER_NAMES: [&str; 42] = [
    "snapshot_version",
    "region",
    "account_id",
    "captured_at",
    "deployer_arn",
    "Vpcs",
    "Subnets",
    "RouteTables",
    "NetworkAcls",
    "SecurityGroups",
    "VpcEndpoints",
    "NatGateways",
    "NetworkInterfaces",
    "InternetGateways",
    "PrefixLists",
    "ManagedPrefixListEntries",
    "DhcpOptions",
    "VpcAttributes",
    "VpcEndpointServices",
    "EvaluationResults",
    "Roles",
    "RolesNotFound",
    "AttachedRolePolicies",
    "RolePolicies",
    "PolicyVersions",
    "Keys",
    "KeyPolicies",
    "KeyGrants",
    "BucketsNotFound",
    "BucketLocations",
    "BucketVersioning",
    "BucketPublicAccessBlock",
    "AccountPublicAccessBlock",
    "BucketPolicies",
    "BucketEncryption",
    "ObjectVersions",
    "ObjectTexts",
    "Environment",
    "Environments",
    "not_captured",
    // What `aws ec2 describe-...` prints beside its list, harmless when pasted whole.
    "NextToken",
    "ResponseMetadata",
];

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Snapshot {
    #[serde(rename = "snapshot_version", default, skip_serializing_if = "Option::is_none")]
    pub snapshot_version: Option<u32>,
    #[serde(rename = "region", default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(rename = "account_id", default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(rename = "captured_at", default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<String>,
    /// The principal `EvaluationResults` simulates (`--policy-source-arn`): the deployer (spec v3 DEP).
    #[serde(rename = "deployer_arn", default, skip_serializing_if = "Option::is_none")]
    pub deployer_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpcs: Option<Vec<Vpc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnets: Option<Vec<Subnet>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_tables: Option<Vec<RouteTable>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_acls: Option<Vec<NetworkAcl>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_groups: Option<Vec<SecurityGroup>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_endpoints: Option<Vec<VpcEndpoint>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nat_gateways: Option<Vec<NatGateway>>,
    /// The network interfaces of the instances and interfaces that routes send traffic to (NAT instances),
    /// as `describe-network-interfaces` prints them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_interfaces: Option<Vec<NetworkInterface>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internet_gateways: Option<Vec<InternetGateway>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_lists: Option<Vec<PrefixList>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unique_keys")]
    pub managed_prefix_list_entries: Option<BTreeMap<String, Vec<PrefixListEntry>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dhcp_options: Option<Vec<DhcpOptions>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unique_keys")]
    pub vpc_attributes: Option<BTreeMap<String, VpcAttributes>>,
    /// The `ServiceDetails` of `describe-vpc-endpoint-services` for the services the environment needs (VPCE009).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_endpoint_services: Option<Vec<VpcEndpointService>>,
    /// `aws iam simulate-principal-policy --action-names ec2:CreateVpcEndpoint` results (CME005).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_results: Option<Vec<EvaluationResult>>,
    /// `aws iam get-role`'s `Role`, for the execution role (spec v3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<Role>>,
    /// Role names `get-role` answered NoSuchEntity for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles_not_found: Option<Vec<String>>,
    /// Role name -> `list-attached-role-policies`' `AttachedPolicies`.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unique_keys")]
    pub attached_role_policies: Option<BTreeMap<String, Vec<AttachedPolicy>>>,
    /// Role name -> what `get-role-policy` prints for each name `list-role-policies` prints.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unique_keys")]
    pub role_policies: Option<BTreeMap<String, Vec<RolePolicy>>>,
    /// Policy ARN -> `get-policy-version`'s `PolicyVersion` (the default version).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unique_keys")]
    pub policy_versions: Option<BTreeMap<String, PolicyVersion>>,
    /// `aws kms describe-key`'s `KeyMetadata`, for the environment's KmsKey.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<Vec<KeyMetadata>>,
    /// Key ARN -> what `aws kms get-key-policy --policy-name default` prints.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unique_keys")]
    pub key_policies: Option<BTreeMap<String, KeyPolicy>>,
    /// Key ARN -> `aws kms list-grants`' `Grants`.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unique_keys")]
    pub key_grants: Option<BTreeMap<String, Vec<Grant>>>,
    /// Bucket names S3 answered NoSuchBucket for (an extension of spec v3, as `RolesNotFound` for roles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buckets_not_found: Option<Vec<String>>,
    /// Bucket name -> what `aws s3api get-bucket-location` prints.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unique_keys")]
    pub bucket_locations: Option<BTreeMap<String, BucketLocation>>,
    /// Bucket name -> what `get-bucket-versioning` prints (`{}`: never set).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unique_keys")]
    pub bucket_versioning: Option<BTreeMap<String, BucketVersioning>>,
    /// Bucket name -> what `get-public-access-block` prints (`{}`: none).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unique_keys")]
    pub bucket_public_access_block: Option<BTreeMap<String, PublicAccessBlock>>,
    /// What `aws s3control get-public-access-block` prints for the account (`{}`: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_public_access_block: Option<PublicAccessBlock>,
    /// Bucket name -> what `get-bucket-policy` prints (`{}`: none).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unique_keys")]
    pub bucket_policies: Option<BTreeMap<String, BucketPolicy>>,
    /// Bucket name -> what `get-bucket-encryption` prints (`{}`: none).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unique_keys")]
    pub bucket_encryption: Option<BTreeMap<String, BucketEncryption>>,
    /// Bucket name -> prefix -> what `list-object-versions --prefix PREFIX` prints.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unique_keys")]
    pub object_versions: Option<BTreeMap<String, BTreeMap<String, ObjectVersions>>>,
    /// `s3://BUCKET/KEY` -> version ID (or `latest`) -> the object's text.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unique_keys")]
    pub object_texts: Option<BTreeMap<String, BTreeMap<String, String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    /// Several environments (`snapshot --all-environments`), for offline audits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environments: Option<Vec<Environment>>,
    /// Members the collector could not read, with why (`"NetworkAcls": "ec2:DescribeNetworkAcls denied ..."`).
    #[serde(rename = "not_captured", default, skip_serializing_if = "Option::is_none")]
    pub not_captured: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Vpc {
    pub vpc_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<Ipv4Net>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cidr_block_association_set: Vec<CidrAssociation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "objects")]
    pub ipv6_cidr_block_association_set: Vec<Ipv6CidrAssociation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dhcp_options_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CidrAssociation {
    pub cidr_block: Ipv4Net,
}

/// A VPC's or subnet's IPv6 block (`Ipv6CidrBlockAssociationSet`); AWS omits the block while it is assigned.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ipv6CidrAssociation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr_block: Option<Ipv6Net>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subnet {
    pub subnet_id: String,
    pub vpc_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone_id: Option<String>,
    /// Absent on IPv6-only subnets (`Ipv6Native`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<Ipv4Net>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "objects")]
    pub ipv6_cidr_block_association_set: Vec<Ipv6CidrAssociation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_native: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_ip_address_count: Option<u32>,
    /// Whether an instance launched in it gets a public IPv4 address unless told otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_public_ip_on_launch: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RouteTable {
    pub route_table_id: String,
    pub vpc_id: String,
    #[serde(default, deserialize_with = "objects")]
    pub associations: Vec<RouteTableAssociation>,
    #[serde(default, deserialize_with = "objects")]
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RouteTableAssociation {
    #[serde(default)]
    pub main: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_table_association_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Route {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_cidr_block: Option<Ipv4Net>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_ipv6_cidr_block: Option<Ipv6Net>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_prefix_list_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nat_gateway_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_interface_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_gateway_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_peering_connection_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_only_internet_gateway_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_gateway_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier_gateway_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core_network_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkAcl {
    pub network_acl_id: String,
    pub vpc_id: String,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub associations: Vec<NetworkAclAssociation>,
    #[serde(default)]
    pub entries: Vec<NetworkAclEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkAclAssociation {
    pub subnet_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkAclEntry {
    #[serde(deserialize_with = "rule_number")]
    pub rule_number: u32,
    #[serde(deserialize_with = "protocol")]
    pub protocol: String,
    pub rule_action: RuleAction,
    pub egress: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<Ipv4Net>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr_block: Option<Ipv6Net>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_range: Option<PortRange>,
}

/// As AWS prints it; anything else is an invalid snapshot, never read as either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    Allow,
    Deny,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PortRange {
    #[serde(deserialize_with = "port")]
    pub from: i32,
    #[serde(deserialize_with = "port")]
    pub to: i32,
}

/// A JSON object as a struct whose every field has a default: serde would also build one from an array
/// (`[]`), quietly losing a route or an association; here an array is an invalid snapshot.
struct ObjectOnly<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData)).map(ObjectOnly)
    }
}

fn objects<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Vec<T>, D::Error> {
    Vec::<ObjectOnly<T>>::deserialize(deserializer).map(|items| items.into_iter().map(|o| o.0).collect())
}

fn object<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<T>, D::Error> {
    Option::<ObjectOnly<T>>::deserialize(deserializer).map(|o| o.map(|o| o.0))
}

/// A map keyed by resource ID, refusing an ID given twice (JSON keeps the last; which one is meant is a guess).
fn unique_keys<'de, D, V>(deserializer: D) -> Result<Option<BTreeMap<String, V>>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    Option::<UniqueKeys<V>>::deserialize(deserializer).map(|map| map.map(|m| m.0))
}

struct UniqueKeys<V>(BTreeMap<String, V>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for UniqueKeys<V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<V> {
            type Value = UniqueKeys<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object keyed by resource ID")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((key, value)) = map.next_entry::<String, V>()? {
                    if out.contains_key(&key) {
                        return Err(serde::de::Error::custom(format!("{key} is given twice")));
                    }
                    out.insert(key, value);
                }
                Ok(UniqueKeys(out))
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

/// A protocol as NACL entries and security group rules write it: `-1` (all), a protocol number 0-255, or
/// (hand-written) tcp, udp, icmp, icmpv6, all. None for anything else.
pub fn protocol_number(protocol: &str) -> Option<i32> {
    match protocol.to_ascii_lowercase().as_str() {
        "-1" | "all" => Some(-1),
        "tcp" => Some(6),
        "udp" => Some(17),
        "icmp" => Some(1),
        "icmpv6" => Some(58),
        other => other.parse().ok().filter(|n| (0..=255).contains(n)),
    }
}

fn protocol<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    match protocol_number(&text) {
        Some(_) => Ok(text),
        None => Err(serde::de::Error::custom(format!("protocol {text:?} is not -1, a protocol number 0-255, tcp, udp or icmp"))),
    }
}

/// 1-32766, or AWS's `*` entries (32767 IPv4, 32768 IPv6).
fn rule_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let number = u32::deserialize(deserializer)?;
    if (1..=32768).contains(&number) {
        Ok(number)
    } else {
        Err(serde::de::Error::custom(format!("rule number {number} is outside 1-32766 (32767 and 32768 are the `*` entries)")))
    }
}

fn port<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i32, D::Error> {
    let number = i32::deserialize(deserializer)?;
    if (0..=65535).contains(&number) {
        Ok(number)
    } else {
        Err(serde::de::Error::custom(format!("port {number} is outside 0-65535")))
    }
}

/// Security group ports: 0-65535, or -1 (all; ICMP types and codes are -1 to 255).
fn rule_port<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i32>, D::Error> {
    let number = Option::<i32>::deserialize(deserializer)?;
    match number {
        Some(n) if !(-1..=65535).contains(&n) => Err(serde::de::Error::custom(format!("port {n} is outside -1-65535"))),
        other => Ok(other),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroup {
    pub group_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    #[serde(default)]
    pub ip_permissions: Vec<IpPermission>,
    #[serde(default)]
    pub ip_permissions_egress: Vec<IpPermission>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IpPermission {
    #[serde(deserialize_with = "protocol")]
    pub ip_protocol: String,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "rule_port")]
    pub from_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "rule_port")]
    pub to_port: Option<i32>,
    #[serde(default)]
    pub ip_ranges: Vec<IpRange>,
    #[serde(default)]
    pub ipv6_ranges: Vec<Ipv6Range>,
    #[serde(default)]
    pub prefix_list_ids: Vec<PrefixListId>,
    #[serde(default)]
    pub user_id_group_pairs: Vec<UserIdGroupPair>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IpRange {
    pub cidr_ip: Ipv4Net,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ipv6Range {
    pub cidr_ipv6: Ipv6Net,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrefixListId {
    pub prefix_list_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserIdGroupPair {
    pub group_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcEndpoint {
    pub vpc_endpoint_id: String,
    pub vpc_endpoint_type: String,
    pub vpc_id: String,
    pub service_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_document: Option<String>,
    #[serde(default)]
    pub route_table_ids: Vec<String>,
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub groups: Vec<SecurityGroupIdentifier>,
    #[serde(default)]
    pub private_dns_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroupIdentifier {
    pub group_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NatGateway {
    pub nat_gateway_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// A zonal gateway's subnet; a regional one has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connectivity_type: Option<String>,
    /// `zonal` (absent: the default) or `regional`: one gateway serving every AZ of its VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_mode: Option<String>,
    /// Regional gateways: `enabled` when AWS allocates the Elastic IPs of each AZ itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_provision_zones: Option<String>,
    #[serde(default, deserialize_with = "objects")]
    pub nat_gateway_addresses: Vec<NatGatewayAddress>,
}

impl VpcEndpoint {
    /// Whether it carries traffic by its state (`available`, or not stated as a template's endpoint).
    pub fn is_available(&self) -> bool {
        self.state.as_deref().is_none_or(|s| s.eq_ignore_ascii_case("available"))
    }
}

impl NatGateway {
    /// A regional NAT gateway: in no subnet, a NAT device in every AZ of its VPC.
    pub fn is_regional(&self) -> bool {
        self.availability_mode.as_deref().is_some_and(|m| m.eq_ignore_ascii_case("regional"))
    }
}

/// A network interface (`describe-network-interfaces`): what a NAT instance is to a route.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkInterface {
    pub network_interface_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    /// On (AWS's default) the interface drops traffic neither from nor to itself: no NAT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_dest_check: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<InterfaceAttachment>,
    /// Its public IPv4 address: an Elastic IP (`AllocationId`) or one AWS assigned at launch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub association: Option<InterfaceAssociation>,
}

impl NetworkInterface {
    /// Whether it forwards traffic it does not own (source/destination check off).
    pub fn forwards(&self) -> bool {
        self.source_dest_check == Some(false)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InterfaceAttachment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InterfaceAssociation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NatGatewayAddress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InternetGateway {
    pub internet_gateway_id: String,
    #[serde(default)]
    pub attachments: Vec<InternetGatewayAttachment>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InternetGatewayAttachment {
    pub vpc_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrefixList {
    pub prefix_list_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_list_name: Option<String>,
    /// IPv4 and IPv6 (`com.amazonaws.<region>.ipv6.vpc-lattice` holds only IPv6).
    #[serde(default)]
    pub cidrs: Vec<IpNet>,
}

/// An endpoint service and the Availability Zones it offers (names, and IDs where AWS gives them).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcEndpointService {
    pub service_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    #[serde(default)]
    pub availability_zones: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub availability_zone_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrefixListEntry {
    pub cidr: IpNet,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DhcpOptions {
    pub dhcp_options_id: String,
    #[serde(default)]
    pub dhcp_configurations: Vec<DhcpConfiguration>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DhcpConfiguration {
    pub key: String,
    #[serde(default)]
    pub values: Vec<AttributeValue>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeValue {
    pub value: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcAttributes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_dns_support: Option<BooleanValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_dns_hostnames: Option<BooleanValue>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BooleanValue {
    pub value: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EvaluationResult {
    pub eval_action_name: String,
    pub eval_decision: String,
    /// The resource simulated (`*` when none was given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval_resource_name: Option<String>,
    /// Condition keys the simulation had no value for: its denial is then not proof.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_context_values: Vec<String>,
}

/// The `Environment` member of `aws mwaa get-environment`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Environment {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "object")]
    pub network_configuration: Option<NetworkConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webserver_access_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_management: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_bucket_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_workers: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedulers: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "object")]
    pub last_update: Option<LastUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_vpc_endpoint_service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webserver_vpc_endpoint_service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub celery_executor_queue: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dag_s3_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements_s3_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugins_s3_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_script_s3_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements_s3_object_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugins_s3_object_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_script_s3_object_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub airflow_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "object")]
    pub logging_configuration: Option<LoggingConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Which of the five log types are on (`LoggingConfiguration`); the log group of each is the role's to write.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfiguration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dag_processing_logs: Option<LogModule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler_logs: Option<LogModule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_logs: Option<LogModule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webserver_logs: Option<LogModule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_logs: Option<LogModule>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogModule {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_level: Option<String>,
}

impl LoggingConfiguration {
    /// The log types on, by the name their log group ends with (`airflow-NAME-Task`).
    pub fn enabled(&self) -> Vec<&'static str> {
        [
            ("DAGProcessing", &self.dag_processing_logs),
            ("Scheduler", &self.scheduler_logs),
            ("Task", &self.task_logs),
            ("WebServer", &self.webserver_logs),
            ("Worker", &self.worker_logs),
        ]
        .into_iter()
        .filter(|(_, module)| module.as_ref().is_some_and(|m| m.enabled == Some(true)))
        .map(|(name, _)| name)
        .collect()
    }
}

/// `aws kms describe-key`'s `KeyMetadata`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMetadata {
    pub key_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_spec: Option<String>,
    /// The older name of `KeySpec`, which describe-key still prints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_master_key_spec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_usage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_region: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_manager: Option<String>,
}

/// What `aws kms get-key-policy` prints (`PolicyName` in newer CLIs).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyPolicy {
    pub policy: PolicyDocument,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
}

/// An item of `aws kms list-grants`' `Grants`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Grant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grantee_principal: Option<String>,
    #[serde(default)]
    pub operations: Vec<String>,
}

/// What `aws s3api get-bucket-location` prints: no constraint is us-east-1, `EU` eu-west-1.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketLocation {
    #[serde(default)]
    pub location_constraint: Option<String>,
}

impl BucketLocation {
    /// The bucket's Region, as GetBucketLocation's legacy values mean it.
    pub fn region(&self) -> &str {
        match self.location_constraint.as_deref() {
            None | Some("") => "us-east-1",
            Some("EU") => "eu-west-1",
            Some(region) => region,
        }
    }
}

/// What `aws s3api get-bucket-versioning` prints (nothing, taken as `{}`, when never set).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketVersioning {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "MFADelete", default, skip_serializing_if = "Option::is_none")]
    pub mfa_delete: Option<String>,
}

/// What `get-public-access-block` (bucket) and `s3control get-public-access-block` (account) print.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicAccessBlock {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_access_block_configuration: Option<PublicAccessBlockConfiguration>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicAccessBlockConfiguration {
    #[serde(default)]
    pub block_public_acls: bool,
    #[serde(default)]
    pub ignore_public_acls: bool,
    #[serde(default)]
    pub block_public_policy: bool,
    #[serde(default)]
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlockConfiguration {
    pub const ALL_ON: Self =
        Self { block_public_acls: true, ignore_public_acls: true, block_public_policy: true, restrict_public_buckets: true };

    /// The four settings by name, in S3's order.
    pub fn settings(&self) -> [(&'static str, bool); 4] {
        [
            ("BlockPublicAcls", self.block_public_acls),
            ("IgnorePublicAcls", self.ignore_public_acls),
            ("BlockPublicPolicy", self.block_public_policy),
            ("RestrictPublicBuckets", self.restrict_public_buckets),
        ]
    }
}

/// What `aws s3api get-bucket-policy` prints (`{}` for NoSuchBucketPolicy).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketPolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyDocument>,
}

/// What `aws s3api get-bucket-encryption` prints (`{}` when none is configured).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketEncryption {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_side_encryption_configuration: Option<EncryptionConfiguration>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EncryptionConfiguration {
    #[serde(default)]
    pub rules: Vec<EncryptionRule>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EncryptionRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_server_side_encryption_by_default: Option<EncryptionByDefault>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EncryptionByDefault {
    #[serde(rename = "SSEAlgorithm")]
    pub sse_algorithm: String,
    #[serde(rename = "KMSMasterKeyID", default, skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<String>,
}

/// What `aws s3api list-object-versions --prefix PREFIX` prints (`{}` when nothing matches).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ObjectVersions {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<ObjectVersion>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delete_markers: Vec<ObjectVersion>,
}

/// An item of `Versions` or `DeleteMarkers`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ObjectVersion {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_latest: Option<bool>,
}

/// `aws iam get-role`'s `Role`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    pub role_name: String,
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_role_policy_document: Option<PolicyDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "object")]
    pub permissions_boundary: Option<PermissionsBoundary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PermissionsBoundary {
    pub permissions_boundary_arn: String,
}

/// An item of `list-attached-role-policies`' `AttachedPolicies`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    pub policy_arn: String,
}

/// What `get-role-policy` prints.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RolePolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    pub policy_name: String,
    pub policy_document: PolicyDocument,
}

/// `get-policy-version`'s `PolicyVersion`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersion {
    pub document: PolicyDocument,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// A policy document as JSON text: the AWS CLI prints IAM documents as objects (it URL-decodes them), the
/// API and SDKs return URL-encoded text, and KMS and S3 plain JSON text; all three are taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument(pub String);

impl Serialize for PolicyDocument {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match serde_json::from_str::<serde_json::Value>(&self.0) {
            Ok(value) => value.serialize(serializer),
            Err(_) => serializer.serialize_str(&self.0),
        }
    }
}

impl<'de> Deserialize<'de> for PolicyDocument {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(text) if text.trim_start().starts_with('{') => Ok(PolicyDocument(text)),
            serde_json::Value::String(text) => percent_decoded(&text)
                .map(PolicyDocument)
                .ok_or_else(|| serde::de::Error::custom("a policy document that is neither JSON nor URL-encoded JSON")),
            document @ serde_json::Value::Object(_) => Ok(PolicyDocument(document.to_string())),
            _ => Err(serde::de::Error::custom("a policy document must be a JSON object or its text")),
        }
    }
}

/// `%7B%22Version...` as the IAM API returns documents; `None` when it is not valid UTF-8 once decoded.
fn percent_decoded(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

impl Environment {
    /// The account, from the ARN (`arn:aws:airflow:region:ACCOUNT:environment/name`).
    pub fn account_id(&self) -> Option<String> {
        self.arn.as_deref()?.split(':').nth(4).filter(|a| !a.is_empty()).map(str::to_string)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkConfiguration {
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LastUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "object")]
    pub error: Option<UpdateError>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateError {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// A timestamp as the AWS CLI prints it: ISO 8601 text by default, epoch seconds with
/// `cli_timestamp_format = none`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Timestamp {
    Text(String),
    Epoch(f64),
}

impl Subnet {
    /// The subnet's address block as people name it: its IPv4 CIDR, else (IPv6-only) its IPv6 one.
    pub fn cidr_label(&self) -> String {
        match (self.cidr_block, self.ipv6_cidr_block_association_set.iter().find_map(|a| a.ipv6_cidr_block)) {
            (Some(v4), _) => v4.to_string(),
            (None, Some(v6)) => v6.to_string(),
            (None, None) => "no CIDR".to_string(),
        }
    }
}

impl Snapshot {
    pub fn environment_named(&self, name: &str) -> Option<&Environment> {
        self.all_environments().into_iter().find(|e| e.name == name)
    }

    /// Every environment the snapshot carries: the `Environment` member and the `Environments` list.
    pub fn all_environments(&self) -> Vec<&Environment> {
        let mut all: Vec<&Environment> = self.environment.iter().collect();
        for e in self.environments.iter().flatten() {
            if !all.iter().any(|a| a.name == e.name) {
                all.push(e);
            }
        }
        all
    }

    /// Takes in the members beyond the network read apart from it (the role, key, bucket and deployer reads):
    /// lists are unioned, maps joined, what is already there kept.
    pub fn absorb(&mut self, part: Snapshot) {
        fn union<T: PartialEq>(into: &mut Option<Vec<T>>, part: Option<Vec<T>>) {
            let Some(items) = part else { return };
            let into = into.get_or_insert_with(Vec::new);
            for item in items {
                if !into.contains(&item) {
                    into.push(item);
                }
            }
        }
        fn join<K: Ord, V>(into: &mut Option<BTreeMap<K, V>>, part: Option<BTreeMap<K, V>>) {
            let Some(entries) = part else { return };
            let into = into.get_or_insert_with(BTreeMap::new);
            for (key, value) in entries {
                into.entry(key).or_insert(value);
            }
        }
        union(&mut self.roles, part.roles);
        union(&mut self.roles_not_found, part.roles_not_found);
        join(&mut self.attached_role_policies, part.attached_role_policies);
        join(&mut self.role_policies, part.role_policies);
        join(&mut self.policy_versions, part.policy_versions);
        union(&mut self.keys, part.keys);
        join(&mut self.key_policies, part.key_policies);
        join(&mut self.key_grants, part.key_grants);
        union(&mut self.buckets_not_found, part.buckets_not_found);
        join(&mut self.bucket_locations, part.bucket_locations);
        join(&mut self.bucket_versioning, part.bucket_versioning);
        join(&mut self.bucket_public_access_block, part.bucket_public_access_block);
        join(&mut self.bucket_policies, part.bucket_policies);
        join(&mut self.bucket_encryption, part.bucket_encryption);
        join(&mut self.object_versions, part.object_versions);
        join(&mut self.object_texts, part.object_texts);
        union(&mut self.evaluation_results, part.evaluation_results);
        self.account_public_access_block = self.account_public_access_block.take().or(part.account_public_access_block);
        self.deployer_arn = self.deployer_arn.take().or(part.deployer_arn);
        join(&mut self.not_captured, part.not_captured);
    }
}

impl Timestamp {
    pub fn to_jiff(&self) -> Option<jiff::Timestamp> {
        match self {
            Timestamp::Text(text) => text.parse::<jiff::Timestamp>().ok(),
            #[allow(clippy::cast_possible_truncation)]
            Timestamp::Epoch(seconds) => jiff::Timestamp::from_millisecond((seconds * 1000.0) as i64).ok(),
        }
    }
}
