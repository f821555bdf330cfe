#!/usr/bin/env python3
"""Assemble an mwaa-preflight snapshot with the AWS CLI alone, for a machine with credentials where the tool
cannot be installed: run it there, send the file, and `mwaa-preflight check --snapshot FILE ...` elsewhere.

    python3 aws-cli-snapshot.py [--region R] [--profile P] --environment NAME > snapshot.json
    python3 aws-cli-snapshot.py [--region R] [--profile P] [--security-group-ids SG,...] SUBNET_ID ... > snapshot.json

With --execution-role-arn and --kms-key (an existing environment names its own), the execution role (its
trust, inline and attached policies, boundary) and the key (metadata, key policy, grants) are captured too;
with --source-bucket-arn, the bucket (Region, versioning, public access blocks, policy, encryption), the versions
of the objects named (--dag-s3-path, --requirements-s3-path with --requirements-s3-object-version, ...) and
requirements.txt's text with the DAG-folder files it includes. For a planned environment, --name and
--deployer-arn (default: the caller) add the deployer's simulated permissions (EvaluationResults).

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
    parser.add_argument("--source-bucket-arn", help="the source bucket to capture (a planned environment)")
    parser.add_argument("--dag-s3-path", help="the DAG folder (a planned environment)")
    for name in ("requirements", "plugins", "startup-script"):
        parser.add_argument(f"--{name}-s3-path", help=f"the {name} object's key (a planned environment)")
        parser.add_argument(f"--{name}-s3-object-version", help=f"the {name} object's version (a planned environment)")
    parser.add_argument("--name", help="the planned environment's name, for the deployer's simulation")
    parser.add_argument("--deployer-arn", help="the principal that will create the environment (default: the caller)")
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
        options.source_bucket_arn = answer["Environment"].get("SourceBucketArn")
        options.dag_s3_path = answer["Environment"].get("DagS3Path")
        for name in ("requirements", "plugins", "startup_script"):
            prefix = "".join(word.capitalize() for word in name.split("_"))
            setattr(options, f"{name}_s3_path", answer["Environment"].get(f"{prefix}S3Path"))
            setattr(options, f"{name}_s3_object_version", answer["Environment"].get(f"{prefix}S3ObjectVersion"))
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
    if options.source_bucket_arn:
        capture_bucket(options, snapshot, not_captured)
    if not options.environment and options.name:
        capture_deployer(options, snapshot, not_captured, subnet_ids)

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


# S3's answers for "none", which the snapshot holds as {} (not the same as not captured).
NONE_ERRORS = ("NoSuchPublicAccessBlockConfiguration", "NoSuchBucketPolicy", "ServerSideEncryptionConfigurationNotFoundError")
# The largest object text captured (CLI.md: objects over 1 MiB are not).
MAX_OBJECT_BYTES = 1024 * 1024
DAGS_FOLDER = "/usr/local/airflow/dags/"


def capture_bucket(options, snapshot, not_captured):
    """The source bucket as `aws s3api` prints it, the versions of the objects the environment names and of its
    DAG folder, and the text of requirements.txt with the DAG-folder files it includes (RULES.md "BKT", "PKG")."""
    bucket = options.source_bucket_arn.split(":::", 1)[-1].strip("/")
    location, error = aws(options, "s3api", "get-bucket-location", "--bucket", bucket)
    if location is None:
        if "NoSuchBucket" in error:
            snapshot["BucketsNotFound"] = [bucket]
        else:
            not_captured["BucketLocations"] = error
        return
    snapshot["BucketLocations"] = {bucket: location}
    for member, command in (("BucketVersioning", "get-bucket-versioning"), ("BucketPublicAccessBlock", "get-public-access-block"),
                            ("BucketPolicies", "get-bucket-policy"), ("BucketEncryption", "get-bucket-encryption")):
        answer, error = aws(options, "s3api", command, "--bucket", bucket)
        if answer is None and not any(e in error for e in NONE_ERRORS):
            not_captured[member] = error
        else:
            snapshot[member] = {bucket: answer or {}}
    account = snapshot.get("account_id")
    if account:
        answer, error = aws(options, "s3control", "get-public-access-block", "--account-id", account)
        if answer is None and "NoSuchPublicAccessBlockConfiguration" not in error:
            not_captured["AccountPublicAccessBlock"] = error
        else:
            snapshot["AccountPublicAccessBlock"] = answer or {}
    objects = [(getattr(options, f"{n}_s3_path"), getattr(options, f"{n}_s3_object_version")) for n in ("requirements", "plugins", "startup_script")]
    prefixes = [key.split(f"s3://{bucket}/", 1)[-1] for key, _ in objects if key]
    if options.dag_s3_path:
        prefixes.append(options.dag_s3_path.strip("/") + "/")
    versions = {}
    for prefix in prefixes:
        extra = ["--max-items", "1"] if prefix.endswith("/") else []
        answer, error = aws(options, "s3api", "list-object-versions", "--bucket", bucket, "--prefix", prefix, *extra)
        if answer is None:
            not_captured["ObjectVersions"] = error
            break
        answer.pop("NextToken", None)
        versions[prefix] = answer
    if "ObjectVersions" not in not_captured and versions:
        snapshot["ObjectVersions"] = {bucket: versions}
    requirements, version = objects[0]
    if requirements:
        capture_texts(options, snapshot, not_captured, bucket, requirements.split(f"s3://{bucket}/", 1)[-1], version)


def capture_texts(options, snapshot, not_captured, bucket, key, version):
    """requirements.txt at its version, and the DAG-folder files its `-r`/`-c` lines include (latest)."""
    import tempfile
    texts = {}
    wanted = [(key, version or "latest")]
    while wanted and len(texts) < 10:
        key, version = wanted.pop()
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "object")
            arguments = ["s3api", "get-object", "--bucket", bucket, "--key", key] + (["--version-id", version] if version != "latest" else []) + [path]
            answer, error = aws(options, *arguments)
            if answer is None:
                not_captured["ObjectTexts"] = error
                return
            if answer.get("ContentLength", 0) > MAX_OBJECT_BYTES:
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        texts.setdefault(f"s3://{bucket}/{key}", {})[version] = text
        for line in text.splitlines():
            parts = line.replace("=", " ").split()
            if len(parts) >= 2 and parts[0] in ("-r", "--requirement", "-c", "--constraint") and parts[1].startswith(DAGS_FOLDER):
                folder = (options.dag_s3_path or "dags").strip("/")
                wanted.append((f"{folder}/{parts[1][len(DAGS_FOLDER):]}", "latest"))
    snapshot["ObjectTexts"] = texts


def capture_deployer(options, snapshot, not_captured, subnet_ids):
    """The deployer's permissions for CreateEnvironment, simulated per resource (RULES.md "DEP"), and whether
    MWAA's service-linked role exists."""
    deployer = options.deployer_arn
    if not deployer:
        caller, error = aws(options, "sts", "get-caller-identity")
        if caller is None:
            not_captured["EvaluationResults"] = error
            return
        deployer = caller["Arn"]
        # An assumed-role session is simulated as its role.
        if ":assumed-role/" in deployer:
            partition_account, role = deployer.split(":assumed-role/", 1)
            deployer = partition_account.replace(":sts:", ":iam:") + ":role/" + role.split("/", 1)[0]
    account = deployer.split(":")[4]
    partition = deployer.split(":")[1]
    environment = f"arn:{partition}:airflow:{options.region}:{account}:environment/{options.name}"
    linked = f"arn:{partition}:iam::{account}:role/aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA"
    simulations = [(["airflow:CreateEnvironment", "airflow:TagResource"], [environment], []), (["ec2:CreateVpcEndpoint"], ["*"], [])]
    if options.execution_role_arn:
        simulations.append((["iam:PassRole"], [options.execution_role_arn], ["ContextKeyName=iam:PassedToService,ContextKeyValues=airflow.amazonaws.com,ContextKeyType=string"]))
    simulations.append((["ec2:CreateNetworkInterface"], [f"arn:{partition}:ec2:{options.region}:{account}:subnet/{s}" for s in subnet_ids], []))
    simulations.append((["iam:CreateServiceLinkedRole"], [linked], ["ContextKeyName=iam:AWSServiceName,ContextKeyValues=airflow.amazonaws.com,ContextKeyType=string"]))
    if snapshot.get("Keys"):
        simulations.append((["kms:CreateGrant", "kms:DescribeKey"], [snapshot["Keys"][0]["Arn"]], []))
    role, error = aws(options, "iam", "get-role", "--role-name", "AWSServiceRoleForAmazonMWAA")
    if role is not None:
        snapshot.setdefault("Roles", []).append(role["Role"])
    elif "NoSuchEntity" in error:
        snapshot.setdefault("RolesNotFound", []).append("AWSServiceRoleForAmazonMWAA")
    results, errors = [], []
    for actions, resources, context in simulations:
        arguments = ["iam", "simulate-principal-policy", "--policy-source-arn", deployer, "--action-names", *actions, "--resource-arns", *resources]
        if context:
            arguments += ["--context-entries", *context]
        answer, error = aws(options, *arguments)
        if answer is None:
            errors.append(f"{' '.join(actions)}: {error}")
        else:
            results.extend(answer.get("EvaluationResults", []))
    if errors:
        # Part of a simulation is no simulation: the rules it serves are skipped, every failure said.
        not_captured["EvaluationResults"] = "; ".join(errors)
        return
    snapshot["EvaluationResults"] = results
    snapshot["deployer_arn"] = deployer


if __name__ == "__main__":
    main()
