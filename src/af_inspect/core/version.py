"""The package version, in a module of its own so that any wing can record it without importing the package
root (whose `__init__` imports the tasks)."""

__version__ = "0.5.0"
