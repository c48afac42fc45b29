"""Random text at the dispatcher: a short answer at most, no crash, the database unchanged."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.dispatcher import MAX_TEXT
from handlers import capabilities
from tests.helpers import Chat

COMMANDS = sorted(c.name for cap in capabilities() for c in cap.commands)
APOLOGY = "bei mir ist ein Fehler passiert"

texts = st.one_of(
    st.text(max_size=300),
    st.text(min_size=4000, max_size=4300),
    st.builds(
        lambda name, rest: f"/{name} {rest}", st.sampled_from(COMMANDS), st.text(max_size=200)
    ),
    st.builds(lambda rest: f"/{rest}", st.text(max_size=50)),
)


def test_random_text_is_harmless(settings: Settings) -> None:
    with asyncio.Runner() as runner:
        chat = Chat(settings, capabilities())
        runner.run(chat.start())
        try:
            for line in ("@anna #plenum: /setup Plenum", "@fuzz #plenum: /start"):
                user, rest = line[1:].split(" ", 1)
                channel, text = rest.split(": ", 1)
                runner.run(chat.say(user, channel.lstrip("#"), text))
            runner.run(chat.say("fuzz", None, "/mydata"))  # opens the private chat
            chat.said()
            before = runner.run(chat.rows())
            del before["outbox"]

            @hypothesis_settings(
                max_examples=120,
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            )
            @given(text=texts, private=st.booleans())
            def check(text: str, private: bool) -> None:
                words = text.split()
                assume(
                    not (
                        len(words) == 2
                        and words[0].lower() in ("/language", "/language@netzwerkbot")
                        and words[1].lower().replace("-", "_") in ("de", "en")
                    )
                )
                runner.run(chat.say("fuzz", None if private else "plenum", text))
                reply = chat.said()
                assert APOLOGY not in reply
                assert len(reply) < MAX_TEXT
                after = runner.run(chat.rows())
                del after["outbox"]
                assert after == before

            check()
        finally:
            runner.run(chat.close())
