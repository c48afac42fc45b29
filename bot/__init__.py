"""netzwerkbot: the coordinator's assistant for local networks."""
