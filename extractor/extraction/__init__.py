"""Sections through the model: pieces, prompts, cached answers, replies turned into
grounded records."""
