"""The Telegram transport: python-telegram-bot's Bot, long polling, Telegram HTML."""
