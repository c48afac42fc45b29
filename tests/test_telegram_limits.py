"""Telegram's flood limits, on a clock the test moves."""

from __future__ import annotations

from pytest import approx

from bot.transports.telegram.limits import SendLimits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_message_a_second_to_one_chat() -> None:
    clock = Clock()
    limits = SendLimits(clock)
    assert limits.wait(7, group=False) == 0
    limits.sent(7, group=False)
    assert limits.wait(7, group=False) == approx(1.05)
    assert limits.wait(8, group=False) == 0  # other chats are not held up
    clock.now += 1.05
    assert limits.wait(7, group=False) == 0


def test_twenty_a_minute_to_one_group() -> None:
    clock = Clock()
    limits = SendLimits(clock)
    for _ in range(20):
        assert limits.wait(-100, group=True) == 0
        limits.sent(-100, group=True)
        clock.now += 2.0
    assert limits.wait(-100, group=True) == approx(
        21.0
    )  # the first of the 20 leaves the minute then
    clock.now += 21.0
    assert limits.wait(-100, group=True) == 0


def test_thirty_a_second_overall() -> None:
    clock = Clock()
    limits = SendLimits(clock)
    for chat in range(30):
        assert limits.wait(chat, group=False) == 0
        limits.sent(chat, group=False)
    assert limits.wait(99, group=False) == approx(1.05)
