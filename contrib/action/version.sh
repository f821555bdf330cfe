#!/usr/bin/env bash
# The mwaa-preflight version the action installs (the cache key carries it): MWAA_PREFLIGHT_VERSION (the
# version input) when set, else the version in the action's own Cargo.toml. Written as `version=...` to
# GITHUB_OUTPUT, else printed.
set -euo pipefail
version=${MWAA_PREFLIGHT_VERSION:-}
if [ -z "$version" ]; then
  version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "${ACTION_PATH:?ACTION_PATH is the action checkout}/Cargo.toml" | head -n 1)
fi
[ -n "$version" ] || { echo "::error::cannot tell which mwaa-preflight version to install (set the version input)"; exit 1; }
echo "version=$version" >> "${GITHUB_OUTPUT:-/dev/stdout}"
