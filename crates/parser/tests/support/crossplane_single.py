"""Parse each file named on stdin (one path per line) with crossplane's
parser on the single file, with its context and argument checks off, and
print one JSON object per line: {"file", "status", "errors", "parsed"}.

Used by tests/crossplane_differential.rs."""
import json
import sys

import crossplane

for line in sys.stdin:
    path = line.rstrip("\n")
    if not path:
        continue
    try:
        payload = crossplane.parse(path, single=True, check_ctx=False, check_args=False)
        config = payload["config"][0]
        out = {"file": path, "status": config["status"], "errors": config["errors"], "parsed": config["parsed"]}
    except Exception as e:  # crossplane itself crashed on this input
        out = {"file": path, "status": "crashed", "errors": [{"error": repr(e), "line": None}], "parsed": []}
    print(json.dumps(out))
