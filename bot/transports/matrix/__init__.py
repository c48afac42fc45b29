"""The bot in Matrix through matrix-nio."""
