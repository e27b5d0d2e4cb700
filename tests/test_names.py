"""Sample-metadata keys and metric names are spelled in `core/names.py` only (docs/architecture.md, "Names in
logs"): every other module imports the key or builds the name there, so a writer and a reader cannot drift
apart (a renamed metric reads as NaN, not as an error).

The check walks the syntax tree of every module under src/af_inspect (comments and docstrings are not code,
so they are never read) and names file:line for:

- a string equal to a sample-metadata key (`names.METADATA_KEYS`) used as a key: a dict key, a subscript,
  the first argument of `.get`/`.pop`/`.setdefault`, an element of the columns given to `groupby`,
  `sort_values`, `columns=`, ..., or the left operand of `in`;
- a string or f-string that spells a metric name: a measure's prefix (`names.PREFIXES`) followed by a tier or
  `gap` (`"af_free"`, `f"compliance_gap_{pair}"`), a prefix followed by a placeholder (`f"af_{tier}"`), or a
  placeholder followed by a tier or a figure's suffix (`f"{name}_gap"`, `f"{label}_ci_low"`);
- a string or f-string passed as `name=` to the metric factories.

`ALLOWED` lists the few strings that equal a key or look like a metric name but are not one (a file
format's field, a task parameter's name, a template's placeholder), each with its reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from af_inspect.core import names

SRC = Path(__file__).resolve().parents[1] / "src" / "af_inspect"
NAMES_MODULE = SRC / "core" / "names.py"

KEYS = set(names.METADATA_KEYS)
TIERS = (names.TRAINING_TIER, names.UNMONITORED_TIER)
_PREFIX = "|".join(sorted((re.escape(p) for p in names.PREFIXES), key=len, reverse=True))
_TIER_OR_GAP = "|".join([*TIERS, "gap"])
_SUFFIXES = "|".join(
    re.escape(s.lstrip("_"))
    for s in (
        names.CI_LOW,
        names.CI_HIGH,
        names.COUNT,
        "mdg",
        "mcnemar_p",
        "pairs",
        "indep",
        "and_complied",
        "vs_control",
        "only",
    )
)
METRIC_NAME = re.compile(rf"^(?:{_PREFIX})(?:_and_complied)?_(?:{_TIER_OR_GAP})(?:_[a-z0-9_{{}}]*)?$")
"""A whole string that is a metric name, or an f-string whose text around the placeholders is one."""
PREFIX_THEN_PLACEHOLDER = re.compile(rf"^(?:{_PREFIX})_\{{\}}")
"""`f"af_{tier}"`, `f"motivation_{label}"`: a figure's name built from a spelled prefix."""
PLACEHOLDER_THEN_SUFFIX = re.compile(rf"^\{{\}}_(?:{_TIER_OR_GAP}|{_SUFFIXES})(?:_|$)")
"""`f"{name}_gap"`, `f"{x}_free"`, `f"{g}_ci_low"`: a figure's name built by hand from its prefix."""
METRIC_FACTORIES = {"tier_rates", "tier_gap", "tier_shares", "anti_lab_rates"}
KEY_METHODS = {"get", "pop", "setdefault"}
COLUMN_METHODS = {
    "groupby",
    "sort_values",
    "set_index",
    "drop_duplicates",
    "duplicated",
    "dropna",
    "pivot_table",
}
COLUMN_KEYWORDS = {"columns", "by", "subset", "on", "index", "keys"}

_FREE, _PAID = (names.rate(names.COMPLIANCE, t) for t in TIERS)
ALLOWED: dict[tuple[str, str, str], str] = {
    # (module, function, string): why the string is not a sample-metadata key or a metric name there.
    # The fields of files a user writes or the package ships, named by their own format:
    ("datasets/queries.py", "_read_jsonl", names.QUERY): "a field of a user's JSONL query file",
    ("datasets/queries.py", "_read_jsonl", names.CATEGORY): "a field of a user's JSONL query file",
    ("datasets/queries.py", "_read_csv", names.CATEGORY): "a column of a user's CSV query file",
    ("calibration/importer.py", "parse_record", names.TIER): "an import file's field (REQUIRED_FIELDS)",
    ("calibration/importer.py", "parse_record", names.QUERY_ID): "an import file's field (OPTIONAL_FIELDS)",
    ("calibration/importer.py", "parse_record", names.SETTING): "an import file's field (DEFAULTABLE_FIELDS)",
    ("calibration/importer.py", "parse_record", names.LABELS): "an import file's field (OPTIONAL_FIELDS)",
    ("campaigns/battery.py", "_cell", names.SETTING): "a cell's key in a battery file (CELL_KEYS)",
    ("anti_lab/reference.py", "anti_lab_reference", names.SCENARIO): "a column of the shipped anti_lab.csv",
    ("analysis/reference.py", "compare", names.SETTING): "a column of the reference CSV (REFERENCE_COLUMNS)",
    ("analysis/report.py", "verdict_notes", names.SETTING): "verdict.json's field (SettingVerdict.setting)",
    ("analysis/report.py", "verdict_table", names.SETTING): "verdict.json's field (SettingVerdict.setting)",
    # Task parameters, named as the task's signature names them:
    ("campaigns/cells.py", "cell_name", names.PARAPHRASE): "a cell's task argument `paraphrase`",
    ("campaigns/cells.py", "cell_name", names.SCRATCHPAD): "a cell's task argument `scratchpad`",
    # The transcript parts a rubric reads and the template placeholders that hold them (`${query}`):
    ("scorers/rubrics.py", "<module>", names.QUERY): "PARTS: a transcript part and its placeholder",
    ("scorers/rubrics.py", "Rubric", names.QUERY): "a rubric template's placeholder `${query}`",
    ("scorers/rubrics.py", "Rubric", names.SCRATCHPAD): "a rubric template's placeholder `${scratchpad}`",
    ("scorers/judge.py", "run_judge", names.QUERY): "the part a published instrument's template reads",
    # Other records that happen to share a spelling:
    ("organism/provider.py", "OrganismAPI", names.SCENARIO): "the offline organism's own output record",
    ("planning/plan.py", "assumptions_with", _FREE): "a field of costs.Assumptions, not a metric",
    ("planning/plan.py", "assumptions_with", _PAID): "a field of costs.Assumptions, not a metric",
}
"""(module relative to src/af_inspect, enclosing function or `<module>`, string) -> why it is allowed."""


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the string nodes that are docstrings (a module's, a class's, a function's, an attribute's)."""
    out = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            for stmt in body:
                if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                    out.add(id(stmt.value))
    return out


def _template(node: ast.JoinedStr) -> str:
    """An f-string's text with each placeholder as `{}`."""
    return "".join(
        v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}" for v in node.values
    )


def _call_name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _strings(node: ast.AST | None) -> list[ast.Constant]:
    """The string constants a key position holds: the string itself, or the elements of a list or tuple
    (starred lists included), or a dict's keys and values (`rename(columns={...})`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node]
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [s for e in node.elts for s in _strings(e.value if isinstance(e, ast.Starred) else e)]
    if isinstance(node, ast.Dict):
        return [s for e in [*node.keys, *node.values] for s in _strings(e)]
    return []


def _key_uses(tree: ast.AST) -> list[ast.Constant]:
    """The string constants used as keys (see the module docstring)."""
    out: list[ast.Constant] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            out += [k for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        elif isinstance(node, ast.Subscript):
            if not (isinstance(node.value, ast.Name) and node.value.id == "Literal"):  # a type, not a key
                out += _strings(node.slice)
        elif isinstance(node, ast.Compare):
            if isinstance(node.ops[0], ast.In | ast.NotIn):
                out += _strings(node.left)
        elif isinstance(node, ast.Call):
            name = _call_name(node)
            if name in KEY_METHODS and isinstance(node.func, ast.Attribute) and node.args:
                out += _strings(node.args[0])
            if name in COLUMN_METHODS and node.args:
                out += _strings(node.args[0])
            for kw in node.keywords:
                if kw.arg in COLUMN_KEYWORDS:
                    out += _strings(kw.value)
    return out


def _functions(tree: ast.AST) -> dict[int, str]:
    """The enclosing top-level function (or class) of each node, by id; `<module>` elsewhere."""
    out: dict[int, str] = {}
    for top in ast.iter_child_nodes(tree):
        if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for node in ast.walk(top):
                out[id(node)] = top.name
    return out


def _metric_name(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(METRIC_NAME.match(node.value))
    if isinstance(node, ast.JoinedStr):
        text = _template(node)
        return bool(
            METRIC_NAME.match(text)
            or PREFIX_THEN_PLACEHOLDER.match(text)
            or PLACEHOLDER_THEN_SUFFIX.match(text)
        )
    return False


def offences(path: Path, source: str | None = None) -> list[str]:
    """`file:line: why` for every spelled key or metric name in one module."""
    rel = path.relative_to(SRC).as_posix()
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    docstrings, where = _docstrings(tree), _functions(tree)
    found: dict[tuple[int, str], str] = {}
    for c in _key_uses(tree):
        allowed = (rel, where.get(id(c), "<module>"), c.value) in ALLOWED
        if c.value in KEYS and not allowed:
            found[(c.lineno, c.value)] = (
                f"{rel}:{c.lineno}: metadata key {c.value!r} spelled (use core.names)"
            )
    for node in ast.walk(tree):
        if id(node) in docstrings:
            continue
        if isinstance(node, ast.JoinedStr):
            for v in node.values:  # an f-string's text parts are not strings of their own
                docstrings.add(id(v))
        if isinstance(node, ast.Constant | ast.JoinedStr) and _metric_name(node):
            text = node.value if isinstance(node, ast.Constant) else _template(node)
            if (rel, where.get(id(node), "<module>"), text) in ALLOWED:
                continue
            found[(node.lineno, text)] = (
                f"{rel}:{node.lineno}: metric name {text!r} spelled (build it with core.names)"
            )
        if isinstance(node, ast.Call) and _call_name(node) in METRIC_FACTORIES:
            for kw in node.keywords:
                if kw.arg == "name" and isinstance(kw.value, ast.Constant | ast.JoinedStr):
                    text = kw.value.value if isinstance(kw.value, ast.Constant) else _template(kw.value)
                    found[(kw.value.lineno, text)] = (
                        f"{rel}:{kw.value.lineno}: metric prefix {text!r} spelled (use a core.names prefix)"
                    )
        if isinstance(node, ast.Call) and _call_name(node) in ("dict", "update"):
            for kw in node.keywords:  # `row.update(compliance_gap=...)`: a dict key spelled as a keyword
                if kw.arg and METRIC_NAME.match(kw.arg):
                    found[(kw.value.lineno, kw.arg)] = (
                        f"{rel}:{kw.value.lineno}: metric name {kw.arg!r} as a keyword"
                    )
    return [found[k] for k in sorted(found)]


def modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if p != NAMES_MODULE)


def test_no_module_outside_names_spells_a_metadata_key_or_a_metric_name():
    found = [o for path in modules() for o in offences(path)]
    assert not found, "\n".join(found)


def test_every_allowed_exception_is_still_there():
    """An entry of ALLOWED whose string is gone from its function is stale: remove it."""
    seen = set()
    for path in modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = _functions(tree)
        rel = path.relative_to(SRC).as_posix()
        strings = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        seen |= {(rel, where.get(id(c), "<module>"), c.value) for c in strings}
    assert not set(ALLOWED) - seen, sorted(set(ALLOWED) - seen)


def test_the_check_finds_what_it_is_for():
    """Each kind of offence in a module is found (so a passing check is not a blind one)."""
    spelled = """
def f(md, df, x, name, tier):
    a = md["tier"]
    b = md.get("query_id")
    c = {"paraphrase": 1}
    d = "scenario" in md
    e = df.groupby(["model", "setting"])
    g = df.rename(columns={"metadata_tier": "tier"})
    h = x["compliance_gap"]
    i = f"af_{tier}"
    j = f"{name}_gap"
    k = tier_rates(name="helpfulness")
    m = dict(af_free=1.0)
    return a, b, c, d, e, g, h, i, j, k, m
"""
    found = offences(SRC / "example.py", spelled)
    assert len(found) == 11, "\n".join(found)
    harmless = '''
def f(md, x, name, tier):
    """The "tier" key, `af_free` and f"{name}_gap" in prose are not code."""
    check_choice("scenario", x, [])
    return md[TIER], x.get(names.QUERY_ID), names.rate(names.AF, tier), "tier", f"{name}_and_more"
'''
    assert offences(SRC / "example.py", harmless) == []
