"""Protocols: which prompt, user turn, queries, sampling, loop and measure produced a number (see protocol.py)."""
