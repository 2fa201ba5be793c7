"""``Idempotency-Key``: a client's retry of a write lands its lines once, even when the first attempt's answer
was lost because serving died or the broker went away mid-request.

Without a key, a write is at-least-once across such faults: the broker may hold the lines of a request whose
answer never arrived (serving killed between the acknowledgement and the response, or librdkafka's "possibly
persisted" when the broker died), and the client's retry stores them again. With a key (the IETF HTTP API
draft's ``Idempotency-Key`` header, e.g. a UUID per request), each record of the request carries a Kafka header
``oryx.idempotency`` = ``"<index>/<count> <fingerprint> <key>"`` and this ledger remembers, per key, which
records the broker holds:

* within one process, from the acknowledgements it saw; after a failed attempt (503), by re-reading the input
  topic's tail since that attempt before the retry writes anything;
* after a restart, from one scan of the input topic's last ``oryx.serving.api.idempotency-window-sec`` at start
  (keyed writes wait for it, answering 503 with ``Retry-After`` while the broker cannot be read; others do not).

A retry then writes only the records not yet on the topic (none: a 204 replay). A key in use by a running request
gets 409; a key reused for another request (another method, path or line count) gets 422, as the draft asks.
Keys are remembered for the window only, and per worker process: a retry that reaches a sibling gunicorn worker
or another live instance does not know the key and may double (one worker per instance, and retries routed to
the instance of the first attempt, avoid that; following the input topic's tags in every worker would lift it).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from oryx_core.api.serving import OryxServingError

log = logging.getLogger(__name__)

HTTP_HEADER = "Idempotency-Key"
RECORD_HEADER = "oryx.idempotency"
WINDOW_KEY = "oryx.serving.api.idempotency-window-sec"
MAX_KEY_CHARS = 255
RETRY_AFTER_S = 5
MAX_KEYS = 200_000
"""Keys remembered at most (~330 bytes each, ~70 MB); past it the oldest are forgotten before their window ends."""
LOAD_RETRY_MAX_S = 30.0
RESCAN_MARGIN_MS = 5_000
"""How far before a failed attempt the retry's re-read starts: record timestamps come from the producer's clock."""

TailScan = Callable[[int], list[str]]
"""Values of the ``oryx.idempotency`` header on the input topic's records written since the given epoch ms."""


def parse_key(raw: str | None) -> str | None:
    """The header's key: a structured-field string (``"..."``) as the draft writes it, or the bare text; 400 for
    an empty, over-long or non-printable one."""
    if raw is None:
        return None
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if not 0 < len(key) <= MAX_KEY_CHARS or not all(" " <= c <= "~" for c in key):
        raise OryxServingError(
            400, f"bad {HTTP_HEADER} header: expected 1 to {MAX_KEY_CHARS} printable ASCII characters"
        )
    return key


def request_fingerprint(method: str, path: str, query: bytes) -> str:
    """What a key is bound to (besides the line count): reusing it for another request is a client error."""
    return hashlib.sha256(f"{method} {path}?".encode() + query).hexdigest()[:16]


def record_tag(key: str, fingerprint: str, index: int, count: int) -> bytes:
    return f"{index}/{count} {fingerprint} {key}".encode()


def parse_tag(value: str) -> tuple[str, str, int, int] | None:
    """(key, fingerprint, index, count) of a record's tag; None for one this version did not write."""
    try:
        position, fingerprint, key = value.split(" ", 2)
        index, count = (int(part) for part in position.split("/", 1))
    except ValueError:
        return None
    return (key, fingerprint, index, count) if 0 <= index < count else None


@dataclass(slots=True)
class _Entry:
    fingerprint: str
    count: int
    seen_at: float
    landed: int = 0
    """Bit i set: record i is on the topic (an int, not a set: a key costs ~330 bytes in all)."""
    failed_at_ms: int | None = None
    """When an attempt failed: from then on some of its records may have landed unseen."""
    busy: bool = False


class IdempotencyLedger:
    """Per key: which records of its request the broker holds. Thread-safe; one per serving process."""

    def __init__(
        self,
        scan: TailScan,
        window_s: float,
        *,
        load_wait_s: float = 10.0,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._scan = scan
        self.window_s = window_s
        self.load_wait_s = load_wait_s
        """How long a keyed write waits for the start-up scan before answering 503 (the write timeout)."""
        self.max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._loaded = threading.Event()
        self._stopped = threading.Event()
        self._since_ms = int((clock() - window_s) * 1000)
        """The scan covers the window before this process started, however late it succeeds."""
        self.load_error: str | None = None
        self.replayed_records = 0
        """Records a retry did not write again because the broker already held them (for logs and tests)."""

    def start(self) -> None:
        """Reads the tail of the input topic in the background; keyed writes wait for it."""
        threading.Thread(target=self._load_until_done, name="oryx-idempotency-scan", daemon=True).start()

    def close(self) -> None:
        self._stopped.set()

    def load(self) -> bool:
        """One attempt at the start-up scan; False (and ``load_error`` set) when the topic could not be read."""
        try:
            tags = self._scan(self._since_ms)
        except Exception as error:
            self.load_error = f"reading the input topic's recent {RECORD_HEADER} headers failed: {error}"
            log.warning("Idempotency-Key ledger not loaded yet: %s", self.load_error)
            return False
        with self._lock:
            for parsed in filter(None, map(parse_tag, tags)):
                self._note_landed(*parsed)
        log.info("Idempotency-Key ledger: %d tag(s) from the input topic's last %g s", len(tags), self.window_s)
        self.load_error = None
        self._loaded.set()
        return True

    def _load_until_done(self) -> None:
        """A broker down at start delays keyed writes (503 with ``Retry-After``), never disables them."""
        pause = 1.0
        while not self.load() and not self._stopped.wait(pause):
            pause = min(pause * 2, LOAD_RETRY_MAX_S)

    def begin(self, key: str, fingerprint: str, count: int) -> list[int]:
        """Claims ``key`` for one attempt of a request of ``count`` records; returns the indices it must still
        write (empty: a replay). 503 while the ledger is not loaded, 409 when the key is busy, 422 on reuse."""
        if not self._loaded.wait(self.load_wait_s):
            raise OryxServingError(
                503,
                f"{HTTP_HEADER} ledger not ready: {self.load_error or 'still reading the input topic'}",
                {"Retry-After": str(RETRY_AFTER_S)},
            )
        with self._lock:
            self._expire()
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry(fingerprint, count, self._clock())
            elif (entry.fingerprint, entry.count) != (fingerprint, count):
                raise OryxServingError(422, f"{HTTP_HEADER} {key!r} was already used for another request")
            if entry.busy:
                raise OryxServingError(409, f"a request with {HTTP_HEADER} {key!r} is in progress")
            entry.busy = True
            failed_at_ms = entry.failed_at_ms
        if failed_at_ms is not None:
            self._recheck(key, failed_at_ms)
        with self._lock:
            todo = [i for i in range(count) if not entry.landed >> i & 1]
            self.replayed_records += count - len(todo)
            return todo

    def finish(self, key: str, written: list[int], acknowledged: bool) -> None:
        """Ends the attempt ``begin`` started: its records landed, or may have partly landed."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return
            entry.busy = False
            if acknowledged:
                for index in written:
                    entry.landed |= 1 << index
                entry.failed_at_ms = None
            elif written and entry.failed_at_ms is None:
                entry.failed_at_ms = int(self._clock() * 1000) - RESCAN_MARGIN_MS

    def _recheck(self, key: str, since_ms: int) -> None:
        """After a failed attempt: which of its records reached the topic anyway. A failing read leaves the key
        busy-free and the request answered 503, so the client retries later rather than doubling now."""
        try:
            tags = self._scan(since_ms)
        except Exception as error:
            self.finish(key, [], acknowledged=False)
            raise OryxServingError(
                503, f"cannot tell whether an earlier attempt landed: {error}", {"Retry-After": str(RETRY_AFTER_S)}
            ) from error
        with self._lock:
            for parsed in filter(None, map(parse_tag, tags)):
                if parsed[0] == key:
                    self._note_landed(*parsed)
            self._entries[key].failed_at_ms = None

    def _note_landed(self, key: str, fingerprint: str, index: int, count: int) -> None:
        """Record ``index`` of ``key``'s request is on the topic (the parts of one ``parse_tag``)."""
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry(fingerprint, count, self._clock())
        entry.landed |= 1 << index

    def _expire(self) -> None:
        """Forgets keys first seen before the window, and the oldest beyond ``max_keys`` (never a busy one)."""
        horizon = self._clock() - self.window_s
        while self._entries:
            key, oldest = next(iter(self._entries.items()))
            if oldest.busy or (oldest.seen_at >= horizon and len(self._entries) <= self.max_keys):
                break
            del self._entries[key]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
