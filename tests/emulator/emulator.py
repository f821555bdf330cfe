"""AWS emulator for mwaa-preflight's live tests, on 127.0.0.1 only.

One process serves:
  - moto (EC2, IAM, STS, KMS, S3 and S3 Control), in-process through ThreadedMotoServer;
  - an in-memory MWAA REST API (moto has no MWAA): CreateEnvironment, GetEnvironment, ListEnvironments;
  - a proxy in front of both that the tool talks to, which logs every request and can inject latency,
    throttling (EC2 RequestLimitExceeded, HTTP 503), UnauthorizedOperation for chosen actions, and page
    EC2 Describe answers (moto ignores MaxResults/NextToken); other services' requests are logged by the IAM
    action they need and can be denied (`deny`: ["kms:GetKeyPolicy", ...]);
  - control routes under /_control/ for the tests: build scenarios through the real EC2 API (boto3), set an
    environment's status, configure faults, read and reset the request log.

It prints one JSON line with its endpoint and serves until its standard input closes, so it never outlives
the test process that started it.
"""

import json
import logging
import ipaddress
import random
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account

# Describe answers the proxy can page: action -> (set element, item element).
PAGEABLE = {
    "DescribeSubnets": "subnetSet",
    "DescribeSecurityGroups": "securityGroupInfo",
    "DescribeRouteTables": "routeTableSet",
    "DescribeNetworkAcls": "networkAclSet",
    "DescribeVpcEndpoints": "vpcEndpointSet",
    "DescribeNatGateways": "natGatewaySet",
    "DescribeInternetGateways": "internetGatewaySet",
}


# Root elements moto names differently from S3: (moto's, S3's).
S3_ROOTS = [("GetBucketVersioningResponse", "VersioningConfiguration")]


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.log = []
        self.environments = {}
        self.faults = {}
        self.random = random.Random(1)
        self.moto_url = ""
        self.defaults = set()  # the Regions whose default role and bucket exist
        self.defaults_lock = threading.Lock()

    def configure(self, faults):
        with self.lock:
            self.faults = faults
            self.random = random.Random(faults.get("seed", 1))
            bucket = faults.get("bucket")
            self.tokens = bucket["burst"] if bucket else 0
            self.refilled = time.monotonic()

    def take_token(self):
        """EC2's request rate limit as a token bucket (`bucket`: burst, rate per second): False when empty."""
        bucket = self.faults.get("bucket")
        if not bucket:
            return True
        now = time.monotonic()
        self.tokens = min(bucket["burst"], self.tokens + (now - self.refilled) * bucket["rate"])
        self.refilled = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


STATE = State()


def complete_stack(ec2, template, physical):
    """What moto's CloudFormation leaves out of a stack, done through the EC2 API as CloudFormation would:
    subnet route table associations, the VPC's DNS attributes, and a group's inline egress rules (which
    replace the default one)."""
    import yaml
    from moto.cloudformation.utils import yaml_tag_constructor
    yaml.add_multi_constructor("", yaml_tag_constructor, Loader=yaml.SafeLoader)
    document = yaml.safe_load(template)

    def ref(value):
        return physical[value["Ref"]] if isinstance(value, dict) and "Ref" in value else value

    for logical, resource in document["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::EC2::SubnetRouteTableAssociation":
            ec2.associate_route_table(RouteTableId=ref(props["RouteTableId"]), SubnetId=ref(props["SubnetId"]))
        if resource["Type"] == "AWS::EC2::SecurityGroup" and "SecurityGroupEgress" in props:
            group = physical[logical]
            ec2.revoke_security_group_egress(GroupId=group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
            for rule in props["SecurityGroupEgress"]:
                permission = {"IpProtocol": str(rule["IpProtocol"]), "IpRanges": [{"CidrIp": rule["CidrIp"]}]}
                permission.update({k: int(rule[k]) for k in ("FromPort", "ToPort") if k in rule})
                ec2.authorize_security_group_egress(GroupId=group, IpPermissions=[permission])
        if resource["Type"] == "AWS::EC2::VPC":
            for name in ("EnableDnsSupport", "EnableDnsHostnames"):
                if name in props:
                    ec2.modify_vpc_attribute(VpcId=physical[logical], **{name: {"Value": bool(props[name])}})


def ec2_client(region=REGION):
    return boto3.client(
        "ec2", region_name=region, endpoint_url=STATE.moto_url, aws_access_key_id="testing", aws_secret_access_key="testing"
    )


# ---------------------------------------------------------------------------------------------------------
# Scenarios: networks built through the real EC2 API.


def build_public(ec2, region, params):
    """The two-AZ template: public subnets with a NAT gateway each, private env subnets routing to them.
    `nat_instances`: NAT instances instead of gateways (true, or "check_on": their source/destination check
    left on); `one_nat`: both env subnets on the first.
    `dual_stack`: the VPC and its subnets also carry IPv6 as AWS builds it (an IPv6-only subnet beside,
    ::/0 to an egress-only gateway, IPv6 NACL entries, IPv6 SG ranges, an IPv6 prefix list in a rule)."""
    dual = params.get("dual_stack", False)
    created = ec2.create_vpc(CidrBlock="10.192.0.0/16", AmazonProvidedIpv6CidrBlock=dual)["Vpc"]
    vpc = created["VpcId"]
    v6_block = created["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"] if dual else None
    v6_subnets = iter(ipaddress.IPv6Network(v6_block).subnets(new_prefix=64)) if dual else None
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)

    def subnet(cidr, az):
        extra = {"Ipv6CidrBlock": str(next(v6_subnets))} if dual else {}
        return ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=az, **extra)["Subnet"]["SubnetId"]

    pub1, pub2 = subnet("10.192.10.0/24", f"{region}a"), subnet("10.192.11.0/24", f"{region}b")
    env1, env2 = subnet("10.192.20.0/24", f"{region}a"), subnet("10.192.21.0/24", f"{region}b")
    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    if dual:
        ec2.create_route(RouteTableId=public_rt, DestinationIpv6CidrBlock="::/0", GatewayId=igw)
        eigw = ec2.create_egress_only_internet_gateway(VpcId=vpc)["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
        ec2.create_subnet(VpcId=vpc, Ipv6Native=True, Ipv6CidrBlock=str(next(v6_subnets)), AvailabilityZone=f"{region}c")
    for s in (pub1, pub2):
        ec2.associate_route_table(RouteTableId=public_rt, SubnetId=s)
    nats = []
    instances = params.get("nat_instances")
    for pub in (pub1, pub2):
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        if instances:
            # A NAT instance: its interface forwards (source/destination check off; moto keeps the instance
            # attribute apart from its interface's, so the interface's is set as a user may) with an Elastic IP.
            image = ec2.describe_images()["Images"][0]["ImageId"]
            instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=pub, InstanceType="t3.nano")["Instances"][0]
            interface = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]
            if instances != "check_on":
                ec2.modify_network_interface_attribute(NetworkInterfaceId=interface, SourceDestCheck={"Value": False})
            ec2.associate_address(InstanceId=instance["InstanceId"], AllocationId=eip)
            nats.append(instance["InstanceId"])
            continue
        nats.append(ec2.create_nat_gateway(SubnetId=pub, AllocationId=eip)["NatGateway"]["NatGatewayId"])
    tables = []
    for env, nat in zip((env1, env2), nats if not params.get("one_nat") else [nats[0], nats[0]]):
        rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        target = {"InstanceId": nat} if instances else {"NatGatewayId": nat}
        ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", **target)
        if dual:
            ec2.create_route(RouteTableId=rt, DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=eigw)
        ec2.associate_route_table(RouteTableId=rt, SubnetId=env)
        tables.append(rt)
    sg = ec2.create_security_group(GroupName="mwaa-env", Description="mwaa environment", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg, IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": sg}]}]
    )
    acl = default_nacl(ec2, vpc)
    if dual:
        lattice = ec2.describe_managed_prefix_lists(
            Filters=[{"Name": "prefix-list-name", "Values": [f"com.amazonaws.{region}.ipv6.vpc-lattice"]}])["PrefixLists"][0]
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Ipv6Ranges": [{"CidrIpv6": v6_block}],
             "PrefixListIds": [{"PrefixListId": lattice["PrefixListId"]}]}])
        # The default NACL of an IPv6 VPC has IPv6 twins of its rules (AWS adds them; moto does not).
        for egress in (False, True):
            ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=101, Protocol="-1", RuleAction="allow",
                                         Egress=egress, Ipv6CidrBlock="::/0")
    if params.get("nacl_ingress_443_only"):
        # A custom NACL on both env subnets admitting TCP 443 only (and everything outbound).
        acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow", Egress=False,
                                     CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443})
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow", Egress=True,
                                     CidrBlock="0.0.0.0/0")
        for env in (env1, env2):
            move_to_nacl(ec2, vpc, env, acl)
    unrelated(ec2, params.get("unrelated", 0))
    return {"vpc": vpc, "subnets": [env1, env2], "security_groups": [sg], "nat_gateways": nats,
            "route_tables": tables, "public_subnets": [pub1, pub2], "nacl": acl}


def build_private(ec2, region, params):
    """Private routing: endpoints for every service MWAA uses, S3 through a gateway endpoint."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    env1 = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=f"{region}a")["Subnet"]["SubnetId"]
    env2 = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone=f"{region}b")["Subnet"]["SubnetId"]
    rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    for s in (env1, env2):
        ec2.associate_route_table(RouteTableId=rt, SubnetId=s)
    sg = ec2.create_security_group(GroupName="mwaa-env", Description="mwaa environment", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": sg}]}])
    endpoint_sg = ec2.create_security_group(GroupName="endpoints", Description="vpc endpoints", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=endpoint_sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": sg}]}],
    )
    services = ["sqs", "logs", "monitoring", "kms", "ecr.api", "ecr.dkr", "airflow.api", "airflow.env", "airflow.ops"]
    skip = set(params.get("skip_services", []))
    endpoints = {}
    for svc in services:
        if svc in skip:
            continue
        policy = params.get("policies", {}).get(svc)
        extra = {"PolicyDocument": json.dumps(policy)} if policy else {}
        endpoints[svc] = ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName=f"com.amazonaws.{region}.{svc}", VpcEndpointType="Interface",
            SubnetIds=[env1, env2], SecurityGroupIds=[endpoint_sg], PrivateDnsEnabled=True, **extra,
        )["VpcEndpoint"]["VpcEndpointId"]
    s3_policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::prod-{region}-starport-layer-bucket/*"},
        {"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
         "Resource": ["arn:aws:s3:::mwaa-live-dags", "arn:aws:s3:::mwaa-live-dags/*"]}]}
    endpoints["s3"] = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{region}.s3", VpcEndpointType="Gateway", RouteTableIds=[rt],
        PolicyDocument=json.dumps(s3_policy),
    )["VpcEndpoint"]["VpcEndpointId"]
    if params.get("dhcp"):
        options = ec2.create_dhcp_options(DhcpConfigurations=[{"Key": "domain-name-servers", "Values": params["dhcp"]}])
        ec2.associate_dhcp_options(DhcpOptionsId=options["DhcpOptions"]["DhcpOptionsId"], VpcId=vpc)
    acl = default_nacl(ec2, vpc)
    unrelated(ec2, params.get("unrelated", 0))
    return {"vpc": vpc, "subnets": [env1, env2], "security_groups": [sg], "endpoint_security_group": endpoint_sg,
            "route_tables": [rt], "endpoints": endpoints, "nacl": acl}


def default_nacl(ec2, vpc):
    acls = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "default", "Values": ["true"]}])
    return acls["NetworkAcls"][0]["NetworkAclId"]


def move_to_nacl(ec2, vpc, subnet, acl):
    acls = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])["NetworkAcls"]
    for assoc in acls[0]["Associations"]:
        if assoc["SubnetId"] == subnet:
            ec2.replace_network_acl_association(AssociationId=assoc["NetworkAclAssociationId"], NetworkAclId=acl)


def unrelated(ec2, count):
    """Resources in another VPC that a well-scoped collector never pages through."""
    if not count:
        return
    vpc = ec2.create_vpc(CidrBlock="172.16.0.0/16")["Vpc"]["VpcId"]
    for i in range(count):
        ec2.create_security_group(GroupName=f"unrelated-{i}", Description="noise", VpcId=vpc)
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"172.16.{i // 16}.{(i % 16) * 16}/28")


SCENARIOS = {"public": build_public, "private": build_private}


# ---------------------------------------------------------------------------------------------------------
# MWAA: the REST-JSON API from memory.


def default_bucket(region):
    return "mwaa-live-dags" if region == REGION else f"mwaa-live-dags-{region}"


def ensure_defaults(region):
    """The execution role and source bucket an environment names unless told otherwise, built once through the
    real APIs as a working environment has them: the role trusted by MWAA and allowed what it does, the bucket
    in the environment's Region, versioned, blocking public access, with a DAG."""
    # Its own lock: environments are created under STATE.lock.
    with STATE.defaults_lock:
        if region in STATE.defaults:
            return
        STATE.defaults.add(region)
    credentials = {"endpoint_url": STATE.moto_url, "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    iam = boto3.client("iam", region_name=REGION, **credentials)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": ["airflow.amazonaws.com", "airflow-env.amazonaws.com"]}}]}
    try:
        iam.create_role(RoleName="mwaa", AssumeRolePolicyDocument=json.dumps(trust))
        allow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        iam.put_role_policy(RoleName="mwaa", PolicyName="mwaa", PolicyDocument=json.dumps(allow))
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    s3 = boto3.client("s3", region_name=region, **credentials)
    bucket = default_bucket(region)
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **location)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_object(Bucket=bucket, Key="dags/example_dag.py", Body=b"from airflow import DAG\n")


def environment_document(name, body, region):
    ensure_defaults(region)
    now = time.time()
    network = body.get("NetworkConfiguration", {})
    return {
        "Name": name,
        "Arn": f"arn:aws:airflow:{region}:{ACCOUNT}:environment/{name}",
        "Status": "CREATING",
        "CreatedAt": now,
        "NetworkConfiguration": {"SubnetIds": network.get("SubnetIds", []), "SecurityGroupIds": network.get("SecurityGroupIds", [])},
        "WebserverAccessMode": body.get("WebserverAccessMode", "PRIVATE_ONLY"),
        "EndpointManagement": body.get("EndpointManagement", "SERVICE"),
        "SourceBucketArn": body.get("SourceBucketArn", f"arn:aws:s3:::{default_bucket(region)}"),
        "ExecutionRoleArn": body.get("ExecutionRoleArn", f"arn:aws:iam::{ACCOUNT}:role/mwaa"),
        "DagS3Path": body.get("DagS3Path", "dags"),
        "EnvironmentClass": body.get("EnvironmentClass", "mw1.small"),
        "MaxWorkers": body.get("MaxWorkers", 10),
        "Schedulers": body.get("Schedulers", 2),
        "AirflowVersion": body.get("AirflowVersion", "2.10.3"),
        "CeleryExecutorQueue": f"arn:aws:sqs:{region}:999988887777:airflow-celery-{abs(hash(name)) % 10**8:08d}",
        "DatabaseVpcEndpointService": f"com.amazonaws.vpce.{region}.vpce-svc-0db{abs(hash(name)) % 10**14:014d}",
        "WebserverVpcEndpointService": f"com.amazonaws.vpce.{region}.vpce-svc-0eb{abs(hash(name)) % 10**14:014d}",
        "LastUpdate": {"Status": "SUCCESS", "CreatedAt": now, "Source": "API"},
    }


# ---------------------------------------------------------------------------------------------------------
# The proxy.


def ec2_error(code, message, status):
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error></Errors><RequestID>emulator</RequestID></Response>")
    return status, {"Content-Type": "text/xml"}, body.encode()


def page(body, action, params, size, tokens=None):
    """Serve one page of a full moto answer; NextToken is the offset. `tokens`: "endless" always gives a new
    token (past the end, empty pages), "repeat" gives the same token on every page."""
    root = ET.fromstring(body)
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    ns = f"{{{namespace}}}" if namespace else ""
    holder = root.find(f"{ns}{PAGEABLE[action]}")
    if holder is None:
        return body
    items = list(holder)
    start = int(params.get("NextToken", ["0"])[0] or 0)
    for item in items:
        holder.remove(item)
    for item in items[start:start + size]:
        holder.append(item)
    for old in root.findall(f"{ns}nextToken"):
        root.remove(old)
    if start + size < len(items) or tokens in ("endless", "repeat"):
        token = ET.SubElement(root, f"{ns}nextToken")
        token.text = str(size) if tokens == "repeat" else str(start + size)
    ET.register_namespace("", namespace)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def reply(self, status, headers, payload):
        self.send_response(status)
        for key, value in headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def json_reply(self, status, document, error_type=None):
        headers = {"Content-Type": "application/json"}
        if error_type:
            headers["x-amzn-ErrorType"] = error_type
        self.reply(status, headers, json.dumps(document).encode())

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def route(self, method):
        body = self.body()
        path = urllib.parse.urlparse(self.path).path
        if path.startswith("/_control/"):
            try:
                return self.control(method, path, body)
            except Exception as error:  # the test sees what broke instead of a closed connection
                import traceback
                return self.json_reply(500, {"error": repr(error), "trace": traceback.format_exc()})
        if path.startswith("/environments"):
            return self.mwaa(method, path, body)
        service = self.signed_service()
        if service in ("ec2", ""):
            return self.ec2(method, body)
        return self.other(service, method, body)

    # -- control ------------------------------------------------------------------------------------------
    def control(self, method, path, body):
        request = json.loads(body or b"{}")
        if path == "/_control/scenario":
            params = request.get("params", {})
            region = params.get("region", REGION)
            result = SCENARIOS[request["name"]](ec2_client(region), region, params)
            return self.json_reply(200, result)
        if path == "/_control/faults":
            STATE.configure(request)
            return self.json_reply(200, {"ok": True})
        if path == "/_control/log":
            with STATE.lock:
                entries = list(STATE.log)
                if method == "POST":
                    STATE.log.clear()
            return self.json_reply(200, entries)
        if path == "/_control/environment":
            region = request.pop("Region", REGION)
            with STATE.lock:
                environments = STATE.environments.setdefault(region, {})
                current = environments.setdefault(request["Name"], environment_document(request["Name"], request, region))
                current.update({k: v for k, v in request.items() if k not in ("NetworkConfiguration",)})
                if "NetworkConfiguration" in request:
                    current["NetworkConfiguration"] = request["NetworkConfiguration"]
            return self.json_reply(200, current)
        if path == "/_control/clear_environments":
            with STATE.lock:
                STATE.environments.clear()
            return self.json_reply(200, {"ok": True})
        if path == "/_control/stack":
            # A CloudFormation stack built by moto from a template: its logical IDs -> physical IDs.
            cfn = boto3.client("cloudformation", region_name=REGION, endpoint_url=STATE.moto_url,
                               aws_access_key_id="testing", aws_secret_access_key="testing")
            cfn.create_stack(StackName=request["name"], TemplateBody=request["template"])
            status = cfn.describe_stacks(StackName=request["name"])["Stacks"][0]["StackStatus"]
            resources = cfn.describe_stack_resources(StackName=request["name"])["StackResources"]
            physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in resources}
            complete_stack(ec2_client(), request["template"], physical)
            return self.json_reply(200, {"status": status, "resources": physical})
        if path == "/_control/call":
            # Any service moto knows (IAM, KMS), for what a test builds beside the network.
            client = boto3.client(request["service"], region_name=REGION, endpoint_url=STATE.moto_url,
                                  aws_access_key_id="testing", aws_secret_access_key="testing")
            result = getattr(client, request["operation"])(**request.get("arguments", {}))
            result.pop("ResponseMetadata", None)
            return self.json_reply(200, json.loads(json.dumps(result, default=str)))
        if path == "/_control/ec2":
            result = getattr(ec2_client(), request["operation"])(**request.get("arguments", {}))
            result.pop("ResponseMetadata", None)
            return self.json_reply(200, json.loads(json.dumps(result, default=str)))
        return self.json_reply(404, {"message": f"no control route {path}"})

    # -- MWAA ---------------------------------------------------------------------------------------------
    def region(self):
        """The region of a SigV4-signed request (Credential=KEY/DATE/REGION/SERVICE/aws4_request)."""
        auth = self.headers.get("Authorization", "")
        try:
            return auth.split("Credential=")[1].split("/")[2]
        except IndexError:
            return REGION

    def mwaa(self, method, path, body):
        name = urllib.parse.unquote(path[len("/environments/"):]) if path.startswith("/environments/") else ""
        region = self.region()
        action = {("GET", True): "GetEnvironment", ("GET", False): "ListEnvironments", ("PUT", True): "CreateEnvironment"}.get((method, bool(name)), "Unknown")
        with STATE.lock:
            STATE.log.append({"service": "airflow", "action": action, "host": self.headers.get("Host", ""), "region": region})
            faults = dict(STATE.faults)
        time.sleep(faults.get("latency_ms", 0) / 1000)
        if action in faults.get("deny", []) or (action == "GetEnvironment" and name in faults.get("deny_environments", [])):
            return self.json_reply(403, {"Message": f"User is not authorized to perform: airflow:{action}"}, "AccessDeniedException")
        with STATE.lock:
            environments = STATE.environments.setdefault(region, {})
            if action == "ListEnvironments":
                return self.json_reply(200, {"Environments": sorted(environments)})
            if action == "CreateEnvironment":
                environments[name] = environment_document(name, json.loads(body or b"{}"), region)
                return self.json_reply(200, {"Arn": environments[name]["Arn"]})
            if action == "GetEnvironment":
                if name not in environments:
                    return self.json_reply(404, {"Message": f"Environment {name} not found"}, "ResourceNotFoundException")
                return self.json_reply(200, {"Environment": environments[name]})
        return self.json_reply(400, {"Message": "unsupported"}, "ValidationException")

    # -- IAM, STS, KMS, S3 and S3 Control through moto ---------------------------------------------------
    def signed_service(self):
        """The service of a SigV4-signed request (Credential=KEY/DATE/REGION/SERVICE/aws4_request)."""
        try:
            return self.headers.get("Authorization", "").split("Credential=")[1].split("/")[3]
        except IndexError:
            return ""

    def action(self, service, method, body):
        """The IAM action a request needs, as `iam-policy` names it."""
        if service in ("iam", "sts"):
            return service, urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action", ["Unknown"])[0]
        if service == "kms":
            return service, self.headers.get("X-Amz-Target", "Unknown").split(".")[-1]
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if url.path.startswith("/v20180820/configuration/publicAccessBlock"):
            return "s3", "GetAccountPublicAccessBlock"
        for key, action in (("location", "GetBucketLocation"), ("versioning", "GetBucketVersioning"),
                            ("publicAccessBlock", "GetBucketPublicAccessBlock"), ("policy", "GetBucketPolicy"),
                            ("encryption", "GetEncryptionConfiguration"), ("versions", "ListBucketVersions")):
            if key in query:
                return "s3", action
        if method == "GET" and url.path.strip("/").count("/") >= 1:
            return "s3", "GetObjectVersion" if "versionId" in query else "GetObject"
        return "s3", f"{method} {url.path}"

    def other(self, signed, method, body):
        service, action = self.action(signed, method, body)
        with STATE.lock:
            STATE.log.append({"service": service, "action": action})
            faults = dict(STATE.faults)
        time.sleep(faults.get("latency_ms", 0) / 1000)
        if f"{service}:{action}" in faults.get("deny", []):
            message = f"User is not authorized to perform: {service}:{action}"
            if service == "kms":
                return self.json_reply(400, {"__type": "AccessDeniedException", "message": message}, "AccessDeniedException")
            document = (f'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>'
                        f"<Message>{message}</Message></Error><RequestId>emulator</RequestId></ErrorResponse>")
            if service == "s3":
                document = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>{message}</Message>'
                            "<RequestId>emulator</RequestId></Error>")
            return self.reply(403, {"Content-Type": "text/xml"}, document.encode())
        if (service, action) == ("iam", "SimulatePrincipalPolicy"):
            return self.simulate(body, faults.get("simulation"))
        status, headers, payload = self.forward(method, body)
        if service == "s3" and status == 200:
            # moto names some answers' root element after the operation; S3 (and the Rust SDK, which checks it)
            # uses the documented one.
            for moto_root, s3_root in S3_ROOTS:
                payload = payload.replace(f"<{moto_root} ".encode(), f"<{s3_root} ".encode()).replace(
                    f"</{moto_root}>".encode(), f"</{s3_root}>".encode())
        self.reply(status, headers, payload)

    def simulate(self, body, simulation):
        """moto has no IAM policy simulator. Without `simulation` the call fails as an unsupported one does
        (no retry); with it, each action on each resource is `allowed` unless listed under `deny`
        (implicitDeny), in the shape IAM answers."""
        if simulation is None:
            document = ('<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>NotImplemented</Code>'
                        "<Message>the emulator has no IAM policy simulator</Message></Error><RequestId>emulator</RequestId></ErrorResponse>")
            return self.reply(400, {"Content-Type": "text/xml"}, document.encode())
        params = urllib.parse.parse_qs(body.decode("utf-8", "replace"))

        def listed(name):
            prefix = name + ".member."
            return [value for _, value in sorted((int(k[len(prefix):]), v[0]) for k, v in params.items() if k.startswith(prefix))]

        members = []
        for action in listed("ActionNames"):
            for resource in listed("ResourceArns") or ["*"]:
                decision = "implicitDeny" if action in simulation.get("deny", []) else "allowed"
                members.append(f"<member><EvalActionName>{action}</EvalActionName><EvalResourceName>{resource}</EvalResourceName>"
                               f"<EvalDecision>{decision}</EvalDecision><MatchedStatements/><MissingContextValues/></member>")
        document = ('<?xml version="1.0" encoding="UTF-8"?>\n<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
                    f"<SimulatePrincipalPolicyResult><IsTruncated>false</IsTruncated><EvaluationResults>{''.join(members)}</EvaluationResults>"
                    "</SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>emulator</RequestId></ResponseMetadata></SimulatePrincipalPolicyResponse>")
        return self.reply(200, {"Content-Type": "text/xml"}, document.encode())

    def forward(self, method, body):
        """moto's answer to the request as it came."""
        request = urllib.request.Request(STATE.moto_url + self.path, data=body if method != "GET" else None, method=method)
        for key, value in self.headers.items():
            if key.lower() not in ("host", "content-length", "connection", "accept-encoding"):
                request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    # -- EC2 through moto ---------------------------------------------------------------------------------
    def ec2(self, method, body):
        params = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        action = params.get("Action", ["Unknown"])[0]
        with STATE.lock:
            faults = dict(STATE.faults)
            throttle = STATE.random.random() < faults.get("throttle_rate", 0) or not STATE.take_token()
            key = self.headers.get("Authorization", "").split("Credential=")[-1].split("/")[0]
            STATE.log.append({"service": "ec2", "action": action, "throttled": throttle, "key": key})
        time.sleep(faults.get("latency_ms", 0) / 1000)
        if action in faults.get("deny", []):
            status, headers, payload = ec2_error("UnauthorizedOperation", f"You are not authorized to perform this operation. ({action})", 403)
            return self.reply(status, headers, payload)
        if faults.get("error"):
            code, status = faults["error"]
            return self.reply(*ec2_error(code, f"Injected {code}", status))
        if faults.get("html"):
            # A proxy's own page instead of AWS's answer.
            status, title = faults["html"]
            page_text = f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>The proxy could not reach the upstream.</p></body></html>"
            return self.reply(status, {"Content-Type": "text/html"}, page_text.encode())
        if throttle:
            status, headers, payload = ec2_error("RequestLimitExceeded", "Request limit exceeded.", 503)
            return self.reply(status, headers, payload)
        forwarded = body
        size = faults.get("page_size")
        if size and action in PAGEABLE:
            # Ask moto for everything; the page is cut here.
            forwarded = urllib.parse.urlencode([(k, v) for k, vs in params.items() if k not in ("NextToken", "MaxResults") for v in vs]).encode()
        status, headers, payload = self.forward(method, forwarded)
        if size and action in PAGEABLE and status == 200:
            payload = page(payload, action, params, size, faults.get("tokens"))
        if action in faults.get("truncate", []) and status == 200:
            # Cut in half, with a Content-Length that matches: only the body itself says it is incomplete.
            payload = payload[: len(payload) // 2]
            headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
        if action == "DescribeSubnets" and status == 200:
            # moto computes an IPv6-only subnet's free IPv4 count as 0 - 5 in unsigned arithmetic; AWS says 0.
            payload = re.sub(rb"<availableIpAddressCount>\d{11,}</availableIpAddressCount>",
                             b"<availableIpAddressCount>0</availableIpAddressCount>", payload)
        self.reply(status, headers, payload)


def main():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log on the tests' stderr
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    STATE.moto_url = f"http://{host}:{port}"
    ec2_client().describe_vpcs()  # the first call loads the backend (~2 s): pay it before the tests
    ensure_defaults(REGION)  # templates name the default role by ARN before any environment exists
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    proxy.daemon_threads = True
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    print(json.dumps({"endpoint": f"http://127.0.0.1:{proxy.server_address[1]}", "moto": STATE.moto_url}), flush=True)
    sys.stdin.read()  # until the parent goes away
    proxy.shutdown()
    moto.stop()


if __name__ == "__main__":
    main()
