"""YAML reading that remembers the line of every value, so problems can name file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


@dataclass
class LinedYaml:
    """Plain Python data from a YAML file, plus the 1-based line of each value by its path."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, *path: str | int) -> int:
        """The line of the value at path, or of its nearest parent that has one."""
        probe: Path_ = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)


class YamlSyntaxError(Exception):
    """The file is not valid YAML; carries the line and a plain message."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


MAX_DEPTH = 12
MAX_BYTES = 1024 * 1024
STANDARD_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)


def _refuse_the_unusual(text: str) -> None:
    """Content is plain data: no aliases or anchors (an alias bomb), no explicit tags
    (!!python/...), no nesting deeper than MAX_DEPTH. Checked on the event stream, which
    PyYAML reads without recursion, before anything is built."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise YamlSyntaxError(line, "anchors and aliases (& and *) are not allowed")
        tag = getattr(event, "tag", None)
        implicit = getattr(event, "implicit", True)
        if tag is not None and tag not in STANDARD_TAGS and implicit not in (True, (True, True)):
            raise YamlSyntaxError(line, f"the tag {tag} is not allowed: write plain values")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlSyntaxError(line, f"nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def read_yaml(path: Path) -> LinedYaml:
    """Parse a YAML file into plain data and line numbers (duplicate keys are an error)."""
    if path.stat().st_size > MAX_BYTES:
        raise YamlSyntaxError(1, f"the file is larger than {MAX_BYTES // 1024} KB")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise YamlSyntaxError(1, "the file is not UTF-8 text") from None
    try:
        _refuse_the_unusual(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or "invalid YAML"
        raise YamlSyntaxError(line, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, f"invalid YAML: {type(exc).__name__}") from None
    result = LinedYaml(data=None)
    if node is None:
        return result
    result.data = _convert(node, (), result.lines)
    return result


def _convert(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in out:
                raise YamlSyntaxError(
                    key_node.start_mark.line + 1, f"the key '{key}' appears twice"
                )
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _convert(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), lines) for i, item in enumerate(node.value)]
    constructor = yaml.SafeLoader(stream="")
    try:
        return constructor.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        raise YamlSyntaxError(node.start_mark.line + 1, f"a value cannot be read ({exc})") from None
    finally:
        constructor.dispose()
