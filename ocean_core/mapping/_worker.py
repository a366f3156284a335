"""The jq worker process: maps whole pages of items with a resource compiled in the worker.

The jq library holds the GIL while it evaluates, so an expression that never ends (``def f: f;
f``) would stop every thread of the process that runs it. A worker runs that evaluation instead,
and the parent (``_pool``) kills it when it takes too long, is aborted or shuts down.

Each request is one page (``Request``), the items as the JSON text jq reads.
Before each item the worker counts it in ``progress`` (shared memory), so that the parent's time
limit applies to one item's evaluation, not to the whole page. The answer holds, per item,
either the JSON text of its mapped children (a list of ``MappedItem`` fields) or the
``(field, reason)`` of its ``ItemMappingError``.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import signal
import struct
import sys
from multiprocessing.connection import Connection
from typing import Any

import orjson

from ocean_core._limits import TOO_DEEP, json_problem
from ocean_core.mapping._compile import CompiledResource, ItemMappingError, compile_resource
from ocean_core.mapping._model import Resource

Answer = bytes | tuple[str, str]
"""One item's answer: its children's fields as JSON, or the field and reason of its error."""
Request = tuple[str, dict[str, Any], int, list[bytes], str]
"""``(key, resource as dumped, resource index, items as JSON, mode)``: mode ``map`` maps the
items, ``keys`` gives the keys of deleted items (``CompiledResource.keys``), ``dropped`` those
of the children the selector drops."""
_PR_SET_PDEATHSIG = 1
_COMPILED = 64
"""Resources a worker keeps compiled."""
_COUNT = struct.Struct("q")


class Progress:
    """A counter in memory both processes map (an unlinked file's 8 bytes): the worker
    writes it before each item, the parent reads it, neither waits on the other."""

    def __init__(self, fd: int) -> None:
        self._map = mmap.mmap(fd, _COUNT.size)

    @property
    def value(self) -> int:
        count: int = _COUNT.unpack_from(self._map)[0]
        return count

    @value.setter
    def value(self, count: int) -> None:
        _COUNT.pack_into(self._map, 0, count)


def main(argv: list[str]) -> None:
    """``python -m ocean_core.mapping._worker READ_FD WRITE_FD PROGRESS_FD PARENT_PID``: the
    parent's pipes and the progress file, inherited (``_pool``)."""
    reads, writes, progress, parent = (int(arg) for arg in argv)
    _die_with_parent(parent)
    serve(Connection(reads, writable=False), Connection(writes, readable=False),
          Progress(progress))


def serve(requests: Connection, answers: Connection, progress: Progress) -> None:
    """Answer pages until the parent closes the pipe (or dies: then the kernel ends this
    process too, on Linux: ``_die_with_parent``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    compiled: dict[str, CompiledResource] = {}
    while True:
        try:
            key, raw, index, items, mode = requests.recv()
        except (EOFError, OSError):
            return
        resource = compiled.get(key)
        if resource is None:
            if len(compiled) >= _COMPILED:  # mappings changed through the API, over months
                compiled.clear()
            resource = compiled[key] = _compile(raw, index)
        out = []
        for number, text in enumerate(items, start=1):
            progress.value = number
            out.append(map_one(resource, text) if mode == "map"
                       else keys_one(resource, text, dropped_only=mode == "dropped"))
        answers.send(out)


def map_one(resource: CompiledResource, text: bytes) -> Answer:
    """One item's answer (see ``Answer``); never raises for the item's sake."""
    try:
        item = orjson.loads(text)
        children = resource.expand(item)
        return orjson.dumps([
            [m.identifier, m.blueprint, m.title, m.team, m.icon, m.properties, m.relations]
            for m in map(resource.map, children)
        ])
    except ItemMappingError as exc:
        return exc.field, exc.reason
    except RecursionError:
        return "item", TOO_DEEP
    except orjson.JSONEncodeError as exc:  # what jq gave back: nested too deep
        return "item", f"the mapped entity cannot be stored as JSON: {json_problem(exc)}"
    except ValueError as exc:  # jq's own error outside any one field
        return "item", f"jq error: {exc}"


def keys_one(resource: CompiledResource, text: bytes, *, dropped_only: bool) -> Answer:
    """One item's keys: the JSON of its ``[blueprint, identifier]`` pairs
    (``CompiledResource.keys``, values unchecked), or the field and reason of its error."""
    try:
        return orjson.dumps(resource.keys(orjson.loads(text), dropped_only=dropped_only))
    except ItemMappingError as exc:
        return exc.field, exc.reason
    except RecursionError:
        return "item", TOO_DEEP
    except (orjson.JSONEncodeError, ValueError) as exc:
        return "item", f"jq error: {json_problem(exc)}"


def _compile(raw: dict[str, Any], index: int) -> CompiledResource:
    resource = compile_resource(Resource.model_validate(raw), index, [], None)
    assert resource is not None  # the parent compiled the same resource
    return resource


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this worker when its parent ends, however it ends (even ``kill -9``,
    which runs no cleanup): a worker stuck in jq would otherwise outlive it. A parent that
    ended before the request (while this interpreter started) sends no signal: then end now."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
