"""The checks deployment runs on every element before anything is stored.

Each check looks at the XML (which keeps line numbers) and records problems on the analysis:
elements the engine cannot run, handlers, decisions and forms that do not exist, expressions
the sandbox refuses, timers that would fail at run time, DMN cells that would never match.
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from ..handlers import check_properties
from . import sandbox
from .analysis import Analysis, B, DecisionInfo, Problem, ProcessInfo, copy_tree, local
from .decision_engine import SUPPORTED_HIT_POLICIES
from .parsing import (
    CAMUNDA,
    handler_name,
    is_scheduled_start,
    lane_group,
    normalize_timer_expression,
    translate_dmn_cells,
    unwrap_expression,
)
from .specs import as_utc, parse_cycle

SUPPORTED_FLOW_NODES = {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
    "boundaryEvent", "task", "userTask", "manualTask", "serviceTask", "scriptTask",
    "businessRuleTask", "sendTask", "receiveTask", "exclusiveGateway", "parallelGateway",
    "inclusiveGateway", "eventBasedGateway", "subProcess", "callActivity", "transaction",
}


ACTIVITIES = {"task", "userTask", "manualTask", "serviceTask", "scriptTask", "businessRuleTask",
              "sendTask", "receiveTask", "subProcess", "callActivity", "transaction"}


UNSUPPORTED_FLOW_NODES = {"complexGateway", "adHocSubProcess", "choreographyTask",
                          "subChoreography", "callChoreography"}




UNSUPPORTED_EVENT_DEFINITIONS = {
    "compensateEventDefinition": "compensation is not supported by the engine",
    "linkEventDefinition": "link events are not supported by the engine: draw the flow",
    "conditionalEventDefinition": "conditional events are not supported: the engine evaluates "
                                  "the condition once and never again, so the instance would "
                                  "wait forever; use a gateway, a message or a timer",
}
# Start events of a top-level process that nothing would trigger (event subprocesses are fine).
UNTRIGGERED_STARTS = {
    "signalEventDefinition": "a signal start event on a process would never fire: start the "
                             "process through the API or a message",
}
IGNORED_CAMUNDA_MAPPINGS = ("in", "out", "inputOutput")
CRON = re.compile(r"([0-9*?/,LW#A-Z-]+\s+){4,6}[0-9*?/,LW#A-Z-]+", re.I)


def check_dmn(file: str, root, analysis: Analysis, cells: bool = True) -> None:
    """One decision table per file, a supported hit policy, and (with ``cells``) every cell
    translatable and able to match: checked here, not only while parsing, so that a bad cell
    is reported even when other files of the deployment have problems too."""
    decisions = [d for d in root if local(d.tag) == "decision"]
    if local(root.tag) != "definitions" or not decisions:
        analysis.problem(file, None, "not a DMN file: no <decision> found")
        return
    if len(decisions) > 1:
        analysis.problem(file, decisions[1],
                         "one decision per .dmn file: split the others into files of their own")
        return
    decision = decisions[0]
    decision_id = decision.get("id")
    tables = [t for t in decision if local(t.tag) == "decisionTable"]
    if not tables:
        analysis.problem(file, decision, "the decision has no decision table")
        return
    policy = (tables[0].get("hitPolicy") or "UNIQUE").upper()
    if policy not in SUPPORTED_HIT_POLICIES:
        analysis.problem(file, tables[0], f"hit policy {policy} is not supported; use one of "
                         f"{', '.join(sorted(SUPPORTED_HIT_POLICIES))}")
    aggregation = tables[0].get("aggregation")
    if aggregation and (policy != "COLLECT" or aggregation.upper() not in
                        ("SUM", "MIN", "MAX", "COUNT")):
        analysis.problem(file, tables[0], f"aggregation {aggregation} needs hit policy COLLECT "
                         "and one of SUM, MIN, MAX, COUNT")
    for inp in tables[0].iter("{*}inputExpression"):
        text = inp.find("{*}text")
        if text is None or not (text.text or "").strip():
            analysis.problem(file, inp.getparent(), "the input has no expression")
        else:
            check_expression(file, inp.getparent(), text.text, "input expression", analysis)
    for out in tables[0].iterfind("{*}output"):
        if not (out.get("name") or out.get("label")):
            analysis.problem(file, out, "the output has no name: it would set no variable")
    if decision_id in analysis.decisions:
        analysis.problem(file, decision, f"decision id {decision_id!r} is also defined in "
                         f"{analysis.decisions[decision_id].file}")
    analysis.decisions[decision_id] = DecisionInfo(decision_id, decision.get("name") or "", file)
    if cells:
        for _file, rule_id, reason in translate_dmn_cells(copy_tree(root), file):
            analysis.problem(file, rule_id, reason)


def check_process(file, root, process, info: ProcessInfo, analysis: Analysis, handlers: set,
                  form_keys: set, known_groups: set) -> None:
    for node in process.iter():
        name = local(node.tag)
        if not isinstance(node.tag, str) or not node.tag.startswith(B):
            continue
        if name in UNSUPPORTED_FLOW_NODES:
            analysis.problem(file, node, f"{name} is not supported by the engine")
        elif name in UNSUPPORTED_EVENT_DEFINITIONS:
            analysis.problem(file, node.getparent(), UNSUPPORTED_EVENT_DEFINITIONS[name])
        elif name in UNTRIGGERED_STARTS and node.getparent().getparent() is process \
                and local(node.getparent().tag) == "startEvent":
            analysis.problem(file, node.getparent(), UNTRIGGERED_STARTS[name])
        elif name == "multiInstanceLoopCharacteristics":
            check_collection(file, node, analysis)
        elif name == "serviceTask":
            check_service_task(file, node, analysis, handlers)
        elif name == "businessRuleTask" and not node.get(CAMUNDA + "decisionRef"):
            analysis.problem(file, node, "the business rule task names no decision "
                             "(camunda:decisionRef)")
        elif name in ("userTask", "manualTask"):
            check_human_task(file, node, info, analysis, form_keys, known_groups)
        elif name == "timerEventDefinition":
            check_timer(file, node, analysis)
        elif name == "script" and local(node.getparent().tag) == "scriptTask":
            check_expression(file, node.getparent(), node.text or "", "script", analysis,
                             mode="exec")
        elif name in ("conditionExpression", "loopCondition", "completionCondition",
                      "loopCardinality", "condition"):
            check_expression(file, node.getparent(), unwrap_expression(node.text) or "",
                             name, analysis)
        elif name == "callActivity" and not node.get("calledElement"):
            analysis.problem(file, node, "the call activity names no process (calledElement)")
    for node in process.iter(*(CAMUNDA + m for m in IGNORED_CAMUNDA_MAPPINGS)):
        host = next((a for a in node.iterancestors() if a.get("id")), process)
        info.warnings.append(Problem(
            file, host.get("id"), f"camunda:{local(node.tag)} is ignored: call activities and "
            "tasks see all the process data and return all of theirs", analysis.line(file, host)))
    check_references_between_elements(file, process, analysis)
    for node in process.iter(f"{B}subProcess"):
        if node.get("triggeredByEvent") == "true":
            continue
        starts = node.findall(f"{B}startEvent")
        if len(starts) != 1:
            analysis.problem(file, node, "an embedded subprocess needs exactly one start event, "
                             f"found {len(starts)}")


def check_references_between_elements(file, process, analysis: Analysis) -> None:
    """Flows, default flows and boundary events must point at elements of the process: the
    parser reports a dangling flow confusingly, and a wrong default flow not at all."""
    nodes = {n.get("id"): n for n in process.iter() if local(n.tag) in SUPPORTED_FLOW_NODES
             or local(n.tag) in UNSUPPORTED_FLOW_NODES}
    flows = {f.get("id"): f for f in process.iter(f"{B}sequenceFlow")}
    for flow in flows.values():
        for end in ("sourceRef", "targetRef"):
            if flow.get(end) not in nodes:
                analysis.problem(file, flow, f"the sequence flow's {end} {flow.get(end)!r} is "
                                 "not an element of this process")
    for node in nodes.values():
        default = node.get("default")
        if default and (default not in flows or flows[default].get("sourceRef") != node.get("id")):
            analysis.problem(file, node, f"the default flow {default!r} is not one of this "
                             "element's outgoing sequence flows")
    for node in process.iter(f"{B}boundaryEvent"):
        host = nodes.get(node.get("attachedToRef"))
        if host is None or local(host.tag) not in ACTIVITIES:
            analysis.problem(file, node, f"the boundary event is attached to "
                             f"{node.get('attachedToRef')!r}, which is not an activity of this "
                             "process")


def check_collection(file, node, analysis: Analysis) -> None:
    """SpiffWorkflow reads camunda:collection as the name of a variable, not an expression."""
    collection = node.get(CAMUNDA + "collection")
    if collection is None:
        return
    name = unwrap_expression(collection)
    if not name.isidentifier():
        analysis.problem(file, node.getparent(), f"camunda:collection {collection!r} must name "
                         "a process variable holding the list (e.g. ${items}); compute other "
                         "lists in a script task first")


def check_service_task(file, node, analysis: Analysis, handlers: set) -> None:
    name = handler_name(node)
    if not name:
        analysis.problem(file, node, "the service task names no handler (set camunda:topic "
                         "or a 'handler' property)")
    elif name not in handlers:
        analysis.problem(file, node, f"the service task names handler {name!r}, which is not "
                         f"registered (registered: {', '.join(sorted(handlers)) or 'none'})")
    else:
        properties = {p.get("name"): p.get("value") for p in node.iter(f"{CAMUNDA}property")}
        for reason in check_properties(name, properties):
            analysis.problem(file, node, reason)


def check_human_task(file, node, info: ProcessInfo, analysis: Analysis, form_keys: set,
                     known_groups: set) -> None:
    form_key = (node.get(CAMUNDA + "formKey") or "").strip()
    if form_key and form_key not in form_keys:
        analysis.problem(file, node, f"the user task names form {form_key!r}, which is neither "
                         "in this deployment nor deployed before")
    assignee = node.get(CAMUNDA + "assignee")
    if assignee and unwrap_expression(assignee) != assignee.strip():
        check_expression(file, node, unwrap_expression(assignee), "assignee", analysis)
    due = node.get(CAMUNDA + "dueDate")
    if due:
        check_due(file, node, due, analysis)
    lane = None
    root = node.getroottree().getroot()
    for ref in root.iter(f"{B}flowNodeRef"):
        if ref.text and ref.text.strip() == node.get("id"):
            lane = ref.getparent().get("name")
    groups = [g.strip() for g in (node.get(CAMUNDA + "candidateGroups") or "").split(",")
              if g.strip()] or ([lane_group(lane)] if lane_group(lane) else [])
    if not groups and not assignee:
        info.warnings.append(Problem(file, node.get("id"), "no lane, candidate group or "
                                     "assignee: only managers and admins will see this task",
                                     analysis.line(file, node)))
    for group in groups:
        if group not in known_groups:
            info.warnings.append(Problem(
                file, node.get("id"),
                f"candidate group {group!r} is not a role any user can have "
                f"({', '.join(sorted(known_groups))})", analysis.line(file, node)))


def check_expression(file, node, text: str, what: str, analysis: Analysis,
                     mode: str = "eval") -> None:
    try:
        sandbox.check(text.strip() if mode == "eval" else text, mode)
    except sandbox.ScriptError as exc:
        where = f" (line {exc.line})" if exc.line and mode == "exec" else ""
        analysis.problem(file, node, f"{what}{where}: {exc}")


def literal_string(expression: str) -> str | None:
    try:
        value = ast.literal_eval(expression)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def check_due(file, node, text: str, analysis: Analysis) -> None:
    expression = normalize_timer_expression(unwrap_expression(text))
    value = literal_string(expression)
    if value is None:
        check_expression(file, node, expression, "due date", analysis)
        return
    try:
        if value.upper().startswith("P"):
            TimerEventDefinition.parse_iso_duration(value)
        else:
            check_moment(value)
    except Exception as exc:
        analysis.problem(file, node, f"due date {value!r} is not an ISO 8601 duration or "
                         f"date with an offset: {exc}")


def check_moment(value: str) -> None:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("add an explicit offset such as Z or +08:00")
    as_utc(moment)


def timer_expression(node) -> tuple[str | None, str | None]:
    """(timeDate|timeDuration|timeCycle, the Python expression) of a timerEventDefinition."""
    for child in node:
        kind = local(child.tag)
        if kind in ("timeDate", "timeDuration", "timeCycle"):
            raw = unwrap_expression(child.text or "")
            return kind, normalize_timer_expression(raw) if raw else None
    return None, None


def check_timer(file, node, analysis: Analysis) -> None:
    event = node.getparent()
    kind, expression = timer_expression(node)
    if kind is not None:
        if expression is None:
            analysis.problem(file, event, f"the timer's {kind} is empty")
            return
        value = literal_string(expression)
        if kind == "timeCycle" and CRON.fullmatch(expression):
            analysis.problem(file, event, f"timer timeCycle {expression!r} looks like cron, "
                             "which the engine does not read: write an ISO 8601 cycle such as "
                             "R/2026-12-01T09:00:00+08:00/P1D (every day at nine)")
            return
        if value is None and is_scheduled_start(event):
            analysis.problem(file, event, f"the process's timer start event needs a fixed "
                             f"{kind[4:].lower()}, not an expression: it is due before any "
                             "process data exists")
            return
        if value is None:
            check_expression(file, event, expression, f"timer {kind}", analysis)
            return
        try:
            if kind == "timeDuration":
                TimerEventDefinition.parse_iso_duration(value)
            elif kind == "timeDate":
                check_moment(value)
            else:
                parse_cycle(value, datetime.now(UTC))
                for part in value.split("/")[1:]:
                    if not part.upper().startswith("P"):
                        check_moment(part)  # a start date without an offset: refused
        except Exception as exc:
            analysis.problem(file, event, f"timer {kind} {value!r} is not a valid ISO 8601 "
                             f"{'duration' if kind == 'timeDuration' else kind[4:].lower()}: "
                             f"{exc}")
        return
    analysis.problem(file, event, "a timer needs a timeDate, timeDuration or timeCycle")


def scheduled_starts(process) -> list[tuple[str, str, str]]:
    """(element id, kind, literal value) of the process's own timer start events."""
    found = []
    for start in process.findall(f"{B}startEvent"):
        for node in start.findall(f"{B}timerEventDefinition"):
            kind, expression = timer_expression(node)
            value = literal_string(expression) if expression else None
            if kind and value:
                found.append((start.get("id"), kind, value))
    return found


def check_references(analysis: Analysis) -> None:
    """Called processes and decisions must exist (in this bundle: callers merge stored ones)."""
    for info in analysis.processes.values():
        root = analysis.trees[info.file]
        for node in root.iter(f"{B}callActivity"):
            called = node.get("calledElement")
            if called and called not in analysis.processes:
                analysis.problem(info.file, node, f"the call activity calls process {called!r}, "
                                 "which is neither in this deployment nor deployed before")
        for node in root.iter(f"{B}businessRuleTask"):
            ref = node.get(CAMUNDA + "decisionRef")
            if ref and ref not in analysis.decisions:
                analysis.problem(info.file, node, f"the business rule task uses decision "
                                 f"{ref!r}, which is neither in this deployment nor deployed "
                                 "before")
