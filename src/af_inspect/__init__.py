"""af-inspect: the alignment-faking experiments as Inspect AI tasks, solvers, scorers and metrics."""

__version__ = "0.4.0"

from af_inspect.tasks import alignment_faking, animal_welfare, helpful_only  # noqa: E402

__all__ = ["__version__", "alignment_faking", "animal_welfare", "helpful_only"]
