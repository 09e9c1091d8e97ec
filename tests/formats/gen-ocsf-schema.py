#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# Developer tool, not run by the tests: regenerate ocsf-1.3.0.schema.json,
# the reduced JSON Schema the format tests validate mamori's OCSF output
# against, from a checkout of the OCSF schema repository
# (github.com/ocsf/ocsf-schema, Apache-2.0) at tag 1.3.0:
#
#   tests/formats/gen-ocsf-schema.py OCSF_SCHEMA_GIT_DIR > tests/formats/ocsf-1.3.0.schema.json
#
# What it encodes, for the Compliance Finding (2003) and Detection Finding
# (2004) classes and the objects mamori writes: every attribute name the
# class or object defines (anything else is an error: OCSF puts unknown data
# under "unmapped"), the attributes the spec marks "required", the JSON type
# of each attribute (from its dictionary type; arrays where "is_array"), the
# members of each integer enumeration (the object's, the class's and the
# dictionary's members merged, as the OCSF schema server does), and the
# "at_least_one" constraints. Profiles add their attributes to a class;
# profile attributes are required only when the event lists the profile in
# metadata.profiles, which the validator checks separately (validate.py).
import json
import subprocess
import sys

TAG = "1.3.0"
CLASSES = {
    2003: "events/findings/compliance_finding.json",
    2004: "events/findings/detection_finding.json",
}
PARENTS = {
    "base_event": "events/base_event.json",
    "finding": "events/findings/finding.json",
}
# Objects given a full definition; any other object type is just "object".
OBJECTS = [
    "metadata", "product", "finding_info", "analytic", "compliance",
    "resource_details", "cloud", "account", "remediation", "evidences",
    "actor", "user", "api", "service", "request", "response",
    "network_endpoint", "related_event", "observable",
]
OBJECT_PARENTS = {"_entity", "_resource", "endpoint", "object"}


def show(repo, path):
    out = subprocess.check_output(["git", "-C", repo, "show", f"{TAG}:{path}"])
    return json.loads(out)


def main():
    repo = sys.argv[1]
    dictionary = show(repo, "dictionary.json")
    dattrs = dictionary["attributes"]
    dtypes = dictionary["types"]["attributes"]

    def merged(path):
        """Attributes of a class or object, its parents and includes merged."""
        d = show(repo, path)
        attrs, profile_attrs = {}, set()
        ext = d.get("extends")
        if ext and ext != "object":
            parent = PARENTS.get(ext) or f"objects/{ext}.json"
            pa, pp, _ = merged(parent)
            attrs.update(pa)
            profile_attrs |= pp
        for inc in d["attributes"].get("$include", []):
            inc_d = show(repo, inc)
            for k, v in inc_d["attributes"].items():
                attrs[k] = {**attrs.get(k, {}), **v}
                if inc.startswith("profiles/"):
                    profile_attrs.add(k)
        for k, v in d["attributes"].items():
            if k == "$include":
                continue
            attrs[k] = {**attrs.get(k, {}), **v}
        return attrs, profile_attrs, d

    def json_type(name, a):
        da = dattrs.get(name, {})
        t = a.get("type") or da.get("type")
        is_array = a.get("is_array", da.get("is_array", False))
        base = t
        while base in dtypes and dtypes[base].get("type"):
            base = dtypes[base]["type"]
        if base in ("string_t",):
            s = {"type": "string"}
        elif base in ("integer_t", "long_t", "timestamp_t", "port_t"):
            s = {"type": "integer"}
        elif base == "float_t":
            s = {"type": "number"}
        elif base == "boolean_t":
            s = {"type": "boolean"}
        elif base == "json_t":
            s = {}
        elif t == "object":
            s = {"type": "object"}
        elif t in OBJECTS:
            s = {"$ref": f"#/definitions/{t}"}
        else:
            s = {"type": "object"}
        if t == "port_t":
            s["minimum"], s["maximum"] = 0, 65535
        enum = {}
        enum.update(da.get("enum", {}))
        enum.update(a.get("enum", {}))
        if enum and s.get("type") == "integer":
            s["enum"] = sorted(int(k) for k in enum)
        if is_array:
            s = {"type": "array", "items": s}
        return s

    def schema_for(attrs, required, constraints):
        props = {k: json_type(k, v) for k, v in sorted(attrs.items())}
        out = {
            "type": "object",
            "properties": props,
            "additionalProperties": False,
        }
        if required:
            out["required"] = sorted(required)
        alo = (constraints or {}).get("at_least_one")
        if alo:
            out["anyOf"] = [{"required": [k]} for k in alo]
        return out

    definitions = {}
    for name in OBJECTS:
        attrs, prof, d = merged(f"objects/{name}.json")
        constraints = d.get("constraints")
        if not constraints:
            # default constraints of the parent (_entity: name or uid)
            ext = d.get("extends")
            while ext and ext != "object" and not constraints:
                pd = show(repo, f"objects/{ext}.json")
                constraints = pd.get("constraints")
                ext = pd.get("extends")
        req = [k for k, v in attrs.items()
               if v.get("requirement") == "required" and k not in prof]
        definitions[name] = schema_for(attrs, req, constraints)

    classes = {}
    for uid, path in CLASSES.items():
        attrs, prof, d = merged(path)
        req = [k for k, v in attrs.items()
               if v.get("requirement") == "required" and k not in prof]
        s = schema_for(attrs, req, None)
        s["properties"]["class_uid"] = {"const": uid}
        s["properties"]["category_uid"] = {"const": 2}
        s["properties"]["type_uid"] = {"enum": [uid * 100 + a for a in
                                                s["properties"]["activity_id"]["enum"]]}
        s["x-profile-attributes"] = sorted(prof)
        classes[str(uid)] = s

    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": f"OCSF {TAG} Compliance Finding (2003) and Detection Finding (2004), reduced",
        "description": (
            "Generated by tests/formats/gen-ocsf-schema.py from the OCSF schema "
            f"(https://github.com/ocsf/ocsf-schema, tag {TAG}, Apache-2.0): attribute names, "
            "requirements, types and enumerations of the two classes and the objects mamori "
            "writes. Validate an event against classes[class_uid]."),
        "classes": classes,
        "definitions": definitions,
    }
    json.dump(schema, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
