"""Checks contrib/prometheus/emarchive-alerts.yml and contrib/grafana/emarchive.json against the
metrics emarchive exports: every rule file entry is well-formed, and every PromQL expression (of a
rule or a Grafana panel) names only exported metrics. Usage:
    check_contrib.py ALERTS.yml DASHBOARD.json NAME...
where NAME... are the sample names a scrape showed. Prints one line per problem; exits 1 if any,
2 when python3-yaml is missing."""
import json
import re
import sys

try:
    import yaml
except ImportError:
    print("python3-yaml is not installed (scripts/setup installs it)", file=sys.stderr)
    sys.exit(2)

alerts_path, dashboard_path, names = sys.argv[1], sys.argv[2], set(sys.argv[3:])
problems = []
METRIC = re.compile(r"\bemarchive_[a-zA-Z0-9_]+")


def check_expr(where, expr):
    if not isinstance(expr, str) or not expr.strip():
        problems.append("%s: no expression" % where)
        return 0
    used = METRIC.findall(expr)
    for name in used:
        if name not in names:
            problems.append("%s: %s is not an exported metric" % (where, name))
    return len(used)


with open(alerts_path) as f:
    rules = yaml.safe_load(f)
groups = rules.get("groups") if isinstance(rules, dict) else None
if not groups:
    problems.append("%s: no groups" % alerts_path)
alert_count = 0
for group in groups or []:
    if not group.get("name") or not group.get("rules"):
        problems.append("%s: a group without a name or rules" % alerts_path)
        continue
    for rule in group["rules"]:
        name = rule.get("alert") or rule.get("record")
        where = "%s: %s" % (alerts_path, name)
        if not name:
            problems.append("%s: a rule without alert or record" % alerts_path)
        unknown = set(rule) - {"alert", "record", "expr", "for", "labels", "annotations", "keep_firing_for"}
        if unknown:
            problems.append("%s: unknown keys %s" % (where, sorted(unknown)))
        if rule.get("alert"):
            alert_count += 1
            if "summary" not in (rule.get("annotations") or {}):
                problems.append("%s: no summary annotation" % where)
            if (rule.get("labels") or {}).get("severity") is None:
                problems.append("%s: no severity label" % where)
        # Only a rule on Prometheus' own `up` (the scrape failed) may name no emarchive metric.
        expr = rule.get("expr")
        if check_expr(where, expr) == 0 and not re.search(r"\bup\b", str(expr)):
            problems.append("%s: names no emarchive metric" % where)

with open(dashboard_path) as f:
    dashboard = json.load(f)
panels = dashboard.get("panels") or []
if not panels:
    problems.append("%s: no panels" % dashboard_path)
for panel in panels:
    where = "%s: panel %r" % (dashboard_path, panel.get("title"))
    if panel.get("type") == "row":
        continue
    targets = panel.get("targets") or []
    if not targets:
        problems.append("%s: no targets" % where)
    for target in targets:
        if check_expr(where, target.get("expr")) == 0:
            problems.append("%s: names no emarchive metric" % where)

for p in problems:
    print(p)
print("%d alerts, %d panels checked" % (alert_count, len(panels)), file=sys.stderr)
sys.exit(1 if problems else 0)
