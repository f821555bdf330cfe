#!/usr/bin/env bash
# The GitHub Action's install step: the release binary for this runner when one is published (checked
# against its .sha256), else the wheel from the package index (pip checks its hashes), else `cargo install
# --locked` from the action's own checkout. Puts the tool on GITHUB_PATH.
#
# Environment: MWAA_PREFLIGHT_VERSION (default: the version in the action's Cargo.toml),
# MWAA_PREFLIGHT_RELEASES (the releases download URL, e.g. https://github.com/OWNER/REPO/releases/download),
# MWAA_PREFLIGHT_PIP_INDEX (default: PyPI), ACTION_PATH (the action's checkout), INSTALL_DIR (where the binary
# goes), RUNNER_OS, RUNNER_ARCH.
set -euo pipefail

action_path=${ACTION_PATH:?ACTION_PATH is the action checkout}
install_dir=${INSTALL_DIR:?INSTALL_DIR is where the binary goes}
# The version step's own answer (the input, else the action's Cargo.toml).
version=$(GITHUB_OUTPUT=/dev/stdout bash "$action_path/contrib/action/version.sh") || { echo "$version"; exit 1; }
version=${version#version=}
mkdir -p "$install_dir"

installed() {
  "$install_dir/mwaa-preflight" --version 2>/dev/null | grep -qx "mwaa-preflight $version"
}

if installed; then
  echo "mwaa-preflight $version already installed (cache)"
else
  case "${RUNNER_OS:-}-${RUNNER_ARCH:-}" in
    Linux-X64) target=x86_64-unknown-linux-gnu ;;
    Linux-ARM64) target=aarch64-unknown-linux-gnu ;;
    macOS-X64) target=x86_64-apple-darwin ;;
    macOS-ARM64) target=aarch64-apple-darwin ;;
    *) target="" ;;
  esac
  fetched=""
  if [ -n "$target" ] && [ -n "${MWAA_PREFLIGHT_RELEASES:-}" ]; then
    asset="mwaa-preflight-$target.tar.gz"
    url="$MWAA_PREFLIGHT_RELEASES/v$version/$asset"
    work=$(mktemp -d)
    if curl -fsSL --retry 2 -o "$work/$asset" "$url" && curl -fsSL --retry 2 -o "$work/$asset.sha256" "$url.sha256"; then
      expected=$(awk '{ print $1 }' "$work/$asset.sha256")
      actual=$( (sha256sum "$work/$asset" 2>/dev/null || shasum -a 256 "$work/$asset") | awk '{ print $1 }')
      if [ "$expected" != "$actual" ]; then
        echo "::error::$url does not match its .sha256 ($actual, expected $expected)"
        exit 1
      fi
      tar -xzf "$work/$asset" -C "$install_dir" mwaa-preflight
      fetched=yes
      echo "installed mwaa-preflight $version from $url"
    else
      echo "no release binary at $url; building from source"
    fi
    rm -rf "$work"
  fi
  if [ -z "$fetched" ] && command -v python3 >/dev/null 2>&1; then
    index=${MWAA_PREFLIGHT_PIP_INDEX:-https://pypi.org/simple}
    if python3 -m pip install --quiet --disable-pip-version-check --only-binary :all: --target "$install_dir/wheel" \
        --index-url "$index" "mwaa-preflight==$version" 2>/dev/null; then
      ln -sf "$install_dir/wheel/bin/mwaa-preflight" "$install_dir/mwaa-preflight"
      fetched=yes
      echo "installed mwaa-preflight $version from the wheel at $index"
    else
      echo "no mwaa-preflight $version wheel for this runner at $index"
    fi
  fi
  if [ -z "$fetched" ]; then
    command -v cargo >/dev/null 2>&1 || {
      echo "::error::no release binary or wheel for ${RUNNER_OS:-this runner}-${RUNNER_ARCH:-} and no cargo to build one (add dtolnay/rust-toolchain before this action)"
      exit 1
    }
    root=$(mktemp -d)
    cargo install --locked --path "$action_path" --root "$root"
    mv "$root/bin/mwaa-preflight" "$install_dir/mwaa-preflight"
    rm -rf "$root"
  fi
  installed || { echo "::error::the installed mwaa-preflight does not report version $version"; exit 1; }
fi
if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$install_dir" >> "$GITHUB_PATH"
fi
