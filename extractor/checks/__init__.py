"""Deterministic checks: records against each other (sums, parts, shares) and against the
report's text (grounding, fractions, changes), and the reader's relations."""
