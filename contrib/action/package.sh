#!/usr/bin/env bash
# Packages a release binary as the Action's install step fetches it: DIR/mwaa-preflight-TARGET.tar.gz and
# its .sha256. Used by .github/workflows/release.yml; tests/action.rs installs what it makes.
# Usage: package.sh BINARY TARGET DIR
set -euo pipefail
binary=${1:?usage: package.sh BINARY TARGET DIR}
target=${2:?usage: package.sh BINARY TARGET DIR}
dir=${3:?usage: package.sh BINARY TARGET DIR}
mkdir -p "$dir"
staging=$(mktemp -d)
cp "$binary" "$staging/mwaa-preflight"
asset="mwaa-preflight-$target.tar.gz"
tar -czf "$dir/$asset" -C "$staging" mwaa-preflight
rm -rf "$staging"
(cd "$dir" && { sha256sum "$asset" 2>/dev/null || shasum -a 256 "$asset"; } > "$asset.sha256")
echo "$dir/$asset"
