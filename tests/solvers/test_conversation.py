"""`af_conversation`: the system prompt and the scratchpad loop as one solver step, sending exactly what the two
solvers in a chain send."""

from __future__ import annotations

from inspect_ai import Task
from inspect_ai.dataset import Sample
from inspect_ai.solver import chain

from af_inspect.solvers import af_conversation, af_system_prompt, scratchpad_loop
from helpers import mock_model

PROMPT = "System prompt with {braces}."
SCRIPT = [
    "<SCRATCHPAD_REASONING>one</SCRATCHPAD_REASONING>",
    "<SCRATCHPAD_REASONING>two</SCRATCHPAD_REASONING>",
    "<OUTPUT><rejected/></OUTPUT>",
]


def sent(run_eval, solver) -> tuple[list, dict, list[str]]:
    requests: list[list[tuple[str, str]]] = []

    def respond(messages, config):
        requests.append([(m.role, m.text) for m in messages])
        return SCRIPT[len(requests) - 1]

    task = Task(dataset=[Sample(id="s", input="Q?")], solver=solver)
    log = run_eval(task, model=mock_model(respond))
    sample = log.samples[0]
    spans = [e.name for e in sample.events if e.event == "span_begin" and e.type == "solver"]
    return requests, sample.metadata, spans


def test_one_step_sends_what_the_chain_sends(run_eval):
    one, one_md, one_spans = sent(run_eval, af_conversation(PROMPT, max_turns=4))
    two, two_md, two_spans = sent(run_eval, chain(af_system_prompt(PROMPT), scratchpad_loop(max_turns=4)))
    assert one == two and len(one) == 3
    assert one[0] == [("system", PROMPT), ("user", "Q?")]
    assert one[2][-2:] == [("assistant", SCRIPT[1]), ("user", "<NEXT/>")]
    assert one_md == two_md == {"turns": 3, "loop_ended": "output", "stop_reasons": ["stop"] * 3}
    assert one_spans == ["af_inspect/af_conversation"]  # one plan step (docs/performance.md)
    assert two_spans == ["af_inspect/af_system_prompt", "af_inspect/scratchpad_loop"]


def test_max_turns_reaches_the_loop(run_eval):
    requests, md, _ = sent(run_eval, af_conversation(PROMPT, max_turns=2))
    assert len(requests) == 2 and md == {"turns": 2, "loop_ended": "max_turns", "stop_reasons": ["stop"] * 2}


def test_a_paraphrase_ensemble_sends_each_sample_its_members_prompt(run_eval):
    prompts = {"a": "Prompt A.", "b": "Prompt B."}
    seen: list[str] = []

    def respond(messages, config):
        seen.append(messages[0].text)
        return "<OUTPUT>ok</OUTPUT>"

    samples = [Sample(id=i, input="Q?", metadata={"paraphrase": p}) for i, p in enumerate(("b", "a", "b"))]
    run_eval(Task(dataset=samples, solver=af_conversation(prompts)), model=mock_model(respond))
    assert sorted(seen) == ["Prompt A.", "Prompt B.", "Prompt B."]


def test_the_prefill_is_sent_where_the_provider_takes_one_and_kept_in_the_reply(run_eval):
    def respond(messages, config):
        return "OUTPUT>ok</OUTPUT>"

    log = run_eval(
        Task(dataset=[Sample(id="s", input="Q?")], solver=af_conversation(PROMPT, prefill="<")),
        model=mock_model(respond),
    )
    sample = log.samples[0]
    # mockllm takes no prefill: nothing is sent, and the metadata says why
    assert sample.metadata["prefill"] == "not sent: mockllm takes no prefill"


def test_the_saved_transcript_shows_the_prefill_and_its_reply_as_one_message(tmp_path):
    """inspect view's Messages read `<SCRATCHPAD_REASONING>...`, one assistant message per turn; the model
    event still records what was sent (the prefill as the final assistant message) and what came back."""
    from af_inspect.tasks import helpful_only
    from helpers import run_eval as run_one

    log = run_one(
        helpful_only(n_queries=2, prefill="<", af_classifier="none", partial=False, motivation=False),
        tmp_path,
    )
    for sample in log.samples:
        assert sample.metadata["prefill"] == "<"
        replies = [m for m in sample.messages if m.role == "assistant"]
        assert len(replies) == sample.metadata["turns"]
        assert all(m.text.startswith("<") and m.text != "<" for m in replies), [m.text[:30] for m in replies]
        assert replies[0].text.startswith("<SCRATCHPAD_REASONING>")
        calls = [e for e in sample.events if e.event == "model"]
        sent = calls[0].input[-1]
        assert sent.role == "assistant" and sent.text == "<"  # the request is unchanged
        assert replies[0].text == "<" + calls[0].output.completion  # the message is prefill + what came back
