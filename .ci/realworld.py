#!/usr/bin/env python3
"""The real templates and Terraform state beside the checkout (../shared/realworld, never copied into the project), each read by
the binary and held to what the AWS pages say it should report. Run by .ci/run only: a user's clone has no
../shared.

usage: realworld.py REALWORLD_DIR BINARY
"""
import json
import subprocess
import sys

GUIDE = "cloudformation/mwaa-user-guide"
EXAMPLES = "cloudformation/amazon-mwaa-examples"
BLOG = "cloudformation/aws-blog-shared-vpc"
NO_ENVIRONMENT = ["--subnet-ids", "PrivateSubnet1,PrivateSubnet2", "--security-group-ids", "SecurityGroup"]

# (template, extra arguments, exit code, findings as (code, resource), why)
EXPECTED = [
    (f"{GUIDE}/cfn-vpc-public-private.yaml", NO_ENVIRONMENT, 0, [],
     "the guide's Option two: public routing, a NAT gateway per AZ, the self-referencing group"),
    (f"{GUIDE}/cfn-vpc-private.yaml", NO_ENVIRONMENT + ["--webserver-access", "private"], 0, [],
     "the guide's Option three: private routing, the S3 gateway and every interface endpoint MWAA lists"),
    (f"{GUIDE}/quick-start-mwaa.yaml", [], 1, [("ROLE003", "MwaaExecutionRole")],
     "the quick start: the guide's public network and an environment (its duplicated keys are notes); its role "
     "may publish metrics for environment/${EnvironmentName} (MWAAEnvironment) while the environment is "
     "${AWS::StackName}-MwaaEnvironment, and lacks s3:GetAccountPublicAccessBlock"),
    (f"{EXAMPLES}/infra-cloudformation-template.yaml", [], 0,
     [("VPCE001", "com.amazonaws.us-east-1.airflow.api"), ("VPCE001", "com.amazonaws.us-east-1.airflow.env"),
      ("VPCE001", "com.amazonaws.us-east-1.airflow.ops")],
     "private routing written before MWAA's airflow.api/env/ops endpoints: warnings (ops is informational)"),
    (f"{EXAMPLES}/least-privilege-template.yaml", ["--parameter", "S3Bucket=my-dags"], 1,
     [("ROLE003", "MwaaExecutionRole"), ("SG006", "SecurityGroup"), ("VPCE007", "S3VpcEndoint")],
     "the S3 endpoint policy admits only the DAG bucket, not the ECR layer bucket image pulls read; the group "
     "admits 0.0.0.0/0 on 443 and 5432 instead of itself; the role may publish metrics for "
     "${AWS::StackName}-MwaaEnvironment while the environment is named ${AWS::StackName}, and lacks "
     "s3:GetAccountPublicAccessBlock"),
    (f"{EXAMPLES}/least-privilege-template.yaml", [], 0, [("SG006", "SecurityGroup")],
     "without the S3Bucket parameter the S3 policy is unknown: VPCE007 is skipped, never passed"),
    (f"{BLOG}/cfn-vpc-private-bjs.reconstructed.yaml", NO_ENVIRONMENT + ["--endpoint-management", "customer"], 1,
     [("CME002", None), ("CME003", None), ("VPCE008", "SqsVpcEndoint")],
     "the shared-VPC blog's SQS policy, Resource: [], blocks the environment's queue until the Lambda appends it; "
     "with customer-managed endpoints, the database endpoint and (the web server's access mode not given: PRIVATE_ONLY, "
     "the service's default) the web server endpoint are the next steps once the environment is PENDING (infos)"),
]


# (state, extra arguments, exit code, findings, why): the real deployed state has no aws_mwaa_environment;
# its environment uses the private subnets and the CIDR-based group.
TERRAFORM = [
    ("terraform/ryankarlos-mwaa_example/terraform.tfstate",
     ["--subnet-ids", "subnet-0901497c74c52b8f4,subnet-0a4a44075e6af5617", "--security-group-ids", "sg-094ab11f5b159c827"], 0,
     [("RT003", "nat-08c517f9a08728f41"), ("SG006", "sg-094ab11f5b159c827")],
     "terraform-aws-modules/vpc with one NAT gateway for two AZs (the guide: one per AZ), and a group that admits "
     "the VPC CIDR on 443 and 5432 instead of itself"),
]


def main():
    root, binary = sys.argv[1], sys.argv[2]
    failures = 0
    runs = [("--template", *case) for case in EXPECTED] + [("--terraform-plan", *case) for case in TERRAFORM]
    for flag, template, extra, exit_code, findings, why in runs:
        args = [binary, "check", flag, f"{root}/{template}", "--region", "us-east-1", "--format", "json", *extra]
        run = subprocess.run(args, capture_output=True, text=True)
        try:
            report = json.loads(run.stdout)
        except json.JSONDecodeError:
            print(f"FAIL {template}: no report (exit {run.returncode}): {run.stderr.strip()}")
            failures += 1
            continue
        got = sorted((f["code"], f.get("resource")) for f in report["findings"])
        if run.returncode != exit_code or got != sorted(findings):
            print(f"FAIL {template} {' '.join(extra)}: exit {run.returncode} (want {exit_code}), findings {got}, want {sorted(findings)} ({why})")
            failures += 1
        else:
            print(f"ok   {template} {' '.join(extra)}: {why}")
    print(f"realworld templates and states: {len(runs) - failures} of {len(runs)} as the AWS pages say")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
