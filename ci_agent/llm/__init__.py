"""Language-model layer: provider choice, the OpenAI-compatible provider, structured output,
token estimates, the run budget and bounded concurrency.

Callers build one provider per run (``factory.build_provider``), plan prompts against
``provider.profile.input_cap`` (``guard.input_room``), ask for validated models
(``structured.complete_structured``) and fan out with ``concurrency.map_bounded``.
The openai SDK is imported only when the first request is sent.
"""
