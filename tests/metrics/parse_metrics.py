"""Reads Prometheus text exposition from stdin, parses it with prometheus_client's own parser
(Debian: python3-prometheus-client) and prints the families as JSON for the C++ tests:
[{"name", "type", "samples": [{"name", "labels", "value"}]}]. Exits 2 when the module is missing,
1 when the text does not parse."""
import json
import math
import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    print("python3-prometheus-client is not installed (scripts/setup installs it)", file=sys.stderr)
    sys.exit(2)


def value(v):
    # JSON has no Inf or NaN.
    if math.isnan(v) or math.isinf(v):
        return str(v)
    return v


try:
    families = [
        {
            "name": f.name,
            "type": f.type,
            "samples": [
                {"name": s.name, "labels": s.labels, "value": value(s.value)} for s in f.samples
            ],
        }
        for f in text_string_to_metric_families(sys.stdin.read())
    ]
except Exception as e:  # the parser raises ValueError and others for malformed text
    print("does not parse: %s" % e, file=sys.stderr)
    sys.exit(1)
print(json.dumps(families))
