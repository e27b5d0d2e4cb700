"""One module per setting: the @task functions and their parameters."""

from af_inspect.tasks.helpful_only import helpful_only

__all__ = ["helpful_only"]
