"""Subcommands of `af-inspect` (see af_inspect.cli)."""
