"""The command line (`extractor ...`): a thin layer over the library, with what runs the
`extract` command (progress, summary) and writes its results (formats, folders, corpus)."""
