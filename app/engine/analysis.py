"""What reading a bundle of BPMN and DMN files finds: processes, decisions, problems.

A ``Problem`` names the file, the element id, the line and the reason, so that everything an
analyst can get wrong is reported at deployment instead of surfacing in a running deal.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from .parsing import parse_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


B = "{" + BPMN_NS + "}"


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
    # timer start events of the process: (element id, timeDate|timeDuration|timeCycle, value)
    start_timers: list[tuple[str, str, str]] = field(default_factory=list)
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

def copy_tree(root):
    """A copy the parser may rewrite; deepcopy keeps the source lines its errors name."""
    return copy.deepcopy(root)
