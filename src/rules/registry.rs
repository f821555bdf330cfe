//! Every rule, in catalog order. Codes are stable: a retired rule keeps its code reserved here.

use super::*;

pub static ALL: &[&Rule] = &[
    &sub001_subnet_count::RULE,
    &sub002_subnet_not_found::RULE,
    &sub003_same_vpc::RULE,
    &sub004_distinct_az::RULE,
    &sub005_subnet_private::RULE,
    &sub006_free_ip_capacity::RULE,
    &rt001_routing_mode::RULE,
    &rt002_nat_egress::RULE,
    &rt003_nat_per_az::RULE,
    &rt004_blackhole_route::RULE,
    &rt005_unverifiable_egress::RULE,
    &rt006_s3_gateway_route::RULE,
    &acl001_nacl_blocks_flow::RULE,
    &sg001_sg_count::RULE,
    &sg002_sg_not_found::RULE,
    &sg003_sg_self_reference::RULE,
    &sg004_sg_egress::RULE,
    &sg005_sg_egress_restricted::RULE,
    &sg006_sg_cidr_self_access::RULE,
    &dns001_dns_support::RULE,
    &dns002_dns_hostnames::RULE,
    &dns003_custom_dns::RULE,
    &vpce001_endpoint_missing::RULE,
    &vpce002_endpoint_state::RULE,
    &vpce003_endpoint_private_dns::RULE,
    &vpce004_endpoint_az_coverage::RULE,
    &vpce005_endpoint_sg_ingress::RULE,
    &vpce006_endpoint_policy::RULE,
    &vpce007_s3_endpoint_policy::RULE,
    &vpce008_sqs_endpoint_policy::RULE,
    &vpce009_endpoint_service_az::RULE,
    &cme001_shared_vpc_endpoint_management::RULE,
    &cme002_database_endpoint::RULE,
    &cme003_webserver_endpoint::RULE,
    &cme004_customer_endpoint_placement::RULE,
    &cme005_endpoint_permission::RULE,
    &env001_pending_endpoints::RULE,
    &env002_create_failed::RULE,
    &env003_environment_unhealthy::RULE,
    &kms001_kms_key_identifier::RULE,
    &role001_execution_role_exists::RULE,
    &role002_trust_policy::RULE,
    &role003_role_permissions::RULE,
    &role004_role_permissions_unproven::RULE,
    &role005_role_policy_ordering::RULE,
    &role006_role_narrower_than_documented::RULE,
];

/// A rule by code (`SUB004`) or name (`distinct-az`), case-insensitively.
pub fn find(key: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.code.eq_ignore_ascii_case(key) || r.name.eq_ignore_ascii_case(key))
}
