"""A reply schema held to the piece it is asked about, for a model whose server constrains its
output with the schema (the embedded llama.cpp model: `LLMConfig.listed_ids_only`).

The prompt stays as it is (so the server's prefix reuse and any recorded exchange are unchanged);
only the `response_format` schema the server compiles into a grammar is narrowed:

- every figure reference is an enum of the listed ids of a kind and unit the field takes;
- lists of records are bounded: a record holds at least one listed figure and each figure fills
  one field, so a reply has at most as many records as the piece lists figures, and a record at
  most one part fewer. Without the bound the 1.5B model, shown one figure, wrote three records
  and six parts around it (684 tokens), all naming that one figure or none;
- a record's `name` (the report's words, by the schemas' convention) is a run of words the piece
  prints: shown a piece of the enterprise section whose open figure had no name before it, the
  model answered "Tổng kim ngạch", the first example of the economy template, three times of four.
"""
from __future__ import annotations

import copy
import re
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

# What the engine gives in a request's validation context under "figure_ids": the ids of the
# piece's listed figures that may fill a field with the given metadata, or None for a field that
# is no figure reference.
FigureIds = Callable[[list[Any]], "list[str] | None"]

_WORD = re.compile(r"[^\W\d_]+")


def piece_words(text: str) -> list[str]:
    """The distinct words (letters only) a text prints, in order of first appearance: what the
    engine gives under "name_words"."""
    return list(dict.fromkeys(_WORD.findall(text)))


def held_to_piece(model: type[BaseModel], schema: dict[str, Any], figure_ids: FigureIds,
                  name_words: list[str] | None = None) -> dict[str, Any]:
    """A copy of `schema` (`model`'s) held to the piece (module docstring): figure references of
    `model` and of the models nested in it (pydantic puts those under $defs by class name) as
    enums, lists of records bounded, and names made of `name_words` when given."""
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
            prop["anyOf"] = [{"enum": ids}, {"type": "null"}] if ids else [{"type": "null"}]
    if not refers:
        return schema
    words = _words_pattern(name_words) if name_words else None
    for cls, node, nested in nodes:
        for name, info in cls.model_fields.items():
            prop = node.get("properties", {}).get(info.alias or name)
            if prop is not None and prop.get("type") == "array" and _models_in(info.annotation):
                prop["maxItems"] = max(len(listed) - nested, 0)
            elif prop is not None and name == "name" and prop.get("type") == "string" and words:
                prop["pattern"] = words
    return schema


def _words_pattern(words: list[str]) -> str:
    """A name: one or more of `words`, separated by a space or a comma and a space (longest first,
    so a word is never cut at a shorter one it starts with)."""
    one = "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"
    return f"^{one}(?:,? {one})*$"


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (`list[Part]`, `Part | None`, ...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
