"""The BPMN/DMN parser: CamundaParser plus what our diagrams need.

Diagrams from bpmn.io / Camunda Modeler parse as they are. On top of SpiffWorkflow's
CamundaParser this reads service-task handler names, who a user task is for (lane,
``camunda:candidateGroups``, ``camunda:assignee``), its due date and form, accepts
Camunda's bare timer expressions (``PT24H``), and translates FEEL cells in DMN tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.event_parsers import (
    BoundaryEventParser,
    EndEventParser,
    EventBasedGatewayParser,
    IntermediateCatchEventParser,
    IntermediateThrowEventParser,
    ReceiveTaskParser,
    SendTaskParser,
    StartEventParser,
)
from SpiffWorkflow.bpmn.parser.ProcessParser import ProcessParser as StockProcessParser
from SpiffWorkflow.bpmn.parser.task_parsers import (
    ConditionalGatewayParser,
    GatewayParser,
    SubprocessParser,
    SubWorkflowParser,
)
from SpiffWorkflow.bpmn.parser.util import BPMN_MODEL_NS, first
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    EndEvent,
    EventBasedGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    ReceiveTask,
    SendTask,
)
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.parser.task_spec import (
    CAMUNDA_MODEL_NS,
    BusinessRuleTaskParser,
    CamundaTaskParser,
)
from SpiffWorkflow.camunda.parser.task_spec import UserTaskParser as CamundaUserTaskParser
from SpiffWorkflow.camunda.specs.user_task import UserTask

from . import feel
from .decision_engine import PolicyDMNEngine
from .event_subprocesses import ProcessSpec, StartEvent
from .gateways import InclusiveGateway, ParallelGateway
from .specs import (
    BusinessRuleTask,
    ClockCycle,
    ClockDuration,
    ClockTimeDate,
    MessageEventDefinition,
    PassThroughTask,
    ServiceTask,
)

CAMUNDA = "{" + CAMUNDA_MODEL_NS + "}"

# An unquoted ISO 8601 literal as Camunda Modeler writes it: PT24H, P3D, R3/PT24H,
# 2026-12-01T09:00Z.
# A bare identifier that merely starts like a duration (P3X) counts too: it is a typo of one,
# and treating it as a variable name would fail only at run time.
_BARE_ISO = re.compile(r"(R\d*/[^\s'\"()]+|P[0-9T][0-9A-Za-z.,]*|\d{4}-[0-9T:.,+\-Z]+)", re.I)


def normalize_timer_expression(text: str | None) -> str | None:
    """Quote a bare ISO literal so the (Python) expression engine reads it as a string."""
    if text is None:
        return None
    stripped = text.strip()
    if _BARE_ISO.fullmatch(stripped):
        return repr(stripped)
    return stripped


@dataclass
class HumanTaskSpec:
    """Who a user task is for, when it is due and which form it shows (from the diagram)."""

    candidate_groups: list[str] = field(default_factory=list)
    assignee: str | None = None  # a username, or (assignee_is_expression) ${owner}
    assignee_is_expression: bool = False
    due: str | None = None  # an ISO duration from creation, or an expression
    form_key: str | None = None
    lane: str | None = None


def lane_group(lane_name: str | None) -> str | None:
    """'Sales Director' -> 'sales_director': lanes name the roles that may work their tasks."""
    if not lane_name:
        return None
    return re.sub(r"[^0-9a-z]+", "_", lane_name.strip().lower()).strip("_") or None


def unwrap_expression(value: str | None) -> str | None:
    """Camunda writes expressions as ``${owner}``; we evaluate the inside as Python."""
    if value is None:
        return None
    value = value.strip()
    match = re.fullmatch(r"[$#]\{(.*)\}", value, re.S)
    return match.group(1).strip() if match else value


class EventDefinitionParserMixin:
    """Messages with dict payloads and clock-driven timers for every event parser."""

    def parse_message_event(self, message_event):
        message_ref = message_event.get("messageRef")
        if message_ref:
            name = self.process_parser.parser.messages.get(message_ref)
            if name is None:
                self.raise_validation_exception(f"message '{message_ref}' is not defined")
            correlations = self.get_message_correlations(message_ref)
        else:
            name = message_event.getparent().get("name")
            correlations = []
        if not name:
            self.raise_validation_exception("a message event needs a named message")
        expression = message_event.get(CAMUNDA + "expression")
        if expression is None and self.node is not message_event:
            expression = self.node.get(CAMUNDA + "expression")
        result_var = message_event.get(CAMUNDA + "resultVariable")
        return MessageEventDefinition(
            name, correlations, unwrap_expression(expression), result_var,
            description=self.get_event_description(message_event),
        )

    def parse_timer_event(self, event):
        description = self.get_event_description(event)
        name = self.node.get("name", self.node.get("id"))
        for tag, cls in (("timeDate", ClockTimeDate), ("timeDuration", ClockDuration),
                         ("timeCycle", ClockCycle)):
            node = first(self.xpath(f".//bpmn:{tag}"))
            if node is not None:
                if not (node.text or "").strip():
                    self.raise_validation_exception(f"the timer's {tag} is empty")
                expression = normalize_timer_expression(unwrap_expression(node.text))
                return cls(name, expression, description=description)
        self.raise_validation_exception(
            "a timer needs a timeDate, timeDuration or timeCycle expression")


def is_scheduled_start(node) -> bool:
    """A timer start event of a process itself (not of an event subprocess): the service's
    scheduler starts a new instance when it is due (``services/schedules.py``)."""
    parent = node.getparent()
    return (etree.QName(node.tag).localname == "startEvent" and parent is not None
            and etree.QName(parent.tag).localname == "process"
            and first(node.xpath("bpmn:timerEventDefinition",
                                 namespaces={"bpmn": BPMN_MODEL_NS})) is not None)


class OurStartEventParser(EventDefinitionParserMixin, StartEventParser):
    def create_task(self):
        if is_scheduled_start(self.node):
            task = self._create_task(NoneEventDefinition(description="Default"))
            self.spec.start.connect(task)  # the instance exists because its time has come
        else:
            task = super().create_task()
        task.interrupting = self.node.get("isInterrupting", "true").lower() == "true"
        return task


class EmbeddedSubprocessParser(SubWorkflowParser):
    """Tells event subprocesses from embedded ones.

    SpiffWorkflow looks for a namespaced ``bpmn:triggeredByEvent`` attribute, which no modeler
    writes, so every event subprocess became a plain subprocess.
    """

    def create_task(self):
        spec_class = self.spec_class
        if self.node.get("triggeredByEvent", "false").lower() == "true":
            spec_class = self.EVENT_SUBPROCESS_CLASS
        subworkflow_spec = SubprocessParser.get_subprocess_spec(self)
        return spec_class(self.spec, self.bpmn_id, subworkflow_spec=subworkflow_spec,
                          **self.bpmn_attributes)


class ProcessParser(StockProcessParser):
    def create_spec(self):
        if not self.process_executable:
            raise ValidationException(f"Process {self.bpmn_id} is not executable.",
                                      node=self.node, file_name=self.filename)
        return ProcessSpec(name=self.bpmn_id, description=self.get_name(),
                           filename=self.filename)


class OurEndEventParser(EventDefinitionParserMixin, EndEventParser):
    pass


class OurIntermediateCatchEventParser(EventDefinitionParserMixin, IntermediateCatchEventParser):
    pass


class OurIntermediateThrowEventParser(EventDefinitionParserMixin, IntermediateThrowEventParser):
    pass


class OurBoundaryEventParser(EventDefinitionParserMixin, BoundaryEventParser):
    pass


class OurSendTaskParser(EventDefinitionParserMixin, SendTaskParser):
    pass


class OurReceiveTaskParser(EventDefinitionParserMixin, ReceiveTaskParser):
    pass


class OurEventBasedGatewayParser(EventDefinitionParserMixin, EventBasedGatewayParser):
    pass


def handler_name(node) -> str | None:
    """The handler a service task calls: camunda:topic, a 'handler' property, or ${name}."""
    topic = node.get(CAMUNDA + "topic")
    if topic:
        return topic.strip()
    for prop in node.iterfind(f".//{CAMUNDA}property"):
        if prop.get("name") == "handler" and prop.get("value"):
            return prop.get("value").strip()
    delegate = node.get(CAMUNDA + "delegateExpression") or node.get(CAMUNDA + "expression")
    return unwrap_expression(delegate) if delegate else None


class ServiceTaskParser(CamundaTaskParser):
    def create_task(self):
        return self.spec_class(self.spec, self.bpmn_id, handler=handler_name(self.node),
                               **self.bpmn_attributes)


class DecisionTaskParser(BusinessRuleTaskParser):
    def create_task(self):
        decision_id = self.get_decision_ref(self.node)
        engine = self.process_parser.parser.get_engine(decision_id, self.node)
        return self.spec_class(
            self.spec, self.bpmn_id, dmnEngine=engine, decision_id=decision_id,
            result_variable=(self.node.get(CAMUNDA + "resultVariable") or "").strip() or None,
            map_result=self.node.get(CAMUNDA + "mapDecisionResult"), **self.bpmn_attributes)


class UserTaskParser(CamundaUserTaskParser):
    """Reads who may work the task, its due date and its form."""

    def create_task(self):
        task = super().create_task()
        task.human = human_task_spec(self.node, self.lane)
        return task


class ManualTaskParser(CamundaTaskParser):
    def create_task(self):
        task = super().create_task()
        task.human = human_task_spec(self.node, self.lane)
        return task


def human_task_spec(node, lane: str | None) -> HumanTaskSpec:
    assignee = node.get(CAMUNDA + "assignee")
    groups_attr = node.get(CAMUNDA + "candidateGroups") or ""
    groups = [g.strip() for g in groups_attr.split(",") if g.strip()]
    if not groups and lane_group(lane):
        groups = [lane_group(lane)]
    return HumanTaskSpec(
        candidate_groups=groups,
        assignee=unwrap_expression(assignee) or None,
        assignee_is_expression=bool(assignee) and unwrap_expression(assignee) != assignee.strip(),
        due=normalize_timer_expression(unwrap_expression(node.get(CAMUNDA + "dueDate"))),
        form_key=(node.get(CAMUNDA + "formKey") or "").strip() or None,
        lane=lane,
    )


class BpmnParser(CamundaParser):
    """The one parser the service uses for every deployment."""

    PROCESS_PARSER_CLASS = ProcessParser

    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("userTask"): (UserTaskParser, UserTask),
        full_tag("manualTask"): (ManualTaskParser, CamundaParser.OVERRIDE_PARSER_CLASSES[
            full_tag("manualTask")][1]),
        full_tag("serviceTask"): (ServiceTaskParser, ServiceTask),
        full_tag("task"): (CamundaTaskParser, PassThroughTask),
        full_tag("businessRuleTask"): (DecisionTaskParser, BusinessRuleTask),
        full_tag("subProcess"): (EmbeddedSubprocessParser, CamundaParser.OVERRIDE_PARSER_CLASSES[
            full_tag("subProcess")][1]),
        full_tag("startEvent"): (OurStartEventParser, StartEvent),
        full_tag("endEvent"): (OurEndEventParser, EndEvent),
        full_tag("intermediateCatchEvent"): (OurIntermediateCatchEventParser,
                                             IntermediateCatchEvent),
        full_tag("intermediateThrowEvent"): (OurIntermediateThrowEventParser,
                                             IntermediateThrowEvent),
        full_tag("boundaryEvent"): (OurBoundaryEventParser, BoundaryEvent),
        full_tag("sendTask"): (OurSendTaskParser, SendTask),
        full_tag("receiveTask"): (OurReceiveTaskParser, ReceiveTask),
        full_tag("eventBasedGateway"): (OurEventBasedGatewayParser, EventBasedGateway),
        full_tag("parallelGateway"): (GatewayParser, ParallelGateway),
        full_tag("inclusiveGateway"): (ConditionalGatewayParser, InclusiveGateway),
    }

    def __init__(self):
        super().__init__()
        self.dmn_errors: list[tuple[str | None, str | None, str]] = []

    def add_bpmn_xml(self, bpmn, filename=None):
        unwrap_expressions(bpmn)
        super().add_bpmn_xml(bpmn, filename)

    def add_dmn_xml(self, node, filename=None):
        """Translate FEEL cells to our Python dialect before SpiffWorkflow reads the table."""
        self.dmn_errors.extend(translate_dmn_cells(node, filename))
        super().add_dmn_xml(node, filename)

    def get_engine(self, decision_ref, node):
        engine = super().get_engine(decision_ref, node)
        table_node = first(self.dmn_parsers[decision_ref].xpath(".//dmn:decisionTable"))
        aggregation = table_node.get("aggregation") if table_node is not None else None
        return PolicyDMNEngine(engine.decision_table, aggregation)


EXPRESSION_ELEMENTS = ("conditionExpression", "loopCondition", "completionCondition",
                       "loopCardinality", "condition")


def unwrap_expressions(root) -> None:
    """Camunda Modeler writes ``${amount > 50000}``; SpiffWorkflow evaluates the raw text.

    Deployment checks the unwrapped expression, so the parser must run the same text: unwrap
    conditions, loop conditions, cardinalities and ``camunda:collection`` in place.
    """
    for name in EXPRESSION_ELEMENTS:
        for node in root.iter("{*}" + name):
            if node.text and node.text.strip():
                node.text = unwrap_expression(node.text)
    for node in root.iter("{*}multiInstanceLoopCharacteristics"):
        collection = node.get(CAMUNDA + "collection")
        if collection:
            node.set(CAMUNDA + "collection", unwrap_expression(collection))


def translate_dmn_cells(root, filename: str | None) -> list[tuple[str | None, str | None, str]]:
    """Rewrite every rule cell in place; return (file, element id, reason) for bad cells."""
    errors = []
    ns = {"dmn": root.nsmap.get(None) or root.nsmap.get("dmn")}
    for table in root.iterfind(".//dmn:decisionTable", ns):
        inputs = [
            (first(i.xpath("dmn:inputExpression", namespaces=ns)), i)
            for i in table.iterfind("dmn:input", ns)
        ]
        input_types = [expr.get("typeRef") if expr is not None else None for expr, _ in inputs]
        output_types = [o.get("typeRef") for o in table.iterfind("dmn:output", ns)]
        for rule in table.iterfind("dmn:rule", ns):
            cells = [(e, "input", input_types) for e in rule.iterfind("dmn:inputEntry", ns)]
            cells += [(e, "output", output_types) for e in rule.iterfind("dmn:outputEntry", ns)]
            counters = {"input": 0, "output": 0}
            for entry, kind, types in cells:
                index = counters[kind]
                counters[kind] += 1
                type_ref = types[index] if index < len(types) else None
                text_node = first(entry.xpath("dmn:text", namespaces=ns))
                if text_node is None:
                    continue
                try:
                    if kind == "input":
                        translated = feel.translate_input_entry(text_node.text, type_ref)
                        text_node.text = "-" if translated is None else translated
                    else:
                        translated = feel.translate_output_entry(text_node.text, type_ref)
                        text_node.text = translated
                except feel.CellError as exc:
                    column = index + 1
                    errors.append((filename, rule.get("id"),
                                   f"{kind} column {column}: {exc}"))
    return errors


def parse_xml(content: bytes, filename: str):
    """Parse untrusted XML: no entities, no network, no DTD (XXE-safe), with line numbers."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=False)
    try:
        return etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise ValidationException(f"not well-formed XML: {exc.msg}", file_name=filename,
                                  line_number=exc.lineno) from exc

