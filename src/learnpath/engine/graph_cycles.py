"""Directed-graph cycles (prerequisite cycles of a pack or a skill graph), found without recursion so a
long chain of skills cannot overflow the stack."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence


def strongly_connected(edges: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (Tarjan 1972), iteratively; members in first-seen order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    position_of = {name: rank for rank, name in enumerate(edges)}
    for root in edges:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = [child for child in edges.get(node, ()) if child in edges]
            if position < len(children):
                work.append((node, position + 1))
                child = children[position]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            for child in children:
                if child in on_stack:
                    low[node] = min(low[node], low[child])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component, key=position_of.__getitem__))
    return components


def cycles(edges: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """One shortest cycle per cyclic component, as ``[a, b, a]``, starting at its first-listed member."""
    found: list[list[str]] = []
    for component in strongly_connected(edges):
        start = component[0]
        members = set(component)
        if len(component) == 1 and start not in edges.get(start, ()):
            continue
        found.append(_shortest_cycle(start, edges, members))
    position_of = {name: rank for rank, name in enumerate(edges)}
    return sorted(found, key=lambda cycle: position_of[cycle[0]])


def _shortest_cycle(start: str, edges: Mapping[str, Sequence[str]], members: set[str]) -> list[str]:
    parents: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in edges.get(node, ()):
            if child not in members:
                continue
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(parents[path[-1]])
                return [*reversed(path), start]
            if child not in parents:
                parents[child] = node
                queue.append(child)
    return [start, start]
