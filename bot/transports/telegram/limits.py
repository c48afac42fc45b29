"""Telegram's flood limits, kept on our side so that Telegram never has to answer 429.

About 1 message per second to one chat, 20 per minute to one group, 30 per second in all.
The transport asks before each send; when a limit is reached it tells the outbox to try
that chat again later, and the outbox goes on with other chats meanwhile.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable

# (messages, seconds). A little slack on the windows: Telegram starts counting when a
# message arrives, a moment after we count it as sent.
PER_CHAT = (1, 1.05)
PER_GROUP = (20, 61.0)
OVERALL = (30, 1.05)


class SendLimits:
    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._overall: deque[float] = deque()
        self._chats: defaultdict[int, deque[float]] = defaultdict(deque)
        self._groups: defaultdict[int, deque[float]] = defaultdict(deque)

    def wait(self, chat_id: int, group: bool) -> float:
        """Seconds until one more message to `chat_id` is within every limit (0: now)."""
        now = self._now()
        waits = [_wait(self._overall, *OVERALL, now), _wait(self._chats[chat_id], *PER_CHAT, now)]
        if group:
            waits.append(_wait(self._groups[chat_id], *PER_GROUP, now))
        return max(waits)

    def sent(self, chat_id: int, group: bool) -> None:
        now = self._now()
        self._overall.append(now)
        self._chats[chat_id].append(now)
        if group:
            self._groups[chat_id].append(now)


def _wait(times: deque[float], limit: int, window: float, now: float) -> float:
    while times and times[0] <= now - window:
        times.popleft()
    return 0.0 if len(times) < limit else times[0] + window - now
