#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# validate.py FORMAT MAMORI RENDER_SAMPLE SRCROOT
#
# Check one machine format of mamori with that format's own tooling, on
#  - the examples/ snapshot (`mamori scan examples --format FORMAT`, with
#    --passed and a mutelist so every status occurs), and
#  - the hand-built findings of tests/formats/samples.h (render-sample:
#    hostile strings, every status, no finding at all),
# and compare what each output says with mamori's JSON report of the same
# findings (the JSON contract is the reference for values; each format must
# carry rule, severity, status, resource, account, region, message,
# evidence, remediation and compliance ids).
#
#   ocsf        JSON Schema of OCSF 1.3.0 class 2003 (ocsf-1.3.0.schema.json,
#               generated from the OCSF spec), profile and caption rules
#   trail-ocsf  the same for class 2004 on `mamori trail --format ocsf`
#   asff        botocore's own ParamValidator for securityhub
#               BatchImportFindings (100 findings per call), plus the
#               model's enums and patterns and the documented length limits
#   sarif       JSON Schema sarif-2.1.0-reduced.schema.json (from the OASIS
#               spec) and the rule/result cross references
#   csv         Python's csv module reads back exactly the JSON values
#   junit       xmllint against junit.xsd, counts recomputed from the cases
#
# A missing tool (jsonschema, botocore, xmllint) is a failure, not a skip:
# scripts/setup-debian.sh installs them. Prints "ok: ..." lines; exit 1 on
# the first failed check with what was expected.
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EPOCH = "1714557600"  # SOURCE_DATE_EPOCH for the scans: 2024-05-01T10:00:00Z
SAMPLE_STARTED_MS = 1714557600250
STATUS_UPPER = {"fail": "FAIL", "unknown": "UNKNOWN", "muted": "MUTED", "pass": "PASS"}
OCSF_SEV = {"info": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
OCSF_SEV_CAPTION = {1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical"}
MUTES = """mutes:
  - rule: ec2-sg-ssh-world
    reason: "reviewed: \\"bastion\\" <ok> & done"
  - rule: ec2-vpc-flow-logs-missing
    reason: flow logs go to the central account
"""


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def need(module):
    """Import a validator; a missing one fails the test (setup installs it)."""
    try:
        return __import__(module)
    except ImportError as e:
        raise Fail(f"python module '{module}' is missing ({e}): run scripts/setup-debian.sh "
                   f"(package python3-{module})")


def botocore_modules():
    """botocore, or the copy Debian's awscli package ships as awscli.botocore."""
    for prefix in ("botocore", "awscli.botocore"):
        try:
            session = __import__(prefix + ".session", fromlist=["session"])
            validate = __import__(prefix + ".validate", fromlist=["validate"])
            return session, validate
        except ImportError:
            continue
    raise Fail("botocore is missing (neither botocore nor awscli.botocore imports): "
               "run scripts/setup-debian.sh (package awscli)")


class Runner:
    def __init__(self, mamori, sample, src):
        self.mamori, self.sample, self.src = mamori, sample, src
        self.tmp = tempfile.mkdtemp(prefix="mamori-formats-")
        self.mutes = os.path.join(self.tmp, "mutes.yaml")
        with open(self.mutes, "w") as f:
            f.write(MUTES)

    def run(self, args, stdin=None):
        env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH, LC_ALL="C", TZ="UTC")
        p = subprocess.run(args, cwd=self.src, env=env, capture_output=True, timeout=60)
        check(p.returncode in (0, 1),
              f"{' '.join(args)} exited {p.returncode}: {p.stderr.decode(errors='replace')}")
        return p.stdout, p.stderr.decode(errors="replace")

    def scan(self, fmt, muted=True):
        args = [self.mamori, "scan", "examples", "--passed", "--format", fmt]
        if muted:
            args += ["--mutelist", self.mutes]
        out, _ = self.run(args)
        return out

    def render(self, fmt, sample_set):
        out, _ = self.run([self.sample, fmt, sample_set])
        return out

    def cases(self, fmt):
        """(name, output of FORMAT, findings of the JSON report) for every input."""
        out = [("examples", self.scan(fmt), json_findings(self.scan("json")))]
        out.append(("examples (no mutes, no --passed)",
                    self.run([self.mamori, "scan", "examples", "--format", fmt])[0],
                    json_findings(self.run([self.mamori, "scan", "examples", "--format",
                                            "json"])[0])))
        for s in ("hostile", "statuses", "empty"):
            out.append((f"sample {s}", self.render(fmt, s),
                        json_findings(self.render("json", s))))
        return out


def loads_utf8(raw, what):
    try:
        text = raw.decode("utf-8")  # strict: the output must be valid UTF-8
    except UnicodeDecodeError as e:
        raise Fail(f"{what}: not valid UTF-8: {e}")
    try:
        return json.loads(text)
    except ValueError as e:
        raise Fail(f"{what}: not JSON: {e}")


def json_findings(raw):
    # mamori's JSON report passes snapshot bytes through; repair them the way
    # the machine formats do (one U+FFFD per maximal invalid subpart)
    return json.loads(raw.decode("utf-8", errors="replace"))["findings"]


def schema_validator(path, ref=None):
    jsonschema = need("jsonschema")
    with open(path) as f:
        schema = json.load(f)
    if ref:
        schema = dict(schema, **{"$ref": ref})
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=getattr(cls, "FORMAT_CHECKER", None)
               or jsonschema.FormatChecker())


def schema_errors(validator, doc, limit=5):
    errs = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    return "; ".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errs[:limit])


# ---------------------------------------------------------------- OCSF

OCSF_SCHEMA = os.path.join(HERE, "ocsf-1.3.0.schema.json")
PROFILE_OF = {"cloud": "cloud", "api": "cloud", "actor": "host", "device": "host",
              "osint": "osint"}


def ocsf_validators():
    return {uid: schema_validator(OCSF_SCHEMA, f"#/classes/{uid}") for uid in ("2003", "2004")}


def check_ocsf_event(ev, validators, where):
    check(isinstance(ev, dict), f"{where}: not an object")
    uid = str(ev.get("class_uid"))
    check(uid in validators, f"{where}: class_uid {uid!r} is not 2003 or 2004")
    errs = schema_errors(validators[uid], ev)
    check(not errs, f"{where}: OCSF {uid} schema: {errs}")
    check(ev["type_uid"] == ev["class_uid"] * 100 + ev["activity_id"],
          f"{where}: type_uid {ev['type_uid']} != class_uid*100+activity_id")
    check(ev["metadata"]["version"] == "1.3.0", f"{where}: metadata.version")
    check(OCSF_SEV_CAPTION.get(ev["severity_id"]) == ev.get("severity"),
          f"{where}: severity {ev.get('severity')!r} is not the caption of {ev['severity_id']}")
    check(isinstance(ev["time"], int) and ev["time"] >= 0, f"{where}: time")
    profiles = set(ev["metadata"].get("profiles", []))
    for attr, prof in PROFILE_OF.items():
        if attr in ev:
            check(prof in profiles, f"{where}: '{attr}' set without the '{prof}' profile")
    if "cloud" in profiles:
        check("cloud" in ev, f"{where}: profile cloud requires 'cloud'")
    captions = {1: "New", 2: "In Progress", 3: "Suppressed", 4: "Resolved"}
    check(captions.get(ev.get("status_id")) == ev.get("status"),
          f"{where}: status {ev.get('status')!r} / status_id {ev.get('status_id')}")


def ocsf_compare(events, findings, where, started_ms):
    check(isinstance(events, list), f"{where}: not a JSON array")
    check(len(events) == len(findings),
          f"{where}: {len(events)} events for {len(findings)} findings")
    comp = {"fail": (3, "Fail"), "unknown": (2, "Warning"), "muted": (3, "Fail"),
            "pass": (1, "Pass")}
    for ev, f in zip(events, findings):
        w = f"{where}: finding {f['id']}"
        check(ev["class_uid"] == 2003, f"{w}: class {ev['class_uid']}")
        check(ev["time"] == started_ms, f"{w}: time {ev['time']} != {started_ms}")
        check(ev["finding_info"]["uid"] == f["id"], f"{w}: finding_info.uid")
        check(ev["finding_info"]["analytic"]["uid"] == f["rule"], f"{w}: analytic.uid")
        check(ev["compliance"]["control"] == f["rule"], f"{w}: compliance.control")
        check(ev["severity_id"] == OCSF_SEV[f["severity"]], f"{w}: severity_id")
        c = ev["compliance"]
        st = f["status"] if f["status"] != "muted" else (
            "unknown" if f.get("muted_from") == "unknown" else "muted")
        check((c["status_id"], c["status"]) == comp[st],
              f"{w}: compliance status {c['status_id']} for {f['status']}")
        check(c["status_code"] == STATUS_UPPER[f["status"]], f"{w}: compliance.status_code")
        check(c.get("requirements", []) == f["compliance"], f"{w}: compliance.requirements")
        check(set(x.split(":")[0] for x in f["compliance"]) <= set(c["standards"]),
              f"{w}: compliance.standards")
        check(ev["status_id"] == (3 if f["status"] == "muted" else 1), f"{w}: status_id")
        res = ev["resources"][0]
        r = f["resource"]
        check(res["name"] == r["id"] and res["type"] == r["type"], f"{w}: resource")
        if r.get("arn"):
            check(res["uid"] == r["arn"], f"{w}: resources[0].uid is not the ARN")
        if r["account"] != "unknown":
            check(ev["cloud"]["account"]["uid"] == r["account"], f"{w}: cloud.account")
        if r["region"] != "unknown":
            check(ev["cloud"]["region"] == r["region"], f"{w}: cloud.region")
        check(ev.get("message") == f["message"], f"{w}: message")
        m = ev["unmapped"]["mamori"]
        check(m["status"] == f["status"], f"{w}: unmapped status")
        check([(e["location"], e["detail"]) for e in m["evidence"]] ==
              [(e["location"], e["detail"]) for e in f["evidence"]], f"{w}: evidence")
        check(ev["finding_info"].get("data_sources", []) ==
              [e["location"] for e in f["evidence"] if e["location"] is not None],
              f"{w}: data_sources")
        rem = f["remediation"]
        if rem["text"] is not None:
            check(ev["remediation"]["desc"] == rem["text"], f"{w}: remediation.desc")
        check(m.get("remediation_cli") == rem["cli"], f"{w}: remediation cli")
        if f["status"] == "muted":
            check(m["mute_reason"] == f["mute_reason"], f"{w}: mute reason")
            check(ev["status_detail"] == f["mute_reason"], f"{w}: status_detail")


def test_ocsf(r):
    validators = ocsf_validators()
    for name, raw, findings in r.cases("ocsf"):
        events = loads_utf8(raw, name)
        for i, ev in enumerate(events if isinstance(events, list) else [None]):
            check_ocsf_event(ev, validators, f"{name}: event {i}")
        started = 1714557600000 if name.startswith("examples") else SAMPLE_STARTED_MS
        ocsf_compare(events, findings, name, started)
        print(f"ok: ocsf {name}: {len(events)} Compliance Finding events valid")


def test_trail_ocsf(r):
    validators = ocsf_validators()
    fx = os.path.join("tests", "fixtures", "trail", "cli")
    base = [r.mamori, "trail", "--policy", os.path.join(fx, "policy.yaml"),
            os.path.join(fx, "toctou.jsonl")]
    ocsf_raw, _ = r.run(base[:2] + ["--format", "ocsf"] + base[2:])
    jsonl_raw, _ = r.run(base[:2] + ["--format", "jsonl"] + base[2:])
    lines = ocsf_raw.decode("utf-8").split("\n")
    check(lines[-1] == "", "trail ocsf: output does not end with a newline")
    events = [loads_utf8(l.encode(), f"trail ocsf line {i + 1}") for i, l in
              enumerate(lines[:-1])]
    alerts = [json.loads(l) for l in jsonl_raw.decode().splitlines()]
    check(len(events) == len(alerts) > 0,
          f"trail ocsf: {len(events)} events for {len(alerts)} jsonl alerts")
    import datetime
    for i, (ev, a) in enumerate(zip(events, alerts)):
        w = f"trail ocsf event {i}"
        check_ocsf_event(ev, validators, w)
        check(ev["class_uid"] == 2004, f"{w}: class {ev['class_uid']}")
        check(ev["finding_info"]["analytic"]["uid"] == a["rule"], f"{w}: rule")
        check(ev["severity_id"] == OCSF_SEV[a["severity"]], f"{w}: severity")
        if a["time"]:
            t = datetime.datetime.strptime(a["time"], "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=datetime.timezone.utc)
            check(ev["time"] == int(t.timestamp() * 1000), f"{w}: time from eventTime")
            check(ev["metadata"]["original_time"] == a["time"], f"{w}: original_time")
        if a["event_name"]:
            check(ev["api"]["operation"] == a["event_name"], f"{w}: api.operation")
            check(ev["api"]["service"]["name"] == a["event_source"], f"{w}: api.service")
        if a["who"]["arn"]:
            check(ev["actor"]["user"]["uid"] == a["who"]["arn"], f"{w}: actor")
        check(ev["cloud"]["account"]["uid"] == a["where"]["account"], f"{w}: cloud.account")
        check(ev["cloud"]["region"] == a["where"]["region"], f"{w}: cloud.region")
        d = ev["evidences"][0]["data"]
        check((d["index"], d["offset"]) == (a["source"]["index"], a["source"]["offset"]),
              f"{w}: evidence source")
        if a["where"]["source_ip"]:
            check(ev["evidences"][0]["src_endpoint"].get("ip") == a["where"]["source_ip"],
                  f"{w}: src_endpoint.ip")
        check([x["uid"] for x in ev.get("resources", [])] == a["what"]["resources"],
              f"{w}: resources")
    uids = [e["finding_info"]["uid"] for e in events]
    check(len(set(uids)) == len(uids), "trail ocsf: finding_info.uid not unique")
    print(f"ok: trail ocsf on {fx}: {len(events)} Detection Finding events valid")

    raw = r.render("trail-ocsf", "-")
    lines = raw.split(b"\n")
    check(lines[-1] == b"", "sample alerts: no final newline")
    for i, l in enumerate(lines[:-1]):
        ev = loads_utf8(l, f"sample alert {i}")
        check_ocsf_event(ev, validators, f"sample alert {i}")
    print(f"ok: trail ocsf sample alerts (hostile, correlation, no time, service, "
          f"AWS Internal): {len(lines) - 1} events valid, one per line")


# ---------------------------------------------------------------- ASFF

ASFF_LIMITS = {  # Security Hub API reference, AwsSecurityFinding and friends
    ("Title",): 256, ("Description",): 1024, ("GeneratorId",): 512, ("Id",): 512,
    ("ProductArn",): 2048, ("Remediation", "Recommendation", "Text"): 512,
    ("Note", "Text"): 512,
}
ASFF_NAMESPACES = ("Software and Configuration Checks", "TTPs", "Effects", "Unusual Behaviors",
                   "Sensitive Data Identifications")
NONBLANK = re.compile(r".*\S.*")


def walk_shape(value, shape, path, errors):
    """The model's enums, patterns and min/max that ParamValidator leaves to the service."""
    meta = shape.metadata
    t = shape.type_name
    if t == "string":
        if "enum" in meta and value not in meta["enum"]:
            errors.append(f"{path}: {value!r} not in {meta['enum']}")
        pat = meta.get("pattern")
        if pat and not re.fullmatch(pat, value):  # no DOTALL: one line
            errors.append(f"{path}: {value!r} does not match {pat}")
        for k, op in (("min", lambda a, b: a >= b), ("max", lambda a, b: a <= b)):
            if k in meta and not op(len(value), meta[k]):
                errors.append(f"{path}: length {len(value)} violates {k} {meta[k]}")
    elif t == "structure":
        for k, v in value.items():
            walk_shape(v, shape.members[k], f"{path}.{k}", errors)
    elif t == "list":
        for i, v in enumerate(value):
            walk_shape(v, shape.member, f"{path}[{i}]", errors)
    elif t == "map":
        for k, v in value.items():
            walk_shape(k, shape.key, f"{path} key", errors)
            walk_shape(v, shape.value, f"{path}[{k}]", errors)
    elif t == "integer":
        for k, op in (("min", lambda a, b: a >= b), ("max", lambda a, b: a <= b)):
            if k in meta and not op(value, meta[k]):
                errors.append(f"{path}: {value} violates {k} {meta[k]}")


def check_asff(findings, where, shape, validator_mod, details):
    check(isinstance(findings, list), f"{where}: not a JSON array")
    pv = validator_mod.ParamValidator()
    for start in range(0, len(findings), 100):  # batch-import-findings takes <= 100
        chunk = findings[start:start + 100]
        if not chunk:
            continue
        report = pv.validate({"Findings": chunk}, shape)
        check(not report.has_errors(),
              f"{where}: botocore rejects findings {start}..: {report.generate_report()}")
    ids = set()
    finding_shape = shape.members["Findings"].member
    for i, f in enumerate(findings):
        w = f"{where}: finding {i} ({f.get('Id')})"
        errors = []
        walk_shape(f, finding_shape, "", errors)
        check(not errors, f"{w}: {'; '.join(errors[:5])}")
        check(f["SchemaVersion"] == "2018-10-08", f"{w}: SchemaVersion")
        check(re.fullmatch(r"\d{12}", f["AwsAccountId"]), f"{w}: AwsAccountId")
        m = re.fullmatch(r"arn:(aws|aws-cn|aws-us-gov):securityhub:([a-z0-9-]+):(\d{12}):"
                         r"product/(\d{12})/default", f["ProductArn"])
        check(m and m.group(3) == m.group(4) == f["AwsAccountId"], f"{w}: ProductArn")
        for keys, limit in ASFF_LIMITS.items():
            v = f
            for k in keys:
                v = v.get(k) if isinstance(v, dict) else None
            if v is not None:
                check(len(v) <= limit, f"{w}: {'.'.join(keys)} is {len(v)} > {limit}")
        check(f["Id"] not in ids, f"{w}: Id not unique")
        ids.add(f["Id"])
        check(0 < len(f["Resources"]) <= 32, f"{w}: 1..32 Resources")
        check(len(f.get("Types", [])) <= 50, f"{w}: <= 50 Types")
        for t in f.get("Types", []):
            check(t.split("/")[0] in ASFF_NAMESPACES and 2 <= len(t.split("/")) <= 3,
                  f"{w}: Types {t!r} is not namespace/category[/classifier]")
        pf = f.get("ProductFields", {})
        check(len(pf) <= 50, f"{w}: {len(pf)} ProductFields > 50")
        for k, v in pf.items():
            check(len(k) <= 128 and len(v) <= 2048, f"{w}: ProductFields {k!r} too long")
        check(len(f.get("Compliance", {}).get("RelatedRequirements", [])) <= 32,
              f"{w}: RelatedRequirements > 32")
        for res in f["Resources"]:
            check(res["Type"] in details or res["Type"] in ("AwsAccount", "Other"),
                  f"{w}: resource type {res['Type']!r} unknown to Security Hub")


def test_asff(r):
    session_mod, validator_mod = botocore_modules()
    model = session_mod.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    details = set(shape.members["Findings"].member.members["Resources"].member
                  .members["Details"].members)
    status = {"fail": "FAILED", "unknown": "WARNING", "muted": "FAILED", "pass": "PASSED"}
    workflow = {"fail": "NEW", "unknown": "NEW", "muted": "SUPPRESSED", "pass": "RESOLVED"}
    for name, raw, jf in r.cases("asff"):
        findings = loads_utf8(raw, name)
        check_asff(findings, name, shape, validator_mod, details)
        importable = [f for f in jf if re.fullmatch(r"\d{12}", f["resource"]["account"]) and
                      (f["resource"]["region"] == "global" or
                       re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d+", f["resource"]["region"]))]
        check(len(findings) == len(importable),
              f"{name}: {len(findings)} ASFF findings for {len(importable)} importable")
        for a, f in zip(findings, importable):
            w = f"{name}: {f['id']}"
            pf = a["ProductFields"]
            check(pf["mamori/finding_id"] == f["id"] and pf["mamori/rule"] == f["rule"],
                  f"{w}: ProductFields id/rule")
            check(pf["mamori/status"] == f["status"], f"{w}: status field")
            want = ("WARNING" if f["status"] == "muted" and f.get("muted_from") == "unknown"
                    else status[f["status"]])
            check(a["Compliance"]["Status"] == want, f"{w}: Compliance.Status")
            check(a["Workflow"]["Status"] == workflow[f["status"]], f"{w}: Workflow.Status")
            check(a["Severity"]["Original"] == f["severity"], f"{w}: Severity.Original")
            label = "INFORMATIONAL" if f["status"] == "pass" else \
                {"info": "INFORMATIONAL"}.get(f["severity"], f["severity"].upper())
            check(a["Severity"]["Label"] == label, f"{w}: Severity.Label")
            check(a["AwsAccountId"] == f["resource"]["account"], f"{w}: account")
            region = "us-east-1" if f["resource"]["region"] == "global" else \
                f["resource"]["region"]
            check(f":securityhub:{region}:" in a["ProductArn"], f"{w}: ProductArn region")
            if f["resource"].get("arn"):
                check(a["Resources"][0]["Id"] == f["resource"]["arn"], f"{w}: resource ARN")
            check(a.get("Compliance", {}).get("RelatedRequirements", []) ==
                  [x for x in f["compliance"]][:32] or not f["compliance"] or
                  name.startswith("sample hostile"), f"{w}: RelatedRequirements")
            n_ev = sum(1 for k in pf if k.startswith("mamori/evidence/"))
            check(n_ev == min(len(f["evidence"]), 42), f"{w}: {n_ev} evidence fields")
            if f["remediation"]["cli"]:
                check("mamori/remediation_cli" in pf, f"{w}: remediation cli")
            if f["status"] == "muted":
                check(a["Note"]["Text"].startswith("muted: "), f"{w}: Note")
        skipped, _ = r.run([r.sample, "asff-skipped", name.split()[-1]]) \
            if name.startswith("sample") else (str(len(jf) - len(importable)).encode(), "")
        check(int(skipped) == len(jf) - len(importable),
              f"{name}: report_asff_skipped says {int(skipped)}, "
              f"{len(jf) - len(importable)} cannot be imported")
        print(f"ok: asff {name}: {len(findings)} findings pass botocore's BatchImportFindings "
              f"validation in {max(1, (len(findings) + 99) // 100)} call(s), "
              f"{len(jf) - len(importable)} left out")
    # the command says how many it left out
    d = make_unknown_account_snapshot(r)
    out, err = r.run([r.mamori, "scan", d, "--format", "asff"])
    m = re.search(r"warning: (\d+) findings? left out of the ASFF output", err)
    n = len(json_findings(r.run([r.mamori, "scan", d, "--format", "json"])[0]))
    check(m and int(m.group(1)) == n > 0 and loads_utf8(out, "no account") == [],
          f"scan of a snapshot without account: expected a warning about {n} findings "
          f"and an empty array, got {err!r}")
    print(f"ok: asff: `mamori scan` warns that {n} findings without account were left out")


def make_unknown_account_snapshot(r):
    """A snapshot whose path and content name no account: one open security group."""
    d = os.path.join(r.tmp, "noacct")
    os.makedirs(d, exist_ok=True)
    sg = {"GroupId": "sg-0123456789abcdef0", "GroupName": "open", "Description": "x",
          "VpcId": "vpc-1", "IpPermissionsEgress": [],
          "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                             "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [],
                             "PrefixListIds": [], "UserIdGroupPairs": []}]}
    with open(os.path.join(d, "describe-security-groups.json"), "w") as f:
        json.dump({"SecurityGroups": [sg]}, f)
    return d


# ---------------------------------------------------------------- SARIF

def test_sarif(r):
    validator = schema_validator(os.path.join(HERE, "sarif-2.1.0-reduced.schema.json"))
    official = os.environ.get("MAMORI_SARIF_SCHEMA")  # optional: the full OASIS schema
    full = schema_validator(official) if official else None
    level = {"critical": "error", "high": "error", "medium": "warning", "low": "note",
             "info": "note"}
    for name, raw, jf in r.cases("sarif"):
        doc = loads_utf8(raw, name)
        errs = schema_errors(validator, doc)
        check(not errs, f"{name}: SARIF schema: {errs}")
        if full:
            errs = schema_errors(full, doc)
            check(not errs, f"{name}: official SARIF schema: {errs}")
        run = doc["runs"][0]
        rules = run["tool"]["driver"]["rules"]
        ids = [x["id"] for x in rules]
        check(len(set(ids)) == len(ids), f"{name}: rule ids not unique")
        results = run["results"]
        check(len(results) == len(jf), f"{name}: {len(results)} results for {len(jf)} findings")
        for res, f in zip(results, jf):
            w = f"{name}: {f['id']}"
            check(rules[res["ruleIndex"]]["id"] == res["ruleId"] == f["rule"],
                  f"{w}: ruleIndex {res['ruleIndex']} does not name {res['ruleId']}")
            st = f["status"] if f["status"] != "muted" else (
                "unknown" if f.get("muted_from") == "unknown" else "fail")
            kind = {"unknown": "open", "pass": "pass"}.get(st, "fail")
            check(res["kind"] == kind, f"{w}: kind {res['kind']}")
            check(res["level"] == (level[f["severity"]] if kind == "fail" else "none"),
                  f"{w}: level {res['level']}")
            check(res["partialFingerprints"]["mamoriFindingId/v1"] == f["id"],
                  f"{w}: fingerprint")
            check(("suppressions" in res) == (f["status"] == "muted"), f"{w}: suppressions")
            if f["status"] == "muted":
                s = res["suppressions"][0]
                check(s["justification"] == f["mute_reason"] and s["status"] == "accepted",
                      f"{w}: suppression")
            check(res["message"]["text"] == (f["message"] or f["title"]), f"{w}: message")
            loc = res["locations"][0]
            check(loc["logicalLocations"][0]["name"] == f["resource"]["id"], f"{w}: resource")
            evs = [e for e in f["evidence"] if e["location"]]
            if evs:
                uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                path = evs[0]["location"].split("#")[0]
                from urllib.parse import unquote
                check(unquote(uri).endswith(path), f"{w}: uri {uri} is not {path}")
                check(loc["physicalLocation"]["region"]["startLine"] == 1, f"{w}: region")
            check(len(res.get("relatedLocations", [])) == max(0, len(f["evidence"]) -
                                                               (1 if evs else 0)),
                  f"{w}: related locations")
            p = res["properties"]
            check((p["severity"], p["status"], p["account"], p["region"]) ==
                  (f["severity"], f["status"], f["resource"]["account"],
                   f["resource"]["region"]), f"{w}: properties")
            check(p["compliance"] == f["compliance"], f"{w}: compliance")
            check(p.get("remediationCli") == f["remediation"]["cli"], f"{w}: cli")
        for rule in rules:
            sev = rule.get("properties", {}).get("security-severity")
            if sev is not None:
                check(0.0 <= float(sev) <= 10.0, f"{name}: security-severity {sev}")
        print(f"ok: sarif {name}: {len(results)} results, {len(rules)} rules valid"
              + (" (and against the official schema)" if full else ""))


# ---------------------------------------------------------------- CSV

csv.field_size_limit(sys.maxsize)
CSV_COLUMNS = ["id", "rule", "title", "severity", "status", "resource_type", "resource_id",
               "resource_arn", "account", "region", "message", "evidence", "remediation",
               "remediation_cli", "compliance", "mute_reason"]
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def csv_cell(v):
    """What docs/formats.md promises a JSON value becomes in a CSV cell."""
    v = "" if v is None else v
    v = CONTROL.sub(lambda m: "\\x%02x" % ord(m.group()), v)
    if v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        v = "'" + v
    return v


def csv_expected(f):
    r = f["resource"]
    ev = "\n".join((e["location"] + ": " if e["location"] is not None else "") +
                   (e["detail"] or "") for e in f["evidence"])
    vals = [f["id"], f["rule"], f["title"], f["severity"], f["status"], r["type"], r["id"],
            r.get("arn"), r["account"], r["region"], f["message"], ev,
            f["remediation"]["text"], f["remediation"]["cli"], ";".join(f["compliance"]),
            f.get("mute_reason") if f["status"] == "muted" else None]
    return [csv_cell(v) for v in vals]


def test_csv(r):
    for name, raw, jf in r.cases("csv"):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise Fail(f"{name}: not UTF-8: {e}")
        check(text.endswith("\r\n"), f"{name}: last record does not end with CRLF")
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
        check(rows[0] == CSV_COLUMNS, f"{name}: header {rows[0]}")
        check(len(rows) == len(jf) + 1, f"{name}: {len(rows) - 1} rows for {len(jf)} findings")
        for row, f in zip(rows[1:], jf):
            exp = csv_expected(f)
            for col, got, want in zip(CSV_COLUMNS, row, exp):
                check(got == want, f"{name}: {f['id']} column {col}: {got!r} != {want!r}")
            check(len(row) == len(exp), f"{name}: {f['id']}: {len(row)} cells")
        # RFC 4180 line structure: outside quotes, records end in CRLF only
        inq, prev = False, ""
        for i, ch in enumerate(text):
            if ch == '"':
                inq = not inq
            elif not inq and ch == "\n":
                check(prev == "\r", f"{name}: bare LF outside quotes at offset {i}")
            elif not inq and prev == "\r":
                check(ch == "\n", f"{name}: bare CR outside quotes at offset {i}")
            prev = ch
        for row in rows[1:]:
            for c in row:
                check(c[:1] not in ("=", "+", "-", "@", "\t", "\r"),
                      f"{name}: cell {c[:20]!r} would run as a formula")
        print(f"ok: csv {name}: {len(rows) - 1} rows read back exactly by Python's csv module")


# ---------------------------------------------------------------- JUnit

XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def xml_text(s):
    """What docs/formats.md promises a value becomes in the XML (as parsed)."""
    s = "" if s is None else s
    s = XML_BAD.sub(lambda m: "\\x%02x" % ord(m.group()), s)
    return s.replace("\ufffe", "\ufffd").replace("\uffff", "\ufffd")


def test_junit(r):
    import shutil
    import xml.etree.ElementTree as ET
    xmllint = shutil.which("xmllint")
    check(xmllint, "xmllint is missing: run scripts/setup-debian.sh (package libxml2-utils)")
    xsd = os.path.join(HERE, "junit.xsd")
    for name, raw, jf in r.cases("junit"):
        path = os.path.join(r.tmp, "junit.xml")
        with open(path, "wb") as f:
            f.write(raw)
        p = subprocess.run([xmllint, "--noout", "--nonet", "--schema", xsd, path],
                           capture_output=True, text=True)
        check(p.returncode == 0, f"{name}: xmllint --schema junit.xsd: {p.stderr[-2000:]}")
        root = ET.fromstring(raw)
        check(root.tag == "testsuites", f"{name}: root {root.tag}")
        tot = {"tests": 0, "failures": 0, "skipped": 0}
        cases = []
        for suite in root.findall("testsuite"):
            tc = suite.findall("testcase")
            fails = sum(1 for c in tc if c.find("failure") is not None)
            skips = sum(1 for c in tc if c.find("skipped") is not None)
            got = (int(suite.get("tests")), int(suite.get("failures")),
                   int(suite.get("skipped")), int(suite.get("errors")))
            check(got == (len(tc), fails, skips, 0),
                  f"{name}: suite {suite.get('name')}: counts {got} != "
                  f"{(len(tc), fails, skips, 0)}")
            keys = [(c.get("classname"), c.get("name")) for c in tc]
            check(len(set(keys)) == len(keys), f"{name}: duplicate test case in "
                  f"{suite.get('name')}")
            check(all(c.get("classname") == suite.get("name") for c in tc),
                  f"{name}: classname != suite name")
            tot["tests"] += len(tc)
            tot["failures"] += fails
            tot["skipped"] += skips
            cases += tc
        for k, v in tot.items():
            check(int(root.get(k)) == v, f"{name}: testsuites {k}={root.get(k)} != {v}")
        check(len(cases) == len(jf), f"{name}: {len(cases)} test cases for {len(jf)} findings")
        # every finding is one case of its rule, on its resource, with its outcome
        by_key = {}
        for c in cases:
            by_key.setdefault((c.get("classname"), c.get("name").split(" (")[0]), []).append(c)
        for f in jf:
            w = f"{name}: {f['id']}"
            cs = by_key.get((xml_text(f["rule"]), xml_text(f["resource"]["id"])), [])
            check(cs, f"{w}: no test case {f['rule']} / {f['resource']['id']}")
            c = cs.pop(0) if len(cs) == 1 else \
                next((x for x in cs if f["id"] in x.get("name")), None)
            check(c is not None, f"{w}: test case not found by id")
            if c in cs:
                cs.remove(c)
            fl, sk = c.find("failure"), c.find("skipped")
            if f["status"] == "fail":
                check(fl is not None and sk is None, f"{w}: not a failure")
                check(fl.get("message") == xml_text(f["message"] or f["title"]),
                      f"{w}: failure message {fl.get('message')!r}")
                check(fl.get("type") == f["severity"], f"{w}: failure type")
                body = fl.text or ""
                for e in f["evidence"]:
                    check(xml_text(e["detail"]) in body, f"{w}: evidence missing from body")
                if f["remediation"]["cli"]:
                    check(xml_text(f["remediation"]["cli"]) in body, f"{w}: cli missing")
            elif f["status"] in ("unknown", "muted"):
                check(sk is not None and fl is None, f"{w}: not skipped")
                if f["status"] == "muted":
                    check(xml_text(f["mute_reason"]) in sk.get("message"), f"{w}: reason")
            else:
                check(fl is None and sk is None and len(c) == 0, f"{w}: pass is not plain")
        print(f"ok: junit {name}: {len(cases)} test cases in {len(root)} suites valid, "
              f"counts add up")


def test_trail_asff(r):
    """Trail alerts as ASFF: botocore's BatchImportFindings validation, one
    finding per importable jsonl alert, in the same order, as detections
    (Types Unusual Behaviors, no Compliance, observed at the event time)."""
    session_mod, validator_mod = botocore_modules()
    model = session_mod.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    details = set(shape.members["Findings"].member.members["Resources"].member
                  .members["Details"].members)
    fx = os.path.join("tests", "fixtures", "trail", "cli")
    base = [r.mamori, "trail", "--policy", os.path.join(fx, "policy.yaml"),
            os.path.join(fx, "toctou.jsonl")]
    raw, _ = r.run(base[:2] + ["--format", "asff"] + base[2:])
    jsonl_raw, _ = r.run(base[:2] + ["--format", "jsonl"] + base[2:])
    findings = loads_utf8(raw, "trail asff")
    check(isinstance(findings, list), "trail asff: not a JSON array")
    check_asff(findings, "trail asff", shape, validator_mod, details)
    alerts = [json.loads(l) for l in jsonl_raw.decode("utf-8").splitlines() if l]
    importable = [a for a in alerts if re.fullmatch(r"\d{12}", a["where"]["account"] or "")
                  and re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d+", a["where"]["region"] or "")]
    check(len(alerts) > 0 and len(findings) == len(importable),
          f"trail asff: {len(findings)} findings for {len(importable)} importable alerts")
    ids = set()
    for f, a in zip(findings, importable):
        w = f"trail asff {a['rule']} {a.get('event_id')}"
        check(f["ProductFields"]["mamori/rule"] == a["rule"], f"{w}: rule")
        check(f["Types"] == ["Unusual Behaviors/User"], f"{w}: Types {f['Types']}")
        check("Compliance" not in f, f"{w}: a detection has no Compliance")
        check(f["AwsAccountId"] == a["where"]["account"], f"{w}: account")
        check(f["Severity"]["Original"] == a["severity"], f"{w}: severity")
        if a.get("time"):
            check(f.get("FirstObservedAt", "")[:19] == a["time"][:19],
                  f"{w}: FirstObservedAt {f.get('FirstObservedAt')} for {a['time']}")
        ids.add(f["Id"])
    check(len(ids) == len(findings), "trail asff: Id not unique")
    print(f"ok: trail asff on {fx}: {len(findings)} findings pass botocore's validation")


TESTS = {"ocsf": test_ocsf, "trail-ocsf": test_trail_ocsf, "asff": test_asff,
         "trail-asff": test_trail_asff,
         "sarif": test_sarif, "csv": test_csv, "junit": test_junit}


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in TESTS:
        print(f"usage: {sys.argv[0]} {{{','.join(TESTS)}}} MAMORI RENDER_SAMPLE SRCROOT",
              file=sys.stderr)
        return 2
    r = Runner(os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3]),
               os.path.abspath(sys.argv[4]))
    try:
        TESTS[sys.argv[1]](r)
    except Fail as e:
        print(f"FAIL: {sys.argv[1]}: {e}", file=sys.stderr)
        return 1
    finally:
        import shutil
        shutil.rmtree(r.tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
