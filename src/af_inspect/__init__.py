"""af-inspect: the alignment-faking experiments as Inspect AI tasks, solvers, scorers and metrics."""

__version__ = "0.1.0"
