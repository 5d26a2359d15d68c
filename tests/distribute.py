"""``--dist loadgroup`` that keeps each ``xdist_group`` in one worker with any pytest.

pytest-xdist's loadgroup tells its controller a test's group by appending ``@group`` to the node
id in the worker; since pytest 9.2 node ids are no longer writable that way, and the groups are
silently dropped (https://github.com/pytest-dev/pytest-xdist/issues/1386). Here each worker
writes the groups it collected — ``{node id: group}``, joined as xdist joins several — to a file
the controller named for it (``workerinput``), and the controller's scheduler, xdist's own
loadgroup scheduler, reads its work units from them. With a pytest whose node ids still take
the suffix, xdist's own way works as before and the file is merely consistent with it.

A group marked ``xdist_group(name=..., last=True)`` is the last work its worker gets: once it is
sent, that worker is told to finish, and the other workers take the rest of the queue.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

GROUPS_FILE = "tradecopier_groups_file"
_GROUPS_DIR = pytest.StashKey[Path]()


def group_of(item: pytest.Item) -> str | None:
    """The item's group as xdist's loadgroup names it: its ``xdist_group`` names, joined."""
    names = {str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
             for mark in item.iter_markers("xdist_group")}
    return "_".join(sorted(names)) if names else None


def is_last(item: pytest.Item) -> bool:
    """Whether the item's group is to be the last work of its worker."""
    return any(mark.kwargs.get("last") for mark in item.iter_markers("xdist_group"))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Controller: name the file each worker writes its groups to."""
    config = node.config
    if _GROUPS_DIR not in config.stash:
        config.stash[_GROUPS_DIR] = Path(tempfile.mkdtemp(prefix="tradecopier-xdist-"))
    node.workerinput[GROUPS_FILE] = str(config.stash[_GROUPS_DIR] / f"{node.gateway.id}.json")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Worker: write the groups (after every other hook has set its markers)."""
    target = getattr(config, "workerinput", {}).get(GROUPS_FILE)
    if target is None:
        return
    groups = {item.nodeid: group for item in items if (group := group_of(item)) is not None}
    last = sorted({groups[item.nodeid] for item in items if is_last(item)})
    partial = f"{target}.partial"
    Path(partial).write_text(json.dumps({"groups": groups, "last": last}), encoding="utf-8")
    os.replace(partial, target)


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_GROUPS_DIR, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class GroupsFromWorkers(LoadGroupScheduling):  # type: ignore[misc]
        """xdist's loadgroup, the groups read from the workers' files once all collected; a
        worker sent a ``last`` group is told to finish after it."""

        def __init__(self, config: pytest.Config, log: Any) -> None:
            super().__init__(config, log)
            self.groups: dict[str, str] = {}
            self.last: set[str] = set()

        def schedule(self) -> None:
            if self.collection is None and _GROUPS_DIR in config.stash:
                for written in sorted(config.stash[_GROUPS_DIR].glob("*.json")):
                    found = json.loads(written.read_text(encoding="utf-8"))
                    self.groups.update(found["groups"])
                    self.last.update(found["last"])
            super().schedule()

        def _split_scope(self, nodeid: str) -> str:
            group = self.groups.get(nodeid)
            return group if group is not None else str(super()._split_scope(nodeid))

        def _assign_work_unit(self, node: Any) -> None:
            scope = next(iter(self.workqueue))
            super()._assign_work_unit(node)
            if scope in self.last:
                node.shutdown()  # runs what it was sent, this group last, and takes no more

    return GroupsFromWorkers(config, log)
