#!/usr/bin/env bash
# Issue #7's side-by-side benchmark in one command: builds the release
# binaries, generates configurations of about 1, 10 and 100 MB (servers,
# upstreams, maps, regex and nested locations, included files) and times
# `nginx-wslint check` (all rules), `nginx-wslint parse`, `crossplane parse`
# and `nginx -t` on the same files, pinned to one core; then `check` on a
# directory of many files on one core and on all. Prints a markdown report
# and writes it to $OUT.
#
# Environment: SIZES (1,10,100), RUNS (5; the budget caps slow tools),
# WARMUP (1: uncounted runs of each tool before its counted ones),
# CPU (1; a list such as 0-1, or none), INCLUDES_PER_MB (10), MANY_FILES
# (64; 0 skips), MANY_MB (10), SCALING (10000: one server with that many
# locations, and that many included files; 0 skips them), BUDGET (600: a
# tool is not run again at a size once its runs there took that many
# seconds), TIME_LIMIT (600: a run is stopped after that many seconds and
# reported as "> N s"; nginx -t takes minutes at 100 MB),
# SEED (1), OUT (target/bench-compare.md),
# KEEP=1 keeps the generated files. Further arguments go to the `compare`
# binary (see `--help`), e.g. `crates/bench/compare.sh --tools check,nginx`.
#
# Needs: cargo; nginx and crossplane are
# measured when installed (scripts/install-test-deps installs both) and
# reported as "not installed" otherwise.
set -euo pipefail

cd "$(dirname "$0")/../.."
target=$(realpath -m "${CARGO_TARGET_DIR:-target}")

cargo build --release -q -p nginx-wslint -p nginx-wslint-bench --bins
# The binary measured should have its hot functions together (build.rs).
if command -v nm >/dev/null && command -v python3 >/dev/null; then
    scripts/hot-functions --check >&2 || echo "compare.sh: measuring with the code in its default order" >&2
fi

args=(
    --sizes "${SIZES:-1,10,100}"
    --cpu "${CPU:-1}"
    --includes-per-mb "${INCLUDES_PER_MB:-10}"
    --many-files "${MANY_FILES:-64}"
    --many-mb "${MANY_MB:-10}"
    --scaling "${SCALING:-10000}"
    --budget "${BUDGET:-600}"
    --time-limit "${TIME_LIMIT:-600}"
    --seed "${SEED:-1}"
    --bin "$target/release/nginx-wslint"
    --out "${OUT:-$target/bench-compare.md}"
)
[[ -z ${RUNS:-} ]] || args+=(--runs "$RUNS")
[[ -z ${WARMUP:-} ]] || args+=(--warmup "$WARMUP")
[[ ${KEEP:-} != 1 ]] || args+=(--keep)

exec "$target/release/compare" "${args[@]}" "$@"
