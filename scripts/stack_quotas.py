"""Every stack of the deployment against CloudFormation's quotas, after the SAM transform.

    python scripts/stack_quotas.py [--limit-percent 60] [template.yaml]

Reads the root template and, through its `AWS::Serverless::Application` resources whose
`Location` is a local file, every nested template; runs each through the SAM transform (the
pinned `aws-sam-translator`, the library `sam validate` and CloudFormation's own transform
use) offline; and counts what CloudFormation counts against its per-stack quotas:

- resources (500), outputs (200), parameters (200), mappings (200);
- the template body (1,000,000 bytes when uploaded to S3, as `sam deploy` does): both the
  template as written and the processed template after the transform.

Prints one line per stack with each count and its share of the quota, and exits 1, naming the
stack and the quota, when any share is above the limit (60 % by default: the route table can
double and every stack still fits).
"""

from __future__ import annotations

import argparse
import copy
import os
import json
import logging
import sys
from pathlib import Path

from cfnlint.decode import cfn_yaml
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

# CloudFormation's per-stack quotas (AWS CloudFormation User Guide, "Understand
# CloudFormation quotas"); none of them can be raised.
QUOTAS = {
    "resources": 500,
    "outputs": 200,
    "parameters": 200,
    "mappings": 200,
    "template bytes": 1_000_000,
    "processed bytes": 1_000_000,
}

# A placeholder for a nested template's S3 address: `sam deploy` uploads each local
# template and writes its URL here before CloudFormation sees the parent.
PACKAGED_CODE = "s3://rampart-artifacts/{name}.zip"
PACKAGED_URL = "https://s3.eu-west-1.amazonaws.com/rampart-artifacts/{name}.template"


def load(path: Path) -> dict:
    return cfn_yaml.loads(path.read_text(encoding="utf-8"), str(path))


def plain(node):
    """The template as plain dicts, lists and strings (cfn-lint marks its nodes)."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def nested(template: dict, base: Path) -> list[tuple[str, Path]]:
    """The local templates the root's applications name, by logical id."""
    out = []
    for logical_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != "AWS::Serverless::Application":
            continue
        location = resource.get("Properties", {}).get("Location")
        if isinstance(location, str) and not location.startswith(("https://", "s3://")):
            out.append((logical_id, (base / location).resolve()))
    return out


def packaged(template: dict) -> dict:
    """The template as `sam deploy` hands it over: local code and nested templates uploaded."""
    template = copy.deepcopy(template)
    for logical_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") == "AWS::Serverless::Function":
            code = resource.get("Properties", {}).get("CodeUri")
            if isinstance(code, str) and not code.startswith("s3://"):
                resource["Properties"]["CodeUri"] = PACKAGED_CODE.format(name=logical_id)
        if resource.get("Type") == "AWS::Serverless::Application":
            location = resource["Properties"].get("Location")
            if isinstance(location, str) and not location.startswith(("https://", "s3://")):
                resource["Properties"]["Location"] = PACKAGED_URL.format(name=logical_id)
    return template


def transform(template: dict) -> dict:
    translator = Translator(None, Parser())
    return translator.translate(
        packaged(template), parameter_values={}, get_managed_policy_map=lambda: {}
    )


def counts(path: Path, template: dict, processed: dict) -> dict[str, int]:
    return {
        "resources": len(processed.get("Resources") or {}),
        "outputs": len(processed.get("Outputs") or {}),
        "parameters": len(processed.get("Parameters") or {}),
        "mappings": len(processed.get("Mappings") or {}),
        "template bytes": len(path.read_bytes()),
        "processed bytes": len(json.dumps(processed, separators=(",", ":")).encode()),
    }


def stacks(root: Path) -> list[tuple[str, Path]]:
    """(stack name, template path) for the root and every nested template, depth first."""
    out = [("root", root)]
    seen = {root.resolve()}
    pending = [("root", root)]
    while pending:
        name, path = pending.pop()
        for logical_id, child in nested(plain(load(path)), path.parent):
            if not child.is_file():
                raise SystemExit(f"{name}: {logical_id} names {child}, which does not exist")
            if child in seen:
                continue
            seen.add(child)
            label = logical_id if name == "root" else f"{name}/{logical_id}"
            out.append((label, child))
            pending.append((label, child))
    return out


def main() -> int:
    # The transform looks up partition-specific details by region; any commercial one will do.
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    # The translator reports its own usage metrics through logging; nothing to publish here.
    logging.disable(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template", nargs="?", default="template.yaml")
    parser.add_argument("--limit-percent", type=float, default=60.0)
    args = parser.parse_args()
    root = Path(args.template)
    over = []
    header = f"{'stack':<28}" + "".join(f"{k:>22}" for k in QUOTAS)
    print(header)
    for name, path in stacks(root):
        template = plain(load(path))
        try:
            processed = transform(template)
        except Exception as error:  # the translator's own errors name the resource
            print(f"{name}: the SAM transform failed: {error}", file=sys.stderr)
            return 1
        measured = counts(path, template, processed)
        cells = []
        for quota, limit in QUOTAS.items():
            value = measured[quota]
            share = 100.0 * value / limit
            cells.append(f"{value:>12} ({share:5.1f} %)")
            if share > args.limit_percent:
                over.append(
                    f"{name} ({path}): {quota} {value} is {share:.1f} % of CloudFormation's "
                    f"quota of {limit}, above the {args.limit_percent:g} % allowed"
                )
        print(f"{name:<28}" + "".join(f"{c:>22}" for c in cells))
    for line in over:
        print(line, file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
