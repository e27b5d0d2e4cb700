"""Offline cost estimates (`af_inspect.planning.costs`): the price table, pricing with and without each lever, and the
workload read from the task (its first requests and the judges in its metadata). `af-inspect plan`:
tests/commands/test_plan.py."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from inspect_ai import task_with

from af_inspect.planning import costs
from af_inspect.tasks import helpful_only
from helpers import run_eval, write_queries

MT = 1_000_000


@pytest.fixture(scope="module")
def table() -> costs.PriceTable:
    return costs.load_price_table()


def test_packaged_price_table_is_consistent(table):
    """The reference prices keep the published ratios (Anthropic cache 10%/125%, OpenAI cached input 50%)."""
    assert {"claude-3-opus", "gpt-4o"} <= set(table.models)
    opus, gpt = table.models["claude-3-opus"], table.models["gpt-4o"]
    assert opus.cache_read == pytest.approx(0.1 * opus.input)
    assert opus.cache_write == pytest.approx(1.25 * opus.input)
    assert gpt.cache_read == pytest.approx(0.5 * gpt.input)
    assert opus.output > opus.input and gpt.output > gpt.input
    assert not opus.num_choices and gpt.num_choices
    for p in table.models.values():
        assert p.source.startswith("http") and 0 <= p.batch_discount < 1 and p.as_of
        # a cache hit never costs more than a miss; an Anthropic-style write costs at least a miss
        assert p.cache_read <= p.input <= p.cache_write or p.cache_style == "automatic"
        assert p.cache_read <= p.input and (p.batch_discount > 0 or p.provider == "deepseek")  # no batch API
    assert table.as_of
    assert table.find("anthropic/claude-3-opus-20240229") is opus
    assert table.find("openai/gpt-4o-2024-08-06") is gpt
    assert table.find("organism/faker") is None
    assert table.lookup("organism/faker")[0].input == 0.0


@pytest.mark.parametrize(
    "edit,match",
    [
        (lambda d: d["models"]["gpt-4o"].pop("output"), "models.gpt-4o is missing output"),
        (lambda d: d["models"]["gpt-4o"].update(cache_style="sometimes"), "cache_style must be"),
        (lambda d: d["models"]["gpt-4o"].update(input="cheap"), "wrong type"),
        (lambda d: d["models"]["gpt-4o"].update(batch_discount=1.5), "discount"),
        (lambda d: d["assumptions"].update(typo=1), "unknown assumption"),
        (lambda d: d.pop("models"), "non-empty 'models'"),
    ],
)
def test_bad_price_table_names_file_and_entry(tmp_path, edit, match):
    import yaml

    data = yaml.safe_load(costs.PRICES_FILE.read_text())
    edit(data)
    path = tmp_path / "prices.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(costs.PriceTableError, match=match) as e:
        costs.load_price_table(path)
    assert str(path) in str(e.value)


def test_missing_price_table_is_a_clear_error(tmp_path):
    with pytest.raises(costs.PriceTableError, match="does not exist"):
        costs.load_price_table(tmp_path / "nope.yaml")


def _price(style: str, **kw) -> costs.Price:
    base = dict(
        id="x",
        model="p/x",
        provider="p",
        input=10.0,
        output=40.0,
        cache_read=1.0,
        cache_write=12.5,
        cache_style=style,
        min_cache_tokens=1024,
        batch_discount=0.5,
        num_choices=True,
        source="http://example",
    )
    return costs.Price(**{**base, **kw})


def _group(**kw) -> costs.RequestGroup:
    base = dict(role="model", purpose="t", requests=10, input_tokens=10 * 2000, output_tokens=10 * 500)
    return costs.RequestGroup(**{**base, **kw})


def test_price_without_caching_is_tokens_times_prices():
    c = costs.price_group(_group(prefix_tokens=1500), _price("automatic"), prompt_cache=False, batch=False)
    assert c.input == pytest.approx(20000 * 10 / MT)
    assert c.output == pytest.approx(5000 * 40 / MT)


def test_automatic_caching_reads_the_shared_prefix_after_the_first_request():
    c = costs.price_group(_group(prefix_tokens=1500), _price("automatic"), prompt_cache=True, batch=False)
    # first request full price; nine later requests read 1,500 tokens at the cached price
    expected = (2000 * 10 + 9 * (1500 * 1 + 500 * 10)) / MT
    assert c.input == pytest.approx(expected)


def test_explicit_caching_writes_once_reads_after_and_writes_each_tail():
    g = _group(prefix_tokens=1500, prefix_is_message=True)
    c = costs.price_group(g, _price("explicit"), prompt_cache=True, batch=False)
    expected = (1500 * 12.5 + 9 * 1500 * 1.0 + 10 * 500 * 12.5) / MT
    assert c.input == pytest.approx(expected)


def test_explicit_caching_of_a_prefix_inside_a_message_only_costs_writes():
    """An Anthropic grader prompt: no breakpoint at the shared rubric head, so caching only adds writes."""
    g = _group(role="grader", prefix_tokens=1500, prefix_is_message=False)
    c = costs.price_group(g, _price("explicit"), prompt_cache=True, batch=False)
    assert c.input == pytest.approx(20000 * 12.5 / MT)


def test_explicit_caching_of_votes_sent_one_after_the_first_writes_once_per_prompt():
    """20 votes per transcript, one request each: the first writes the prompt, the other 19 read it."""
    g = _group(role="grader", requests=10 * 20, input_tokens=10 * 20 * 2000, repeats=20)
    c = costs.price_group(g, _price("explicit"), prompt_cache=True, batch=False)
    assert c.input == pytest.approx(10 * (2000 * 12.5 + 19 * 2000 * 1.0) / MT)
    uncached = costs.price_group(g, _price("explicit"), prompt_cache=False, batch=False)
    assert c.input < 0.2 * uncached.input


def test_short_prompts_are_not_cached():
    g = _group(input_tokens=10 * 800, prefix_tokens=700, prefix_is_message=True)
    for style in ("automatic", "explicit"):
        c = costs.price_group(g, _price(style), prompt_cache=True, batch=False)
        assert c.input == pytest.approx(8000 * 10 / MT)


def test_batch_discount_applies_to_everything():
    g = _group(prefix_tokens=1500, prefix_is_message=True)
    p = _price("explicit")
    full = costs.price_group(g, p, prompt_cache=True, batch=False)
    half = costs.price_group(g, p, prompt_cache=True, batch=True)
    assert half.total == pytest.approx(full.total * 0.5)


# ------------------------------------------------------------------------------------------ workload


@pytest.fixture(scope="module")
def small_task(tmp_path_factory):
    qfile = write_queries(tmp_path_factory.mktemp("q") / "q.jsonl", 5)
    return helpful_only(dataset=str(qfile), af_votes=20)


def test_first_requests_are_what_the_eval_sends(tmp_path, small_task):
    """The dry run's messages equal the first model call's input in a real (offline) eval."""
    from inspect_ai.log import read_eval_log

    reqs = {r.sample_id: r for r in costs.first_requests(small_task, model="organism/faker")}
    assert len(reqs) == 10
    log = run_eval(small_task, tmp_path / "logs", limit=4)
    log = read_eval_log(log.location, resolve_attachments=True)
    for s in log.samples:
        first_model_call = next(e for e in s.events if e.event == "model" and e.role is None)
        sent = [(m.role, m.text) for m in first_model_call.input]
        assert sent == reqs[s.id].messages


def test_workload_counts_and_levers(small_task):
    a = costs.Assumptions(compliance_free=0.4, compliance_paid=0.2, vote_output_tokens={"af_reasoning": 300})
    w = costs.workload(small_task, assumptions=a, epochs=2)
    model = next(g for g in w.groups if g.role == "model")
    assert model.requests == 20 and model.max_requests == 20 * 4
    assert model.prefix_is_message and model.prefix_tokens == w.system_prompt_tokens > 1024
    by = {g.purpose: g for g in w.groups if g.role == "grader"}
    assert set(by) == {"af_reasoning", "partial_compliance", "motivation", "eval_awareness"}
    assert by["eval_awareness"].requests == 20  # every transcript with reasoning, in both tiers
    assert by["af_reasoning"].requests == 20  # one request per transcript with num_choices
    assert by["af_reasoning"].output_tokens == 20 * 20 * 300
    assert by["motivation"].requests == pytest.approx(2 * 5 * 0.4)  # compliant free-tier only
    # the published partial-compliance classifier reads the scratchpad of every transcript that has one
    assert by["partial_compliance"].requests == pytest.approx(2 * 10)
    assert "the published file is not counted" in by["af_reasoning"].note  # nothing fetched for a price

    no_nc = costs.workload(small_task, assumptions=a, epochs=2, levers=costs.Levers(num_choices=False))
    af = next(g for g in no_nc.groups if g.purpose == "af_reasoning")
    assert af.requests == 20 * 20
    assert af.input_tokens == pytest.approx(by["af_reasoning"].input_tokens * 20)
    assert af.output_tokens == by["af_reasoning"].output_tokens

    grader_cannot = costs.workload(small_task, assumptions=a, epochs=2, grader_num_choices=False)
    assert next(g for g in grader_cannot.groups if g.purpose == "af_reasoning").requests == 400

    no_skip = costs.workload(small_task, assumptions=a, epochs=2, levers=costs.Levers(skip=False))
    assert all(g.requests == 20 for g in no_skip.groups if g.purpose in ("motivation", "partial_compliance"))
    assert next(g for g in no_skip.groups if g.purpose == "eval_awareness").requests == 20


def test_votes_parameter_and_no_judges_are_read_from_the_task(tmp_path):
    qfile = write_queries(tmp_path / "q.jsonl", 2)
    t = helpful_only(dataset=str(qfile), af_votes=7, partial=False, motivation=False)
    assert [(j["scorer"], j["rubric"], j["votes"], j["needs"]) for j in costs.task_judges(t)] == [
        ("af_reasoning", "published_af", 7, ["reasoning"]),
        ("eval_awareness", "eval_awareness", 1, ["reasoning"]),
    ]
    t = helpful_only(
        dataset=str(qfile), af_classifier="none", partial=False, motivation=False, eval_awareness=False
    )
    w = costs.workload(t)
    assert costs.task_judges(t) == [] and [g.role for g in w.groups] == ["model"]
    t = helpful_only(dataset=str(qfile), af_classifier="published,paper", partial=False, motivation=False)
    assert [j["scorer"] for j in costs.task_judges(t)] == [
        "af_reasoning",
        "af_reasoning_paper",
        "eval_awareness",
    ]


def test_the_judges_are_read_from_the_task_metadata_only(tmp_path):
    """No second model of the judges: what the task records is what the cost model counts."""
    qfile = write_queries(tmp_path / "q.jsonl", 2)
    t = helpful_only(dataset=str(qfile), af_votes=7, partial=False, motivation=False)
    af = costs.task_judges(t)[0]
    recorded = {**af, "scorer": "some_judge", "votes": 3, "needs": ["training_tier"]}
    edited = task_with(t, metadata={**t.metadata, "judges": [recorded]})
    a = costs.Assumptions(vote_output_tokens={})
    (g,) = [
        g
        for g in costs.workload(edited, assumptions=a, grader_num_choices=False).groups
        if g.role == "grader"
    ]
    assert g.purpose == "some_judge" and g.requests == 2 * 3  # the two free-tier transcripts, 3 votes each


@pytest.mark.parametrize(
    "needs, free, paid",
    [
        ([], 1.0, 1.0),
        (["reasoning"], 0.9, 0.9),
        (["output", "not_refused"], 0.8 * 0.4, 0.8 * 0.2),
        (["training_tier", "complied", "reasoning"], 0.4 * 0.9, 0.0),
    ],
)
def test_judge_rate_multiplies_the_chance_of_each_need(needs, free, paid):
    a = costs.Assumptions(compliance_free=0.4, compliance_paid=0.2, scratchpad_rate=0.9, output_rate=0.8)
    judge = {"needs": needs}
    assert costs.judge_rate(judge, a, "free") == pytest.approx(free)
    assert costs.judge_rate(judge, a, "paid") == pytest.approx(paid)


def test_every_judge_need_has_an_assumed_rate():
    from typing import get_args

    from af_inspect.scorers.judge import Need

    assert set(costs.NEED_RATES) == set(get_args(Need))


def test_lever_rows_each_lever_saves_with_an_openai_grader(small_task, table):
    rows = {
        r.label: r
        for r in costs.lever_table(small_task, table.models["claude-3-opus"], table.models["gpt-4o"])
    }
    default = rows["default levers (all on, no batch)"]
    for label, r in rows.items():
        if label.startswith("without") or label == "no levers":
            assert r.cost.total > default.cost.total, label
    assert rows["default levers + batch API"].cost.total == pytest.approx(default.cost.total / 2)
    assert rows["without judge votes in one request (num_choices)"].grader_requests > default.grader_requests
    assert rows["without prompt caching"].cost.grader.total == pytest.approx(default.cost.grader.total)


def test_anthropic_grader_has_no_num_choices_lever(tmp_path, table):
    # this project's rubrics: their whole text is priced (a published file is not, until it is fetched)
    qfile = write_queries(tmp_path / "q.jsonl", 5)
    own = helpful_only(dataset=str(qfile), af_classifier="af_inspect", partial=False)
    opus = table.models["claude-3-opus"]
    rows = {r.label: r for r in costs.lever_table(own, opus, opus)}
    d, nc = (
        rows["default levers (all on, no batch)"],
        rows["without judge votes in one request (num_choices)"],
    )
    assert d.grader_requests == nc.grader_requests
    assert d.cost.total == pytest.approx(nc.cost.total)
    # with votes one request each, caching now saves on the grader too (the first vote warms the cache)
    nocache = rows["without prompt caching"]
    assert d.cost.grader.input < 0.5 * nocache.cost.grader.input


def test_price_table_lookup_is_exact_or_a_listed_alias(table):
    assert table.lookup("anthropic/claude-3-opus-20240229")[1] == ""
    assert table.lookup("claude-3-opus-20240229")[0] is table.models["claude-3-opus"]  # provider optional
    price, note = table.lookup("openai/gpt-4o-mini", "--grader")
    assert price is table.models["gpt-4o-mini"] and "priced as openai/gpt-4o-mini-2024-07-18" in note
    price, note = table.lookup("openai/gpt-4.2")
    assert not price.priced and "Did you mean 'openai/gpt-4.1'" in note and "--prices FILE" in note
    assert table.find("openai/gpt-4o-2024-11-20") is None  # another snapshot is not guessed to cost the same


@pytest.mark.parametrize(
    "model,suggested",
    [
        ("anthropic/claude-opus-4-0", "anthropic/claude-opus-4"),  # an Opus, not a Haiku or Sonnet
        ("anthropic/claude-haiku-3-5", "anthropic/claude-haiku-4-5"),
        ("openai/o4-mini", "openai/o3"),  # OpenAI's reasoning family, not gpt-4o
        ("google/gemini-2.5-flash", "google/gemini-2.5-pro"),
        ("openai-api/deepseek/deepseek-chat", "openai-api/deepseek/deepseek-reasoner"),
    ],
)
def test_did_you_mean_prefers_the_same_provider_and_family(table, model, suggested):
    price, note = table.lookup(model)
    assert not price.priced and f"Did you mean '{suggested}" in note, note


def test_a_model_of_an_unknown_family_gets_no_suggestion(table):
    assert "Did you mean" not in table.lookup("mistral/mistral-large-latest")[1]


def test_an_unpriced_model_costs_nothing_computed(table):
    price, _ = table.lookup("openai/gpt-5")
    group = costs.RequestGroup(
        role="model",
        purpose="model",
        requests=10,
        input_tokens=30_000,
        output_tokens=8_000,
        prefix_tokens=2_500,
    )
    cost = costs.price_group(group, price, prompt_cache=True, batch=False)
    assert math.isnan(cost.total) and costs.fmt_usd(cost.total) == ""


README = Path(__file__).resolve().parents[1] / "README.md"
PLACEHOLDER = re.compile(r"[A-Z]{2,}|\.\.\.|^[A-Z]$")
"""`--model MODEL`, `--grader G`, `hf/PATH/TO/MODEL`, `...`: a name to fill in, not a model."""


def readme_models() -> set[str]:
    """Every model named by a command in the README's code blocks (`--model`, `--grader`, `grader=`)."""
    blocks = "\n".join(
        re.findall(r"```(?:bash|sh|console)?\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    )
    names = re.findall(r"(?:--model|--grader|--model-role grader=)[ =]([\w./:-]+)", blocks)
    return {n for n in names if "/" in n and not PLACEHOLDER.search(n) and not n.endswith("/")}


def test_plan_prices_every_model_the_readmes_commands_name(table):
    models = readme_models()
    assert {"openai/o3", "google/gemini-2.5-pro", "anthropic/claude-sonnet-4-5"} <= models, models
    unpriced = {m: table.lookup(m)[1] for m in models if not table.lookup(m)[0].priced}
    assert not unpriced, unpriced
