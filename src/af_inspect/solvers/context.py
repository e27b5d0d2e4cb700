"""The epoch of the sample being generated, published by af-inspect's solvers for the offline organism.

A model sees only messages; the organism (`organism/<profile>`) draws its behaviour from the seed, the
query, the tier it reads and the epoch, so that epochs differ and repeated runs agree. The scratchpad loop
sets this context variable around its generate calls (context variables reach the model call); a custom
plan without af-inspect's loop leaves it at 1.
"""

from __future__ import annotations

from contextvars import ContextVar

EPOCH: ContextVar[int] = ContextVar("af_inspect_epoch", default=1)
