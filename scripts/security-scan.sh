#!/usr/bin/env bash
# Static security checks run by scripts/test.sh:
#   1. bandit over the product code (civicnest/, config/; tests, migrations and bench/ excluded):
#      any finding of MEDIUM or HIGH severity fails. (ruff's S rules already lint the same patterns.)
#   2. pip-audit over the locked environment against PyPI's vulnerability data:
#      a known vulnerability fails; a package that could not be looked up is reported as UNKNOWN — never
#      as a pass. Without network access every package is UNKNOWN: the script says so in a banner and
#      continues, unless AUDIT_REQUIRED=1 (set it where the registry is reachable, e.g. release CI),
#      which turns UNKNOWN into a failure. See docs/security.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_SYSTEM_CERTS=1 UV_PYTHON_DOWNLOADS=never UV_FROZEN=1

echo "-- bandit (severity >= medium fails)"
uv run bandit -q -r civicnest config -x '*/tests/*,*/migrations/*' --severity-level medium

echo "-- pip-audit (dependencies in uv.lock, as installed)"
REPORT=$(mktemp)
trap 'rm -f "$REPORT"' EXIT
# Exit status 1 means "vulnerabilities found" OR "some lookups failed"; the JSON report tells which.
uv run pip-audit --progress-spinner off --format json --output "$REPORT" --timeout 20 2>/dev/null || true
AUDIT_REQUIRED="${AUDIT_REQUIRED:-0}" uv run python - "$REPORT" <<'PY'
import json, os, sys

path = sys.argv[1]
try:
    report = json.load(open(path, encoding="utf-8"))
except (OSError, ValueError):
    report = None
required = os.environ.get("AUDIT_REQUIRED") == "1"
if not report:
    print("!! pip-audit produced no report (crashed or could not start): dependency audit UNKNOWN")
    sys.exit(1 if required else 0)
deps = report.get("dependencies", [])
vulnerable = [d for d in deps if d.get("vulns")]
skipped = [d for d in deps if "skip_reason" in d]
audited = len(deps) - len(skipped)
for dep in vulnerable:
    for vuln in dep["vulns"]:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
        print(f"!! {dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixes})")
if vulnerable:
    print(f"pip-audit: {len(vulnerable)} vulnerable package(s) — FAIL")
    sys.exit(1)
if skipped:
    print("=" * 78)
    print(f"!! pip-audit: {len(skipped)} of {len(deps)} packages could NOT be checked "
          f"(vulnerability service unreachable or package unknown to it).")
    print(f"!! Dependency audit result: UNKNOWN — this is NOT a pass. Audited: {audited}.")
    print(f"!! First reason: {skipped[0]['name']}: {skipped[0]['skip_reason']}")
    print("!! Run `AUDIT_REQUIRED=1 scripts/security-scan.sh` where PyPI is reachable.")
    print("=" * 78)
    sys.exit(1 if required else 0)
print(f"pip-audit: {audited} packages checked, no known vulnerabilities")
PY
