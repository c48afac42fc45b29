"""The email transport: outgoing only, for members who get the minutes by email."""
