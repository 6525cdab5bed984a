"""A deploy rehearsal on moto's CloudFormation: the root stack and every nested stack, as the
SAM transform leaves them, created for real on a moto server.

    python scripts/cfn_rehearsal.py --endpoint http://127.0.0.1:PORT [template.yaml]

What CloudFormation itself would reject and this machine can find:

- before anything is created, for every stack: each reference (`Ref`, `Fn::GetAtt`,
  `Fn::Sub`, `DependsOn`) names a resource, parameter, condition or pseudo parameter that
  exists; no circular dependency among resources; logical ids of the allowed shape; and the
  name CloudFormation gives each nested stack (`<root>-<LogicalId>-<suffix>`) within its
  128 characters and each function's name (`<root>-<function>`) within Lambda's 64, for the
  longest stack name of samconfig.toml;
- then the root stack is created on moto with the types moto's CloudFormation implements,
  its outputs give the nested stacks their parameters exactly as the root passes them, and
  each nested stack is created the same way, its functions' code uploaded where
  `sam deploy` would put it. Every stack must reach CREATE_COMPLETE, every function's
  `TABLE_<CONCERN>` must name a table that exists, and every function's role must exist.

Resources of types moto does not implement are left out (references to them become
placeholders) and listed, by type and count, at the end.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import time
import tomllib
import zipfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import boto3  # noqa: E402  (installed with moto)
import stack_quotas  # noqa: E402

PSEUDO = {
    "AWS::AccountId",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
    "AWS::NotificationARNs",
}
REGION = "eu-west-1"
ARTIFACTS = "rampart-artifacts"


def supported_types() -> set[str]:
    import importlib

    import moto.backends

    for name in moto.backends.list_of_moto_modules():
        try:
            importlib.import_module(f"moto.{name}.models")
        except Exception:  # a backend whose optional dependencies are missing
            pass
    from moto.cloudformation import parsing

    return set(parsing.get_model_map())


def references(node, found: set[str]) -> set[str]:
    """Every logical name `node` refers to (resources, parameters, pseudo parameters)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else (value[0], value[1])
                for name in re.findall(r"\$\{([^}!][^}]*)\}", text):
                    name = name.split(".")[0]
                    if name not in variables:
                        found.add(name)
                references(variables, found)
            else:
                references(value, found)
    elif isinstance(node, list):
        for item in node:
            references(item, found)
    return found


def depends(resource: dict) -> set[str]:
    out = references({k: v for k, v in resource.items() if k != "DependsOn"}, set())
    extra = resource.get("DependsOn", [])
    out.update([extra] if isinstance(extra, str) else extra)
    return out


def static_checks(name: str, template: dict, longest_stack_name: int) -> list[str]:
    errors = []
    resources = template.get("Resources") or {}
    parameters = set(template.get("Parameters") or {})
    conditions = set(template.get("Conditions") or {})
    known = set(resources) | parameters | PSEUDO
    for logical_id, resource in resources.items():
        if not re.fullmatch(r"[A-Za-z0-9]{1,255}", logical_id):
            errors.append(f"{name}: logical id {logical_id!r} is not 1 to 255 letters and digits")
        for target in depends(resource):
            if target not in known:
                errors.append(f"{name}: {logical_id} refers to {target}, which does not exist")
        condition = resource.get("Condition")
        if condition and condition not in conditions:
            errors.append(f"{name}: {logical_id} has condition {condition}, which does not exist")
        if resource.get("Type") == "AWS::CloudFormation::Stack":
            # CloudFormation names a nested stack <parent>-<LogicalId>-<13 characters>.
            length = longest_stack_name + 1 + len(logical_id) + 14
            if length > 128:
                errors.append(
                    f"{name}: nested stack {logical_id} would be named with {length} "
                    "characters (CloudFormation allows 128)"
                )
        if resource.get("Type") in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
            # Functions are named after the root stack: `${RootStackName}-<function>`.
            named = (resource.get("Properties") or {}).get("FunctionName")
            text = named.get("Fn::Sub") if isinstance(named, dict) else named
            if isinstance(text, str):
                stack = r"\$\{(?:RootStackName|AWS::StackName)\}"
                length = len(re.sub(stack, "", text)) + longest_stack_name * len(re.findall(stack, text))
                if length > 64:
                    errors.append(
                        f"{name}: function {logical_id} would be named with {length} "
                        "characters (Lambda allows 64)"
                    )
    for output, spec in (template.get("Outputs") or {}).items():
        for target in references(spec, set()):
            if target not in known:
                errors.append(f"{name}: output {output} refers to {target}, which does not exist")
    # Circular dependencies: a depth-first walk over resource-to-resource edges.
    graph = {
        logical_id: sorted(t for t in depends(resource) if t in resources)
        for logical_id, resource in resources.items()
    }
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in graph[node]:
            if state.get(target) == 1:
                cycle = path[path.index(target) :] + [target] if target in path else [node, target]
                errors.append(f"{name}: circular dependency {' -> '.join(cycle)}")
            elif target not in state:
                visit(target, path + [target])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [node])
    return errors


def substitute(node, removed: dict[str, str]):
    """`node` with references to removed resources replaced by placeholders."""
    if isinstance(node, dict):
        if set(node) == {"Ref"} and node["Ref"] in removed:
            return f"rehearsal-{node['Ref']}"
        if set(node) == {"Fn::GetAtt"}:
            value = node["Fn::GetAtt"]
            target, attribute = value if isinstance(value, list) else value.split(".", 1)
            if target in removed:
                return f"arn:aws:rehearsal:{REGION}:123456789012:{target}/{attribute}"
        if set(node) == {"Fn::Sub"}:
            value = node["Fn::Sub"]
            text, variables = (value, None) if isinstance(value, str) else (value[0], value[1])

            def placeholder(match: re.Match) -> str:
                target = match.group(1).split(".")[0]
                return f"rehearsal-{target}" if target in removed else match.group(0)

            text = re.sub(r"\$\{([^}!][^}]*)\}", placeholder, text)
            return {"Fn::Sub": text if variables is None else [text, substitute(variables, removed)]}
        return {k: substitute(v, removed) for k, v in node.items()}
    if isinstance(node, list):
        return [substitute(v, removed) for v in node]
    return node


def rehearsable(template: dict, supported: set[str], skipped: Counter) -> dict:
    resources = template.get("Resources") or {}
    removed = {}
    for logical_id, resource in resources.items():
        kind = resource["Type"]
        if kind not in supported or kind == "AWS::CloudFormation::Stack":
            removed[logical_id] = kind
            if kind != "AWS::CloudFormation::Stack":
                skipped[kind] += 1
    kept = {}
    for logical_id, resource in resources.items():
        if logical_id in removed:
            continue
        resource = substitute(resource, removed)
        needs = resource.get("DependsOn")
        if needs is not None:
            needs = [needs] if isinstance(needs, str) else needs
            needs = [n for n in needs if n not in removed]
            if needs:
                resource["DependsOn"] = needs
            else:
                del resource["DependsOn"]
        kept[logical_id] = resource
    out = dict(template)
    out["Resources"] = kept
    out["Outputs"] = substitute(template.get("Outputs") or {}, removed)
    return out


def wait(cfn, stack: str) -> dict:
    for _ in range(600):
        described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        if not described["StackStatus"].endswith("IN_PROGRESS"):
            return described
        time.sleep(0.1)
    raise SystemExit(f"{stack} did not finish")


def create(cfn, stack: str, template: dict, parameters: dict[str, str]) -> dict:
    declared = template.get("Parameters") or {}
    cfn.create_stack(
        StackName=stack,
        TemplateBody=json.dumps(template),
        Parameters=[
            {"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items() if k in declared
        ],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    described = wait(cfn, stack)
    if described["StackStatus"] != "CREATE_COMPLETE":
        reasons = [
            f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}"
            for e in cfn.describe_stack_events(StackName=stack)["StackEvents"]
            if "FAILED" in e.get("ResourceStatus", "")
        ]
        raise SystemExit(f"{stack}: {described['StackStatus']}: {'; '.join(reasons)}")
    return described


class Rehearsal:
    """Creates the root stack and its nested stacks on moto, as CloudFormation would."""

    def __init__(self, client, code: bytes, supported, skipped, stacks, transformed):
        self.client = client
        self.cfn = client("cloudformation")
        self.code = code
        self.supported = supported
        self.skipped = skipped
        self.stacks = stacks
        self.transformed = transformed

    def physical(self, stack: str) -> dict[str, str]:
        return {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in self.cfn.describe_stack_resources(StackName=stack)["StackResources"]
            if r.get("PhysicalResourceId")
        }

    def table_names(self, root_stack: str) -> set[str]:
        """Every `TABLE_<CONCERN>` the functions of `root_stack`'s nested stacks are given."""
        lam = self.client("lambda")
        names = set()
        for name, _ in self.stacks[1:]:
            stack = f"{root_stack}-{name.split('/')[-1]}"
            for logical_id, physical in self.physical(stack).items():
                if not logical_id.endswith("Function") or logical_id.endswith("ApiPermission"):
                    continue
                try:
                    config = lam.get_function_configuration(FunctionName=physical)
                except Exception:
                    continue
                for variable, value in config.get("Environment", {}).get("Variables", {}).items():
                    if variable.startswith("TABLE_") and variable not in ("TABLE_PREFIX", "TABLE_OVERRIDES"):
                        names.add(value)
        return names

    def deploy(self, root_stack: str, parameters: dict[str, str], quiet: bool = False):
        cfn, s3 = self.cfn, self.client("s3")
        root_name, _ = self.stacks[0]
        root = self.transformed[root_name]
        skipped = self.skipped if not quiet else Counter()
        applications = {
            logical_id: resource
            for logical_id, resource in root["Resources"].items()
            if resource["Type"] == "AWS::CloudFormation::Stack"
        }
        # The root's rehearsal outputs: what it passes each nested stack, resolved by moto.
        rehearsal_root = rehearsable(root, self.supported, skipped)
        removed = {
            k: v["Type"] for k, v in root["Resources"].items() if k not in rehearsal_root["Resources"]
        }
        passed: dict[str, dict[str, str]] = {}
        for logical_id, resource in applications.items():
            for key, value in (resource["Properties"].get("Parameters") or {}).items():
                output = f"Pass{logical_id}{key}"
                rehearsal_root["Outputs"][output] = {"Value": substitute(value, removed)}
                passed.setdefault(logical_id, {})[key] = output
        described = create(cfn, root_stack, rehearsal_root, parameters)
        outputs = {o["OutputKey"]: o.get("OutputValue", "") for o in described.get("Outputs", [])}
        # A `Ref` to a resource is its physical id, as CloudFormation hands it over.
        physical = self.physical(root_stack)
        for logical_id, resource in applications.items():
            for key, value in (resource["Properties"].get("Parameters") or {}).items():
                if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in physical:
                    outputs[passed[logical_id][key]] = physical[value["Ref"]]
                elif outputs[passed[logical_id][key]].startswith("<moto."):
                    # moto renders some `Ref`s (an event bus's) as its own object: the name
                    # the template gives the resource is what CloudFormation would hand over.
                    name = root["Resources"][value["Ref"]]["Properties"]["Name"]["Fn::Sub"]
                    outputs[passed[logical_id][key]] = name.replace("${AWS::StackName}", root_stack)
        print(f"created {root_stack}: {len(rehearsal_root['Resources'])} resources")

        dynamodb, iam, lam = self.client("dynamodb"), self.client("iam"), self.client("lambda")
        tables = set(dynamodb.list_tables()["TableNames"])
        for name, _ in self.stacks[1:]:
            logical_id = name.split("/")[-1]
            template = self.transformed[name]
            for resource in template["Resources"].values():
                if resource["Type"] == "AWS::Lambda::Function":
                    location = resource["Properties"]["Code"]
                    s3.put_object(Bucket=location["S3Bucket"], Key=location["S3Key"], Body=self.code)
            nested_parameters = {key: outputs[output] for key, output in passed[logical_id].items()}
            nested = rehearsable(template, self.supported, skipped)
            stack = f"{root_stack}-{logical_id}"
            create(cfn, stack, nested, nested_parameters)
            functions = 0
            for summary in cfn.describe_stack_resources(StackName=stack)["StackResources"]:
                if summary.get("ResourceType") != "AWS::Lambda::Function":
                    continue
                functions += 1
                config = lam.get_function_configuration(FunctionName=summary["PhysicalResourceId"])
                iam.get_role(RoleName=config["Role"].rsplit("/", 1)[-1])
                for variable, value in config.get("Environment", {}).get("Variables", {}).items():
                    if variable.startswith("TABLE_") and variable not in ("TABLE_PREFIX", "TABLE_OVERRIDES"):
                        if value not in tables:
                            raise SystemExit(
                                f"{stack}: {summary['LogicalResourceId']} {variable}={value} names no table"
                            )
            print(f"created {stack}: {len(nested['Resources'])} resources, {functions} functions wired")
        return root_stack, {k: v for k, v in outputs.items() if not k.startswith("Pass")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template", nargs="?", default="template.yaml")
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--stack-name", default="rampart-rehearsal")
    parser.add_argument("--samconfig", default="samconfig.toml")
    args = parser.parse_args()
    import logging
    import os

    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    logging.disable(logging.WARNING)
    longest = len(args.stack_name)
    samconfig = Path(args.samconfig)
    if samconfig.is_file():
        for section in tomllib.loads(samconfig.read_text()).values():
            if not isinstance(section, dict):
                continue
            name = section.get("deploy", {}).get("parameters", {}).get("stack_name")
            if name:
                longest = max(longest, len(name))

    stacks = stack_quotas.stacks(Path(args.template))
    transformed = {}
    errors = []
    for name, path in stacks:
        template = stack_quotas.transform(stack_quotas.plain(stack_quotas.load(path)))
        transformed[name] = template
        errors += static_checks(name, template, longest)
    for line in errors:
        print(line, file=sys.stderr)
    if errors:
        return 1
    print(f"static checks: {len(stacks)} stacks, no dangling reference, no cycle")

    session = boto3.session.Session(
        aws_access_key_id="rehearsal", aws_secret_access_key="rehearsal", region_name=REGION
    )
    client = lambda service: session.client(service, endpoint_url=args.endpoint)  # noqa: E731
    cfn, s3 = client("cloudformation"), client("s3")
    try:
        s3.create_bucket(Bucket=ARTIFACTS, CreateBucketConfiguration={"LocationConstraint": REGION})
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
    supported = supported_types()
    skipped: Counter = Counter()
    rehearsal = Rehearsal(client, code.getvalue(), supported, skipped, stacks, transformed)
    primary, outputs = rehearsal.deploy(f"{args.stack_name}-{int(time.time() * 1000) % 10**9}", {"Stage": "dev"})
    # A standby in the replica region (docs/runbooks/region-failover.md) serves from the
    # primary's tables: it must create none of its own and wire every function to them.
    order = ["Users", "Sessions", "State", "Audit", "Content", "Intel", "Health"]
    primary_tables = [outputs[f"{t}TableName"] for t in order]
    standby, _ = rehearsal.deploy(
        f"{primary}-standby", {"Stage": "dev", "StandbyTables": ",".join(primary_tables)}, quiet=True
    )
    own = [
        r["LogicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=standby)["StackResources"]
        if r.get("ResourceType") == "AWS::DynamoDB::Table"
    ]
    if own != ["RateLimitsTable"]:
        raise SystemExit(f"{standby}: a standby creates only its rate-limit table, not {own}")
    wired = rehearsal.table_names(standby)
    stray = wired - set(primary_tables) - {rehearsal.physical(standby)["RateLimitsTable"]}
    if stray or not set(primary_tables) <= wired:
        raise SystemExit(f"{standby}: functions use {sorted(wired)}, not the primary's {primary_tables}")
    print(f"standby {standby}: no data tables of its own, every function on the primary's tables")
    print("types moto's CloudFormation does not implement, left out:")
    for kind, count in sorted(skipped.items()):
        print(f"  {kind}: {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
