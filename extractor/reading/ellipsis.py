"""Comparisons whose basis a list leaves out: "ngô 168 ha, đạt 84% kế hoạch, bằng 97,1% so với cùng
kỳ; rau các loại 2.207ha, đạt 84,9%, bằng 103,7%; …".

Reports state the first item of a list in full and leave "kế hoạch" / "so với cùng kỳ" out of the
items after it. A comparison printed without its basis then means what the comparison at the same
place of the item before it means, when the same verb introduces both: "bằng 103,7%" above is of
the same period, as "bằng 97,1%" was. Where the verbs differ ("thuốc lá 160 ha, bằng 64%, bằng
102,6%" after "…, đạt 113,2%, bằng 123,9%") nothing is inferred: the figure is left to the model.
"""
from __future__ import annotations

from .stream import BASIS_WORDS, OTHER_PERIOD, Reading, Stream, compatible, sentence_end

_PERCENT_ROLES = frozenset({"plan_percent", "plan_percent_central", "plan_percent_provincial",
                            "same_period_percent", "change_percent", "share_percent"})


def follows(stream: Stream, before: Reading | None, i: int) -> Reading | None:
    """`before` if the figure at i continues its list: the next figure after it, in the same
    sentence, of the same unit (the next item of "ngô 168 ha, …; rau các loại 2.207ha, …")."""
    if before is None or i == 0 or stream.figs[i - 1].mention.end != before.end:
        return None
    if sentence_end(stream.gap(i - 1)) or not compatible(before.head, stream.figs[i], loose=False):
        return None
    return before


def elided_role(like: Reading, place: int, verb: str, fig_unit: str | None, after: str) -> str | None:
    """The role of a percentage introduced by `verb` as the `place`-th comparison of its reading,
    with no basis in the words `after` it, by `like`'s comparison at that place."""
    if place >= len(like.said) or fig_unit != "%" or BASIS_WORDS.match(after) or OTHER_PERIOD.match(after):
        return None
    said_verb, role = like.said[place]
    return role if verb and said_verb == verb and role in _PERCENT_ROLES else None
