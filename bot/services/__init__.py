"""Domain rules. Each function works inside the caller's unit of work and never commits."""
