"""Instance state <-> JSON, without the process spec.

The spec belongs to the definition version and is parsed once per process (see
``definitions.py``); storing it inside every instance would copy tens of kilobytes per row and
re-serialize it on every step. So the workflow converter here leaves it out, and restoring
takes the cached spec objects as arguments.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    MessageEventDefinitionConverter,
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import VERSION

from .specs import ClockCycle, ClockDuration, ClockTimeDate, MessageEventDefinition


class StatelessSpecWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class OurMessageConverter(MessageEventDefinitionConverter):
    def to_dict(self, event_definition):
        dct = super().to_dict(event_definition)
        dct["expression"] = event_definition.expression
        dct["result_var"] = event_definition.result_var
        return dct


def _registry():
    config = dict(DEFAULT_CONFIG)
    config[BpmnWorkflow] = StatelessSpecWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    for cls in (ClockTimeDate, ClockDuration, ClockCycle):
        TimerConditionalEventDefinitionConverter(cls, registry)
    OurMessageConverter(MessageEventDefinition, registry, typename="CrmMessageEventDefinition")
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    registry.register(date, lambda v: {"value": v.isoformat()},
                      lambda v: date.fromisoformat(v["value"]))
    registry.register(set, lambda v: {"items": sorted(v, key=repr)}, lambda v: set(v["items"]))
    return registry


_serializer = BpmnWorkflowSerializer(_registry())


def dump_state(workflow: BpmnWorkflow) -> str:
    """The instance state as JSON text (no spec); task data may hold Decimal, date, set."""
    return _serializer.serialize_json(workflow)


def load_state(state: str, spec, subprocess_specs: dict) -> BpmnWorkflow:
    """Rebuild a workflow from its state and the definition's (cached) spec."""
    dct = json.loads(state)
    if dct.get(_serializer.VERSION_KEY, VERSION) != VERSION:
        _serializer.migrate(dct)
    else:
        dct.pop(_serializer.VERSION_KEY, None)
    return _serializer.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
