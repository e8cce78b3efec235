"""Reading and writing pack YAML safely and canonically.

Reading is hardened for files from strangers: only the safe scalar types are built (strings,
integers, floats, booleans, null), aliases and anchors are refused (they make "billion laughs"
documents that expand to gigabytes), nesting depth and node count are capped, duplicate keys and
non-text keys are reported instead of silently dropped.

Scalars follow YAML 1.2's core schema rather than PyYAML's YAML 1.1 defaults, because the 1.1 rules
surprise authors: ``answer: no`` would be ``False``, ``1:30`` would be the integer 90 and ``007`` an
octal 7. Here only ``true``/``false`` are booleans, integers are plain decimal digits, floats need a
point or an exponent, and dates stay text. Writing quotes any string that either rule set would read
as something other than text, so canonical files mean the same thing to every YAML reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from learnpath.content.limits import MAX_YAML_DEPTH, MAX_YAML_NODES

PathKey = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SCALAR_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL})
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"

_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT_RE = re.compile(r"^[-+]?[0-9]+$")
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?[0-9]+[eE][-+]?[0-9]+"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)$")


class _YamlRefused(Exception):
    """Raised inside the composer for input the loader will not build (aliases, depth, size)."""

    def __init__(self, mark: Any, reason: str) -> None:
        super().__init__(reason)
        self.mark = mark
        self.reason = reason


def _construct_int(loader: yaml.SafeLoader, node: ScalarNode) -> int:
    # Plain decimal only (YAML 1.2 core): a leading zero is not octal.
    return int(str(loader.construct_scalar(node)), 10)


class _PackLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core scalars, no aliases, and bounded depth and size."""

    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _YamlRefused(
                event.start_mark, "YAML anchors and aliases (& and *) are not allowed; write the value out"
            )
        self._nodes += 1
        if self._nodes > MAX_YAML_NODES:
            raise _YamlRefused(event.start_mark, f"more than {MAX_YAML_NODES} values in one file")
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _YamlRefused(event.start_mark, f"nested more than {MAX_YAML_DEPTH} levels deep")
            node: Node | None = super().compose_node(parent, index)
            return node
        finally:
            self._depth -= 1


def _set_resolvers() -> None:
    table: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for tag, pattern, first in (
        (_BOOL, _BOOL_RE, "tTfF"),
        (_INT, _INT_RE, "-+0123456789"),
        (_FLOAT, _FLOAT_RE, "-+.0123456789"),
        (_NULL, _NULL_RE, ["~", "n", "N", ""]),
    ):
        for char in first:
            table.setdefault(char, []).append((tag, pattern))
    table.setdefault(None, []).append((_NULL, _NULL_RE))
    _PackLoader.yaml_implicit_resolvers = table
    _PackLoader.add_constructor(_INT, _construct_int)


_set_resolvers()


@dataclass
class YamlDocument:
    """The plain data of one YAML file, the line of each value, and what was wrong inside it."""

    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)
    problems: list[tuple[PathKey, int, str]] = field(default_factory=list)


class YamlSyntaxError(Exception):
    """The file is not YAML the loader accepts; ``line`` is 1-based (0 when unknown)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def read_yaml(text: str) -> YamlDocument:
    """Parse one YAML document into plain data (dict, list, str, int, float, bool, None).

    Raises ``YamlSyntaxError`` for malformed or refused YAML; smaller problems (a duplicate key, a
    key that is not text, an unknown tag) are collected in ``problems`` with the value left out.
    """
    try:
        loader = _PackLoader(text)
    except yaml.reader.ReaderError as error:
        raise _reader_error(text, error) from None
    try:
        try:
            root = loader.get_single_node()
        except _YamlRefused as refused:
            raise YamlSyntaxError(refused.mark.line + 1, refused.reason) from None
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 1 if mark is not None else 0
            reason = f"{error.context + ', ' if error.context else ''}{error.problem or 'invalid YAML'}"
            raise YamlSyntaxError(line, f"YAML syntax error: {reason}") from None
        except yaml.reader.ReaderError as error:
            raise _reader_error(text, error) from None
        document = YamlDocument(data=None)
        if root is not None:
            document.data = _to_data(loader, root, (), document)
        return document
    finally:
        loader.dispose()


def _reader_error(text: str, error: yaml.reader.ReaderError) -> YamlSyntaxError:
    line = text.count("\n", 0, error.position) + 1
    character = error.character
    number = ord(character) if isinstance(character, str) else int(character)
    code = f"U+{number:04X}"
    return YamlSyntaxError(line, f"the character {code} is not allowed in YAML (control characters are not)")


def _to_data(loader: _PackLoader, node: Node, path: PathKey, document: YamlDocument) -> Any:
    # Iterative depth is already capped by the composer, so recursion here is bounded too.
    line = node.start_mark.line + 1
    document.lines[path] = line
    if isinstance(node, MappingNode):
        if node.tag != _MAP:
            document.problems.append((path, line, f"the YAML tag {node.tag} is not allowed"))
            return None
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _to_data(loader, key_node, (*path, "<key>"), document) if key_node.tag != _STR else None
            if key_node.tag == _STR:
                key = str(key_node.value)
            if not isinstance(key, str):
                reason = f"keys must be text; quote {key_node.value!r}"
                document.problems.append((path, key_node.start_mark.line + 1, reason))
                continue
            if key in result:
                reason = f"duplicate key {key!r}"
                document.problems.append(((*path, key), key_node.start_mark.line + 1, reason))
                continue
            result[key] = _to_data(loader, value_node, (*path, key), document)
        document.lines.pop((*path, "<key>"), None)
        return result
    if isinstance(node, SequenceNode):
        if node.tag != _SEQ:
            document.problems.append((path, line, f"the YAML tag {node.tag} is not allowed"))
            return None
        return [_to_data(loader, child, (*path, index), document) for index, child in enumerate(node.value)]
    if node.tag not in _SCALAR_TAGS:
        document.problems.append((path, line, f"the YAML tag {node.tag} is not allowed"))
        return None
    try:
        return loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError) as error:
        document.problems.append((path, line, f"unreadable value {node.value!r}: {error}"))
        return None


class _CanonicalDumper(yaml.SafeDumper):
    """Block style, indented lists, no line folding, multi-line strings as literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_UNICODE_BREAKS = re.compile("[\x85\u2028\u2029]")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> ScalarNode:
    style = "|" if "\n" in value else None
    if _UNICODE_BREAKS.search(value):
        # PyYAML writes these line breaks raw in plain and block scalars and reads them back as
        # spaces or newlines; double quotes escape them (\N, \L, \P) and round-trip exactly.
        style = '"'
    return dumper.represent_scalar(_STR, value, style=style)


def _set_dumper() -> None:
    # Quote every string that YAML 1.1 or this loader's 1.2 rules would read as non-text.
    for char_list_key, entries in _PackLoader.yaml_implicit_resolvers.items():
        for tag, pattern in entries:
            _CanonicalDumper.add_implicit_resolver(tag, pattern, list(char_list_key or ""))
    _CanonicalDumper.add_representer(str, _represent_str)


_set_dumper()


def dump_yaml(data: Any) -> str:
    """Write plain data as canonical YAML text: the same data always gives the same bytes."""
    text: str = yaml.dump(
        data,
        Dumper=_CanonicalDumper,
        default_flow_style=False,
        allow_unicode=True,
        sort_keys=False,
        width=1_000_000,
        indent=2,
    )
    return text


def walk_scalars(value: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, Any]]:
    """Every value inside plain data that is not a list or mapping, with its path."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from walk_scalars(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from walk_scalars(child, (*path, index))
    else:
        yield path, value


def walk_strings(value: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, str]]:
    """Every string inside plain data, with its path."""
    for where, scalar in walk_scalars(value, path):
        if isinstance(scalar, str):
            yield where, scalar
