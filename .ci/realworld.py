#!/usr/bin/env python3
"""The real templates beside the checkout (../shared/realworld, never copied into the project), each read by
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
    (f"{GUIDE}/quick-start-mwaa.yaml", [], 0, [],
     "the quick start: the guide's public network and an environment (its duplicated keys are notes)"),
    (f"{EXAMPLES}/infra-cloudformation-template.yaml", [], 0,
     [("VPCE001", "com.amazonaws.us-east-1.airflow.api"), ("VPCE001", "com.amazonaws.us-east-1.airflow.env"),
      ("VPCE001", "com.amazonaws.us-east-1.airflow.ops")],
     "private routing written before MWAA's airflow.api/env/ops endpoints: warnings (ops is informational)"),
    (f"{EXAMPLES}/least-privilege-template.yaml", ["--parameter", "S3Bucket=my-dags"], 1,
     [("SG006", "SecurityGroup"), ("VPCE007", "S3VpcEndoint")],
     "the S3 endpoint policy admits only the DAG bucket, not the ECR layer bucket image pulls read; the group "
     "admits 0.0.0.0/0 on 443 and 5432 instead of itself"),
    (f"{EXAMPLES}/least-privilege-template.yaml", [], 0, [("SG006", "SecurityGroup")],
     "without the S3Bucket parameter the S3 policy is unknown: VPCE007 is skipped, never passed"),
    (f"{BLOG}/cfn-vpc-private-bjs.reconstructed.yaml", NO_ENVIRONMENT + ["--endpoint-management", "customer"], 1,
     [("VPCE008", "SqsVpcEndoint")],
     "the shared-VPC blog's SQS policy, Resource: [], blocks the environment's queue until the Lambda appends it"),
]


def main():
    root, binary = sys.argv[1], sys.argv[2]
    failures = 0
    for template, extra, exit_code, findings, why in EXPECTED:
        args = [binary, "check", "--template", f"{root}/{template}", "--region", "us-east-1", "--format", "json", *extra]
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
    print(f"realworld templates: {len(EXPECTED) - failures} of {len(EXPECTED)} as the AWS pages say")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
