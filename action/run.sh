#!/usr/bin/env bash
# Runs nginx-wslint for the action: annotations (GitHub shows at most 10 per
# level and step, so the full report is printed to the log as well), and
# SARIF when asked. Exits with nginx-wslint's status of the full report.
set -uo pipefail

read -r -a args <<< "${INPUT_ARGS:-}"
read -r -a paths <<< "${INPUT_PATHS:-.}"
bin=${NGINX_WSLINT_BIN:-nginx-wslint}

if [[ ${INPUT_ANNOTATIONS:-true} == true ]]; then
    "$bin" check "${args[@]}" --output-format github --exit-zero "${paths[@]}"
fi
if [[ -n ${INPUT_SARIF_FILE:-} ]]; then
    "$bin" check "${args[@]}" --output-format sarif --exit-zero "${paths[@]}" > "$INPUT_SARIF_FILE"
    echo "SARIF written to $INPUT_SARIF_FILE"
fi
echo "::group::nginx-wslint report"
"$bin" check "${args[@]}" --output-format full "${paths[@]}"
status=$?
echo "::endgroup::"
exit $status
