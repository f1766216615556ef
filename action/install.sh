#!/usr/bin/env bash
# Installs nginx-wslint for the action: a release binary when one exists for
# this runner, else `cargo install` from the action's own checkout. The
# binary's directory is added to $GITHUB_PATH.
set -euo pipefail

version=${INPUT_VERSION:-latest}
root="${RUNNER_TEMP:-/tmp}/nginx-wslint"
bin="$root/bin"
mkdir -p "$bin"

if command -v nginx-wslint >/dev/null 2>&1 && [[ $version == latest ]]; then
    echo "nginx-wslint already installed: $(nginx-wslint --version)"
    exit 0
fi

case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) triple=x86_64-unknown-linux-musl ;;
    Linux-aarch64) triple=aarch64-unknown-linux-musl ;;
    Darwin-arm64) triple=aarch64-apple-darwin ;;
    Darwin-x86_64) triple=x86_64-apple-darwin ;;
    *) triple="" ;;
esac

base="https://github.com/nginx-wslint/nginx-wslint/releases"
if [[ $version == latest ]]; then url="$base/latest/download"; else url="$base/download/v$version"; fi
installed=""
if [[ -n $triple ]] && command -v curl >/dev/null 2>&1; then
    asset="nginx-wslint-$triple.tar.gz"
    if curl -fsSL --retry 2 -o "$root/$asset" "$url/$asset" 2>/dev/null \
        && curl -fsSL -o "$root/$asset.sha256" "$url/$asset.sha256" 2>/dev/null \
        && (cd "$root" && sha256sum -c "$asset.sha256" >/dev/null); then
        tar -xzf "$root/$asset" -C "$bin"
        installed="release $version ($triple)"
    fi
fi
if [[ -z $installed ]]; then
    echo "no release binary; building from the action's checkout with cargo" >&2
    cargo install --locked --quiet --path "$GITHUB_ACTION_PATH" --root "$root"
    installed="built from source"
fi
echo "$bin" >> "${GITHUB_PATH:-/dev/null}"
echo "nginx-wslint installed: $installed"
