"""The only package that imports SpiffWorkflow. Services use what is exported here."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock

from .decisions import DecisionFailed, decision_evaluator, evaluate_decision
from .deployment import Analysis, Problem, SourceFile, analyse, parse_specs, read_xml
from .runtime import EngineError, HumanTask, Run, Snapshot, to_json
from .specs import as_utc as parse_moment
from .specs import duration_from, next_turn, parse_cycle
from .storable import NotStorable, check_storable

__all__ = [
    "Analysis", "DecisionFailed", "EngineError", "HumanTask", "Problem", "Run", "Snapshot",
    "SourceFile", "analyse", "evaluate_decision", "parse_specs", "read_xml", "to_json",
    "cached_specs", "duration_from", "NotStorable", "check_storable", "parse_cycle",
    "parse_moment", "next_turn", "decision_evaluator",
]

_SPEC_CACHE: OrderedDict = OrderedDict()
_SPEC_CACHE_SIZE = 256
_lock = Lock()


def cached_specs(key: str, bundle_hash: str,
                 load_files: Callable[[], tuple[list[SourceFile], list[SourceFile]]]):
    """(spec, subprocess specs) of a definition version, parsed once per process.

    Keyed by content (process key + bundle hash), so it never serves a stale spec, even when
    several databases (tests) reuse definition ids.
    """
    cache_key = (key, bundle_hash)
    with _lock:
        if cache_key in _SPEC_CACHE:
            _SPEC_CACHE.move_to_end(cache_key)
            return _SPEC_CACHE[cache_key]
    bpmn, dmn = load_files()
    specs = parse_bundle(key, bpmn, dmn)
    with _lock:
        _SPEC_CACHE[cache_key] = specs
        while len(_SPEC_CACHE) > _SPEC_CACHE_SIZE:
            _SPEC_CACHE.popitem(last=False)
    return specs


def parse_bundle(key: str, bpmn: list[SourceFile], dmn: list[SourceFile]):
    """Parse stored, already validated files into the spec of one process."""
    analysis = analyse(bpmn, dmn, form_keys=set(), known_groups=set(), check=False)
    specs = parse_specs(analysis, [key])
    if key not in specs:
        reasons = "; ".join(p.reason for p in analysis.problems)
        raise EngineError(f"stored definition of {key!r} no longer parses: {reasons}")
    return specs[key]
