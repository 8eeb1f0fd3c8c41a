"""Jinja2 rendering of the packaged templates, with repository overrides and strict variables.

When the repository supplies templates (``.github/ci-agent/…`` in the checkout, or read at the
base commit), rendering happens in Jinja2's immutable sandbox: a template may read the variables
it is given but not reach Python internals through them (``__class__``, ``__globals__``) nor
change them. Packaged templates render there too in that case, because they include one another
by name and an include must find the repository's override. Without overrides the ordinary
environment renders the packaged templates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ci_agent.errors import fail
from ci_agent.resources import templates_dir

if TYPE_CHECKING:
    import jinja2

__all__ = ["TemplateRenderer", "render_text"]


class TemplateRenderer:
    """Renders templates by name; a repository override (a file in an override directory, or
    one of ``files``) wins over the packaged template and renders in the sandbox."""

    def __init__(
        self, overrides: Sequence[Path] = (), files: Mapping[str, str] | None = None
    ) -> None:
        self._overrides = tuple(overrides)
        self._files = dict(files or {})
        self._env: jinja2.Environment | None = None
        self._sandbox: jinja2.Environment | None = None

    def _environment(self) -> jinja2.Environment:
        """The packaged templates only, in the ordinary environment."""
        if self._env is None:
            import jinja2

            self._env = _build(jinja2.Environment, jinja2.FileSystemLoader(str(templates_dir())))
        return self._env

    def _sandboxed(self) -> jinja2.Environment:
        """The repository's templates first, then the packaged ones, in the sandbox."""
        if self._sandbox is None:
            import jinja2
            from jinja2.sandbox import ImmutableSandboxedEnvironment

            search = [str(p) for p in self._overrides if p.is_dir()] + [str(templates_dir())]
            loader = jinja2.ChoiceLoader(
                [jinja2.DictLoader(self._files), jinja2.FileSystemLoader(search)]
            )
            self._sandbox = _build(ImmutableSandboxedEnvironment, loader)
        return self._sandbox

    def has_overrides(self) -> bool:
        """True when the repository supplies any template."""
        return bool(self._files) or any(p.is_dir() for p in self._overrides)

    def render(self, name: str, **variables: Any) -> str:
        """Render template ``name`` (e.g. ``reports/doctor.md.j2``) with ``variables``."""
        import jinja2
        from jinja2.exceptions import SecurityError

        environment = self._sandboxed() if self.has_overrides() else self._environment()
        try:
            return environment.get_template(name).render(**variables)
        except SecurityError as exc:
            raise fail("CA119", template=name, problem=str(exc)) from exc
        except jinja2.TemplateError as exc:
            raise fail("CA602", template=name, problem=str(exc)) from exc


def render_text(name: str, **variables: Any) -> str:
    """Terminal text from the packaged template ``templates/text/NAME`` (never a repository
    override: the text goes to the user's own terminal); without the template's last newline.

    Plain text needs none of the Markdown filters, so the Markdown parser is not imported.
    """
    import jinja2

    loader = jinja2.FileSystemLoader(str(templates_dir() / "text"))
    # Plain text for a terminal, not HTML: nothing to escape.
    environment = jinja2.Environment(  # noqa: S701
        loader=loader,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    try:
        return environment.get_template(name).render(**variables).removesuffix("\n")
    except jinja2.TemplateError as exc:
        raise fail("CA602", template=f"text/{name}", problem=str(exc)) from exc


def _build(kind: type[jinja2.Environment], loader: jinja2.BaseLoader) -> jinja2.Environment:
    """An environment of ``kind`` with the options (and filters) every template renders with."""
    import jinja2

    from ci_agent.report.markdown import template_filters

    # Markdown and prompts, not HTML: autoescape off; StrictUndefined catches typos.
    environment = kind(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(template_filters())  # md_cell, md_code, md_text, md_clean
    return environment
