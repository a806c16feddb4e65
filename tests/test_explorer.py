"""The explorer: one self-contained HTML page per prediction or demo.

The document builders are checked against the library's own arrays; the pages are opened from
file:// in a real headless browser (Debian's chromium, driven by Playwright) with the network
cut off, stepped with the slider and the arrow keys, and every number shown is read back and
compared with the document, whose numbers are compared with the command's --json output.
"""

import json
import math
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from toyinduction.cli import main
from toyinduction.plots.explorer import (FAMILIES, class_colours, class_family, explorer_document_from_demo,
                                   explorer_document_from_prediction, explorer_html, write_explorer)
from toyinduction.induction.mixture import (build_pool, most_probable_continuation, predict, predict_next,
                                            top_hypotheses)
from toyinduction.machines.toy.enumerate import enumerate_programs
from toyinduction.machines.toy.language import TOY
from toyinduction.malign.demo import PREMISES, demo, json_summary
from toyinduction.malign.recompute import recompute

SEQUENCE = "0101010101010101"   # the 19-bit "loop idx out end" writes it: a real top hypothesis at 20 bits
DEMO_MAX_BITS = 14              # the demo tests' background: the same pool structure, seconds instead of 20
#: the demo tests' world: the README's small world (depth 24, two targets, one control), every premise
#: that keeps the machine (toy-uniform reassembles the pool in another machine: a minute more, and no
#: recomputation to check)
SMALL_WORLD = {"seed": 2026, "depth": 24, "targets": 2, "controls": 1, "max_bits": DEMO_MAX_BITS, "workers": 1,
               "premises": {name: premise for name, premise in PREMISES.items() if premise[2] is None}}


def invoke(*args):
    result = CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def embedded_document(page: Path) -> dict:
    """The document the page carries, read from its JSON block."""
    text = page.read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', text, re.S)
    return json.loads(block.group(1))


# ---- the document, without a browser ----

def test_the_prediction_document_holds_the_library_numbers_row_by_row():
    sequence, continuation_bits = "0000000000", 3      # "loop 0 out end" (19 bits) writes it
    horizon = len(sequence) + continuation_bits + 2
    pool = build_pool(TOY, enumerate_programs(TOY, 20, 300, horizon), horizon)
    prediction = predict(pool, sequence)
    upcoming = predict_next(pool, sequence)
    continuation = most_probable_continuation(pool, sequence, continuation_bits)
    document = explorer_document_from_prediction(prediction, pool, TOY, next_step=upcoming, continuation=continuation)
    assert json.loads(json.dumps(document, allow_nan=False)) == document      # plain JSON, no NaN
    (stream,) = document["streams"]
    rows, n = stream["rows"], len(sequence)
    assert [row["t"] for row in rows] == list(range(1, n + 2))
    for row, step in zip(rows, prediction.steps_json()):     # what `predict --json` prints as "steps"
        assert {key: row[key] for key in step} == step
    for t, row in enumerate(rows, start=1):
        columns = [prediction.classes.index(name) for name in stream["classes"]]
        assert row["masses"] == [float(prediction.class_posterior[t - 1, j]) for j in columns]
        assert row["unresolved"] == float(prediction.unresolved_posterior[t - 1])
        assert math.isclose(sum(row["masses"]) + row["unresolved"], 1.0, rel_tol=1e-12)
        if t <= n:
            assert row["p_observed"] == float(prediction.p_observed[t - 1])
            assert [row["p_observed_lower"], row["p_observed_upper"]] == [
                float(prediction.p_observed_lower[t - 1]), float(prediction.p_observed_upper[t - 1])]
            assert row["p_lower"] <= row["p_next_one"] <= row["p_upper"]
        posterior = prediction.posterior_after(t - 1)
        for identifier, share in row["top"]:
            hypothesis = document["hypotheses"][identifier]
            index = pool.bits.index(hypothesis["bits"])
            assert share == float(posterior[index]) and hypothesis["class"] == pool.label[index]
            assert hypothesis["output"].startswith(sequence[: t - 1])
        shares = [share for _, share in row["top"]]
        assert shares == sorted(shares, reverse=True)
    last = rows[-1]
    assert {key: last[key] for key in upcoming} == upcoming and last["bit"] is None and last["p_observed"] is None
    # after every bit, the top hypotheses are exactly `top_hypotheses` (what `predict --json` lists)
    listed = top_hypotheses(pool, prediction, TOY, 5)
    shown = [dict(document["hypotheses"][identifier], posterior=share) for identifier, share in last["top"]]
    assert [{key: row[key] for key in listed[0]} for row in shown] == listed
    assert listed, "the test needs a hypothesis to show"
    assert stream["continuation"] == "".join(str(step["bit"]) for step in continuation)


def test_every_class_has_its_own_colour_in_its_family():
    classes = ["enumerated 1-8 bits", "enumerated 9-16 bits", "enumerated 17-24 bits", "honest (leaf literal)",
               "honest (path and flag)", "honest importance pointer", "consequentialist (guided, answers 0)",
               "consequentialist (guided, answers 1)", "consequentialist (guided, flips every answer)",
               *[f"program {i}" for i in range(14)]]
    colours = class_colours(classes)
    assert set(colours) == set(classes) and len(set(colours.values())) == len(classes)

    def rgb(colour):
        return [int(colour[i:i + 2], 16) for i in (1, 3, 5)]

    for name, colour in colours.items():
        red, green, blue = rgb(colour)
        family = class_family(name)
        assert family in FAMILIES
        if family == "background":
            assert red == green == blue                       # greys
        elif family == "honest":
            assert blue > red and blue > green                 # blues
        elif family == "consequentialist":
            assert red > green and red > blue                  # reds


def test_the_page_inlines_everything_and_fetches_nothing():
    document = {"kind": "prediction", "title": "a </script> in a title <b>", "notes": {}, "summary": {},
                "hypotheses": [], "streams": [{"name": "s", "kind": "sequence", "sequence": "0", "classes": [],
                                               "decision_points": [], "first_decision_point": None, "rows": [
                                                   {"t": 1, "bit": 0, "p_next_one": 0.5, "p_lower": 0.0,
                                                    "p_upper": 1.0, "p_observed": 0.5, "p_observed_lower": 0.0,
                                                    "p_observed_upper": 1.0, "log_loss_bits": 1.0, "masses": [],
                                                    "unresolved": 1.0, "top": []}]}]}
    page = explorer_html(document)
    assert page.count("</script>") == 3                        # the two data blocks and the script, nothing injected
    assert not re.search(r"""(src|href)\s*=|<link|@import|url\(\s*['"]?(https?:)?//""", page, re.I)
    assert "</script> in a title" not in page
    block = re.search(r'id="explorer-data">(.*?)</script>', page, re.S).group(1)
    assert json.loads(block) == document


# ---- the pages, in a real browser ----

def chromium_executable():
    """Debian's chromium (the package .ci/run installs), or None."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser():
    executable = chromium_executable()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("no chromium executable in CI: .ci/run installs Debian's chromium package")
        pytest.skip("no chromium executable (apt-get install chromium) to open the explorer in")
    from playwright.sync_api import sync_playwright   # a test extra (pip install -e ".[test]")

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser):
    """Open a page from file:// with every request but file:// refused; yield (page, problems):
    console errors, page errors and refused requests."""
    pages = []

    def opener(path: Path):
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        problems = []
        page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
                if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

        def refuse(route):
            if route.request.url.startswith("file://"):
                return route.continue_()
            problems.append(f"network request: {route.request.url}")
            return route.abort()

        page.route("**/*", refuse)
        page.goto(path.resolve().as_uri())
        pages.append(page)
        return page, problems

    yield opener
    for page in pages:
        page.close()


def parse_shown(text: str) -> float:
    """A number as the page writes it: 0.4816, 5.822e-5, or 1 − 9.095e-13."""
    text = text.strip()
    if text.startswith("1 \u2212 "):
        return 1 - float(text[4:])
    return float(text)


def assert_shown(page, selector: str, expected):
    """The element shows ``expected`` to its 4 significant digits and carries it exactly."""
    element = page.locator(selector)
    text, value = element.text_content(), element.get_attribute("data-value")
    if expected is None:
        assert text == "\u2014" and value == "", selector
        return
    assert float(value) == expected, (selector, value, expected)
    if text.startswith("1 \u2212 "):
        assert math.isclose(float(text[4:]), 1 - expected, rel_tol=6e-4), (selector, text, expected)
    else:
        assert math.isclose(parse_shown(text), expected, rel_tol=6e-4, abs_tol=0), (selector, text, expected)


def check_time_step(page, document: dict, stream: dict, t: int):
    """Everything the page shows at t equals the document's row t."""
    row = stream["rows"][t - 1]
    assert page.locator("#t-value").text_content() == str(t)
    assert page.locator("#slider").input_value() == str(t)
    for key in ("p_next_one", "p_lower", "p_upper", "p_observed", "p_observed_lower", "p_observed_upper"):
        assert_shown(page, "#" + key.replace("_", "-"), row[key])
    if row["bit"] is not None:
        assert page.locator("#observed-bit").text_content() == str(row["bit"])
    for name, mass in zip(stream["classes"], row["masses"]):
        assert_shown(page, f'#masses tr[data-class="{name}"] td.value', mass)
    assert_shown(page, "#unresolved-mass", row["unresolved"])
    shown = page.locator("#hypotheses tr.hypothesis")
    assert shown.count() == len(row["top"])
    for position, (identifier, share) in enumerate(row["top"]):
        hypothesis = document["hypotheses"][identifier]
        line = shown.nth(position)
        assert int(line.get_attribute("data-id")) == identifier
        assert_shown(line, ".posterior", share)
        assert line.locator(".length").text_content() == str(hypothesis["length"])
        listing = page.locator(f'#hypotheses tr.program-row[data-id="{identifier}"] pre.disassembly')
        assert listing.text_content() == (hypothesis["disassembly"] or hypothesis["bits"])


def predict_json(sequence: str, max_bits: int, max_steps: int, continue_bits: int, top: int = 5):
    """(the pool, the prediction, and what `predict --json` prints for it: steps, next,
    continuation, top_hypotheses), from the library calls the command makes."""
    horizon = len(sequence) + continue_bits + 2
    pool = build_pool(TOY, enumerate_programs(TOY, max_bits, max_steps, horizon), horizon)
    prediction = predict(pool, sequence)
    continuation = most_probable_continuation(pool, sequence, continue_bits)
    printed = {"sequence": sequence, "steps": prediction.steps_json(), "next": predict_next(pool, sequence),
               "continuation": "".join(str(step["bit"]) for step in continuation), "continuation_steps": continuation,
               "top_hypotheses": top_hypotheses(pool, prediction, TOY, top)}
    return pool, prediction, printed


@pytest.fixture(scope="module")
def predicted(tmp_path_factory):
    """A prediction of SEQUENCE over every program up to 20 bits: (what --json prints, the page)."""
    pool, prediction, printed = predict_json(SEQUENCE, 20, 1000, 4)
    document = explorer_document_from_prediction(prediction, pool, TOY, next_step=printed["next"],
                                                 continuation=printed["continuation_steps"])
    return printed, write_explorer(document, tmp_path_factory.mktemp("predict") / "explorer.html")


def test_the_prediction_page_shows_the_numbers_of_predict_json_at_every_step(predicted, open_page, tmp_path):
    printed, path = predicted
    document = embedded_document(path)
    (stream,) = document["streams"]
    n = len(printed["sequence"])
    for row, step in zip(stream["rows"], printed["steps"]):          # the document says what --json says
        assert {key: row[key] for key in step} == step
    assert {key: stream["rows"][n][key] for key in printed["next"]} == printed["next"]
    assert stream["continuation"] == printed["continuation"]
    final = [dict(document["hypotheses"][identifier], posterior=share)
             for identifier, share in stream["rows"][n]["top"]]
    assert [{key: row[key] for key in listed} for row, listed in zip(final, printed["top_hypotheses"])] == \
        printed["top_hypotheses"] and len(final) == len(printed["top_hypotheses"]) > 0

    page, problems = open_page(path)
    assert page.locator("#slider").get_attribute("max") == str(n + 1)
    check_time_step(page, document, stream, 1)
    page.locator("#slider").fill("6")                                  # the slider
    check_time_step(page, document, stream, 6)
    page.keyboard.press("ArrowRight")                                 # the arrow keys
    check_time_step(page, document, stream, 7)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    check_time_step(page, document, stream, 5)
    page.keyboard.press("End")                                        # the next, unseen bit
    check_time_step(page, document, stream, n + 1)
    assert page.locator("#observed-block").is_hidden()
    page.screenshot(path=str(tmp_path / "prediction.png"), full_page=True)
    assert (tmp_path / "prediction.png").stat().st_size > 0
    assert problems == []


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """The demo on the small world, kept with its internals: (what --json prints, the report,
    the page)."""
    folder = tmp_path_factory.mktemp("demo")
    report = demo(**SMALL_WORLD)
    page = write_explorer(explorer_document_from_demo(report), folder / "explorer.html")
    return json_summary(report), report, page


def test_the_demo_page_shows_the_ledger_and_the_shares_at_each_first_question(demo_run, open_page, tmp_path):
    printed, report, path = demo_run
    document = embedded_document(path)
    streams = {stream["name"]: stream for stream in document["streams"]}
    assert [row["name"] for row in printed["targets"]] == [row["name"] for row in document["ledger"]]
    assert [row["name"] for row in printed["premises"]] == [row["name"] for row in document["premises"]]
    assert document["price_of_malice"] == printed["price_of_malice"]          # per horizon
    assert document["price_of_malice"]["first answer"] == printed["price_of_malice_bits"]

    page, problems = open_page(path)
    for index, (target, reported) in enumerate(zip(printed["targets"], report["targets"])):
        stream = streams[target["name"]]
        first = reported["first_decision_point"] + 1                   # t of the first answer bit
        assert stream["first_decision_point"] == first and first in stream["decision_points"]
        row = stream["rows"][first - 1]
        conseq = sum(m for name, m in zip(stream["classes"], row["masses"])
                     if name.startswith(("consequentialist", "goal-directed")))
        assert math.isclose(conseq, target["measured_share"], rel_tol=1e-12)
        assert row["p_observed"] == target["honest_bit_probability"]
        assert [row["p_observed_lower"], row["p_observed_upper"]] == target["honest_bit_probability_bounds"]
        page.select_option("#stream", str(index))                      # a stream opens at its first question
        check_time_step(page, document, stream, first)
        assert_shown(page, '#masses tr[data-family="consequentialist"] td.value', conseq)
        cells = page.locator("#ledger tbody tr").nth(index).locator("td")     # its row of the ledger
        assert cells.nth(0).text_content() == target["name"]
        assert cells.nth(1).text_content() == str(first)
        for column, key in ((3, "K_H"), (4, "K_M"), (5, "delta_bits"), (6, "predicted_share"), (7, "measured_share"),
                            (8, "honest_bit_probability")):
            assert_shown(cells, f"nth={column}", target[key])
    # the decision points are marked on the time axis; ] steps to the next one, Shift+← ten bits back
    stream = document["streams"][0]
    page.select_option("#stream", "0")
    assert page.locator("#mass-chart .decision-line").count() == len(stream["decision_points"])
    assert page.locator("#bits .decision").count() >= 1
    page.locator("#slider").focus()
    page.keyboard.press("]")
    later = [t for t in stream["decision_points"] if t > stream["first_decision_point"]]
    at = later[0] if later else stream["first_decision_point"]
    check_time_step(page, document, stream, at)
    page.keyboard.press("Shift+ArrowLeft")
    check_time_step(page, document, stream, at - 10)
    page.click('#zoom button[data-zoom="64"]')                         # a window that follows t
    page.keyboard.press("ArrowRight")
    check_time_step(page, document, stream, at - 9)
    for premise in printed["premises"]:                               # one row per premise and target
        rows = page.locator(f'#premises tbody tr[data-premise="{premise["name"]}"]')
        assert rows.count() == len(premise["per_target"])
        assert rows.nth(0).locator("td").nth(0).text_content() == premise["name"]
        for position, target in enumerate(premise["per_target"]):
            cells = rows.nth(position).locator("td")
            for column, cls in enumerate(("honest", "deviating, not goal-directed", "goal-directed", "unresolved")):
                assert_shown(cells, f"nth={3 + column}", target["class_shares"][cls])
            assert cells.nth(7).text_content() == target["holder"]
            assert_shown(cells, "nth=9", target["honest_bit_probability"])
    page.screenshot(path=str(tmp_path / "demo.png"), full_page=True)
    assert (tmp_path / "demo.png").stat().st_size > 0
    assert problems == []


# ---- the command line ----

def test_predict_and_demo_write_the_page_with_html(tmp_path):
    """--html FILE on predict and demo: the page carries the numbers --json prints."""
    page = tmp_path / "predict.html"
    printed = json.loads(invoke("predict", SEQUENCE, "--max-bits", 16, "--continue", 2, "--store", tmp_path / "store",
                                "--html", page, "--json").output)
    assert printed["html"] == str(page)
    (stream,) = embedded_document(page)["streams"]
    assert [{key: row[key] for key in step} for row, step in zip(stream["rows"], printed["steps"])] == printed["steps"]
    assert {key: stream["rows"][-1][key] for key in printed["next"]} == printed["next"]
    page = tmp_path / "demo.html"
    printed = json.loads(invoke("demo", "--depth", 24, "--max-bits", 10, "--targets", 1, "--controls", 0, "--out",
                                tmp_path / "out", "--store", tmp_path / "store", "--html", page, "--json").output)
    document = embedded_document(page)
    assert printed["html"] == str(page) and document["kind"] == "demo"
    assert {q["target"] for q in document["recompute"]["questions"]} == {row["name"] for row in printed["targets"]}
    assert [row["measured_share"] for row in document["ledger"]] == \
        [row["measured_share"] for row in printed["targets"]]


# ---- the recomputation: Python against the demo, the page against Python ----

def close(a: float, b: float) -> bool:
    """Equal to 1e-9 relative (shares below 1e-300 may underflow to 0 on one side only)."""
    return a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300)


def test_the_recomputation_gives_the_demo_premise_rows_and_questions(demo_run):
    """recompute() from the compact table is the demo's own arithmetic (predict_at over the whole
    pool): every premise row, every target, and both questions of the full pool."""
    _, report, _ = demo_run
    for row in report["premises"]:
        chosen = () if row["name"] == "full-pool" else (row["name"],)
        got = [r for r in recompute(report, premises=chosen) if r["question"] == 0]
        assert [r["target"] for r in got] == [t["target"] for t in row["per_target"]]
        for mine, theirs in zip(got, row["per_target"]):
            for cls, share in theirs["class_shares"].items():
                assert close(mine["class_shares"][cls], share), (row["name"], cls, mine["class_shares"][cls], share)
            assert mine["holder"] == theirs["holder"]
            assert close(mine["p_honest"], theirs["honest_bit_probability"])
            assert all(close(a, b) for a, b in zip(mine["p_honest_bounds"], theirs["honest_bit_probability_bounds"]))
            assert all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15) for a, b in
                       zip(mine["p_honest_coin_interval"], theirs["honest_bit_probability_coin_interval"]))
    full = recompute(report)
    for target in report["targets"]:
        for q in target["questions"]:
            (mine,) = [r for r in full if r["target"] == target["name"] and r["question"] == q["index"]]
            assert all(close(mine["class_shares"][cls], share) for cls, share in q["class_shares"].items())
            assert close(mine["p_honest"], q["p_honest"])
    # a share of 1 − ε reads as odds from the masses, not from the rounded share
    for mine in full:
        top = mine["holder"]
        rest = sum(share for cls, share in mine["class_shares"].items() if cls != top)
        if rest > 0:
            assert math.isclose(mine["log10_odds"][top], math.log10(mine["class_shares"][top] / rest), rel_tol=1e-6)


def read_recomputed(page) -> list:
    """Every row the page's recomputation shows: its shares, odds and the true answer's numbers."""
    rows = []
    lines = page.locator("#recomputed tbody tr")
    for i in range(lines.count()):
        line = lines.nth(i)
        shares = {}
        odds = {}
        cells = line.locator("td.share")
        for j in range(cells.count()):
            cell = cells.nth(j)
            shares[cell.get_attribute("data-class")] = float(cell.get_attribute("data-value"))
            odds[cell.get_attribute("data-class")] = float(cell.get_attribute("data-odds"))
        rows.append({"target": line.get_attribute("data-target"), "question": int(line.get_attribute("data-question")),
                     "class_shares": shares, "log10_odds": odds,
                     "holder": line.locator("td.holder").text_content(),
                     "p_honest": float(line.locator("td.p-honest").get_attribute("data-value")),
                     "log10_odds_honest": float(line.locator("td.odds-honest").get_attribute("data-value")),
                     "p_honest_bounds": json.loads(line.locator("td.bounds").get_attribute("data-value")),
                     "p_honest_coin_interval": json.loads(line.locator("td.coin").get_attribute("data-value"))})
    return rows


def assert_agree(shown: list, computed: list) -> float:
    """The page's rows equal Python's; returns the largest relative difference seen."""
    assert [(r["target"], r["question"]) for r in shown] == [(r["target"], r["question"]) for r in computed]
    worst = 0.0
    for mine, theirs in zip(shown, computed):
        assert mine["holder"] == theirs["holder"]
        pairs = [(mine["class_shares"][c], theirs["class_shares"][c]) for c in theirs["class_shares"]]
        pairs += [(mine["log10_odds"][c], theirs["log10_odds"][c]) for c in theirs["log10_odds"]]
        pairs += [(mine["p_honest"], theirs["p_honest"]), (mine["log10_odds_honest"], theirs["log10_odds_honest"])]
        pairs += list(zip(mine["p_honest_bounds"] + mine["p_honest_coin_interval"],
                          theirs["p_honest_bounds"] + theirs["p_honest_coin_interval"]))
        for a, b in pairs:
            assert close(a, b), (mine["target"], mine["question"], a, b)
            if a != b and math.isfinite(b) and b != 0:
                worst = max(worst, abs(a - b) / abs(b))
    return worst


def test_the_page_recomputes_the_numbers_python_computes(demo_run, open_page):
    """A program off, a class off, a premise, λ moved: the page's numbers are recompute()'s."""
    _, report, path = demo_run
    table = report.internals["recompute"]
    page, problems = open_page(path)
    full = recompute(table)
    assert_agree(read_recomputed(page), full)
    # the program off: the heaviest named program of the class holding the first target's first question
    first = table["questions"][0]
    holder = full[0]["holder"]
    named = [table["programs"][int(key)] for key, cls in first["named_classes"].items() if cls == holder]
    program = max(named, key=lambda p: p["log2_prior"])
    choices = [({"off": (program["name"],)}, lambda: page.locator(
                    f'#pool-programs input[data-program="{program["name"]}"]').uncheck()),
               ({"off_classes": ("deviating, not goal-directed",)}, lambda: page.locator(
                    '#class-choices input[data-class="deviating, not goal-directed"]').uncheck()),
               ({"premises": ("no-pointer",)}, lambda: page.locator(
                    '#premise-choices input[data-premise="no-pointer"]').check()),
               ({"speed": 0.5}, lambda: page.locator("#lambda-number").fill("0.5") or page.locator(
                    "#lambda-number").dispatch_event("change")),
               ({"premises": ("not-told", "no-pointer"), "speed": 0.5}, lambda: [
                   page.locator('#premise-choices input[data-premise="not-told"]').check(),
                   page.locator('#premise-choices input[data-premise="no-pointer"]').check(),
                   page.locator("#lambda-number").fill("0.5"), page.locator("#lambda-number").dispatch_event("change")])]
    worst = 0.0
    for choice, act in choices:
        page.locator("#pool-details summary").click() if "off" in choice else None
        act()
        computed = recompute(table, **choice)
        assert any(a["class_shares"] != b["class_shares"] or a["p_honest"] != b["p_honest"]
                   for a, b in zip(computed, full)), choice        # the choice changes something
        worst = max(worst, assert_agree(read_recomputed(page), computed))
        page.locator("#recompute-reset").click()
        if "off" in choice:
            page.locator("#pool-details summary").click()
        assert_agree(read_recomputed(page), full)
    print(f"largest relative difference between the page and Python: {worst:.1e}")
    assert problems == []
