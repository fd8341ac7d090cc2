"""Read a set of BPMN and DMN files, check that every element can run, and parse the processes.

``analyse`` describes and checks (see ``checks.py``); ``parse_specs`` then parses the processes
with SpiffWorkflow, turning its exceptions and silently skipped elements into problems too.
"""

from __future__ import annotations

from SpiffWorkflow.exceptions import SpiffWorkflowException

from ..handlers import registered_names
from .analysis import (
    BPMN_NS,
    Analysis,
    B,
    DecisionInfo,
    Problem,
    ProcessInfo,
    SourceFile,
    copy_tree,
    local,
    read_xml,
)
from .checks import (
    SUPPORTED_FLOW_NODES,
    check_dmn,
    check_process,
    check_references,
    scheduled_starts,
)
from .parsing import CAMUNDA, BpmnParser

__all__ = ["Analysis", "DecisionInfo", "Problem", "ProcessInfo", "SourceFile", "analyse",
           "parse_specs", "read_xml"]


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
    info.start_timers = scheduled_starts(process)
    return info


def build_parser(analysis: Analysis, bpmn_names: list[str], dmn_names: list[str]) -> BpmnParser:
    parser = BpmnParser()
    for name in dmn_names:
        parser.add_dmn_xml(copy_tree(analysis.trees[name]), filename=name)
    for name in bpmn_names:
        parser.add_bpmn_xml(copy_tree(analysis.trees[name]), filename=name)
    return parser




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
