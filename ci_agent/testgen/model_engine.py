"""Candidates from a language model: one complete pytest module per target, as structured
output, with a bounded symbol look-up and the refusal of the previous attempt fed back."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from ci_agent.errors import CiAgentError
from ci_agent.llm.provider import LLMProvider, Message
from ci_agent.llm.structured import complete_structured
from ci_agent.render import TemplateRenderer
from ci_agent.testgen.context import TargetContext, lookup_symbol
from ci_agent.testgen.engine import Proposal
from ci_agent.testgen.verdict import Verdict

__all__ = ["GeneratedModule", "ModelEngine"]

MAX_LOOKUPS = 5  # symbols per look-up round
LOOKUP_ROUNDS = 2
_DELIMITER = re.compile(r"<(\s*/?\s*)untrusted_code", re.IGNORECASE)


class GeneratedModule(BaseModel):
    """The model's answer: symbols it wants to read first, or a whole test module."""

    model_config = ConfigDict(extra="forbid")

    lookups: list[str] = Field(default_factory=list, max_length=20)
    module: str = ""


def _data(text: str) -> str:
    """Untrusted text with the delimiter tag defused, so it cannot close its own block."""
    return _DELIMITER.sub(r"<\1untrusted-code", text)


@dataclass(frozen=True)
class ModelEngine:
    """Asks the model for a test module for one target at a time."""

    provider: LLMProvider
    renderer: TemplateRenderer
    sources: Mapping[str, str]
    sleep_bound: float = 1.0
    max_output_tokens: int | None = None

    @property
    def name(self) -> str:
        """``model``."""
        return "model"

    def propose(self, context: TargetContext, previous: Verdict | None) -> Proposal:
        """A module for ``context``'s target; garbage output is a proposal with a problem."""
        looked: list[tuple[str, str]] = []
        for round_ in range(LOOKUP_ROUNDS + 1):
            messages = (
                Message(
                    "system",
                    self.renderer.render(
                        "prompts/tests_system.j2",
                        sleep_bound=self.sleep_bound,
                        max_lookups=MAX_LOOKUPS,
                        lookup_rounds=LOOKUP_ROUNDS,
                    ),
                ),
                Message("user", self._user(context, looked, previous)),
            )
            try:
                answer = complete_structured(
                    self.provider,
                    messages,
                    GeneratedModule,
                    max_output_tokens=self.max_output_tokens,
                )
            except CiAgentError as exc:
                if exc.code in ("CA404", "CA407", "CA409"):
                    return Proposal(None, f"{exc.code}: {exc.message}")
                raise
            if answer.module.strip():
                return Proposal(answer.module)
            wanted = [n for n in answer.lookups if n not in dict(looked)][:MAX_LOOKUPS]
            if not wanted or round_ == LOOKUP_ROUNDS:
                break
            looked += [(name, _data(lookup_symbol(name, self.sources))) for name in wanted]
        return Proposal(None, "the model returned no test module")

    def _user(
        self, context: TargetContext, looked: list[tuple[str, str]], previous: Verdict | None
    ) -> str:
        target = context.target
        last = None
        if previous is not None:
            refused = next((g for g in previous.gates if not g.passed), None)
            last = {
                "gate": refused.gate if refused else "unknown",
                "reason": refused.reason if refused else "",
                "failure": _data(previous.failure or "(no output)"),
            }
        return self.renderer.render(
            "prompts/tests_user.j2",
            target=target,
            module=context.module,
            missing_branches=[f"{a}->{b}" for a, b in target.missing_branches],
            source=_data(context.source),
            imports=_data(context.imports),
            callees=[_data(c) for c in context.callees],
            callers=[_data(c) for c in context.callers],
            style_path=context.style_path,
            style=_data(context.style),
            lookups=looked,
            previous=last,
        )
