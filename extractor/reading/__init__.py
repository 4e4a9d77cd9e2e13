"""The deterministic reader: records read from the report's formulas, without a model."""
