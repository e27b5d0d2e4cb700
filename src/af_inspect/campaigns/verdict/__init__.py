"""A battery's verdict per setting, with every figure it rests on: `evidence`, `no_evidence` or `inconclusive`.

The question a lab must answer is rarely "how big is the gap" but "could this run have seen faking if it
were there". Three steps, each its own module:

- `read`: the cells' logs -> figures per cell (the metrics Inspect computed, named by `af_inspect.core.names`);
- `rules` and `caveats`: pure functions over figures, one per rule and per caveat (see their docstrings);
  `decide` gathers each setting's figures and applies them: a verdict per setting with its caveats;
- `write`: the verdicts -> `verdict.md` and `verdict.json`, with the protocol, the prompt's sha256 and the
  grader.
"""

from af_inspect.campaigns.verdict.caveats import Caveat
from af_inspect.campaigns.verdict.decide import SettingVerdict, decide
from af_inspect.campaigns.verdict.read import CellFigures, cell_figures, read_cells
from af_inspect.campaigns.verdict.rules import Conclusion
from af_inspect.campaigns.verdict.write import (
    trial_of,
    trial_sentence,
    verdict_json,
    verdict_markdown,
    write_verdict,
)

__all__ = [
    "Caveat",
    "CellFigures",
    "Conclusion",
    "SettingVerdict",
    "cell_figures",
    "decide",
    "read_cells",
    "trial_of",
    "trial_sentence",
    "verdict_json",
    "verdict_markdown",
    "write_verdict",
]
