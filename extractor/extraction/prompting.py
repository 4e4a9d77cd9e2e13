"""Render a chunk into chat messages with the jinja2 templates in prompts/.

Each template starts with `{# version: N #}`; the versions of the templates a prompt was
rendered from enter the cache key, so editing a template invalidates exactly its results.
"""
from __future__ import annotations

import re
from functools import lru_cache

import jinja2

from .chunking import Chunk

_VERSION = re.compile(r"\{#\s*version:\s*(\S+)\s*#\}")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("extractor.prompts", "."), undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
                              autoescape=False)


def template_version(name: str) -> str:
    env = environment()
    assert env.loader is not None  # environment() always has its package loader
    source, _, _ = env.loader.get_source(env, name)
    m = _VERSION.search(source)
    return m.group(1) if m else "0"


def template_versions(kind: str) -> dict[str, str]:
    return {name: template_version(name) for name in ("system.j2", "section.j2", f"{kind}.j2")}


def render_messages(kind: str, chunk: Chunk) -> list[dict[str, str]]:
    env = environment()
    # Unit and kind let a template say which fields this piece can fill at all.
    figures = [{"id": fid, "text": " ".join(fig.mention.text.split()), "unit": fig.mention.unit,
                "kind": fig.mention.kind} for fid, fig in chunk.listed()]
    user = env.get_template(f"{kind}.j2").render(title_path=chunk.title_path, context=chunk.context,
                                                 text=chunk.text, figures=figures, focused=chunk.focus is not None)
    system = env.get_template("system.j2").render()
    return [{"role": "system", "content": system.strip()}, {"role": "user", "content": user.strip()}]
