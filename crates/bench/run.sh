#!/usr/bin/env bash
# Generates a 4 MB nginx configuration into a temporary directory, checks it
# with `nginx -t` when nginx is on PATH, and benchmarks the parser on it.
#
# Environment: SIZE_MB (default 4), SEED (1), ITERATIONS (10),
# INCLUDES (unset: one file; K: the servers in K files conf.d/sites-N.conf,
# parsed with --full-config), KEEP=1 keeps the directory.
set -euo pipefail

size_mb=${SIZE_MB:-4}
seed=${SEED:-1}
iterations=${ITERATIONS:-10}
includes=${INCLUDES:-}

cd "$(dirname "$0")/../.."
dir=$(mktemp -d "${TMPDIR:-/tmp}/nginx-wslint-bench.XXXXXX")
if [[ ${KEEP:-} == 1 ]]; then
    echo "keeping $dir"
else
    trap 'rm -rf "$dir"' EXIT
fi
conf="$dir/nginx.conf"

cargo build --release -q -p nginx-wslint-bench

gen_args=(--size-mb "$size_mb" --seed "$seed" --out "$conf")
bench_args=("$conf" --iterations "$iterations")
if [[ -n $includes ]]; then
    gen_args+=(--includes "$includes")
    bench_args+=(--full-config)
fi
cargo run --release -q -p nginx-wslint-bench --bin gen-config -- "${gen_args[@]}"

if command -v nginx >/dev/null 2>&1; then
    start=$(date +%s.%N)
    status=0
    nginx -t -q -p "$dir/" -c "$conf" -e stderr -g "pid $dir/nginx.pid;" || status=$?
    end=$(date +%s.%N)
    elapsed=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
    if [[ $status -ne 0 ]]; then
        echo "nginx -t: FAILED (exit $status) after ${elapsed}s" >&2
        exit 1
    fi
    echo "nginx -t: ok in ${elapsed}s ($(nginx -v 2>&1 | sed 's/^nginx version: //'))"
else
    echo "nginx -t: skipped (nginx is not on PATH)"
fi

cargo run --release -q -p nginx-wslint-bench --bin parse-bench -- "${bench_args[@]}"
