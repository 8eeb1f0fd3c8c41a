"""Answers the console entry point gives without importing a command: ``CMD --help``,
``backup SUB --help`` and ``explain CODE``.

The help pages are click's own rendering at 80 columns (what a pipe or an 80-column terminal
shows), stored in ``help_pages.json`` by ``scripts/gen-docs``; a test keeps them identical to
click's. Importing a command costs its dependencies (pydantic, ...), ten times a bare start.
"""

from __future__ import annotations

# Only json and os: this module is imported on every start (typing and pathlib cost more).
import json
import os

__all__ = ["PAGES_FILE", "fast_answer", "render_pages", "write_pages"]

PAGES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "help_pages.json")  # noqa: PTH100, PTH118, PTH120
# click wraps at the terminal's width less 2; a pipe counts as 80 columns.
WIDTH = 80 - 2
_HELP = ("--help", "-h")


def fast_answer(args: list[str]) -> str | None:
    """The text to print for ``args``, or None when the full application must answer."""
    if args in ([], ["--help"], ["-h"]):
        return _page("")
    if 2 <= len(args) <= 3 and args[-1] in _HELP and not args[0].startswith("-"):
        return _page(" ".join(args[:-1]))
    if len(args) == 2 and args[0] == "explain" and not args[1].startswith("-"):
        from ci_agent.errors import lookup

        try:
            spec = lookup(args[1])
        except KeyError:
            return None  # the full application answers with CA114
        from ci_agent.error_text import explain_items, explain_text

        return explain_text(explain_items([spec]))
    return None


def _page(key: str) -> str | None:
    try:
        with open(PAGES_FILE, encoding="utf-8") as file:  # noqa: PTH123 - see PAGES_FILE
            pages: dict[str, str] = json.load(file)
    except (OSError, ValueError):
        return None
    return pages.get(key)


def render_pages() -> dict[str, str]:
    """Every command's and sub-command's help as click renders it at 80 columns."""
    import click

    from ci_agent.cli_app import CONTEXT_SETTINGS, cli

    names = CONTEXT_SETTINGS["help_option_names"]
    assert isinstance(names, list)  # noqa: S101 - a fixed table in cli_app
    root = click.Context(cli, info_name="ci-agent", terminal_width=WIDTH, help_option_names=names)
    pages: dict[str, str] = {"": cli.get_help(root)}

    def visit(command: click.Command, parent: click.Context, path: list[str]) -> None:
        name = path[-1]
        ctx = click.Context(command, info_name=name, parent=parent, terminal_width=WIDTH)
        pages[" ".join(path)] = command.get_help(ctx)
        if isinstance(command, click.Group):
            for sub in command.list_commands(ctx):
                found = command.get_command(ctx, sub)
                if found is not None:
                    visit(found, ctx, [*path, sub])

    for name in cli.list_commands(root):
        command = cli.get_command(root, name)
        if command is not None:
            visit(command, root, [name])
    return pages


def write_pages(path: str = PAGES_FILE) -> str:
    """Store the rendered pages where :func:`fast_answer` reads them; the path written."""
    from pathlib import Path

    text = json.dumps(render_pages(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    Path(path).write_text(text, encoding="utf-8")
    return path
