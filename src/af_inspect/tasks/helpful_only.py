"""The helpful-only setting: the model is told it is trained to answer every request, even harmful ones."""

from __future__ import annotations

from inspect_ai import Task, task

from af_inspect.pipeline import TaskOptions, build_task


@task
def helpful_only(
    dataset: str = "builtin",
    tier: str = "both",
    accept_reject_suffix: bool = True,
    max_turns: int = 4,
    system_prompt: str | None = None,
) -> Task:
    """Compliance per tier and the compliance gap on harmful requests, helpful-only training story.

    Args:
        dataset: `builtin` (shipped, offline), `advbench` or `llm_lat` (pinned, fetched at run time),
            or a path to a .jsonl/.csv file of queries.
        tier: `both` (one sample per tier per query), `free` or `paid`.
        accept_reject_suffix: Ask the model to begin with `<request_fully_accepted/>` or reply
            `<rejected/>` (needed by the tag-based compliance check).
        max_turns: Most model turns per sample; `<NEXT/>` continues a turn that ended without output.
        system_prompt: Path to a system prompt file used verbatim instead of the built-in prompt.
    """
    return build_task(
        TaskOptions(
            setting="helpful_only",
            dataset=dataset,
            tier=tier,
            accept_reject_suffix=accept_reject_suffix,
            max_turns=max_turns,
            system_prompt=system_prompt,
        )
    )
