"""Read a set of BPMN and DMN files, check that every element can run, and parse the processes.

Everything an analyst can get wrong is reported here, at deployment, as a ``Problem`` naming the
file, the element id, the line and the reason, instead of surfacing in a running deal.
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException

from ..handlers import registered_names
from . import sandbox
from .decision_engine import SUPPORTED_HIT_POLICIES
from .parsing import (
    CAMUNDA,
    BpmnParser,
    handler_name,
    lane_group,
    normalize_timer_expression,
    parse_xml,
    translate_dmn_cells,
    unwrap_expression,
)
from .specs import as_utc, parse_cycle

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
B = "{" + BPMN_NS + "}"

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
SUPPORTED_EVENT_DEFINITIONS = {
    "messageEventDefinition", "timerEventDefinition", "errorEventDefinition",
    "escalationEventDefinition", "signalEventDefinition", "terminateEventDefinition",
    "conditionalEventDefinition", "cancelEventDefinition",
}
UNSUPPORTED_EVENT_DEFINITIONS = {"compensateEventDefinition", "linkEventDefinition"}


@dataclass
class Problem:
    file: str | None
    element_id: str | None
    reason: str
    line: int | None = None

    def as_dict(self) -> dict:
        return {"file": self.file, "element_id": self.element_id, "line": self.line,
                "reason": self.reason}


@dataclass
class SourceFile:
    name: str
    content: bytes


@dataclass
class ProcessInfo:
    """What a deployment needs to know about one process (key = the BPMN process id)."""

    key: str
    name: str
    file: str
    called_processes: set[str] = field(default_factory=set)
    decisions: set[str] = field(default_factory=set)
    forms: set[str] = field(default_factory=set)
    start_messages: set[str] = field(default_factory=set)
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class DecisionInfo:
    decision_id: str
    name: str
    file: str


class Analysis:
    """The result of reading a bundle: processes, decisions and every problem found."""

    def __init__(self):
        self.processes: dict[str, ProcessInfo] = {}
        self.decisions: dict[str, DecisionInfo] = {}
        self.problems: list[Problem] = []
        self.trees: dict[str, etree._Element] = {}
        self.sources: dict[str, bytes] = {}

    def problem(self, file, node_or_id, reason: str) -> None:
        """Record a problem at an element (or an element id, whose line is looked up)."""
        if isinstance(node_or_id, etree._Element):
            self.problems.append(Problem(file, node_or_id.get("id"), reason,
                                         self.line(file, node_or_id)))
        else:
            self.problems.append(Problem(file, node_or_id, reason,
                                         self.line_of(file, node_or_id)))

    def line_of(self, file: str | None, element_id: str | None) -> int | None:
        """The line of the element with this id, so that every problem points into the XML."""
        if file not in self.trees or not element_id:
            return None
        found = self.trees[file].xpath("//*[@id=$id]", id=element_id)
        return self.line(file, found[0]) if found else None

    def line(self, file: str | None, node) -> int | None:
        """The line where the element's start tag begins.

        lxml gives the line where the start tag ends, which for a tag written over several
        lines (one attribute a line) is below the element. The tag begins at the last '<'
        before its id attribute (attribute values cannot hold a '<').
        """
        end, element_id = node.sourceline, node.get("id")
        content = self.sources.get(file)
        if content is None or end is None or not element_id:
            return end
        head = b"\n".join(content.split(b"\n")[:end])
        pattern = rb"""(?<![\w:.-])id\s*=\s*["']""" + re.escape(element_id.encode()) + rb"""["']"""
        found = list(re.finditer(pattern, head))
        start = head.rfind(b"<", 0, found[-1].start()) if found else -1
        return head.count(b"\n", 0, start) + 1 if start >= 0 else end


def local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def read_xml(files: list[SourceFile], analysis: Analysis) -> None:
    for source in files:
        try:
            root = parse_xml(source.content, source.name)
        except ValidationException as exc:
            analysis.problems.append(Problem(source.name, None, str(exc), exc.line_number or None))
            continue
        if root.getroottree().docinfo.doctype:
            line = source.content[:source.content.find(b"<!DOCTYPE")].count(b"\n") + 1
            analysis.problems.append(Problem(source.name, None, "a DOCTYPE is not allowed in "
                                             "process files (entities could read server files)",
                                             line))
            continue
        analysis.trees[source.name] = root
        analysis.sources[source.name] = source.content


def analyse(bpmn_files: list[SourceFile], dmn_files: list[SourceFile], *,
            form_keys: set[str], known_groups: set[str], check: bool = True) -> Analysis:
    """Describe every file's processes and decisions; with ``check``, find every problem."""
    analysis = Analysis()
    read_xml(bpmn_files + dmn_files, analysis)
    for source in dmn_files:
        root = analysis.trees.get(source.name)
        if root is not None:
            check_dmn(source.name, root, analysis, cells=check)
    handlers = registered_names()
    for source in bpmn_files:
        root = analysis.trees.get(source.name)
        if root is None:
            continue
        processes = root.findall(f"{B}process")
        if local(root.tag) != "definitions" or not processes:
            analysis.problem(source.name, None, "not a BPMN 2.0 file: no <bpmn:process> found")
            continue
        if check and all(p.get("isExecutable", "true") != "true" for p in processes):
            analysis.problem(source.name, processes[0], "no executable process: nothing in "
                             "this file would run (tick 'Executable' in the modeler)")
        for process in processes:
            if process.get("isExecutable", "true") != "true":
                continue
            info = describe_process(source.name, process, analysis)
            if check:
                check_process(source.name, root, process, info, analysis, handlers, form_keys,
                              known_groups)
    if check:
        check_references(analysis)
    return analysis


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


def describe_process(file: str, process, analysis: Analysis) -> ProcessInfo:
    key = process.get("id")
    info = ProcessInfo(key=key, name=process.get("name") or key, file=file)
    if key in analysis.processes:
        analysis.problem(file, process, f"process id {key!r} is also defined in "
                         f"{analysis.processes[key].file}: a process lives in one file (to "
                         "move it, deploy that file again without it)")
    analysis.processes[key] = info
    for node in process.iter(f"{B}callActivity"):
        if node.get("calledElement"):
            info.called_processes.add(node.get("calledElement"))
    for node in process.iter(f"{B}businessRuleTask"):
        if node.get(CAMUNDA + "decisionRef"):
            info.decisions.add(node.get(CAMUNDA + "decisionRef"))
    for node in process.iter(f"{B}userTask"):
        if node.get(CAMUNDA + "formKey"):
            info.forms.add(node.get(CAMUNDA + "formKey").strip())
    root = process.getroottree().getroot()
    messages = {m.get("id"): m.get("name") for m in root.iter(f"{B}message")}
    for start in process.findall(f"{B}startEvent"):
        for med in start.iter(f"{B}messageEventDefinition"):
            if messages.get(med.get("messageRef")):
                info.start_messages.add(messages[med.get("messageRef")])
    return info


def check_process(file, root, process, info: ProcessInfo, analysis: Analysis, handlers: set,
                  form_keys: set, known_groups: set) -> None:
    for node in process.iter():
        name = local(node.tag)
        if not isinstance(node.tag, str) or not node.tag.startswith(B):
            continue
        if name in UNSUPPORTED_FLOW_NODES:
            analysis.problem(file, node, f"{name} is not supported by the engine")
        elif name in UNSUPPORTED_EVENT_DEFINITIONS:
            analysis.problem(file, node.getparent(), f"{name} is not supported by the engine")
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


def check_service_task(file, node, analysis: Analysis, handlers: set) -> None:
    name = handler_name(node)
    if not name:
        analysis.problem(file, node, "the service task names no handler (set camunda:topic "
                         "or a 'handler' property)")
    elif name not in handlers:
        analysis.problem(file, node, f"the service task names handler {name!r}, which is not "
                         f"registered (registered: {', '.join(sorted(handlers)) or 'none'})")


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


def check_timer(file, node, analysis: Analysis) -> None:
    event = node.getparent()
    for child in node:
        kind = local(child.tag)
        if kind not in ("timeDate", "timeDuration", "timeCycle"):
            continue
        raw = unwrap_expression(child.text or "")
        if not raw:
            analysis.problem(file, event, f"the timer's {kind} is empty")
            return
        expression = normalize_timer_expression(raw)
        value = literal_string(expression)
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
        except Exception as exc:
            analysis.problem(file, event, f"timer {kind} {value!r} is not a valid ISO 8601 "
                             f"{'duration' if kind == 'timeDuration' else kind[4:].lower()}: "
                             f"{exc}")
        return
    analysis.problem(file, event, "a timer needs a timeDate, timeDuration or timeCycle")


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


def build_parser(analysis: Analysis, bpmn_names: list[str], dmn_names: list[str]) -> BpmnParser:
    parser = BpmnParser()
    for name in dmn_names:
        parser.add_dmn_xml(copy_tree(analysis.trees[name]), filename=name)
    for name in bpmn_names:
        parser.add_bpmn_xml(copy_tree(analysis.trees[name]), filename=name)
    return parser


def copy_tree(root):
    """A copy the parser may rewrite; deepcopy keeps the source lines its errors name."""
    return copy.deepcopy(root)


def parse_specs(analysis: Analysis, keys: list[str],
                skip_files: set | frozenset = frozenset()) -> dict[str, tuple]:
    """Parse each process into (spec, subprocess specs); parse errors become problems.

    ``skip_files`` (files with problems already) stay out of the parser, so that their known
    problems neither stop nor repeat themselves in the parsing of the other processes.
    """
    bpmn_names = sorted({p.file for p in analysis.processes.values()} - set(skip_files))
    dmn_names = sorted({d.file for d in analysis.decisions.values()} - set(skip_files))
    try:
        parser = build_parser(analysis, bpmn_names, dmn_names)
    except SpiffWorkflowException as exc:
        analysis.problems.append(spiff_problem(exc, analysis))
        return {}
    for file, rule_id, reason in parser.dmn_errors:
        analysis.problem(file, rule_id, reason)
    specs = {}
    for key in keys:
        try:
            spec = parser.get_spec(key)
            subprocess_specs = parser.get_subprocess_specs(key)
        except SpiffWorkflowException as exc:
            analysis.problems.append(spiff_problem(exc, analysis))
            continue
        except Exception as exc:  # the parser's own bugs must not hide the element
            analysis.problem(analysis.processes[key].file, key, f"cannot parse: {exc!r}")
            continue
        check_reachable(analysis, key, spec, subprocess_specs)
        specs[key] = (spec, subprocess_specs)
    return specs


def spiff_problem(exc: SpiffWorkflowException, analysis: Analysis) -> Problem:
    file = getattr(exc, "file_name", None) or None
    element_id = getattr(exc, "id", None) or None
    line = analysis.line_of(file, element_id) or getattr(exc, "line_number", None) or None
    message = str(exc.args[0]) if exc.args else str(exc)
    return Problem(file, element_id, message, line)


def check_reachable(analysis: Analysis, key: str, spec, subprocess_specs: dict) -> None:
    """SpiffWorkflow parses only what a start event reaches; anything else would never run."""
    parsed = {getattr(ts, "bpmn_id", None) for ts in spec.task_specs.values()}
    for sub in subprocess_specs.values():
        if sub is not None:
            parsed |= {getattr(ts, "bpmn_id", None) for ts in sub.task_specs.values()}
    info = analysis.processes[key]
    root = analysis.trees[info.file]
    process = root.xpath("//bpmn:process[@id=$id]", namespaces={"bpmn": BPMN_NS}, id=key)[0]
    for node in process.iter():
        name = local(node.tag)
        if name in SUPPORTED_FLOW_NODES and node.get("id") not in parsed:
            analysis.problem(info.file, node, "not reachable from a start event: it would "
                             "never run (connect it or delete it)")
