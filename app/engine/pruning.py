"""Drop the finished past of long-running loops from the task tree.

SpiffWorkflow appends every turn of a loop below the previous one, so a nurture loop that has
run a thousand times drags a thousand turns of finished tasks through every restore, engine
step and save (each linear in the tree). The history users see lives in our own tables, so the
engine only needs the recent past: a finished, single-track stretch of the tree above the live
frontier is cut out, keeping the root, the start task and the last ``KEEP`` tasks of the track.

Only a single track is cut: the walk stops at the first task with two live branches (a parallel
split still waiting for its join), so joins and boundary events, which look at their own recent
ancestors, see the tree they expect. An armed event subprocess hanging under the start task is
not a branch of the track: it stays where it is.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.defaults import EventSubprocess
from SpiffWorkflow.util.task import TaskState

KEEP = 25  # tasks kept above the live frontier
THRESHOLD = 100  # prune once the finished track is this long

_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED


def prune_history(workflow) -> int:
    """Prune the top workflow and its subprocesses; return how many tasks were dropped."""
    dropped = 0
    for tree in [workflow, *list(workflow.subprocesses.values())]:
        if tree.task_tree is not None:
            dropped += _prune_tree(workflow, tree)
    return dropped


def _live_ids(tree) -> set:
    """Ids of the unfinished tasks and all their ancestors."""
    live: set = set()
    for task in tree.tasks.values():
        if task.state & _FINISHED:
            continue
        node = task
        while node is not None and node.id not in live:
            live.add(node.id)
            node = node.parent
    return live


def _finished_track(tree, live: set) -> list:
    track, node = [], tree.task_tree
    while node is not None:
        track.append(node)
        if node.state != TaskState.COMPLETED:
            break
        ahead = [child for child in node.children if child.id in live
                 and not isinstance(child.task_spec, EventSubprocess)]  # armed, stays put
        if len(ahead) != 1:
            break
        node = ahead[0]
    return track


def _prune_tree(top, tree) -> int:
    live = _live_ids(tree)
    track = _finished_track(tree, live)
    if len(track) < THRESHOLD:
        return 0
    start, resume = track[1], track[-KEEP]
    doomed = []
    for position, task in enumerate(track[2:-KEEP], start=2):
        doomed.append(task)
        for child in task.children:
            if child is track[position + 1]:
                continue
            if child.id in live:
                return 0  # something still runs beside the track here: leave the tree alone
            doomed.extend(_subtree(child))
    for task in doomed:
        if task.id in top.subprocesses:
            top.delete_subprocess(task)
    for task in doomed:
        tree.tasks.pop(task.id, None)
    resume._parent = start.id
    start._children = [resume.id if child == track[2].id else child for child in start._children]
    if tree.last_task is not None and tree.last_task.id not in tree.tasks:
        tree.last_task = resume
    return len(doomed)


def _subtree(task) -> list:
    found, stack = [], [task]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.children)
    return found
