"""Harness overhead, checked on what Inspect records, not on timings.

Inspect's per-sample cost grows with the events it records (each is condensed and written to the live
sample buffer) and with the size of the store it re-serialises at every span. bench/pipeline_bench.py
measures the time; these tests keep the structure that makes af-inspect's task as cheap as a bare one.
"""

from __future__ import annotations

from collections import Counter

from bare_task import bare_task

from af_inspect.tasks import helpful_only
from helpers import run_eval, write_queries


def _events(log) -> list[Counter]:
    return [Counter(e.event for e in s.events) for s in log.samples]


def test_a_sample_records_no_more_events_than_a_bare_inspect_task(tmp_path):
    qfile = write_queries(tmp_path / "q.jsonl", 3)
    af_task = helpful_only(
        dataset=str(qfile),
        compliance="tags",
        af_classifier="none",
        partial=False,
        motivation=False,
        eval_awareness=False,
    )
    bare_reference = bare_task(af_task)
    af = run_eval(af_task, tmp_path / "l", model_args={"two_turns": 0})
    bare = run_eval(bare_reference, tmp_path / "l", model_args={"two_turns": 0})

    # the reference sends exactly what af-inspect's task sends
    def first_sent(log) -> dict:
        return {
            s.id: [m.text for m in next(e for e in s.events if e.event == "model").input] for s in log.samples
        }

    assert first_sent(af) == first_sent(bare) and len(first_sent(af)) == 6
    af_events, bare_events = _events(af), _events(bare)
    assert all(sum(c.values()) <= sum(bare_events[0].values()) for c in af_events), (
        af_events[0],
        bare_events[0],
    )
    # one solver step (its span and one state diff), no store writes
    for c in af_events:
        assert c["store"] == 0 and c["state"] == 1 and c["model"] == 1
    spans = [e.name for e in af.samples[0].events if e.event == "span_begin"]
    assert "af_inspect/af_conversation" in spans and not any("scratchpad_loop" in s for s in spans)


def test_the_store_stays_empty_and_the_loop_facts_are_sample_metadata(tmp_path):
    qfile = write_queries(tmp_path / "q.jsonl", 2)
    log = run_eval(
        helpful_only(
            dataset=str(qfile), af_classifier="none", partial=False, motivation=False, eval_awareness=False
        ),
        tmp_path / "l",
    )
    for s in log.samples:
        assert s.store == {}
        assert s.metadata["turns"] >= 1 and s.metadata["loop_ended"] == "output"
        assert s.scores["compliance_tags"].metadata["turns"] == s.metadata["turns"]
