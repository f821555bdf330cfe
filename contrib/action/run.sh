#!/usr/bin/env bash
# The GitHub Action's check step: `mwaa-preflight check` on the given templates, plan or snapshot, once as
# SARIF (for code scanning) and once as GitHub annotations plus the Markdown job summary. The exit code
# goes to the step's outputs; the action's last step fails the job by it, after the SARIF is uploaded.
#
# Environment (the action's inputs): TEMPLATES (whitespace-separated), TERRAFORM_PLAN, SNAPSHOT, REGION,
# PARAMETERS_FILE, FAIL_ON, EXTRA_ARGS, SARIF_FILE; GITHUB_OUTPUT and GITHUB_STEP_SUMMARY from the runner.
set -euo pipefail

args=(check)
# Spaces and new lines both separate (a multi-line YAML input arrives with new lines).
read -r -d '' -a templates <<< "${TEMPLATES:-}" || true
for template in "${templates[@]}"; do
  args+=(--template "$template")
done
[ -z "${TERRAFORM_PLAN:-}" ] || args+=(--terraform-plan "$TERRAFORM_PLAN")
[ -z "${SNAPSHOT:-}" ] || args+=(--snapshot "$SNAPSHOT")
[ -z "${REGION:-}" ] || args+=(--region "$REGION")
[ -z "${PARAMETERS_FILE:-}" ] || args+=(--parameters-file "$PARAMETERS_FILE")
[ -z "${FAIL_ON:-}" ] || args+=(--fail-on "$FAIL_ON")
if [ -n "${EXTRA_ARGS:-}" ]; then
  read -r -d '' -a extra <<< "$EXTRA_ARGS" || true
  args+=("${extra[@]}")
fi
if [ "${#templates[@]}" -eq 0 ] && [ -z "${TERRAFORM_PLAN:-}" ] && [ -z "${SNAPSHOT:-}" ]; then
  echo "::error::give the action templates, terraform-plan or snapshot to check"
  exit 2
fi
sarif=${SARIF_FILE:-mwaa-preflight.sarif}

status=0
mwaa-preflight "${args[@]}" --format sarif --output "$sarif" || status=$?
# Annotations on stdout; the Markdown report goes to $GITHUB_STEP_SUMMARY. Same input, same verdict.
mwaa-preflight "${args[@]}" --format github || true
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$status"
    if [ -s "$sarif" ]; then echo "sarif-file=$sarif"; fi
  } >> "$GITHUB_OUTPUT"
fi
echo "mwaa-preflight exit code: $status"
