"""af-inspect: the alignment-faking experiments as Inspect AI tasks, solvers, scorers and metrics."""

from af_inspect.anti_lab.task import anti_lab
from af_inspect.core.version import __version__
from af_inspect.tasks import alignment_faking, animal_welfare, helpful_only

__all__ = ["__version__", "alignment_faking", "animal_welfare", "anti_lab", "helpful_only"]
