#!/usr/bin/env python3
"""Assemble an mwaa-preflight snapshot with the AWS CLI alone, for a machine with credentials where the tool
cannot be installed: run it there, send the file, and `mwaa-preflight check --snapshot FILE ...` elsewhere.

    python3 aws-cli-snapshot.py [--region R] [--profile P] --environment NAME > snapshot.json
    python3 aws-cli-snapshot.py [--region R] [--profile P] [--security-group-ids SG,...] SUBNET_ID ... > snapshot.json

With --execution-role-arn and --kms-key (an existing environment names its own), the execution role (its
trust, inline and attached policies, boundary) and the key (metadata, key policy, grants) are captured too.

Needs Python 3 and the AWS CLI (v1 or v2) on PATH, and the read-only actions of
`mwaa-preflight iam-policy`. Every command it runs is printed on stderr; the README lists them.
"""
import argparse
import json
import os
import subprocess
import sys
from datetime import datetime, timezone

# The services an MWAA environment uses (the VPCE rules), for DescribeVpcEndpointServices.
SERVICES = ["s3", "sqs", "logs", "monitoring", "kms", "ecr.api", "ecr.dkr", "airflow.api", "airflow.env", "airflow.ops"]


def aws(options, *args):
    command = ["aws", *args, "--output", "json"]
    if options.region:
        command += ["--region", options.region]
    if options.profile:
        command += ["--profile", options.profile]
    print("+ " + " ".join(command), file=sys.stderr)
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return None, done.stderr.strip()
    return json.loads(done.stdout or "{}"), None


def region_of(options):
    """The region the AWS CLI will use: --region, the environment, else the profile's configuration."""
    if options.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"):
        return options.region or os.environ.get("AWS_REGION") or os.environ["AWS_DEFAULT_REGION"]
    command = ["aws", "configure", "get", "region"] + (["--profile", options.profile] if options.profile else [])
    region = subprocess.run(command, capture_output=True, text=True).stdout.strip()
    if not region:
        sys.exit("no region: give --region")
    return region


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region")
    parser.add_argument("--profile")
    parser.add_argument("--environment", help="an existing MWAA environment (its subnets and groups are read from it)")
    parser.add_argument("--security-group-ids", default="", help="the environment's groups, comma-separated (a planned environment)")
    parser.add_argument("--execution-role-arn", help="the execution role to capture (a planned environment)")
    parser.add_argument("--kms-key", help="the customer managed key to capture, by ARN or ID (a planned environment)")
    parser.add_argument("subnet_ids", nargs="*", help="the environment's subnets (a planned environment)")
    options = parser.parse_args()
    options.region = region_of(options)
    options.security_group_ids = [g for g in options.security_group_ids.split(",") if g]
    snapshot = {"snapshot_version": 1, "region": options.region, "captured_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    not_captured = {}

    def member(name, key, *args):
        answer, error = aws(options, *args)
        if answer is None:
            not_captured[name] = error
            return None
        snapshot[name] = answer.get(key, []) if key else answer
        return snapshot[name]

    subnet_ids = list(options.subnet_ids)
    if options.environment:
        answer, error = aws(options, "mwaa", "get-environment", "--name", options.environment)
        if answer is None:
            sys.exit(f"cannot read environment {options.environment}: {error}")
        snapshot["Environment"] = answer["Environment"]
        options.execution_role_arn = answer["Environment"].get("ExecutionRoleArn")
        options.kms_key = answer["Environment"].get("KmsKey")
        network = answer["Environment"].get("NetworkConfiguration", {})
        subnet_ids = network.get("SubnetIds", [])
        options.security_group_ids = network.get("SecurityGroupIds", [])
    if not subnet_ids:
        sys.exit("give --environment NAME or the environment's subnet IDs")

    answer, error = aws(options, "ec2", "describe-subnets", "--subnet-ids", *subnet_ids)
    if answer is None:
        sys.exit(f"cannot read the subnets (ec2:DescribeSubnets is needed to find the VPC): {error}")
    vpc = answer["Subnets"][0]["VpcId"]
    in_vpc = ["--filters", f"Name=vpc-id,Values={vpc}"]

    member("Vpcs", "Vpcs", "ec2", "describe-vpcs", "--vpc-ids", vpc)
    subnets = member("Subnets", "Subnets", "ec2", "describe-subnets", *in_vpc)
    if subnets is not None:
        # Env subnets outside the VPC stay in: SUB003 reports them.
        known = {s["SubnetId"] for s in subnets}
        subnets.extend(s for s in answer["Subnets"] if s["SubnetId"] not in known)
    tables = member("RouteTables", "RouteTables", "ec2", "describe-route-tables", *in_vpc)
    member("NetworkAcls", "NetworkAcls", "ec2", "describe-network-acls", *in_vpc)
    groups = member("SecurityGroups", "SecurityGroups", "ec2", "describe-security-groups", *in_vpc)
    if groups is not None and options.security_group_ids:
        # Env groups outside the VPC stay in too (SUB003); unknown IDs are simply absent (SG002).
        env_groups, _ = aws(options, "ec2", "describe-security-groups", "--filters",
                            "Name=group-id,Values=" + ",".join(options.security_group_ids))
        known = {g["GroupId"] for g in groups}
        groups.extend(g for g in (env_groups or {}).get("SecurityGroups", []) if g["GroupId"] not in known)
    member("VpcEndpoints", "VpcEndpoints", "ec2", "describe-vpc-endpoints", *in_vpc)
    member("NatGateways", "NatGateways", "ec2", "describe-nat-gateways", "--filter", f"Name=vpc-id,Values={vpc}")
    member("InternetGateways", "InternetGateways", "ec2", "describe-internet-gateways",
           "--filters", f"Name=attachment.vpc-id,Values={vpc}")
    lists = member("PrefixLists", "PrefixLists", "ec2", "describe-prefix-lists")

    attributes = {}
    for attribute, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
        answer_, error_ = aws(options, "ec2", "describe-vpc-attribute", "--vpc-id", vpc, "--attribute", attribute)
        if answer_ is None:
            not_captured["VpcAttributes"] = error_
        else:
            attributes[key] = answer_[key]
    if "VpcAttributes" not in not_captured:
        snapshot["VpcAttributes"] = {vpc: attributes}

    services, error = aws(options, "ec2", "describe-vpc-endpoint-services")
    if services is None:
        not_captured["VpcEndpointServices"] = error
    else:
        wanted = {f"com.amazonaws.{options.region}.{s}" for s in SERVICES}
        environment = snapshot.get("Environment", {})
        wanted |= {environment.get(k) for k in ("DatabaseVpcEndpointService", "WebserverVpcEndpointService")} - {None}
        snapshot["VpcEndpointServices"] = [d for d in services.get("ServiceDetails", []) if d.get("ServiceName") in wanted]

    dhcp = next((v.get("DhcpOptionsId") for v in snapshot.get("Vpcs", [])), None)
    if dhcp and dhcp != "default":
        member("DhcpOptions", "DhcpOptions", "ec2", "describe-dhcp-options", "--dhcp-options-ids", dhcp)
    elif "Vpcs" in snapshot:
        snapshot["DhcpOptions"] = []

    # The entries of prefix lists that routes and rules use and describe-prefix-lists gave no CIDRs for.
    with_cidrs = {p["PrefixListId"] for p in lists or [] if p.get("Cidrs")}
    referenced = {r["DestinationPrefixListId"] for t in tables or [] for r in t.get("Routes", []) if r.get("DestinationPrefixListId")}
    for group in groups or []:
        for permission in group.get("IpPermissions", []) + group.get("IpPermissionsEgress", []):
            referenced |= {p["PrefixListId"] for p in permission.get("PrefixListIds", [])}
    entries = {}
    for prefix_list in sorted(referenced - with_cidrs):
        answer_, error_ = aws(options, "ec2", "get-managed-prefix-list-entries", "--prefix-list-id", prefix_list)
        if answer_ is None:
            not_captured[f"ManagedPrefixListEntries/{prefix_list}"] = error_
        else:
            entries[prefix_list] = answer_.get("Entries", [])
    snapshot["ManagedPrefixListEntries"] = entries

    # The interfaces of the instances and interfaces that routes send traffic to (NAT instances).
    routes = [r for t in tables or [] for r in t.get("Routes", [])]
    interfaces = []
    for filter_name, key in (("attachment.instance-id", "InstanceId"), ("network-interface-id", "NetworkInterfaceId")):
        targets = sorted({r[key] for r in routes if r.get(key)})
        if not targets or "NetworkInterfaces" in not_captured:
            continue
        answer_, error_ = aws(options, "ec2", "describe-network-interfaces", "--filters", f"Name={filter_name},Values=" + ",".join(targets))
        if answer_ is None:
            not_captured["NetworkInterfaces"] = error_
        else:
            known = {i["NetworkInterfaceId"] for i in interfaces}
            interfaces.extend(i for i in answer_.get("NetworkInterfaces", []) if i["NetworkInterfaceId"] not in known)
    if tables is not None and "NetworkInterfaces" not in not_captured:
        snapshot["NetworkInterfaces"] = interfaces

    if options.execution_role_arn:
        capture_role(options, snapshot, not_captured)
    if options.kms_key:
        capture_key(options, snapshot, not_captured)

    if groups:
        snapshot["account_id"] = groups[0].get("OwnerId")
    if not_captured:
        snapshot["not_captured"] = not_captured
    json.dump(snapshot, sys.stdout, indent=2)
    print()


def capture_role(options, snapshot, not_captured):
    """The execution role as `get-role` prints it, its inline policies, its attached policies' and its
    boundary's default versions (RULES.md "ROLE"); a role that does not exist is listed in RolesNotFound."""
    name = options.execution_role_arn.rsplit("/", 1)[-1]
    answer, error = aws(options, "iam", "get-role", "--role-name", name)
    if answer is None:
        if "NoSuchEntity" in error:
            snapshot["RolesNotFound"] = [name]
        else:
            not_captured["Roles"] = error
        return
    role = answer["Role"]
    snapshot["Roles"] = [role]
    names, error = aws(options, "iam", "list-role-policies", "--role-name", name)
    if names is None:
        not_captured["RolePolicies"] = error
    else:
        inline = []
        for policy in names.get("PolicyNames", []):
            document, error = aws(options, "iam", "get-role-policy", "--role-name", name, "--policy-name", policy)
            if document is None:
                not_captured["RolePolicies"] = error
                break
            inline.append(document)
        if "RolePolicies" not in not_captured:
            snapshot["RolePolicies"] = {name: inline}
    attached, error = aws(options, "iam", "list-attached-role-policies", "--role-name", name)
    if attached is None:
        not_captured["AttachedRolePolicies"] = error
        attached = {}
    else:
        snapshot["AttachedRolePolicies"] = {name: attached.get("AttachedPolicies", [])}
    arns = [p["PolicyArn"] for p in attached.get("AttachedPolicies", [])]
    boundary = role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
    versions = {}
    for arn in arns + ([boundary] if boundary else []):
        policy, error = aws(options, "iam", "get-policy", "--policy-arn", arn)
        if policy is not None:
            version, error = aws(options, "iam", "get-policy-version", "--policy-arn", arn, "--version-id", policy["Policy"]["DefaultVersionId"])
        if policy is None or version is None:
            not_captured["PolicyVersions"] = error
            return
        versions[arn] = version["PolicyVersion"]
    snapshot["PolicyVersions"] = versions


def capture_key(options, snapshot, not_captured):
    """The key as `describe-key` prints it, its default key policy and its grants (RULES.md "KMS")."""
    answer, error = aws(options, "kms", "describe-key", "--key-id", options.kms_key)
    if answer is None:
        not_captured["Keys"] = error
        return
    metadata = answer["KeyMetadata"]
    snapshot["Keys"] = [metadata]
    arn = metadata["Arn"]
    policy, error = aws(options, "kms", "get-key-policy", "--key-id", arn, "--policy-name", "default")
    if policy is None:
        not_captured["KeyPolicies"] = error
    else:
        snapshot["KeyPolicies"] = {arn: policy}
    grants, error = aws(options, "kms", "list-grants", "--key-id", arn)
    if grants is None:
        not_captured["KeyGrants"] = error
    else:
        snapshot["KeyGrants"] = {arn: grants.get("Grants", [])}


if __name__ == "__main__":
    main()
