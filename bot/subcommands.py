"""The words typed after a command to choose what it does ("/agenda add", "/meeting publish").

Each is translated in the catalogs, where a translation may list several words ("hinzufügen,
neu"); the English word is always understood too, so an example from anywhere works. Usage
lines name them through placeholders (`{add}`), so /help shows the reader's own words.
"""

from __future__ import annotations

from bot.i18n import N_

# Translators: words typed after a command, lower case; list alternatives with commas, the
# first is the one /help shows. One word each, no spaces.
ADD = N_("add")
REMOVE = N_("remove")
JOIN = N_("join")
LEAVE = N_("leave")
ONLINE = N_("online")
ACCESS = N_("access")
NEW = N_("new")
PUBLISH = N_("publish")
CLOSE = N_("close")
MOVE = N_("move")
CANCEL = N_("cancel")
