"""Words that say the machine or the network failed, not the change: network resets, registry
5xx answers, name resolution, out-of-memory kills, timeouts.

Used on single lines (the infrastructure extractor, runner ``##[error]`` messages) and on
failure messages (a test that failed with ``ConnectionResetError`` failed because of the
network).
"""

from __future__ import annotations

import functools
import re

from ci_agent.triage.model import Kind

__all__ = ["ANCHORS", "infrastructure_kind", "infrastructure_signal", "is_retry_notice"]

_OOM = re.compile(
    r"(?:^|\s)Killed(?::? 9)?(?:\s|$)|Killed signal terminated program|[Oo]ut of memory|"
    r"OutOfMemoryError|exit (?:code|status) 137\b|returned non-zero exit status -9\b"
)
# pytest-timeout 2.x: ``Failed: Timeout (>2.0s) from pytest-timeout.``; 1.x: ``Timeout >2.0s``;
# its signal method prints ``+++ Timeout +++``.
_TIMEOUT = re.compile(
    r"\+{3,} Timeout \+{3,}|Failed: Timeout \(?>[\d.]*s?\)?|from pytest-timeout|"
    r"test timed out after|"
    r"Exceeded timeout of \d+ ?ms|timed out after \d+(?:\.\d+)? ?(?:s|seconds|minutes)\b"
)
# Most telling first: the phrase a reason quotes is the first of these that matches.
_NETWORK_SIGNALS = (
    r"[Cc]onnection reset by peer|[Cc]onnection reset|reset by peer|\bECONNRESET\b",
    r"Could not resolve host|Temporary failure in name resolution|Name or service not known|"
    r"nodename nor servname provided|getaddrinfo ENOTFOUND|\bEAI_AGAIN\b",
    r"\b5\d\d (?:Bad Gateway|Service Unavailable|Gateway Time-?out|Internal Server Error)|"
    r"Bad Gateway|Service Unavailable|Gateway Time-?out|HTTP [Ee]rror 5\d\d|"
    r"returned error: 5\d\d|\bE5\d\d\b",
    r"Too Many Requests|toomanyrequests",
    r"ConnectionResetError|ConnectionAbortedError|Connection aborted|RemoteDisconnected|"
    r"IncompleteRead|socket hang up|hung up unexpectedly|early EOF|RPC failed",
    r"\bE(?:TIMEDOUT|SOCKETTIMEDOUT)\b|ReadTimeoutError|ConnectTimeoutError|ReadTimeout\b|"
    r"ConnectTimeout\b|TLS handshake timeout|i/o timeout|Connection timed out",
    r"\bECONNABORTED\b|\bE(?:NET|HOST)UNREACH\b|Network is unreachable|"
    r"Failed to connect to \S+ port|Max retries exceeded with url",
    # A socket's own timeout (socket.timeout is TimeoutError: timed out on Python 3.10+).
    r"socket\.timeout\b|TimeoutError: (?:timed out|_ssl\.c:\d+: The (?:read|write|handshake) "
    r"operation timed out)|\bERR_SOCKET_TIMEOUT\b|operation timed out|dns error",
    r"socket\.gaierror|getaddrinfo failed|No address associated with hostname|"
    r"\bEAI_(?:NONAME|NODATA|FAIL)\b|[Nn]ame resolution|failed to lookup address",
    # TLS connections cut mid-way (not certificate errors: those fail again on a re-run).
    r"SSLEOFError|UNEXPECTED_EOF_WHILE_READING|EOF occurred in violation of protocol|"
    r"SSL_ERROR_SYSCALL|gnutls_handshake\(\) failed|SSLZeroReturnError|"
    r"TLS connection was non-properly terminated",
    # Registries: pip, uv, npm, pnpm, yarn answering 5xx or 429, GitHub's rate limits.
    r"\bERR_PNPM_(?:FETCH_(?:5\d\d|429)|META_FETCH_FAIL)\b|\bE429\b|"
    r"Response code (?:429|5\d\d)|HTTP status (?:server error \(5\d\d|client error \(429)|"
    r"API rate limit exceeded|secondary rate limit|"
    r"There appears to be trouble with your network connection|ESOCKETTIMEDOUT|"
    r"error sending request for url|Request failed after \d+ retries|"
    r"[Rr]ead timed out|The remote server failed to provide the requested resource",
)
_NETWORK = re.compile("|".join(_NETWORK_SIGNALS))
_RETRY = re.compile(r"^\s*(?:WARNING|WARN|warning|Warning)\b.*\b[Rr]etry")

# Literal bytes that route lines to the infrastructure extractor near error markers; a line
# matched above holds at least one, except two kinds of match, which route no line by
# themselves: a bare npm code (``\bE5\d\d\b`` matches ``E503`` alone; the anchor is npm's
# ``code E5``) and ``Name resolution`` with a capital N. Where infrastructure_kind reads a
# line or message itself (runner ``##[error]`` messages, failure messages) those still count.
ANCHORS: tuple[bytes, ...] = (
    b"Killed",
    b"out of memory",
    b"Out of memory",
    b"OutOfMemory",
    b"exit code 137",
    b"exit status 137",
    b"status -9",
    b"Timeout",
    b"timed out",
    b"Exceeded timeout",
    b"onnection reset",
    b"reset by peer",
    b"ConnectionReset",
    b"ConnectionAborted",
    b"ECONN",
    b"ETIMEDOUT",
    b"EAI_AGAIN",
    b"ESOCKETTIMEDOUT",
    b"UNREACH",
    b"socket hang up",
    b"resolve host",
    b"name resolution",
    b"service not known",
    b"servname",
    b"ENOTFOUND",
    b"Bad Gateway",
    b"Service Unavailable",
    b"Gateway Time",
    b"rror 5",
    b"rror: 5",
    b"code E5",
    b"Internal Server Error",
    b"Too Many Requests",
    b"toomanyrequests",
    b"Max retries",
    b"RemoteDisconnected",
    b"IncompleteRead",
    b"Connection aborted",
    b"TimeoutError",
    b"handshake timeout",
    b"i/o timeout",
    b"hung up",
    b"early EOF",
    b"RPC failed",
    b"Failed to connect",
    b"Network is unreachable",
    b"pytest-timeout",
    b"socket.timeout",
    b"ERR_SOCKET_TIMEOUT",
    b"operation timed out",
    b"dns error",
    b"gaierror",
    b"getaddrinfo",
    b"No address associated",
    b"EAI_",
    b"lookup address",
    b"SSLEOFError",
    b"UNEXPECTED_EOF",
    b"EOF occurred",
    b"SSL_ERROR_SYSCALL",
    b"gnutls_handshake",
    b"SSLZeroReturn",
    b"non-properly terminated",
    b"ERR_PNPM_",
    b"E429",
    b"Response code",
    b"HTTP status",
    b"rate limit",
    b"trouble with your network",
    b"error sending request",
    b"Request failed after",
    b"ead timed out",
    b"failed to provide the requested",
)


def infrastructure_signal(text: str) -> tuple[Kind, str] | None:
    """The kind (OOM, TIMEOUT or NETWORK) and the phrase of ``text`` that names it, or None."""
    for kind, pattern in ((Kind.OOM, _OOM), (Kind.TIMEOUT, _TIMEOUT)):
        found = pattern.search(text)
        if found:
            return kind, found.group(0).strip()
    if not _NETWORK.search(text):
        return None
    found = next(m for m in (p.search(text) for p in _network_order()) if m is not None)
    return Kind.NETWORK, found.group(0)


@functools.cache
def _network_order() -> tuple[re.Pattern[str], ...]:
    """Each network phrase on its own, most telling first: compiled when a text first names
    one (most runs never do, and compiling them costs a millisecond at every start)."""
    return tuple(re.compile(signal) for signal in _NETWORK_SIGNALS)


def infrastructure_kind(text: str) -> Kind | None:
    """OOM, TIMEOUT or NETWORK when ``text`` names such a failure, else None."""
    signal = infrastructure_signal(text)
    return signal[0] if signal else None


def is_retry_notice(text: str) -> bool:
    """Whether ``text`` is a warning that a request is being retried (it may yet succeed)."""
    return bool(_RETRY.match(text))
