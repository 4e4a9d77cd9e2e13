"""The result model (what a run produces), documents and results as plain dicts for JSON,
and atomic writes. The extract command's writers (formats, folders, corpus) are in cli."""
