"""Measure a result against hand-read gold (`extractor eval`): relations.py locates gold
relations and judges the checks that reach them, figures.py scores figure roles, report.py runs
and prints.

Nothing here decides a check: the extractor never reads the gold. This module only compares
what a run produced with what a person read in the same report.

Gold relations (bench/gold/relations.json, fields in bench/gold/README.md)
--------------------------------------------------------------------------
Each relation is an arithmetic fact of one report ("354 + 25 = 379"), with a `quote` of the
text where it is printed, a `kind`, its `expression` in plain numbers and whether it `holds`.

Which report: a relation's `report` is a file name. A result is matched to the gold report of
the same file name as its source; failing that, to the gold report most of whose quotes occur
in the result's source text (more than half of them).

Locating a relation in the document (`locate`):
1. The quote is found in the normalised (NFC) text with every whitespace run collapsed to one
   space on both sides; an offset map leads back to the document's offsets. A quote that is not
   found leaves the relation *unlocated* (reported, never dropped).
2. The expression's numbers are read ('.' is the decimal mark there), leaving out what is
   arithmetic rather than printed: a `× 100`, a `− 1` (growth written as a ratio minus one),
   a "footnote N", the bounds of an `[a, b]` interval, which stand for their midpoint (the
   printed value ± half a unit: "[64.25, 64.35]%" is the printed 64,3%), and the relation's
   `computed` value unless the expression also states it ("354 + 25 = 379 (stated total 379)").
3. Each number is looked for among the document's figures (our own parser's inventory)
   that stand within `WINDOW` characters of the quote, in the quote's section; a footnote's
   figures stand where the footnote's marker is. A figure matches a number when its printed
   numeral, its value (scale applied), its denominator ("958/970") or its range end is that
   number, sign ignored ("giảm 4,27%" is the −4.27 of an expression), or when a percentage is
   that number written as a ratio ("2828.46/0.2115" divides by 21,15%). The nearest matching
   figure wins (one inside the quote is at distance 0); figures beside the quote (both in the
   body, or in the same footnote) come before those of another footnote or of the body.
   Numbers that match nothing are the computed side or derived values (an implied plan, a
   base the text does not print): they are listed as `unresolved` and are not an error.
A relation is *located* when its quote is found and at least one of its numbers resolves;
its figures are the resolved ones (by start offset). Known limit: a derived number can land on
an unrelated printed figure of the same value nearby (2024-01-048's implied base 9 on "09 vụ"
441 characters earlier); reaching needs two shared figures, so a stray one seldom decides
anything, and `--json` lists every figure a relation was placed on, for audit.

Reaching and judging
--------------------
Only source checks with a verdict (pass, warn, fail) are compared; grounding (extraction)
checks and skipped ones are not. A check *reaches* a relation when its rule fits the
relation's kind (`RULES_FOR_KIND`: a sum is checked by identity or parts_total, a
fraction_percent by fraction, …; an `other` relation, the derived checks, by any rule outside
that table and cumulative / percent_range) and at least min(2, n) of the relation's n figures
are among the check's figures (same start offset). The reaching checks that hold the most of
the relation's figures decide it (a check of a neighbouring relation that shares a few of its
figures — a growth check on the amounts of a plan relation — does not); the relation's verdict
is "flag" if any deciding check fails or warns (a warning is a flag: it goes to a reviewer),
else "pass". How many of the relation's figures the best check holds is reported
with it (`covered`; `reached_fully` counts the relations a check holds whole): a sum checked
on two of its eight parts is reached, but only in part.

The verdict is *right* when it agrees with `holds`:
- holds true: right iff "pass"; a flag is a FALSE FLAG;
- holds false: right iff "flag"; such a relation is a SOURCE ERROR CAUGHT, a pass is missed;
- holds null (undecidable, e.g. a "trong đó" list that may not be exhaustive): right unless a
  reaching check fails with severity error; a warning or a pass is fine.
Flagging source checks that reach no gold relation of the report are listed too: each is a
false flag or a gap in the gold, which a person has to tell apart.

Figure roles (bench/gold/figures-<report>.json)
-----------------------------------------------
For a few sections of each sample report, every numeric mention is annotated with its role: the
record it belongs to (named as the text names it), its field, and for a part the record it is a
part `of`. A gold figure is placed by its `quote` (unique, whitespace-collapsed) and the
`number` token inside it; its offset is the numeral's first character.

What the result says about a figure comes from its records: a record's own field `f` gives the
role (record, `f`); a field `f` of one of its parts gives (record, `part.f`) — the role is held
by the record the part belongs to. A result figure *is* a gold figure when the gold numeral's
offset lies within the figure's printed span.

Records are aligned before roles are compared: each result record goes to the gold record that
holds most of its figures (own fields and its parts' fields; a gold figure is held by its
`record`, or by the record it is a part `of`). A result figure's role is *right* when the gold
figure at that place is held by the aligned gold record and has the same field, where an
unspecific `plan_percent` also matches a gold `plan_percent_central` / `_provincial` (a plan
share whose basis is not told is not wrong, only less precise).

Precision = right result figures / result figures in the annotated sections (a figure the gold
marks `none` — not data, e.g. "5 năm" of a plan's name — or leaves out counts against it).
Recall = gold figures some result figure gives the right role / gold figures with a role;
`taken` counts the gold figures a record holds at all, right role or not.
Both are given per kind of section and per field (precision by the result's field, recall by the
gold's). Gold fields the schemas have no place for yet (`previous_value`, `share_percent` of a
record, `ratio_percent`, the dossier shares…) stay in the recall: they measure what cannot be
extracted yet.
"""
