"""Runs python-ceilometerclient's `ceilometer` command against a running
`nephometer run` and checks exit codes and printed values.

usage: checks.py CEILOMETER_BINARY ENDPOINT
"""

import json
import subprocess
import sys

CEILOMETER, ENDPOINT = sys.argv[1], sys.argv[2]
ADMIN, ALICE, BOB = "client-admin-token", "client-alice-token", "client-bob-token"
T0 = "2026-07-01T10:00:"
failures = []


def run(token, *args):
    """(exit code, stdout, stderr) of one client command."""
    cmd = [CEILOMETER, "--os-token", token, "--os-endpoint", ENDPOINT, *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


def table(text):
    """The rows of a prettytable as dicts keyed by the header."""
    lines = [l for l in text.splitlines() if l.startswith("|")]
    if not lines:
        return []
    cells = lambda l: [c.strip() for c in l.strip().strip("|").split("|")]
    header = cells(lines[0])
    return [dict(zip(header, cells(l))) for l in lines[1:]]


def properties(text):
    """A Property/Value table as a dict."""
    return {row["Property"]: row["Value"] for row in table(text)}


def check(condition, what, detail=""):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)
        if detail:
            print("     " + detail.replace("\n", "\n     "))


def ok(token, *args):
    code, out, err = run(token, *args)
    check(code == 0, "exit 0: ceilometer " + " ".join(args), err + out)
    return out


def create(token, resource, volume, timestamp, *extra):
    out = ok(
        token, "sample-create", "-r", resource, "-m", "cpu_util", "--meter-type", "gauge",
        "--meter-unit", "%", "--sample-volume", str(volume), "--timestamp", timestamp, *extra,
    )
    return properties(out)


# sample-create, through the pipeline into database://
created = create(ALICE, "vm-1", 10, T0 + "05", "--resource-metadata", '{"flavor.name": "m1.tiny"}')
check(created.get("project_id") == "project-a", "sample-create: project from the token", str(created))
check(created.get("user_id") == "alice", "sample-create: user from the token", str(created))
check(created.get("volume") == "10.0", "sample-create: volume", str(created))
check(created.get("resource_id") == "vm-1", "sample-create: resource", str(created))
check(created.get("source") == "project-a:openstack", "sample-create: source", str(created))
check(len(created.get("message_id", "")) > 0, "sample-create: an id", str(created))
create(ALICE, "vm-2", 5, T0 + "10")
create(ALICE, "vm-1", 20, T0 + "30")
create(ALICE, "vm-1", 40, "2026-07-01T10:01:05")
create(BOB, "vm-b", 99, T0 + "20")

# sample-list, old format (-m) and new
rows = table(ok(ALICE, "sample-list", "-m", "cpu_util"))
check(sorted(float(r["Volume"]) for r in rows) == [5.0, 10.0, 20.0, 40.0],
      "sample-list -m: alice's four samples, not bob's", str(rows))
rows = table(ok(ALICE, "sample-list", "-m", "cpu_util", "-q", "resource_id=vm-1"))
check(sorted(float(r["Volume"]) for r in rows) == [10.0, 20.0, 40.0], "sample-list -q resource_id", str(rows))
rows = table(ok(ALICE, "sample-list"))
check(sorted(float(r["Volume"]) for r in rows) == [5.0, 10.0, 20.0, 40.0], "sample-list (new format)", str(rows))
rows = table(ok(BOB, "sample-list"))
check([float(r["Volume"]) for r in rows] == [99.0], "sample-list: bob sees only his sample", str(rows))
rows = table(ok(ADMIN, "sample-list", "-m", "cpu_util"))
check(len(rows) == 5, "sample-list: the admin sees every project", str(rows))

# meter-list, resource-list
rows = table(ok(ALICE, "meter-list"))
check(sorted((r["Name"], r["Resource ID"], r["Project ID"]) for r in rows)
      == [("cpu_util", "vm-1", "project-a"), ("cpu_util", "vm-2", "project-a")],
      "meter-list: alice's meters", str(rows))
rows = table(ok(ALICE, "resource-list"))
check(sorted(r["Resource ID"] for r in rows) == ["vm-1", "vm-2"], "resource-list: alice's resources", str(rows))
rows = table(ok(ADMIN, "resource-list"))
check(sorted(r["Resource ID"] for r in rows) == ["vm-1", "vm-2", "vm-b"], "resource-list: admin", str(rows))

# statistics -p 60 over two whole minutes
rows = table(ok(ALICE, "statistics", "-m", "cpu_util", "-p", "60",
                "-q", "timestamp>=2026-07-01T10:00:00;timestamp<2026-07-01T10:02:00"))
got = [(r["Period Start"], int(r["Count"]), float(r["Sum"]), float(r["Min"]), float(r["Max"]),
        round(float(r["Avg"]), 6), int(r["Period"])) for r in rows]
want = [("2026-07-01T10:00:00", 3, 35.0, 5.0, 20.0, round(35 / 3, 6), 60),
        ("2026-07-01T10:01:00", 1, 40.0, 40.0, 40.0, 40.0, 60)]
check(got == want, "statistics -m cpu_util -p 60: per-minute count, sum, min, max, avg", str(rows))
check(rows and float(rows[0]["Duration"]) == 25.0, "statistics: duration of the first minute", str(rows))
rows = table(ok(BOB, "statistics", "-m", "cpu_util", "-p", "60"))
check([(int(r["Count"]), float(r["Sum"])) for r in rows] == [(1, 99.0)] or rows == [],
      "statistics: bob counts only his sample", str(rows))
rows = table(ok(ADMIN, "statistics", "-m", "cpu_util", "-a", "cardinality<-resource_id", "-a", "count"))
check([(r.get("cardinality/resource_id"), r.get("Count")) for r in rows] == [("3.0", "5.0")],
      "statistics -a cardinality<-resource_id -a count", str(rows))

# query-samples
rows = table(ok(ALICE, "query-samples", "-f", json.dumps({"=": {"resource": "vm-1"}}),
                "-o", json.dumps([{"volume": "desc"}]), "-l", "2"))
check([float(r["Volume"]) for r in rows] == [40.0, 20.0], "query-samples: filter, orderby, limit", str(rows))
rows = table(ok(ALICE, "query-samples", "-f", json.dumps({"and": [{">": {"volume": 6}}, {"<": {"volume": 30}}]})))
check(sorted(float(r["Volume"]) for r in rows) == [10.0, 20.0], "query-samples: and of ranges", str(rows))

# refusals
code, out, err = run(BOB, "sample-list", "-q", "project_id=project-a")
# The API answers 401 "Not Authorized to access project project-a", as
# Ceilometer; the client takes any 401 as a failed authentication.
check(code != 0 and "project-b" not in out and "vm-" not in out,
      "a non-admin naming another project is refused", out + err)
code, out, err = run(ALICE, "sample-create", "-r", "x", "-m", "cpu_util", "--meter-type", "gauge",
                     "--meter-unit", "%", "--sample-volume", "1", "--project-id", "project-b")
check(code != 0 and "can not post samples to other projects" in out + err,
      "a non-admin cannot post to another project", out + err)
code, out, err = run("no-such-token", "sample-list")
check(code != 0, "an unknown token is refused", out + err)
code, out, err = run(ALICE, "query-samples", "-f", json.dumps({"=": {"project": "project-b"}}))
check(code != 0 and "vm-" not in out, "query-samples naming another project is refused", out + err)
rows = table(ok(ADMIN, "sample-list", "-m", "cpu_util"))
check(len(rows) == 5, "the refused posts stored nothing", str(rows))

print(f"{len(failures)} failed" if failures else "all client checks passed")
sys.exit(1 if failures else 0)
