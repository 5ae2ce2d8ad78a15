"""Reads schemathesis' ndjson events and fails on any failed check that the expectations file does
not explain. Each line of the file: METHOD PATH | check | why it is a fault of the spec."""
import json
import sys

events, expected_path = sys.argv[1], sys.argv[2]
expected = {}
for line in open(expected_path):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    label, check, why = [part.strip() for part in line.split("|", 2)]
    expected[(label, check)] = why

failures = {}
cases = 0
for line in open(events):
    event = json.loads(line)
    finished = event.get("ScenarioFinished")
    if not finished:
        continue
    recorder = finished["recorder"]
    for checks in recorder.get("checks", {}).values():
        cases += 1
        for check in checks:
            if str(check.get("status", "")).lower() == "failure":
                failures.setdefault((recorder["label"], check["name"]), 0)
                failures[(recorder["label"], check["name"])] += 1

unexplained = [k for k in failures if k not in expected]
for (label, check), n in sorted(failures.items()):
    why = expected.get((label, check), "NOT EXPLAINED")
    print(f"failed {check} on {label} ({n} cases): {why}")
print(f"schemathesis: {cases} cases, {len(failures)} distinct failures, {len(unexplained)} unexplained")
if cases == 0:
    print("schemathesis ran no test case")
    sys.exit(1)
sys.exit(1 if unexplained else 0)
