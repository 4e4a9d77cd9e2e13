"""The one path to a model (openai client + instructor), choosing the endpoint, and the
embedded llama.cpp model."""
