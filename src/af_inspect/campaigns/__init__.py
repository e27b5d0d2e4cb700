"""campaigns: see docs/architecture.md."""
