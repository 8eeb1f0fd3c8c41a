"""Offline, conservative token estimates: nothing is downloaded, no tokenizer is needed.

The text is cut the way cl100k_base's pre-tokenizer cuts it (BPE never merges across these
pieces), and each piece is priced from its character classes: letter segments by length,
case and how many rare letter pairs they hold; digits per group of three; punctuation by
how often the character changes; non-ASCII characters by script. The constants were fitted
to overcount cl100k_base on code, prose, JSON, diffs and non-ASCII text;
``bench/token_estimate.py`` measures the error and ``docs/reliability-llm.md`` reports it.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Iterable

__all__ = [
    "MESSAGE_OVERHEAD",
    "REPLY_OVERHEAD",
    "MemoEstimator",
    "estimate_messages",
    "estimate_tokens",
]

# Chat formatting: each message costs a few tokens around its content; the reply is primed.
MESSAGE_OVERHEAD = 4
REPLY_OVERHEAD = 3
# A final safety factor over the fitted piece costs (measured: keeps every sample >= 1.0).
SAFETY = 1.05

_PIECES = re.compile(
    r"""'(?i:[sdmt]|ll|ve|re)|(?:_|[^\r\n\w])?+[^\W\d_]++|\d{1,3}+| ?(?:_|[^\s\w])++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_SEGMENTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
# The 250 most frequent letter pairs inside words of code and English prose (97 % of pairs);
# a pair outside this set usually starts a new token.
_COMMON_PAIRS = (
    "onthreinerorsetetienesheatitstdeanntcoioisedalrolitrnsnglemearratorielasetnondpefineic"
    "tacesiomprssctgediveecpouturllpafoofoumaotimtyilholachacoprtamexpynaiehaodearsypmplous"
    "unmiclttncifsogiadhtueefagcawiemulsuhiqutsolidaibuplubldfrirtpigdakeptvatueplfeqbemoab"
    "spooosckniauevwaibrmowluuiblrgpipsapshryxtfaviytrnocivdorrupltpuhulswoeeovrkgrcrscweby"
    "iammlyrubanywhbookrcebrlipcuumyojeppnfmsftghogsatwcinnrdkseyobguudsygsucuafubiaydudski"
    "tcffddegfeizbhojxpnveoynavbjewwngaoakaakysyrnuixmuflxctlrpwrgnnlbrdytm"
)
_COMMON = frozenset(_COMMON_PAIRS[i : i + 2] for i in range(0, len(_COMMON_PAIRS), 2))
# Tokens per character by Unicode range (a range lasts until the next start).
_SCRIPT_COSTS = (
    (0x80, 1.0),  # Latin-1 supplement (é, ü, ñ, ...)
    (0x100, 1.6),  # Latin Extended A/B, IPA: rarer, often two tokens each
    (0x300, 2.0),  # combining diacritical marks
    (0x370, 1.2),  # Greek
    (0x400, 0.8),  # Cyrillic
    (0x530, 1.3),  # Armenian, Hebrew
    (0x600, 1.0),  # Arabic, Syriac, Thaana
    (0x800, 2.0),  # Indic scripts, Thai, Lao, Tibetan, Myanmar, Georgian, ...
    (0x2000, 1.0),  # general punctuation
    (0x2070, 2.0),  # super/subscripts, currency, letterlike, arrows, mathematics
    (0x2500, 1.0),  # box drawing, blocks, geometric shapes
    (0x2600, 2.0),  # miscellaneous symbols, dingbats
    (0x3000, 1.5),  # CJK punctuation, kana, ideographs
    (0xA000, 2.0),
    (0xAC00, 1.2),  # Hangul
    (0xD7B0, 2.0),
    (0xFF00, 1.2),  # full-width forms
    (0xFFF0, 2.0),
    (0x10000, 3.0),  # emoji and other astral characters
)
_SCRIPT_STARTS = tuple(start for start, _ in _SCRIPT_COSTS)


def estimate_tokens(text: str) -> int:
    """Tokens ``text`` takes, estimated to overcount cl100k_base slightly, never to undercount."""
    if not text:
        return 0
    total = sum(_piece_cost(piece) for piece in _PIECES.findall(text))
    return math.ceil(total * SAFETY)


class MemoEstimator:
    """estimate_tokens with each distinct piece priced once: code repeats its identifiers,
    indentation and punctuation, so a large diff is estimated about three times faster.

    One per job (a review's planning), not shared: the memo grows with the distinct pieces
    it sees, up to ``max_pieces``.
    """

    def __init__(self, max_pieces: int = 1 << 17) -> None:
        self._costs: dict[str, float] = {}
        self._max = max_pieces

    def __call__(self, text: str) -> int:
        """The same number as ``estimate_tokens(text)``."""
        if not text:
            return 0
        costs = self._costs
        total = 0.0
        for piece in _PIECES.findall(text):
            cost = costs.get(piece)
            if cost is None:
                cost = _piece_cost(piece)
                if len(costs) < self._max:
                    costs[piece] = cost
            total += cost
        return math.ceil(total * SAFETY)


def estimate_messages(messages: Iterable[tuple[str, str]]) -> int:
    """Tokens a chat request's ``(role, content)`` messages take, with the format's overhead."""
    return REPLY_OVERHEAD + sum(
        MESSAGE_OVERHEAD + estimate_tokens(role) + estimate_tokens(content)
        for role, content in messages
    )


def _piece_cost(piece: str) -> float:
    if piece.isascii():
        if piece[-1].isalpha():
            return _word_cost(piece if piece[0].isalpha() else piece[1:])
        if piece.isdigit() or not piece.strip():
            return 1.0
        return _punct_cost(piece.strip())
    cost = sum(_char_cost(c) for c in piece if not c.isascii())
    ascii_only = "".join(c if c.isascii() else " " for c in piece)
    for part in ascii_only.split():
        letters = "".join(c if c.isalpha() else " " for c in part).split()
        cost += sum(_word_cost(word) for word in letters)
        rest = "".join(c for c in part if not c.isalpha())
        if rest:
            cost += 1.0 if rest.isdigit() else _punct_cost(rest)
    return cost


def _word_cost(word: str) -> float:
    return sum(_segment_cost(segment) for segment in _SEGMENTS.findall(word))


def _segment_cost(segment: str) -> float:
    """One token per short segment; more for long ones, ALL-CAPS ones and rare letter pairs."""
    n = len(segment)
    free, step = (4, 3) if n > 1 and segment.isupper() else (6, 5)
    cost = 1 + max(0, n - free + step - 1) // step
    lower = segment.lower()
    return cost + sum(1 for i in range(n - 1) if lower[i : i + 2] not in _COMMON)


def _punct_cost(run: str) -> float:
    """Repeated characters merge (``=====``); a change of character usually starts a token."""
    changes = sum(1 for a, b in itertools.pairwise(run) if a != b)
    return 1 + changes + len(run) // 16


def _char_cost(char: str) -> float:
    return _SCRIPT_COSTS[bisect.bisect_right(_SCRIPT_STARTS, ord(char)) - 1][1]
