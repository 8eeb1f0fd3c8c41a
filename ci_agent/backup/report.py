"""Text and markdown renderings of the backup commands' results (the JSON is the result)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "human_size",
    "listing_markdown",
    "listing_text",
    "prune_text",
    "stats_text",
    "summary_markdown",
    "summary_text",
]


def human_size(size: int | None) -> str:
    """``1.5 MiB`` and friends."""
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"  # pragma: no cover - the loop always returns


def _counts(counts: dict[str, int] | None) -> str:
    if not counts:
        return "-"
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))


def summary_text(title: str, fields: Sequence[tuple[str, Any]], notes: Sequence[str]) -> str:
    """A title, aligned ``key: value`` lines, then notes (templates/text/backup_summary.txt.j2)."""
    from ci_agent.render import render_text

    width = max((len(k) for k, _ in fields), default=0)
    rows = [(k, v) for k, v in fields if v not in (None, "")]
    return render_text("backup_summary.txt.j2", title=title, rows=rows, width=width, notes=notes)


def summary_markdown(title: str, fields: Sequence[tuple[str, Any]], notes: Sequence[str]) -> str:
    """The same as a markdown table for the job summary (templates/reports/)."""
    from ci_agent.render import TemplateRenderer

    rows = [(k, _cell(v)) for k, v in fields if v not in (None, "")]
    text = TemplateRenderer().render(
        "reports/backup_summary.md.j2", title=title, rows=rows, notes=list(notes)
    )
    return text.rstrip("\n")


def _cell(value: Any) -> str:
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return f"`{text}`" if len(text) == 64 and all(c in "0123456789abcdef" for c in text) else text


def _verification(item: dict[str, Any]) -> str:
    last = item.get("last_verification")
    if not last:
        return "never"
    return f"{'ok' if last['ok'] else 'FAILED ' + str(last.get('code'))} {last['at']}"


def listing_text(items: Sequence[dict[str, Any]], where: str, notes: Sequence[str] = ()) -> str:
    """One block per backup, newest first, then notes (templates/text/backup_listing.txt.j2)."""
    from ci_agent.render import render_text

    shown = [
        {
            **item,
            "size": human_size(item["size"]),
            "verified": _verification(item),
            "records": _counts(item["counts"]),
            "problem": item.get("problem"),
        }
        for item in items
    ]
    return render_text("backup_listing.txt.j2", items=shown, where=where, notes=notes)


def listing_markdown(items: Sequence[dict[str, Any]], where: str) -> str:
    """A markdown table of the backups (templates/reports/)."""
    from ci_agent.render import TemplateRenderer

    rows = [
        {
            "name": _cell(item["name"]),
            "kind": f"{item['kind']} {item['mode']}",
            "created": item["created_at"],
            "size": human_size(item["size"]),
            "records": _counts(item["counts"]),
            "digest": f"`{item['sha256'][:12]}…`" if item["sha256"] else "-",
            "verified": _cell(_verification(item)),
        }
        for item in items
    ]
    text = TemplateRenderer().render("reports/backup_listing.md.j2", rows=rows, where=where)
    return text.rstrip("\n")


def stats_text(stats: dict[str, Any], where: str) -> str:
    """The statistics as aligned lines."""
    kinds = ", ".join(
        f"{kind} {v['count']} ({human_size(v['size'])})" for kind, v in stats["by_kind"].items()
    )
    fields = [
        ("backups", f"{stats['count']} ({human_size(stats['total_size'])})"),
        ("by kind", kinds),
        ("full/incremental", f"{stats['full']}/{stats['incremental']}"),
        ("longest chain", stats["longest_chain"]),
        ("newest", stats["newest"]),
        ("oldest", stats["oldest"]),
        ("verified", stats["verified"]),
        ("newest verified", stats["newest_verified"]),
        ("last verification", stats["last_verification"]),
        ("broken", ", ".join(stats["broken"]) or "none"),
    ]
    return summary_text(f"backups in {where}", fields, [])


def prune_text(
    kept: Sequence[dict[str, Any]],
    deleted: Sequence[str],
    dry_run: bool,
    *,
    stale: Sequence[dict[str, Any]] = (),
    ignored: Sequence[dict[str, str]] = (),
) -> str:
    """What was kept and why, what went, the leftovers of interrupted creates removed and the
    artifacts ignored (templates/text/backup_prune.txt.j2)."""
    from ci_agent.render import render_text

    return render_text(
        "backup_prune.txt.j2",
        kept=kept,
        deleted=deleted,
        dry_run=dry_run,
        stale=stale,
        ignored=ignored,
    )
