"""The console transport: the bot in a terminal, and transcripts."""
