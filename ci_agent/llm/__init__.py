"""Language-model layer: provider choice, and (later) the OpenAI-compatible client."""
