"""What a landed change may claim, in its commit trailers, comments and summaries.

"Verified" is said only when the proof ran in this process. A change computed in another
job (the pull request's own CI, which runs the pull request's code) is "re-checked" for
what the landing job checked itself, and its proof is "reported by CI run N".
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RECHECKED", "Claims"]

RECHECKED = ("applies to head", "paths", "policy", "weakening")


@dataclass(frozen=True)
class Claims:
    """Who proved the change: this process (``proven_here``), or a CI run that reported it."""

    proven_here: bool
    run_id: int
    proof: str = ""  # the proof's one-line summary, as its maker wrote it
    checks: tuple[str, ...] = RECHECKED  # what the landing job checks itself

    @property
    def rechecked(self) -> str:
        """What the landing job checked itself."""
        return ", ".join(self.checks)

    @property
    def reported(self) -> str:
        """The proof as the CI run reported it (never re-run here)."""
        proof = self.proof or "a passing proof"
        return f"CI run {self.run_id}: {proof}"

    def trailers(self) -> dict[str, str]:
        """Commit trailers: ``Ci-Agent-Verified`` only for a proof that ran here."""
        if self.proven_here:
            return {"Ci-Agent-Verified": self.proof or "verified"}
        return {"Ci-Agent-Rechecked": self.rechecked, "Ci-Agent-Reported": self.reported}

    def sentence(self) -> str:
        """One sentence for a comment or a pull request body."""
        if self.proven_here:
            return f"The fix was verified before it was delivered: {self.proof or 'verified'}."
        return (
            f"Re-checked by the landing job: {self.rechecked}. Reported by {self.reported} "
            "(not re-run here, so not verified by ci-agent)."
        )

    def adjective(self) -> str:
        """How to call the fix in one word: verified, or re-checked."""
        return "verified" if self.proven_here else "re-checked"
