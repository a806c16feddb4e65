"""The Python API and the command line are one tool: the API refuses what the command line refuses,
with the same one-line message; it takes the command line's defaults; it takes bits as a string,
a list or a numpy array; it shows progress where someone watches; its results display in a
notebook; and docs/api.md gives every public signature keyword for keyword."""

import ast
import enum
import inspect
import io
import json
import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner

import toyinduction as ti
from toyinduction import validate
from toyinduction.cli import Checked, main
from toyinduction.engine import progress as library_progress

ROOT = Path(__file__).resolve().parent.parent
TOY = ti.machine("toy")

# (bad call, the command line that gives the same value): every row fails before any computation
TABLE = [
    (lambda: ti.Mixture("toy", max_bits=50).predict("01"), ["predict", "01", "--max-bits", "50"]),
    (lambda: ti.Mixture("toy", max_bits=0), ["predict", "01", "--max-bits", "0"]),
    (lambda: ti.Mixture("toy", max_bits="twenty"), ["predict", "01", "--max-bits", "twenty"]),
    (lambda: ti.Mixture("toy", max_steps=0), ["predict", "01", "--max-steps", "0"]),
    (lambda: ti.Mixture("toy", speed=-1), ["predict", "01", "--speed-prior", "-1"]),
    (lambda: ti.Mixture("toy", speed="fast"), ["predict", "01", "--speed-prior", "fast"]),
    (lambda: ti.Mixture("toy", step_cap=-1), ["predict", "01", "--step-cap", "-1"]),
    (lambda: ti.Mixture("toy", workers=0), ["predict", "01", "--workers", "0"]),
    (lambda: ti.Mixture("tm"), ["predict", "01", "--machine", "tm"]),
    (lambda: ti.Mixture("klingon"), ["predict", "01", "--machine", "klingon"]),
    (lambda: ti.Mixture("toy", 8).predict(""), ["predict", ""]),
    (lambda: ti.Mixture("toy", 8).predict("01x1"), ["predict", "01x1"]),
    (lambda: ti.Mixture("toy", 8).predict("01", top=101), ["predict", "01", "--top", "101"]),
    (lambda: ti.Mixture("toy", 8).predict("01", continue_bits=300), ["predict", "01", "--continue", "300"]),
    (lambda: ti.demo(seed="x"), ["demo", "--seed", "x"]),
    (lambda: ti.demo(seed=-1), ["demo", "--seed", "-1"]),
    (lambda: ti.demo(seed=2 ** 63), ["demo", "--seed", str(2 ** 63)]),
    (lambda: ti.demo(depth=5000), ["demo", "--depth", "5000"]),
    (lambda: ti.demo(targets=0), ["demo", "--targets", "0"]),
    (lambda: ti.demo(controls=65), ["demo", "--controls", "65"]),
    (lambda: ti.demo(speed=1e6), ["demo", "--speed-prior", "1000000"]),
    (lambda: ti.demo(max_bits=41), ["demo", "--max-bits", "41"]),
    (lambda: ti.demo(workers=300), ["demo", "--workers", "300"]),
    (lambda: TOY.enumerate(99), ["enumerate", "--max-bits", "99"]),
    (lambda: TOY.enumerate(10, output_bits=0), ["enumerate", "--output-bits", "0"]),
    (lambda: TOY.enumerate(10, max_steps=0), ["enumerate", "--max-steps", "0"]),
    (lambda: TOY.enumerate(10, keep_leaves=-1), ["enumerate", "--keep-leaves", "-1"]),
    (lambda: ti.machine("blc").enumerate(10, max_steps=2 ** 70), ["enumerate", "--machine", "blc", "--max-steps",
                                                                  str(2 ** 70)]),
    (lambda: TOY.run("0101", output_bits=0), ["run", "0101", "--output-bits", "0"]),
    (lambda: TOY.run("0101", output_bits=2 ** 33), ["run", "0101", "--output-bits", str(2 ** 33)]),
    (lambda: TOY.run("0101", max_steps=0), ["run", "0101", "--max-steps", "0"]),
    (lambda: ti.machine("blc").run("0010", max_steps=-5), ["run", "0010", "--machine", "blc", "--max-steps", "-5"]),
    (lambda: TOY.sample(0, max_bits=8), ["sample", "--count", "0"]),
    (lambda: TOY.sample(10, max_bits=5000), ["sample", "--max-bits", "5000"]),
    (lambda: ti.machine("blc").sample(10 ** 9, max_bits=8), ["sample", "--machine", "blc", "--count", str(10 ** 9)]),
    (lambda: ti.experiment("solomonoff-basics", write=False, length=4), ["experiment", "solomonoff-basics",
                                                                         "--length", "4"]),
    (lambda: ti.experiment("solomonoff-basics", write=False, max_bits=41), ["experiment", "solomonoff-basics",
                                                                            "--max-bits", "41"]),
]


def cli_error(args) -> tuple[int, str]:
    """The exit code and the one error line of a command line."""
    result = CliRunner().invoke(main, args)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code in (1, 2), (args, result.output)
    assert len(lines) == 1 and lines[0].startswith("Error: "), (args, result.output)
    return result.exit_code, lines[0][len("Error: "):]


@pytest.mark.parametrize("call, args", TABLE, ids=[" ".join(args) for _, args in TABLE])
def test_the_api_refuses_what_the_command_line_refuses_with_the_same_message(call, args):
    with pytest.raises(ValueError) as refused:
        call()
    message = str(refused.value)
    assert "\n" not in message and "Traceback" not in message
    _, printed = cli_error(args)
    assert printed == message


def test_the_refusals_name_the_option_and_the_keyword():
    with pytest.raises(ValueError, match=re.escape("'--max-bits' (max_bits): 50 is not in the range 1<=x<=40")):
        ti.Mixture("toy", max_bits=50)
    with pytest.raises(ValueError, match=re.escape("'--seed' (seed): 'x' is not a valid integer")):
        ti.demo(seed="x")
    for bad in (True, 2.5, None, "20"):        # a boolean, a fraction, nothing, text: not a number of bits
        with pytest.raises(ValueError, match="is not a valid integer"):
            ti.Mixture("toy", max_bits=bad)
    assert validate.MIXTURE_MAX_BITS(np.int64(12)) == 12 and type(validate.MIXTURE_MAX_BITS(np.int64(12))) is int


def _checked_options(command: click.Command) -> dict:
    """keyword -> the command's default, for every option the library checks."""
    return {option.type.check.keyword: option.default for option in command.params
            if isinstance(option.type, (Checked, click.FloatRange)) and hasattr(option.type, "check")}


# (command, the API functions it calls, keywords deliberately not shared)
DEFAULTS = [
    ("predict", [ti.Mixture.__init__, ti.Mixture.predict], set()),
    ("enumerate", [ti.Machine.enumerate, type(TOY).enumerate, type(ti.machine("blc")).enumerate], {"max_bits"}),
    ("demo", [ti.demo], set()),
]


@pytest.mark.parametrize("command, functions, positional", DEFAULTS, ids=[row[0] for row in DEFAULTS])
def test_the_api_has_the_command_lines_defaults(command, functions, positional):
    options = _checked_options(main.commands[command])
    assert len(options) >= 4
    for function in functions:
        parameters = inspect.signature(function).parameters
        shared = {keyword: default for keyword, default in options.items()
                  if keyword in parameters and keyword not in positional}
        assert shared, function
        for keyword, default in shared.items():
            assert parameters[keyword].default == default, (command, function.__qualname__, keyword)
    every = {keyword for function in functions for keyword in inspect.signature(function).parameters}
    assert set(options) - positional <= every, f"options of {command} the API does not take"
    assert options["workers"] == validate.DEFAULT_WORKERS


def test_one_call_keys_one_stored_result(tmp_path):
    store = ti.RunStore(tmp_path / "store")
    computed = TOY.enumerate(8, store=store)
    again = CliRunner().invoke(main, ["enumerate", "--max-bits", "8", "--store", str(tmp_path / "store"), "--json"])
    document = json.loads(again.output)
    assert not computed.loaded and document["loaded_from_store"] is True
    assert document["programs"] == computed.programs


@pytest.fixture(scope="module")
def small_mixture():
    return ti.Mixture("toy", 12, progress=False)


def test_a_sequence_is_bits_a_list_or_an_array(small_mixture):
    as_text = small_mixture.predict("0110110110")
    for given in ([0, 1, 1, 0, 1, 1, 0, 1, 1, 0], (0, 1, 1, 0, 1, 1, 0, 1, 1, 0), [False, True, True, False, True,
                                                                                    True, False, True, True, False],
                  np.array([0, 1, 1, 0, 1, 1, 0, 1, 1, 0]), np.array([0, 1, 1, 0, 1, 1, 0, 1, 1, 0], dtype=np.uint8)):
        forecast = small_mixture.predict(given)
        assert forecast.sequence == "0110110110"
        assert forecast.to_json()["steps"] == as_text.to_json()["steps"]
        assert (forecast.p_next_one, forecast.p_lower, forecast.p_upper) == (as_text.p_next_one, as_text.p_lower,
                                                                             as_text.p_upper)
    for bad in ([0, 2, 1], np.zeros((2, 2), dtype=int), 42, ["0", "1"], [0.5, 1]):
        with pytest.raises(ValueError, match="not a bit sequence"):
            small_mixture.predict(bad)
    with pytest.raises(ValueError, match="empty sequence"):
        small_mixture.predict([])
    named = ti.Mixture("toy", 8, programs=[[1, 0, 1, 1, 0]], progress=False)
    assert named.named[0].bits == "10110"


def test_progress_shows_where_someone_watches_and_is_silenced_by_false(monkeypatch, tmp_path):
    calls = []
    ti.Mixture("toy", 10, progress=lambda done, total: calls.append((done, total))).predict("0101")
    assert calls and calls[-1][0] == calls[-1][1] > 1 and all(total == calls[-1][1] for _, total in calls)

    assert library_progress.reporter(True, "x") is None          # pytest's stderr: nobody watches
    monkeypatch.setattr(library_progress, "watched", lambda: True)
    assert library_progress.reporter(False, "x") is None and library_progress.reporter(None, "x") is None
    drawn = io.StringIO()
    monkeypatch.setattr(library_progress.sys, "stderr", drawn)
    bar = library_progress.reporter(True, "enumerating", "chunks")
    assert isinstance(bar, library_progress.TqdmProgress)
    opened = []
    original = bar._open
    monkeypatch.setattr(bar, "_open", lambda total: opened.append(total) or original(total))
    bar(0, 4)
    bar(3, 4)
    assert bar.bar.n == 3 and bar.bar.total == 4
    bar(4, 4)                     # finished: the bar closes
    assert bar.bar is None
    bar(4, 4)                     # told again: no second bar
    bar(1, 9)                     # a new phase with its own total
    assert opened == [4, 9] and bar.bar.total == 9
    bar.close()
    with pytest.raises(ValueError, match="progress must be True, False or a callable"):
        library_progress.reporter("yes", "x")
    assert library_progress.reporter(print, "x") is print


def test_progress_in_a_notebook_or_a_terminal(monkeypatch):
    class Kernel:
        config = {"IPKernelApp": {}}

    class IPython:
        @staticmethod
        def get_ipython():
            return Kernel()

    monkeypatch.setenv("TOYINDUCTION_PROGRESS", "")
    monkeypatch.setitem(library_progress.sys.modules, "IPython", IPython)
    assert library_progress.in_notebook() and library_progress.watched()
    monkeypatch.setenv("TOYINDUCTION_PROGRESS", "off")
    assert not library_progress.watched()
    monkeypatch.setenv("TOYINDUCTION_PROGRESS", "")
    monkeypatch.delitem(library_progress.sys.modules, "IPython")

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(library_progress.sys, "stderr", Terminal())
    assert not library_progress.in_notebook() and library_progress.watched()


class Cells(HTMLParser):
    """The rows of cells of an HTML table."""

    def __init__(self):
        super().__init__()
        self.rows, self.cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def html_rows(text: str) -> list:
    parser = Cells()
    parser.feed(text)
    return parser.rows


def test_a_forecast_shows_as_its_table_in_a_notebook(small_mixture):
    forecast = small_mixture.predict("0110110110", continue_bits=4)
    rows = html_rows(forecast._repr_html_())
    assert rows[0][:3] == ["t", "x_t", "P(x_t = 1 | x_<t)"]
    steps = forecast.to_json()["steps"]
    assert len(rows) == 1 + len(steps) + 1
    for row, step in zip(rows[1:], steps):
        assert row == [str(step["t"]), str(step["bit"]), f"{step['p_next_one']:.4f}",
                       f"[{step['p_lower']:.4f}, {step['p_upper']:.4f}]",
                       f"[{step['p_coin_lower']:.4f}, {step['p_coin_upper']:.4f}]"]
    assert rows[-1][:3] == ["11", "?", f"{forecast.p_next_one:.4f}"]
    assert forecast.to_json()["continuation"] in forecast._repr_html_()
    long = small_mixture.predict("01" * 40, continue_bits=0)
    shown = html_rows(long._repr_html_())
    assert len(shown) == 1 + 16 + 1 + 16 + 1 and "48 more bits" in shown[17][0] and shown[-2][0] == "80"


def test_the_demos_report_shows_its_premise_table_in_a_notebook():
    from toyinduction.malign.demo import report_markdown

    report = ti.DemoReport(json.loads((ROOT / "experiments" / "results" / "demo_report.json").read_text()))
    rows = html_rows(report._repr_html_())
    markdown = report_markdown(report).split("## Premises", 1)[1].split("\n\n")
    table = next(block for block in markdown if block.startswith("| premise"))
    expected = [[cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()
                if not line.startswith("| ---")]
    assert len(rows) == len(expected) and len(rows) - 1 == sum(len(row["per_target"]) for row in report["premises"])
    for shown, written in zip(rows, expected):    # the same premise, target and numbers as report.md
        assert shown[0] == written[0] and shown[-7:] == written[-7:]
    descriptions = {row["name"]: row["excluded"] for row in report["premises"]}
    assert all(row[1] in ("", descriptions[row[0]]) for row in rows[1:] if row[0])
    assert escape(report.headline) in report._repr_html_()


# ---- docs/api.md against the real signatures ----

def _documented_calls(page: str) -> dict:
    """'ti.name' or 'Class.method' -> the parameter lists the page's table of names gives it."""
    calls = {}
    rows = "\n".join(line for line in page.splitlines() if line.startswith("| "))
    for code in re.findall(r"`([^`\n]+)`", rows):
        for match in re.finditer(r"\b(ti\.\w+|[A-Z]\w*\.\w+)\((.*?)\)(?=$|\s|→)", code):
            calls.setdefault(match.group(1), []).append(match.group(2))
    return calls


def _split_top_level(text: str) -> list:
    parts, depth, current = [], 0, ""
    for character in text:
        if character in "([{":
            depth += 1
        elif character in ")]}":
            depth -= 1
        if character == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += character
    return [part.strip() for part in [*parts, current] if part.strip()]


def _parameters(listed: str) -> list:
    """(name, default text or None, kind marker) of a documented parameter list."""
    found = []
    for part in _split_top_level(listed):
        if part in ("*", "/"):
            found.append((part, None))
            continue
        name, _, default = part.partition("=")
        found.append((name.strip(), default.strip() or None))
    return found


def _signature_list(function, skip_self: bool) -> list:
    parameters = list(inspect.signature(function).parameters.values())
    if skip_self and parameters and parameters[0].name == "self":
        parameters = parameters[1:]
    names, keyword_only_marked = [], False
    for parameter in parameters:
        if parameter.kind is parameter.KEYWORD_ONLY and not keyword_only_marked:
            names.append("*")
            keyword_only_marked = True
        prefix = {parameter.VAR_POSITIONAL: "*", parameter.VAR_KEYWORD: "**"}.get(parameter.kind, "")
        if parameter.kind is parameter.VAR_POSITIONAL:
            keyword_only_marked = True
        names.append(prefix + parameter.name)
    return names


def _resolve(name: str):
    """The function a documented name calls (a class: its constructor)."""
    if name.startswith("ti."):
        return getattr(ti, name[3:]), False
    owner, attribute = name.split(".")
    return getattr(getattr(ti, owner), attribute), True


def test_docs_api_gives_every_public_signature_keyword_for_keyword():
    page = (ROOT / "docs" / "api.md").read_text()
    calls = _documented_calls(page)
    for name in ti.__all__:
        value = getattr(ti, name, None)
        if name == "__version__" or (isinstance(value, type) and issubclass(value, enum.Enum)):
            continue
        assert f"ti.{name}" in calls, f"docs/api.md gives no signature for ti.{name}(...)"
    for name, listings in calls.items():
        function, is_method = _resolve(name)
        if isinstance(function, type):
            function, is_method = function.__init__ if "__init__" in vars(function) or hasattr(
                function, "__dataclass_fields__") else function, True
        expected = _signature_list(function, skip_self=is_method)
        defaults = {parameter.name: parameter.default for parameter in inspect.signature(function).parameters.values()}
        for listed in listings:
            documented = _parameters(listed)
            assert [item for item, _ in documented] == expected, (name, listed)
            for item, default in documented:
                if default is None or item.lstrip("*") not in defaults:
                    continue
                if default == "all cores":
                    assert defaults[item] == validate.DEFAULT_WORKERS, (name, item)
                    continue
                assert ast.literal_eval(default) == defaults[item], (name, item, default)
