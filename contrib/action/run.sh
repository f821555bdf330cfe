#!/usr/bin/env bash
# The GitHub Action's check step: `mwaa-preflight check` on the given templates, plan or snapshot, run once,
# writing SARIF (for code scanning), GitHub annotations and the Markdown job summary. The exit code goes to the
# step's outputs; the action's last step fails the job by it, after the SARIF is uploaded.
#
# Environment (the action's inputs): TEMPLATES (paths, folders or patterns: split as a shell splits words, quotes
# kept, never evaluated), TERRAFORM_PLAN, SNAPSHOT, REGION, PARAMETERS_FILE, FAIL_ON, EXTRA_ARGS (split alike),
# SARIF_FILE; GITHUB_OUTPUT and GITHUB_STEP_SUMMARY from the runner.
set -euo pipefail

# The words of a text as a shell would split them (spaces or new lines; 'quoted' and "quoted" words kept
# whole), without expanding or running anything: a pattern stays a pattern, which the tool expands.
words() {
  if [ -n "$(printf '%s' "$1" | tr -d '[:space:]')" ]; then
    printf '%s' "$1" | xargs printf '%s\0'
  fi
}

args=(check)
mapfile -d '' templates < <(words "${TEMPLATES:-}")
args+=("${templates[@]}")
[ -z "${TERRAFORM_PLAN:-}" ] || args+=(--terraform-plan "$TERRAFORM_PLAN")
[ -z "${SNAPSHOT:-}" ] || args+=(--snapshot "$SNAPSHOT")
[ -z "${REGION:-}" ] || args+=(--region "$REGION")
[ -z "${PARAMETERS_FILE:-}" ] || args+=(--parameters-file "$PARAMETERS_FILE")
[ -z "${FAIL_ON:-}" ] || args+=(--fail-on "$FAIL_ON")
mapfile -d '' extra < <(words "${EXTRA_ARGS:-}")
args+=("${extra[@]}")
if [ "${#templates[@]}" -eq 0 ] && [ -z "${TERRAFORM_PLAN:-}" ] && [ -z "${SNAPSHOT:-}" ]; then
  echo "::error::give the action templates, terraform-plan or snapshot to check"
  exit 2
fi
sarif=${SARIF_FILE:-mwaa-preflight.sarif}

status=0
# One run: annotations on stdout, the Markdown report appended to $GITHUB_STEP_SUMMARY, the SARIF to its file.
mwaa-preflight "${args[@]}" --format github --output-format "sarif=$sarif" || status=$?
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$status"
    if [ -s "$sarif" ]; then echo "sarif-file=$sarif"; fi
  } >> "$GITHUB_OUTPUT"
fi
echo "mwaa-preflight exit code: $status"
