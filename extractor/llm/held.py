"""A reply schema held to the piece it is asked about, for a model whose server constrains its
output with the schema (the embedded llama.cpp model: `LLMConfig.listed_ids_only`).

The prompt stays as it is (so the server's prefix reuse and any recorded exchange are unchanged);
only the `response_format` schema the server compiles into a grammar is narrowed:

- every figure reference is an enum of the listed ids of a kind and unit the field takes;
- lists of records are bounded: a record holds at least one listed figure and each figure fills
  one field, so a reply has at most as many records as the piece lists figures, and a record at
  most one part fewer. Without the bound the 1.5B model, shown one figure, wrote three records
  and six parts around it (684 tokens), all naming that one figure or none;
- a field the piece leaves nothing for — a figure reference no listed id fits, a list bounded at
  none — is taken out of the schema (it is optional: the reply model's default, null or empty,
  fills it): the model no longer writes `"plan_percent": null` five times a record where no
  percentage is listed.

Names are not held: a `pattern` of the piece's words (tried: the model names "859 chi nhánh"
"Tổng kim ngạch", the economy template's first example, three times of four) slowed llama.cpp's
grammar sampling to under 1 token/s as a reply grew (bench/README.md). The name-grounding mark
(`_unprinted_name`) shows such a name to the reviewer instead.
"""
from __future__ import annotations

import copy
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

# What the engine gives in a request's validation context under "figure_ids": the ids of the
# piece's listed figures that may fill a field with the given metadata, or None for a field that
# is no figure reference.
FigureIds = Callable[[list[Any]], "list[str] | None"]


def held_to_piece(model: type[BaseModel], schema: dict[str, Any], figure_ids: FigureIds) -> dict[str, Any]:
    """A copy of `schema` (`model`'s) held to the piece (module docstring): figure references of
    `model` and of the models nested in it (pydantic puts those under $defs by class name) as
    enums, and lists of records bounded."""
    schema = copy.deepcopy(schema)
    nodes = []  # (class, its node in the schema, nested in another model)
    todo, seen = [(model, False)], set()
    while todo:
        cls, nested = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        nodes.append((cls, schema if cls is model else schema.get("$defs", {}).get(cls.__name__, {}), nested))
        todo.extend((sub, True) for info in cls.model_fields.values() for sub in _models_in(info.annotation))
    listed: set[str] = set()
    refers = False
    for cls, node, _ in nodes:
        for name, info in cls.model_fields.items():
            ids = figure_ids(list(info.metadata))
            prop = node.get("properties", {}).get(info.alias or name)
            if ids is None or prop is None:
                continue
            refers = True
            listed.update(ids)
            prop.pop("type", None)
            prop["anyOf"] = [{"enum": ids}, {"type": "null"}]
            if not ids:
                _leave_out(node, info.alias or name)
    if not refers:
        return schema
    for cls, node, nested in nodes:
        for name, info in cls.model_fields.items():
            prop = node.get("properties", {}).get(info.alias or name)
            if prop is not None and prop.get("type") == "array" and _models_in(info.annotation):
                prop["maxItems"] = max(len(listed) - nested, 0)
                if not prop["maxItems"]:
                    _leave_out(node, info.alias or name)
    return schema


def _leave_out(node: dict[str, Any], name: str) -> None:
    """Take an optional property the piece leaves nothing for out of a schema node."""
    if name not in node.get("required", []):
        del node["properties"][name]


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (`list[Part]`, `Part | None`, ...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
