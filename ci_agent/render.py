"""Jinja2 rendering of the packaged templates, with repository overrides and strict variables."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ci_agent.errors import fail
from ci_agent.resources import templates_dir

if TYPE_CHECKING:
    import jinja2

__all__ = ["TemplateRenderer"]


class TemplateRenderer:
    """Renders templates by name; a file in an override directory wins over the packaged one."""

    def __init__(self, overrides: Sequence[Path] = ()) -> None:
        self._overrides = tuple(overrides)
        self._env: jinja2.Environment | None = None

    def _environment(self) -> jinja2.Environment:
        if self._env is None:
            import jinja2

            search = [str(p) for p in self._overrides if p.is_dir()] + [str(templates_dir())]
            # Markdown and prompts, not HTML: autoescape off; StrictUndefined catches typos.
            self._env = jinja2.Environment(  # noqa: S701
                loader=jinja2.FileSystemLoader(search),
                undefined=jinja2.StrictUndefined,
                keep_trailing_newline=True,
                trim_blocks=True,
                lstrip_blocks=True,
            )
            from ci_agent.report.markdown import template_filters

            self._env.filters.update(template_filters())  # md_cell, md_code, md_text, md_clean
        return self._env

    def render(self, name: str, **variables: Any) -> str:
        """Render template ``name`` (e.g. ``reports/doctor.md.j2``) with ``variables``."""
        import jinja2

        try:
            return self._environment().get_template(name).render(**variables)
        except jinja2.TemplateError as exc:
            raise fail("CA602", template=name, problem=str(exc)) from exc
