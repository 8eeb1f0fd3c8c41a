"""``ci-agent explain CODE``: what an error code means and what to do about it."""

from __future__ import annotations

import click

from ci_agent.commands.common import Invocation, execute, global_options
from ci_agent.config import CliOverrides
from ci_agent.error_codes import REGISTRY
from ci_agent.error_text import explain_items, explain_markdown, explain_text
from ci_agent.errors import fail, lookup
from ci_agent.outcome import Outcome

__all__ = ["explain"]


@click.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="List every error code.")
@global_options
def explain(overrides: CliOverrides, code: str | None, show_all: bool) -> int:
    """Explain an error code (CA101) or name (config-unknown-key); --all lists them."""

    def body(invocation: Invocation) -> Outcome:
        if show_all or code is None:
            specs = list(REGISTRY.values())
        else:
            try:
                specs = [lookup(code)]
            except KeyError:
                raise fail("CA114", given=code) from None
        items = explain_items(specs)
        text, markdown = explain_text(items), explain_markdown(items)
        return Outcome("explain", result={"errors": items}, text=text, markdown=markdown)

    return execute(overrides, "explain", body, base_config=False)
