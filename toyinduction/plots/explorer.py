"""The explorer: one self-contained HTML page to step through a prediction bit by bit.

Two steps, kept apart: a *document* (a plain JSON-able dict of numbers the library computed)
is built from a prediction (``explorer_document_from_prediction``, or from a ``Mixture``'s
forecast: ``explorer_document_from_forecast``) or from the malign-prior demo
(``explorer_document_from_demo``); ``explorer_html(document)`` renders it to a string, and
``write_explorer`` is the only function that touches the disk.

The page holds the document verbatim in a ``<script type="application/json">`` block and draws
it with inline SVG and plain JavaScript: no library, nothing fetched, nothing to download, so
the file opens offline from ``file://`` and stays small. (A plotting library would have to be
inlined whole — hundreds of kilobytes — for two charts, a slider and a chart of markers.) The
mass chart is drawn on a log-odds axis where the shares differ by orders of magnitude (a toggle
switches to linear); a demo's page also carries the ``recompute`` table
(``toyinduction.malign.recompute``) and recomputes the posterior at each question, in log space,
when programs, classes, premises or the speed prior's λ are changed.

Time convention, the same as ``toyinduction predict --json``: row t (t = 1, 2, …) is the
mixture's prediction of bit x_t from x_<t = x_1..x_(t-1): ``p_next_one`` = P(x_t = 1 | x_<t)
with its model-free interval [``p_lower``, ``p_upper``], and the probability it gave the bit
that was observed with that bit's interval. The class masses and the top hypotheses of row t
are the posterior after those t - 1 bits, the moment the prediction is made. A prediction
document has one row more, t = n + 1: the next, unseen bit (``predict_next``), whose
observed-bit fields are null. A demo's decision points are the t of the answer bits (the
demo's 0-based bit index + 1), so the row at a target's first decision point carries the
shares the demo reports "at the first question".

The module is self-contained: it reads predictions and pools through their attributes, and
imports only its colours (``plots.palette``, shared with the figures), the run statuses' names
and, when a caller gives no ``describe`` function, the machine registry for the disassembler.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

from toyinduction.plots.palette import (FAMILIES, UNRESOLVED_CAPTION, class_colours, class_family,  # noqa: F401
                                        ordered_classes as _ordered_classes)

TIME_CONVENTION = ("Row t is the prediction of bit x_t from the t - 1 bits before it: P(x_t = 1 | x_<t) with its "
                   "model-free interval. The class masses and top hypotheses at t are the posterior after those "
                   "t - 1 bits, when the prediction is made.")


def _default_describe(machine):
    """How a hypothesis is shown: ``machine``'s disassembler (a machine, its registry name, or
    a toy Language), as ``top_hypotheses`` shows it; no machine, no text."""
    if machine is None:
        return lambda bits: ""
    from toyinduction.machines import machine as machine_named

    return machine_named(machine).disassemble


def _status_label(status: int) -> str:
    from toyinduction.core import Status

    return Status(int(status)).label


def _top_at(prediction, after: int, k: int) -> list:
    """The k hypotheses with the largest posterior after ``after`` bits among those whose known
    output extends them (the same choice and order as ``top_hypotheses`` after all the bits):
    [(pool index, posterior), ...]."""
    if k <= 0:
        return []
    posterior = prediction.posterior_after(after)
    score = np.where(prediction._agree >= after, posterior, -1.0)
    candidates = np.flatnonzero(score > 0)
    values = score[candidates]
    if len(candidates) > k:
        kth = np.partition(values, len(values) - k)[len(values) - k]
        keep = values >= kth
        candidates, values = candidates[keep], values[keep]
    order = np.lexsort((candidates, -values))[:k]
    return [(int(candidates[i]), float(values[i])) for i in order]


class _Hypotheses:
    """The document's table of hypotheses: each pool index once, with its disassembly."""

    def __init__(self, pool, describe):
        self.pool, self.describe, self.rows, self.ids = pool, describe, [], {}

    def id_of(self, index: int) -> int:
        """The id of pool hypothesis ``index`` in the table (added on first sight)."""
        if index not in self.ids:
            pool = self.pool
            output = pool.outputs[index][: int(pool.output_length[index])]
            self.ids[index] = len(self.rows)
            self.rows.append({"id": len(self.rows), "bits": pool.bits[index], "length": len(pool.bits[index]),
                              "class": pool.label[index], "status": _status_label(pool.status[index]),
                              "steps": int(pool.steps[index]), "output": "".join(map(str, output)),
                              "disassembly": self.describe(pool.bits[index])})
        return self.ids[index]


def _rows(prediction, hypotheses: _Hypotheses, classes: list, top: int, next_step: dict | None) -> list:
    """The per-t rows of one prediction (t from 1; one more for ``next_step``)."""
    order = [prediction.classes.index(name) for name in classes]
    n = len(prediction.sequence)
    rows = []
    for t in range(1, n + 1 + (next_step is not None)):
        row = {"t": t}
        if t <= n:
            i = t - 1
            row.update({"bit": int(prediction.sequence[i]), "p_next_one": float(prediction.p_next_one[i]),
                        "p_lower": float(prediction.p_lower[i]), "p_upper": float(prediction.p_upper[i]),
                        "p_coin_lower": float(prediction.p_coin_lower[i]),
                        "p_coin_upper": float(prediction.p_coin_upper[i]),
                        "unresolved_raw_share": float(prediction.unresolved_raw_share[i]),
                        "p_observed": float(prediction.p_observed[i]),
                        "p_observed_lower": float(prediction.p_observed_lower[i]),
                        "p_observed_upper": float(prediction.p_observed_upper[i]),
                        "log_loss_bits": float(prediction.log_loss_bits[i])})
        else:
            row.update({"bit": None, "p_next_one": float(next_step["p_next_one"]),
                        "p_lower": float(next_step["p_lower"]), "p_upper": float(next_step["p_upper"]),
                        "p_coin_lower": next_step.get("p_coin_lower"), "p_coin_upper": next_step.get("p_coin_upper"),
                        "unresolved_raw_share": next_step.get("unresolved_raw_share"),
                        "p_observed": None, "p_observed_lower": None, "p_observed_upper": None,
                        "log_loss_bits": None})
        row["masses"] = [float(prediction.class_posterior[t - 1, j]) for j in order]
        row["unresolved"] = float(prediction.unresolved_posterior[t - 1])
        row["top"] = [[hypotheses.id_of(index), posterior] for index, posterior in _top_at(prediction, t - 1, top)]
        rows.append(row)
    return rows


def _stream(prediction, hypotheses: _Hypotheses, name: str, kind: str, top: int, next_step=None) -> dict:
    """One stream of the document: its sequence, classes (stacking order) and rows."""
    classes = _ordered_classes(prediction.classes)
    return {"name": name, "kind": kind, "sequence": prediction.sequence, "classes": classes,
            "rows": _rows(prediction, hypotheses, classes, top, next_step), "decision_points": [],
            "first_decision_point": None}


def explorer_document_from_prediction(prediction, pool, machine=None, *, describe=None, top: int = 5,
                                      next_step: dict | None = None, continuation=None, title: str | None = None,
                                      summary: dict | None = None) -> dict:
    """The explorer's document for one prediction (the mixture's ``predict`` over ``pool``).

    ``describe(bits) -> text`` shows a program (default: the disassembler of ``machine`` — a
    machine, its name or a toy Language — as ``top_hypotheses`` shows it; no machine: no text).
    ``next_step`` (``predict_next``'s dict) adds the row of the next, unseen bit;
    ``continuation`` (``most_probable_continuation``'s list) is shown after the sequence.
    ``summary`` adds named numbers shown beside the title (e.g. log-losses).

    Returns a JSON-able dict: {"kind": "prediction", "title", "notes", "streams": [one stream],
    "hypotheses": [...]}; each stream row holds t, bit, p_next_one, p_lower, p_upper, p_observed
    and its interval, cumulative log_loss_bits, class masses (aligned with the stream's
    classes), the unresolved mass and the top hypotheses as [id, posterior] pairs.
    """
    hypotheses = _Hypotheses(pool, describe or _default_describe(machine))
    stream = _stream(prediction, hypotheses, "observed sequence", "sequence", top, next_step)
    if continuation:
        stream["continuation"] = "".join(str(step["bit"]) for step in continuation)
        stream["continuation_steps"] = [{key: (int(value) if key == "bit" else float(value))
                                         for key, value in step.items()} for step in continuation]
    sequence = prediction.sequence
    return {"kind": "prediction",
            "title": title or f"Prediction of {sequence[:32]}{'…' * (len(sequence) > 32)} ({len(sequence)} bits)",
            "notes": {"time": TIME_CONVENTION, "unresolved": UNRESOLVED_CAPTION,
                      "assumption": "the point estimate assumes unresolved programs continue with fair coin flips; "
                                    "the interval assumes nothing"},
            "summary": dict(summary or {}, pool_size=int(pool.size)),
            "streams": [stream], "hypotheses": hypotheses.rows}


def explorer_document_from_forecast(forecast, *, top: int = 5, describe=None) -> dict:
    """The explorer's document for a ``Mixture.predict`` forecast: its prediction, pool and
    machine, the next bit, the continuation, and its log-losses beside the title (see
    ``explorer_document_from_prediction``)."""
    mixture = forecast.mixture
    summary = {"enumeration": f"every program up to {mixture.max_bits} bits, {mixture.max_steps} steps",
               "mixture log-loss (bits)": forecast.log_loss_bits,
               **{f"{name} log-loss (bits)": value for name, value in forecast.baselines_log_loss_bits.items()}}
    next_step = {"p_next_one": forecast.p_next_one, "p_lower": forecast.p_lower, "p_upper": forecast.p_upper,
                 "p_coin_lower": forecast.p_coin_lower, "p_coin_upper": forecast.p_coin_upper,
                 "unresolved_raw_share": forecast.unresolved_raw_share}
    return explorer_document_from_prediction(forecast.prediction, forecast.pool, mixture.machine, describe=describe,
                                             top=top, next_step=next_step, continuation=forecast.continuation,
                                             summary=summary)


def explorer_document_from_demo(report: dict, *, top: int = 5, describe=None) -> dict:
    """The explorer's document for the malign-prior demo: one stream per target and control.

    ``report`` is the demo's report with its internals (the pool and each stream's prediction):
    ``run_demo(..., keep=True)``, or a report object carrying them as ``report.internals``.
    Besides the streams (as in ``explorer_document_from_prediction``, with the decision points
    and, for a target, its ledger row), the document holds the headline,
    the ledger (every target's K_H, K_M, Δ, predicted and measured share, the honest answer's
    probability and interval), the price of malice, the premise table and the named programs.
    """
    internals = report.get("internals") or getattr(report, "internals", None)
    if internals is None:
        raise ValueError("the demo report has no internals: run the demo with keep=True")
    pool, world, length = internals["pool"], internals["world"], internals["length"]
    machine = internals.get("machine", internals.get("language"))
    hypotheses = _Hypotheses(pool, describe or _default_describe(machine))
    places = {name: (region, path) for _, name, region, path in internals["sequences"]}
    targets = {row["name"]: row for row in report["targets"]}
    streams = []
    for kind, name, prediction, t_star in internals["predictions"]:
        stream = _stream(prediction, hypotheses, name, kind, top)
        region, path = places[name]
        if kind == "target":
            stream["decision_points"] = [int(point) + 1 for point in world.decision_points(region, path, length)]
            stream["first_decision_point"] = int(t_star) + 1
            stream["ledger"] = {key: value for key, value in targets[name].items()
                                if key not in ("programs", "class_shares", "honest_bit_probability_at_each_decision")}
        streams.append(stream)
    ledger_keys = ("name", "first_decision_point", "true_answer", "K_H", "K_M", "delta_bits", "predicted_share",
                   "measured_share", "honest_bit_probability", "honest_bit_probability_bounds")
    return {"kind": "demo",
            "title": f"Malign-prior demo: world seed {report['world']['seed']}, depth {report['world']['depth']}",
            "headline": report["headline"],
            "notes": {"time": TIME_CONVENTION, "unresolved": UNRESOLVED_CAPTION,
                      "assumption": f"the estimates assume that {report['assumption']}",
                      "why_wide": report["why_the_interval_is_wide"],
                      "decision_points": "a decision point is the answer bit x_t of a civilisation's question; the "
                                         "ledger's \"first question at bit\" is the demo's 0-based index, t - 1"},
            "summary": {"pool_size": int(pool.size), "language": report["language"],
                        "background_max_bits": report["background"]["max_bits"],
                        "background_programs": report["background"]["programs"],
                        "unresolved_mass": report["unresolved_mass"]},
            "ledger": [{key: row[key] for key in ledger_keys} for row in report["targets"]],
            "controls": [{"name": row["name"], "measured_share": row["measured_share"]} for row in report["controls"]],
            "price_of_malice": dict(report["price_of_malice"]),
            "premises": [{key: row[key] for key in ("name", "excluded", "consequentialist_share",
                                                    "honest_bit_probability", "honest_bit_probability_bounds",
                                                    "per_target")}
                         for row in report["premises"]],
            # what the page recomputes from (toyinduction.malign.recompute.recompute_table; None: no recomputation)
            "recompute": internals.get("recompute"),
            "programs": [{"name": row["name"], "class": (row["at_question"][0] or {}).get("class", "does not fit"),
                          "bits": row["total_bits"], "data": row["data"]} for row in report["programs"]],
            "streams": streams, "hypotheses": hypotheses.rows}


def _json_for_script(value) -> str:
    """JSON safe inside a <script> element (no "</script>", no "<!--")."""
    return json.dumps(value, allow_nan=False, separators=(",", ":")).replace("<", "\\u003c")


def explorer_html(document: dict) -> str:
    """The page for ``document``: one HTML string with the document, the styles and the script
    inlined (no server and no network needed to view it)."""
    classes = [name for stream in document["streams"] for name in stream["classes"]]
    classes += (document.get("recompute") or {}).get("classes", [])
    palette = class_colours(classes)
    return (_PAGE.replace("%%TITLE%%", html.escape(document.get("title", "toyinduction explorer")))
            .replace("%%CAPTION%%", html.escape(document.get("notes", {}).get("unresolved", UNRESOLVED_CAPTION)))
            .replace("%%DOCUMENT%%", _json_for_script(document))
            .replace("%%PALETTE%%", _json_for_script(palette))
            .replace("%%STYLE%%", _STYLE).replace("%%SCRIPT%%", _SCRIPT))


def write_explorer(document: dict, path) -> Path:
    """Write ``explorer_html(document)`` to ``path`` (creating its directory); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(explorer_html(document), encoding="utf-8")
    return path


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%%TITLE%%</title>
<style>%%STYLE%%</style>
</head>
<body>
<header>
  <h1 id="title">%%TITLE%%</h1>
  <p id="headline"></p>
  <p id="summary" class="muted"></p>
</header>
<section id="controls" class="card">
  <div class="row">
    <label id="stream-picker" hidden>stream <select id="stream"></select></label>
    <button id="prev-decision" type="button" title="previous decision point ([)" hidden>&#9664;?</button>
    <button id="prev" type="button" title="previous bit (&#8592;)">&#9664;</button>
    <input id="slider" type="range" min="1" max="1" value="1" aria-label="time t">
    <button id="next" type="button" title="next bit (&#8594;)">&#9654;</button>
    <button id="next-decision" type="button" title="next decision point (])" hidden>?&#9654;</button>
    <span class="t-label">t = <b id="t-value">1</b> <span class="muted">of <span id="t-max"></span></span></span>
  </div>
  <p class="muted keys">&#8592; &#8594; one bit &middot; Shift+&#8592; &#8594; ten &middot; Home/End
    <span id="decision-keys" hidden>&middot; [ ] previous/next decision point</span> &middot; click or drag on a chart
    <span id="continuation-note" hidden>&middot; <i>italic</i>: not observed (after the sequence: the most probable
    continuation)</span></p>
  <div id="bits" class="bits" aria-label="the sequence around t"></div>
</section>
<main>
  <section class="charts card">
    <div class="row spread"><h2>Posterior mass by class</h2>
      <span id="scale" class="zoom">scale <button type="button" data-scale="log">log-odds</button><button
        type="button" data-scale="linear">linear</button></span>
      <span id="zoom" class="zoom">show <button type="button" data-zoom="0" class="on">all bits</button><button
        type="button" data-zoom="256">256 around t</button><button type="button"
        data-zoom="64">64 around t</button></span></div>
    <svg id="mass-chart" class="chart" role="img" aria-label="posterior mass by class over time"></svg>
    <p id="holder-note" class="holder"></p>
    <p class="caption" id="log-caption">Log-odds: each class's line is log<sub>10</sub> of its mass over the mass of
      everything else (+6: a million to one for it; 0: even; &minus;6: a million to one against), computed from the
      masses themselves, so 1 &minus; 5&middot;10<sup>&minus;7</sup> reads +6.3, not 1. Lines at the bottom edge: no
      mass, or below the axis.</p>
    <p class="caption"><span class="swatch hatch"></span> %%CAPTION%%</p>
    <h2>Prediction P(x<sub>t</sub> = 1 | x<sub>&lt;t</sub>), its model-free interval and its interval under the
      coin assumption</h2>
    <svg id="p-chart" class="chart" role="img" aria-label="prediction over time"></svg>
    <p class="caption"><span class="swatch" style="background:#1f5fa8"></span> P(x<sub>t</sub> = 1 | x<sub>&lt;t</sub>)
      <span class="swatch" style="background:#c9dcf0"></span> model-free interval
      <span class="swatch" style="background:#6f9fd4"></span> interval under the coin assumption (unresolved programs
      continue with fair coin flips)
      <span class="dot"></span> observed bit x<sub>t</sub>
      <span id="decision-legend" hidden><span class="dash"></span> decision point (a question's answer bit)</span></p>
  </section>
  <aside class="readout card">
    <h2>At t = <span id="t-title">1</span> <span id="t-note" class="muted"></span></h2>
    <div class="prediction">
      <div class="label">P(x<sub>t</sub> = 1 | x<sub>&lt;t</sub>)</div>
      <div class="big" id="p-next-one"></div>
      <svg id="gauge" class="gauge" viewBox="0 0 300 34" preserveAspectRatio="none"></svg>
      <div>model-free interval [<span id="p-lower" class="num"></span>, <span id="p-upper" class="num"></span>]</div>
      <div id="coin-block">under the coin assumption [<span id="p-coin-lower" class="num"></span>, <span id="p-coin-upper" class="num"></span>]</div>
      <div id="observed-block">observed x<sub>t</sub> = <b id="observed-bit"></b>; probability given to it
        <span id="p-observed" class="num"></span>, interval [<span id="p-observed-lower" class="num"></span>,
        <span id="p-observed-upper" class="num"></span>]</div>
      <div id="log-loss-block" class="muted">cumulative log-loss to x<sub>t</sub>:
        <span id="log-loss" class="num"></span> bits</div>
    </div>
    <table id="masses" class="masses">
      <thead><tr><th></th><th>class</th><th class="r">posterior mass</th><th class="r"
        title="log10 of the class's mass over the rest's">log<sub>10</sub> odds</th></tr></thead>
      <tbody></tbody>
    </table>
  </aside>
</main>
<section class="card">
  <h2>Top hypotheses at t = <span id="t-hyp">1</span></h2>
  <p class="muted">Programs whose known output extends x<sub>&lt;t</sub>, by posterior after those bits.</p>
  <table id="hypotheses" class="hypotheses">
    <thead><tr><th>#</th><th class="r">posterior</th><th class="r">length (bits)</th><th>class</th><th>status</th>
      <th class="r">steps</th><th>output (known; bold: its bit x<sub>t</sub>)</th></tr></thead>
    <tbody></tbody>
  </table>
</section>
<section id="demo-section" class="card" hidden>
  <h2>The ledger at each target's first question</h2>
  <p class="muted">K<sub>H</sub>, K<sub>M</sub>: &minus;log<sub>2</sub> of the summed prior of the programs measured
    honest and goal-directed (by intervention) that write the target's stream to its first question; predicted
    goal-directed share 2<sup>&minus;K<sub>M</sub></sup> over the sum for every class.
    Click a row to go there.</p>
  <table id="ledger" class="data"><thead></thead><tbody></tbody></table>
  <p id="price"></p>
  <h2>Premises</h2>
  <p class="muted">Each premise of the malign-prior argument imposed alone (programs removed by their measured
    class): at each target's first question, the posterior by measured class, who holds it and by how many orders
    of magnitude (log<sub>10</sub> odds of the largest class over the rest), and the probability of the true
    answer with its interval under the coin assumption and its model-free interval.</p>
  <table id="premises" class="data"><thead></thead><tbody></tbody></table>
</section>
<section id="recompute-section" class="card" hidden>
  <h2>Change the pool: the posterior recomputed</h2>
  <p class="muted">Switch programs, length bands or classes off, impose premises, move the speed prior's &lambda;:
    the page recomputes the mixture at each target's questions from every program in play there (its length, steps,
    known output and measured class), in log space, with the formulas of the library
    (<code>toyinduction.malign.recompute</code> gives the same numbers in Python).</p>
  <div class="row choices">
    <fieldset id="premise-choices"><legend>premises</legend></fieldset>
    <fieldset id="class-choices"><legend>classes kept</legend></fieldset>
    <fieldset><legend>speed prior</legend>
      <label>&lambda; <input id="lambda" type="range" min="0" max="3" step="0.05" value="0"></label>
      <input id="lambda-number" type="number" min="0" step="any" value="0" aria-label="lambda">
      <span class="muted">weight 2<sup>&minus;(|p| + &lambda;&middot;log<sub>2</sub> steps)</sup></span></fieldset>
    <button id="recompute-reset" type="button">reset</button>
  </div>
  <p id="recompute-choice" class="muted"></p>
  <svg id="recompute-chart" class="chart" role="img" aria-label="log-odds of each class at each question"></svg>
  <p class="caption">One column per target and question; one marker per class (filled: as chosen; hollow: the full
    pool) and a black diamond for the true answer's odds. y: log<sub>10</sub> odds of the class over the rest
    (triangles: beyond the axis or no mass).</p>
  <table id="recomputed" class="data"><thead></thead><tbody></tbody></table>
  <details id="pool-details"><summary>the programs in play (switch one off)</summary>
    <table id="pool-programs" class="data"><thead></thead><tbody></tbody></table></details>
</section>
<section id="demo-tables" class="card" hidden>
  <h2>Named programs of the pool</h2>
  <table id="programs" class="data"><thead></thead><tbody></tbody></table>
  <table id="controls-table" class="data"><thead></thead><tbody></tbody></table>
</section>
<footer class="muted" id="notes"></footer>
<script type="application/json" id="explorer-data">%%DOCUMENT%%</script>
<script type="application/json" id="explorer-palette">%%PALETTE%%</script>
<script>%%SCRIPT%%</script>
</body>
</html>
"""

_STYLE = """
:root { --ink: #1d2430; --muted: #5f6b7a; --line: #d8dde4; --card: #ffffff; --bg: #f3f5f8; --accent: #1f5fa8;
  --marker: #111111; --decision: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1280px; padding: 16px 20px 40px; background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 21px; margin: 4px 0 6px; }
h2 { font-size: 15px; margin: 4px 0 8px; }
.muted { color: var(--muted); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px;
  margin: 12px 0; }
.row { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
.row.spread { justify-content: space-between; }
.zoom { font-size: 12px; color: var(--muted); }
.zoom button { font-size: 12px; padding: 1px 8px; margin-left: 4px; }
.zoom button.on { background: var(--accent); color: #fff; border-color: var(--accent); }
#slider { flex: 1 1 320px; accent-color: var(--accent); }
#slider:focus-visible, button:focus-visible, select:focus-visible { outline: 2px solid #9cc0e8; outline-offset: 2px; }
button { font: inherit; padding: 2px 10px; border: 1px solid var(--line); border-radius: 6px; background: #f7f9fb;
  cursor: pointer; }
button:hover { background: #e9eef5; }
select { font: inherit; padding: 2px 4px; }
.t-label { font-variant-numeric: tabular-nums; min-width: 9em; }
.keys { margin: 6px 0 4px; font-size: 12px; }
.bits { font: 15px/1.8 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; white-space: nowrap;
  overflow: hidden; }
.bits span { display: inline-block; width: 1.05em; text-align: center; border-radius: 3px; cursor: pointer; }
.bits .past { color: var(--ink); }
.bits .future { color: #aab3bf; }
.bits .now { background: var(--accent); color: #fff; font-weight: bold; }
.bits .decision { box-shadow: inset 0 -2px 0 var(--decision); }
.bits .unseen { color: #8a94a3; font-style: italic; }
.bits .gap { width: auto; padding: 0 4px; color: var(--muted); cursor: default; }
main { display: grid; grid-template-columns: minmax(0, 1fr) 410px; gap: 12px; }
main .card { margin: 0; }
.chart { width: 100%; display: block; user-select: none; cursor: crosshair; }
.chart text { font: 11px system-ui, sans-serif; fill: var(--muted); }
.caption { font-size: 12px; color: var(--muted); margin: 2px 0 12px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -1px;
  border: 1px solid rgba(0,0,0,.15); }
.swatch.hatch { background: repeating-linear-gradient(45deg, #fff 0 3px, #9aa3ad 3px 4px); }
.dot { display: inline-block; width: 7px; height: 7px; border-radius: 50%; background: #39424e; vertical-align: 1px; }
.dash { display: inline-block; width: 14px; border-top: 2px dashed var(--decision); vertical-align: 3px; }
.readout .big { font-size: 30px; font-weight: 600; font-variant-numeric: tabular-nums; }
.readout .label { color: var(--muted); }
.prediction { margin-bottom: 10px; }
.gauge { width: 100%; height: 34px; display: block; margin: 4px 0; }
.num { font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 3px 6px; border-bottom: 1px solid #eceff3; text-align: left; vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; }
.r { text-align: right; font-variant-numeric: tabular-nums; }
.masses td { font-size: 13px; padding: 2px 6px; }
.masses td.value { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.masses td.odds { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.masses tr.family td { font-weight: 600; border-top: 1px solid var(--line); }
.masses tr.zero td { color: #a3acb8; }
.hypotheses td { font-size: 13px; }
.hypotheses tr.hypothesis td { border-bottom: none; padding-top: 8px; }
.hypotheses tr.program-row td { padding: 0 6px 8px 30px; }
.hypotheses .compact { font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace; color: #2b3442; display: -webkit-box;
  -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; }
.hypotheses details summary { font-size: 12px; color: var(--muted); cursor: pointer; margin-top: 2px; }
.hypotheses pre { margin: 4px 0; max-height: 24em; overflow: auto; font-size: 12px; background: #f7f9fb;
  padding: 4px 8px; border-radius: 4px; }
.hypotheses .program-bits { font: 11px ui-monospace, Menlo, Consolas, monospace; word-break: break-all;
  color: var(--muted); }
.hypotheses .output { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; word-break: break-all;
  max-width: 18em; }
.hypotheses .output .extends { color: #8a94a3; }
.data td { font-size: 13px; }
.holder { font-size: 13px; margin: 4px 0 2px; }
.choices fieldset { border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; font-size: 13px; }
.choices label { margin-right: 10px; white-space: nowrap; }
#lambda-number { width: 5em; }
#recomputed td.changed { background: #fff4d6; }
#pool-programs td { font-size: 12px; }
.data tr.current td { background: #eef4fb; }
.data tbody tr.clickable { cursor: pointer; }
.data tbody tr.clickable:hover td { background: #f3f7fc; }
footer { font-size: 12px; margin-top: 16px; }
footer p { margin: 4px 0; }
@media (max-width: 980px) { main { grid-template-columns: 1fr; } }
"""

_SCRIPT = r"""
"use strict";
(function () {
  const doc = JSON.parse(document.getElementById("explorer-data").textContent);
  const palette = JSON.parse(document.getElementById("explorer-palette").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  let stream = doc.streams[0];
  let t = 1;
  // what each premise removes (toyinduction.malign.recompute.REMOVING_PREMISES)
  const REMOVES = {"not-told": ["told"], "no-pointer": ["pointer"], "no-rival": ["rival"]};

  // Numbers: 4 significant digits, an exponent below 0.001, 1 − ε close to 1 (0.9999997 is not 1).
  function exponent(v) {
    const [m, e] = v.toExponential(3).split("e");
    return m + "e" + String(parseInt(e, 10));
  }
  function fmt(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return "\u2014";
    if (v === 0 || v === 1) return String(v);
    if (v > 0.999 && v < 1) return "1 \u2212 " + exponent(1 - v);
    if (Math.abs(v) < 0.001) return exponent(v);
    return Math.abs(v) < 1e4 ? String(Number(v.toPrecision(4))) : String(Number(v.toPrecision(6)));
  }
  function setNumber(el, v) {
    el.textContent = fmt(v);
    el.dataset.value = v === null || v === undefined ? "" : String(v);
  }
  // log10 odds: +6.32 (a million to one for), 0 (even), -inf (no mass), +inf (nothing else has mass)
  function fmtOdds(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return "\u2014";
    if (v === Infinity) return "+\u221e";
    if (v === -Infinity) return "\u2212\u221e";
    const text = Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
    return (v > 0 ? "+" : v < 0 ? "\u2212" : "") + text.replace("-", "");
  }
  function setOdds(el, v) {
    el.textContent = fmtOdds(v);
    el.dataset.value = v === null || v === undefined ? "" : String(v);
  }
  // log10 of a mass over the sum of the others (each from its own mass, never 1 - a rounded share)
  function oddsOf(masses, j) {
    let rest = 0;
    masses.forEach((m, k) => { if (k !== j) rest += m; });
    if (masses[j] === 0 && rest === 0) return NaN;
    if (masses[j] === 0) return -Infinity;
    if (rest === 0) return Infinity;
    return Math.log10(masses[j]) - Math.log10(rest);
  }
  const rowMasses = (r) => [...r.masses, r.unresolved];
  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    return node;
  }
  function family(name) {
    if (name.startsWith("enumerated")) return "background";
    if (name.startsWith("honest")) return "honest";
    if (name.startsWith("consequentialist") || name.startsWith("goal-directed")) return "consequentialist";
    return "named";
  }
  const FAMILY_TITLE = {background: "background (enumerated programs)", named: "named programs",
                        honest: "honest programs", consequentialist: "goal-directed programs (measured)"};
  const rowsOf = () => stream.rows;
  const rowAt = () => stream.rows[t - 1];
  const n = () => stream.sequence.length;

  // ---- header, notes ----
  if (doc.headline) $("headline").textContent = doc.headline;
  const summary = [];
  const s = doc.summary || {};
  if (s.language) summary.push("machine " + s.language);
  if (s.background_max_bits) summary.push("background: every program up to " + s.background_max_bits + " bits (" +
                                          s.background_programs + " programs)");
  if (s.pool_size) summary.push(s.pool_size + " hypotheses in the pool");
  for (const [k, v] of Object.entries(s)) {
    if (["language", "background_max_bits", "background_programs", "pool_size"].includes(k)) continue;
    summary.push(k.replace(/_/g, " ") + " " + (typeof v === "number" ? fmt(v) : v));
  }
  $("summary").textContent = summary.join(" \u00b7 ");
  for (const text of Object.values(doc.notes || {})) $("notes").appendChild(el("p", {}, text));

  // ---- stream picker ----
  if (doc.streams.length > 1) {
    $("stream-picker").hidden = false;
    doc.streams.forEach((st, i) => $("stream").appendChild(el("option", {value: i}, st.name)));
    $("stream").addEventListener("change", (e) => selectStream(Number(e.target.value), null));
  }

  // ---- charts: rows lo..hi of the stream (all of them, or a window around t) ----
  const W = 820, MH = 330, PH = 200, M = {l: 46, r: 12, t: 10, b: 30};
  let zoom = 0;            // 0: the whole stream; else the width of the window around t, in bits
  let view = {lo: 1, hi: 1};
  function viewFor(at) {
    const N = rowsOf().length;
    if (!zoom || zoom >= N) return {lo: 1, hi: N};
    const lo = Math.min(Math.max(1, at - Math.floor(zoom / 2)), N - zoom + 1);
    return {lo, hi: lo + zoom - 1};
  }
  const dxOf = () => (W - M.l - M.r) / (view.hi - view.lo + 1);
  const xOf = (tt) => M.l + (tt - view.lo) * dxOf();   // left edge of row tt
  const inView = (tt) => tt >= view.lo && tt <= view.hi;
  function axes(node, h, yTicks, yLabel) {
    const g = svg("g", {});
    for (const y of yTicks) {
      const yy = M.t + (1 - y) * (h - M.t - M.b);
      g.appendChild(svg("line", {x1: M.l, x2: W - M.r, y1: yy, y2: yy, stroke: "#e6e9ee"}));
      const label = svg("text", {x: M.l - 6, y: yy + 4, "text-anchor": "end"});
      label.textContent = String(y);
      g.appendChild(label);
    }
    const step = niceStep(view.hi - view.lo + 1);
    for (let v = Math.ceil(view.lo / step) * step; v <= view.hi; v += step) {
      if (v < 1) continue;
      const xx = xOf(v) + dxOf() / 2;
      g.appendChild(svg("line", {x1: xx, x2: xx, y1: h - M.b, y2: h - M.b + 4, stroke: "#9aa3ad"}));
      const label = svg("text", {x: xx, y: h - M.b + 16, "text-anchor": "middle"});
      label.textContent = String(v);
      g.appendChild(label);
    }
    const xl = svg("text", {x: W - M.r, y: h - 2, "text-anchor": "end"});
    xl.textContent = "t (predicting bit x\u209c)";
    g.appendChild(xl);
    const yl = svg("text", {x: 8, y: M.t + (h - M.t - M.b) / 2, "text-anchor": "middle",
                            transform: "rotate(-90 8 " + (M.t + (h - M.t - M.b) / 2) + ")"});
    yl.textContent = yLabel;
    g.appendChild(yl);
    node.appendChild(g);
  }
  function niceStep(N) {
    const raw = N / 10;
    const p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
    for (const m of [1, 2, 5, 10]) if (m * p >= raw) return Math.max(1, m * p);
    return Math.max(1, 10 * p);
  }
  function bandPath(lower, upper, h) {
    // a step-shaped band between two series (functions of t) over the rows in view
    const y = (v) => (M.t + (1 - v) * (h - M.t - M.b)).toFixed(2);
    const top = [], bottom = [];
    for (let tt = view.lo; tt <= view.hi; tt++) {
      const x0 = xOf(tt).toFixed(2), x1 = (xOf(tt) + dxOf()).toFixed(2);
      top.push(x0 + "," + y(upper(tt)), x1 + "," + y(upper(tt)));
      bottom.push(x0 + "," + y(lower(tt)), x1 + "," + y(lower(tt)));
    }
    return "M" + top.join("L") + "L" + bottom.reverse().join("L") + "Z";
  }
  function frame(node, h) {
    node.appendChild(svg("rect", {x: M.l, y: M.t, width: W - M.l - M.r, height: h - M.t - M.b, fill: "none",
                                  stroke: "#c3c9d1"}));
    for (const d of stream.decision_points.filter(inView)) {
      const xx = xOf(d) + dxOf() / 2;
      node.appendChild(svg("line", {x1: xx, x2: xx, y1: M.t, y2: h - M.b, stroke: "#b3261e",
                                    "stroke-width": 1.3, "stroke-dasharray": "4 3", class: "decision-line"}));
    }
    const g = svg("g", {class: "marker"});
    g.appendChild(svg("rect", {class: "now-band", y: M.t, height: h - M.t - M.b, fill: "rgba(17,17,17,0.10)"}));
    g.appendChild(svg("line", {class: "now-line", y1: M.t - 4, y2: h - M.b, stroke: "#111", "stroke-width": 1.5}));
    node.appendChild(g);
  }
  // the log-odds view is the default where the shares differ by orders of magnitude
  function spansOrders(st) {
    for (const r of st.rows) {
      const all = rowMasses(r), top = Math.max(...all);
      if (all.some((m) => m > 0 && m < 1e-3 * top)) return true;
    }
    return false;
  }
  let massScale = "linear";
  function setScale(value) {
    massScale = value;
    for (const button of document.querySelectorAll("#scale button")) {
      button.classList.toggle("on", button.dataset.scale === value);
    }
    $("log-caption").hidden = value !== "log";
  }
  function drawLogMassChart() {
    const node = $("mass-chart");
    node.innerHTML = "";
    node.setAttribute("viewBox", "0 0 " + W + " " + MH);
    node.dataset.scale = "log";
    const rows = rowsOf(), k = stream.classes.length;
    const names = [...stream.classes, "unresolved"];
    let reach = 0;
    const series = names.map((name, j) => {
      const values = [];
      for (let tt = view.lo; tt <= view.hi; tt++) values.push(oddsOf(rowMasses(rows[tt - 1]), j));
      values.forEach((v) => { if (Number.isFinite(v)) reach = Math.max(reach, Math.abs(v)); });
      return {name, values, any: values.some((v) => v > -Infinity && !Number.isNaN(v))};
    });
    const span = Math.min(100, Math.max(5, Math.ceil(reach / 5) * 5));
    const stepTick = span <= 10 ? 2 : span <= 30 ? 5 : span <= 60 ? 10 : 20;
    const ticks = [];
    for (let v = -Math.floor(span / stepTick) * stepTick; v <= span; v += stepTick) ticks.push(v);
    const h = MH - M.t - M.b;
    const y = (v) => M.t + (span - Math.max(-span, Math.min(span, v))) / (2 * span) * h;
    const g = svg("g", {});
    for (const v of ticks) {
      g.appendChild(svg("line", {x1: M.l, x2: W - M.r, y1: y(v), y2: y(v), stroke: v === 0 ? "#9aa3ad" : "#e6e9ee"}));
      const label = svg("text", {x: M.l - 6, y: y(v) + 4, "text-anchor": "end"});
      label.textContent = v === 0 ? "0" : (v > 0 ? "+" : "\u2212") + Math.abs(v);
      g.appendChild(label);
    }
    node.appendChild(g);
    axes(node, MH, [], "log\u2081\u2080 odds (class : the rest)");
    node.dataset.span = String(span);
    const dx = dxOf();
    series.forEach((s, j) => {
      if (!s.any) return;
      const points = s.values.map((v, i) => {
        const yy = (Number.isNaN(v) ? y(-span) : y(v)).toFixed(2);
        return xOf(view.lo + i).toFixed(2) + "," + yy + "L" + (xOf(view.lo + i) + dx).toFixed(2) + "," + yy;
      });
      const path = svg("path", {d: "M" + points.join("L"), fill: "none", stroke: j === k ? "#9aa3ad" : palette[s.name],
                                "stroke-width": 1.8, "stroke-dasharray": j === k ? "4 2" : "none",
                                "data-class": s.name, class: "odds-line"});
      const title = svg("title", {});
      title.textContent = s.name;
      path.appendChild(title);
      node.appendChild(path);
    });
    frame(node, MH);
  }
  function drawMassChart() {
    if (massScale === "log") return drawLogMassChart();
    const node = $("mass-chart");
    node.innerHTML = "";
    node.setAttribute("viewBox", "0 0 " + W + " " + MH);
    node.dataset.scale = "linear";
    const defs = svg("defs", {});
    const pattern = svg("pattern", {id: "hatch", patternUnits: "userSpaceOnUse", width: 6, height: 6,
                                    patternTransform: "rotate(45)"});
    pattern.appendChild(svg("rect", {width: 6, height: 6, fill: "#ffffff"}));
    pattern.appendChild(svg("line", {x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#9aa3ad", "stroke-width": 2}));
    defs.appendChild(pattern);
    node.appendChild(defs);
    axes(node, MH, [0, 0.25, 0.5, 0.75, 1], "posterior mass");
    const rows = rowsOf();
    const layers = stream.classes.map((name, j) => ({name, value: (tt) => rows[tt - 1].masses[j],
                                                     fill: palette[name]}));
    layers.push({name: "unresolved", value: (tt) => rows[tt - 1].unresolved, fill: "url(#hatch)"});
    let below = new Map();
    for (let tt = view.lo; tt <= view.hi; tt++) below.set(tt, 0);
    for (const layer of layers) {
      let any = false;
      for (let tt = view.lo; tt <= view.hi; tt++) if (layer.value(tt) > 0) { any = true; break; }
      if (!any) continue;
      const above = new Map();
      for (let tt = view.lo; tt <= view.hi; tt++) above.set(tt, Math.min(1, below.get(tt) + layer.value(tt)));
      const lower = below;
      const path = svg("path", {d: bandPath((tt) => lower.get(tt), (tt) => above.get(tt), MH), fill: layer.fill,
                                stroke: layer.name === "unresolved" ? "#9aa3ad" : "none", "stroke-width": 0.6,
                                "data-class": layer.name});
      const title = svg("title", {});
      title.textContent = layer.name;
      path.appendChild(title);
      node.appendChild(path);
      below = above;
    }
    frame(node, MH);
  }
  function drawPChart() {
    const node = $("p-chart");
    node.innerHTML = "";
    node.setAttribute("viewBox", "0 0 " + W + " " + PH);
    axes(node, PH, [0, 0.5, 1], "probability");
    const rows = rowsOf();
    node.appendChild(svg("path", {d: bandPath((tt) => rows[tt - 1].p_lower, (tt) => rows[tt - 1].p_upper, PH),
                                  fill: "#c9dcf0", stroke: "none"}));
    const coin = (tt, key) => { const v = rows[tt - 1][key]; return v === null || v === undefined ? rows[tt - 1].p_next_one : v; };
    node.appendChild(svg("path", {d: bandPath((tt) => coin(tt, "p_coin_lower"), (tt) => coin(tt, "p_coin_upper"), PH),
                                  fill: "#6f9fd4", "fill-opacity": 0.55, stroke: "#6f9fd4", "stroke-width": 0.5,
                                  class: "coin-band"}));
    const y = (v) => (M.t + (1 - v) * (PH - M.t - M.b));
    const dx = dxOf();
    const points = [];
    for (let tt = view.lo; tt <= view.hi; tt++) {
      const yy = y(rows[tt - 1].p_next_one).toFixed(2);
      points.push(xOf(tt).toFixed(2) + "," + yy, (xOf(tt) + dx).toFixed(2) + "," + yy);
    }
    node.appendChild(svg("path", {d: "M" + points.join("L"), fill: "none", stroke: "#1f5fa8",
                                  "stroke-width": dx < 2 ? 0.9 : 1.6}));
    const radius = Math.max(1.2, Math.min(3, dx / 3));
    for (let tt = view.lo; tt <= view.hi; tt++) {
      const bit = rows[tt - 1].bit;
      if (bit !== null) node.appendChild(svg("circle", {cx: xOf(tt) + dx / 2, cy: y(bit), r: radius, fill: "#39424e"}));
    }
    frame(node, PH);
  }
  function drawCharts() {
    view = viewFor(t);
    drawMassChart();
    drawPChart();
  }
  function placeMarkers() {
    const wanted = viewFor(t);
    if (wanted.lo !== view.lo || wanted.hi !== view.hi) drawCharts();
    for (const g of document.querySelectorAll(".chart .marker")) {
      const band = g.querySelector(".now-band"), line = g.querySelector(".now-line");
      band.setAttribute("x", xOf(t));
      band.setAttribute("width", Math.max(dxOf(), 0.5));
      line.setAttribute("x1", xOf(t) + dxOf() / 2);
      line.setAttribute("x2", xOf(t) + dxOf() / 2);
    }
  }
  function chartToT(event, node) {
    const box = node.getBoundingClientRect();
    const x = (event.clientX - box.left) / box.width * W;
    return Math.min(view.hi, Math.max(view.lo, view.lo + Math.floor((x - M.l) / dxOf())));
  }
  for (const id of ["mass-chart", "p-chart"]) {
    const node = $(id);
    let dragging = false;
    node.addEventListener("pointerdown", (e) => {
      dragging = true;
      node.setPointerCapture(e.pointerId);
      setT(chartToT(e, node));
    });
    node.addEventListener("pointermove", (e) => { if (dragging) setT(chartToT(e, node)); });
    node.addEventListener("pointerup", () => { dragging = false; });
  }
  let scaleChosen = false;
  for (const button of document.querySelectorAll("#scale button")) {
    button.addEventListener("click", () => {
      scaleChosen = true;
      setScale(button.dataset.scale);
      drawCharts();
      placeMarkers();
    });
  }
  for (const button of document.querySelectorAll("#zoom button")) {
    button.addEventListener("click", () => {
      zoom = Number(button.dataset.zoom);
      for (const other of document.querySelectorAll("#zoom button")) other.classList.toggle("on", other === button);
      drawCharts();
      placeMarkers();
    });
  }

  // ---- the readout at t ----
  function drawGauge(r) {
    const g = $("gauge");
    g.innerHTML = "";
    const X = (v) => 6 + v * 288;
    g.appendChild(svg("rect", {x: 6, y: 12, width: 288, height: 10, rx: 3, fill: "#eef1f5"}));
    g.appendChild(svg("rect", {x: X(r.p_lower), y: 12, width: Math.max(1, X(r.p_upper) - X(r.p_lower)), height: 10,
                               rx: 3, fill: "#c9dcf0"}));
    g.appendChild(svg("line", {x1: X(0.5), x2: X(0.5), y1: 9, y2: 25, stroke: "#aab3bf", "stroke-dasharray": "2 2"}));
    g.appendChild(svg("rect", {x: X(r.p_next_one) - 2, y: 6, width: 4, height: 22, rx: 1, fill: "#1f5fa8"}));
    for (const [v, anchor] of [[0, "start"], [1, "end"]]) {
      const label = svg("text", {x: X(v), y: 34, "text-anchor": anchor, "font-size": 9, fill: "#5f6b7a"});
      label.textContent = String(v);
      g.appendChild(label);
    }
  }
  function renderMasses(r) {
    const body = $("masses").querySelector("tbody");
    body.innerHTML = "";
    let current = null, subtotal = null;
    stream.classes.forEach((name, j) => {
      const fam = family(name);
      if (fam !== current) {
        current = fam;
        const members = stream.classes.map((c, k) => [c, k]).filter(([c]) => family(c) === fam);
        const total = members.reduce((acc, [, k]) => acc + r.masses[k], 0);
        subtotal = el("tr", {class: "family", "data-family": fam});
        subtotal.appendChild(el("td", {}));
        subtotal.appendChild(el("td", {}, FAMILY_TITLE[fam]));
        const cell = el("td", {class: "value"});
        setNumber(cell, total);
        subtotal.appendChild(cell);
        const all = rowMasses(r), inFamily = members.map(([, k]) => k);
        const rest = all.filter((m, k) => !inFamily.includes(k));
        const odds = el("td", {class: "odds"});
        setOdds(odds, oddsOf([total, rest.reduce((a, b) => a + b, 0)], 0));
        subtotal.appendChild(odds);
        body.appendChild(subtotal);
      }
      const tr = el("tr", {"data-class": name, class: r.masses[j] === 0 ? "zero" : ""});
      const sw = el("td", {});
      const box = el("span", {class: "swatch"});
      box.style.background = palette[name];
      sw.appendChild(box);
      tr.appendChild(sw);
      tr.appendChild(el("td", {}, name));
      const cell = el("td", {class: "value"});
      setNumber(cell, r.masses[j]);
      tr.appendChild(cell);
      const odds = el("td", {class: "odds"});
      setOdds(odds, oddsOf(rowMasses(r), j));
      tr.appendChild(odds);
      body.appendChild(tr);
    });
    const tr = el("tr", {"data-class": "unresolved", class: "family"});
    const sw = el("td", {});
    sw.appendChild(el("span", {class: "swatch hatch"}));
    tr.appendChild(sw);
    tr.appendChild(el("td", {}, "unresolved (step/bit budget ran out)"));
    const cell = el("td", {class: "value", id: "unresolved-mass"});
    setNumber(cell, r.unresolved);
    tr.appendChild(cell);
    const odds = el("td", {class: "odds"});
    setOdds(odds, oddsOf(rowMasses(r), r.masses.length));
    tr.appendChild(odds);
    body.appendChild(tr);
    renderHolder(r);
  }
  // who holds the posterior at t, and by how many orders of magnitude
  function renderHolder(r) {
    const all = rowMasses(r), names = [...stream.classes, "unresolved"];
    const order = all.map((m, k) => k).filter((k) => all[k] > 0).sort((a, b) => all[b] - all[a]);
    const note = $("holder-note");
    note.innerHTML = "";
    if (!order.length) return;
    const top = order[0];
    note.appendChild(document.createTextNode("At t = " + t + ", "));
    note.appendChild(el("b", {class: "holder-class"}, names[top]));
    const odds = oddsOf(all, top);
    note.appendChild(document.createTextNode(" holds the posterior: odds " +
      (odds === Infinity ? "all of it" : "10^" + odds.toFixed(1) + " : 1 over all the others") +
      (order.length > 1 ? "; next " + names[order[1]] + " at 10^" + oddsOf(all, order[1]).toFixed(1) + " : 1" : "") +
      "."));
    note.dataset.holder = names[top];
    note.dataset.odds = String(odds);
  }
  function renderHypotheses(r) {
    const body = $("hypotheses").querySelector("tbody");
    body.innerHTML = "";
    if (!r.top.length) {
      const tr = el("tr", {});
      tr.appendChild(el("td", {colspan: 7, class: "muted"},
                        "no program in the pool has a known output extending these bits"));
      body.appendChild(tr);
    }
    r.top.forEach(([id, posterior], rank) => {
      const h = doc.hypotheses[id];
      const tr = el("tr", {class: "hypothesis", "data-id": id});
      tr.appendChild(el("td", {}, String(rank + 1)));
      const p = el("td", {class: "r posterior"});
      setNumber(p, posterior);
      tr.appendChild(p);
      tr.appendChild(el("td", {class: "r length"}, String(h.length)));
      const c = el("td", {class: "class"});
      const box = el("span", {class: "swatch"});
      box.style.background = palette[h.class] || "#ccc";
      c.appendChild(box);
      c.appendChild(document.createTextNode(" " + h.class));
      tr.appendChild(c);
      tr.appendChild(el("td", {}, h.status));
      tr.appendChild(el("td", {class: "r"}, String(h.steps)));
      const out = el("td", {class: "output"});
      const seen = t - 1;
      const shown = h.output.slice(Math.max(0, seen - 24), seen + 24);
      const cut = Math.min(seen, 24);
      if (seen > 24) out.appendChild(document.createTextNode("\u2026"));
      out.appendChild(document.createTextNode(shown.slice(0, cut)));
      out.appendChild(el("b", {}, shown.slice(cut, cut + 1)));
      out.appendChild(el("span", {class: "extends"}, shown.slice(cut + 1)));
      if (h.output.length > seen + 24) out.appendChild(document.createTextNode("\u2026"));
      out.title = h.output.length + " output bits known";
      tr.appendChild(out);
      body.appendChild(tr);
      const code = el("tr", {class: "program-row", "data-id": id});
      const cell = el("td", {colspan: 7});
      const text = h.disassembly || h.bits;
      cell.appendChild(el("div", {class: "compact"}, text.split(/\s+/).filter(Boolean).join(" ")));
      const details = el("details", {});
      details.appendChild(el("summary", {}, "listing (" + text.trim().split("\n").length + " lines) and program bits"));
      details.appendChild(el("pre", {class: "disassembly"}, text));
      details.appendChild(el("div", {class: "program-bits"}, h.bits));
      cell.appendChild(details);
      code.appendChild(cell);
      body.appendChild(code);
    });
  }
  function renderBits() {
    const box = $("bits");
    box.innerHTML = "";
    const seq = stream.sequence + (stream.continuation || "");
    const N = rowsOf().length;
    const width = Math.max(16, Math.floor(box.clientWidth / 15.8) - 2);
    let lo = Math.max(1, t - Math.floor(width / 2));
    const hi = Math.min(Math.max(N, seq.length), lo + width - 1);
    lo = Math.max(1, Math.min(lo, hi - width + 1));
    const decisions = new Set(stream.decision_points);
    if (lo > 1) box.appendChild(el("span", {class: "gap"}, "\u2026" + (lo - 1) + " bits"));
    for (let k = lo; k <= hi; k++) {
      let ch = seq[k - 1];
      let cls = k < t ? "past" : k === t ? "now" : "future";
      if (k > stream.sequence.length) {
        cls += " unseen";
        if (ch === undefined) ch = "?";
      }
      if (decisions.has(k)) cls += " decision";
      const span = el("span", {class: cls, "data-t": k, title: "x_" + k + (k > stream.sequence.length ?
        " (not observed" + (stream.continuation ? ": the most probable continuation" : "") + ")" : "")}, ch);
      if (k <= N) span.addEventListener("click", () => setT(k));
      box.appendChild(span);
    }
    if (hi < seq.length) box.appendChild(el("span", {class: "gap"}, (seq.length - hi) + " more\u2026"));
  }
  function render() {
    const r = rowAt();
    $("slider").value = String(t);
    $("t-value").textContent = String(t);
    $("t-title").textContent = String(t);
    $("t-hyp").textContent = String(t);
    const notes = [];
    if (t > n()) notes.push("the next, unseen bit");
    if (stream.decision_points.includes(t)) notes.push(t === stream.first_decision_point ?
      "first decision point: the answer to the first question" : "decision point: a question's answer");
    $("t-note").textContent = notes.length ? "(" + notes.join("; ") + ")" : "";
    setNumber($("p-next-one"), r.p_next_one);
    setNumber($("p-lower"), r.p_lower);
    setNumber($("p-upper"), r.p_upper);
    $("coin-block").hidden = r.p_coin_lower === undefined || r.p_coin_lower === null;
    if (!$("coin-block").hidden) { setNumber($("p-coin-lower"), r.p_coin_lower); setNumber($("p-coin-upper"), r.p_coin_upper); }
    $("observed-block").hidden = r.bit === null;
    $("observed-bit").textContent = r.bit === null ? "" : String(r.bit);
    setNumber($("p-observed"), r.p_observed);
    setNumber($("p-observed-lower"), r.p_observed_lower);
    setNumber($("p-observed-upper"), r.p_observed_upper);
    $("log-loss-block").hidden = r.log_loss_bits === null;
    setNumber($("log-loss"), r.log_loss_bits);
    drawGauge(r);
    renderMasses(r);
    renderHypotheses(r);
    renderBits();
    placeMarkers();
    for (const tr of document.querySelectorAll("#ledger tbody tr")) {
      tr.classList.toggle("current", tr.dataset.stream === stream.name);
    }
  }
  function setT(value) {
    const clamped = Math.min(rowsOf().length, Math.max(1, Math.round(value)));
    if (clamped === t && $("slider").value === String(t)) return;
    t = clamped;
    render();
  }
  function selectStream(index, at) {
    stream = doc.streams[index];
    $("stream").value = String(index);
    const N = stream.rows.length;
    $("slider").max = String(N);
    $("t-max").textContent = String(N) + (N > n() ? " (t = " + N + ": the next, unseen bit)" : "");
    const hasDecisions = stream.decision_points.length > 0;
    for (const id of ["prev-decision", "next-decision", "decision-legend"]) $(id).hidden = !hasDecisions;
    $("decision-keys").hidden = !doc.streams.some((st) => st.decision_points.length);
    $("continuation-note").hidden = !stream.continuation;
    for (const button of document.querySelectorAll("#zoom button")) {
      button.hidden = Number(button.dataset.zoom) >= N;
      if (button.hidden && button.classList.contains("on")) button.click();
    }
    $("zoom").hidden = N <= 64;
    if (!scaleChosen) setScale(spansOrders(stream) ? "log" : "linear");
    t = Math.min(N, Math.max(1, at === null ? (stream.first_decision_point || 1) : at));
    drawCharts();
    render();
  }
  function jumpDecision(direction) {
    const points = stream.decision_points;
    const target = direction > 0 ? points.find((d) => d > t) : [...points].reverse().find((d) => d < t);
    if (target !== undefined) setT(target);
  }

  // ---- the demo's ledger, premises, programs ----
  function table(id, headers, rows) {
    const node = $(id);
    const head = el("tr", {});
    headers.forEach(([label, right]) => head.appendChild(el("th", right ? {class: "r"} : {}, label)));
    node.querySelector("thead").appendChild(head);
    const body = node.querySelector("tbody");
    rows.forEach((cells) => {
      const tr = el("tr", {});
      cells.forEach((cell, k) => {
        const td = el("td", headers[k][1] ? {class: "r"} : {});
        if (typeof cell === "number" || cell === null) setNumber(td, cell);
        else if (cell && typeof cell === "object" && "odds" in cell) setOdds(td, cell.odds);
        else td.textContent = cell;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    return body;
  }
  const interval = (pair) => "[" + fmt(pair[0]) + ", " + fmt(pair[1]) + "]";
  if (doc.kind === "demo") {
    $("demo-section").hidden = false;
    const body = table("ledger", [["target"], ["first question at t", 1], ["true answer", 1], ["K_H (bits)", 1],
      ["K_M (bits)", 1], ["\u0394 (bits)", 1], ["predicted share", 1], ["measured share", 1],
      ["P(honest answer)", 1], ["model-free interval"]],
      doc.ledger.map((row) => [row.name, row.first_decision_point + 1, row.true_answer, row.K_H, row.K_M,
        row.delta_bits, row.predicted_share, row.measured_share, row.honest_bit_probability,
        interval(row.honest_bit_probability_bounds)]));
    [...body.children].forEach((tr, i) => {
      const name = doc.ledger[i].name;
      tr.dataset.stream = name;
      tr.classList.add("clickable");
      tr.addEventListener("click", () => {
        const index = doc.streams.findIndex((st) => st.name === name);
        selectStream(index, doc.streams[index].first_decision_point);
      });
    });
    const price = doc.price_of_malice;
    $("price").textContent = "Price of malice (shortest goal-directed program \u2212 shortest honest program that " +
      "finds the civilisation and computes when, total bits), by horizon: " +
      Object.entries(price).map(([k, v]) => k + " " + (v === null ? "\u2014" : (v > 0 ? "+" : "") + v)).join(", ") + ".";
    const SHARES = ["honest", "deviating, not goal-directed", "goal-directed", "unresolved"];
    const premiseRows = [], premiseMeta = [];
    for (const row of doc.premises) {
      (row.per_target || []).forEach((target, i) => {
        premiseMeta.push({premise: row.name, target: i});
        const shares = SHARES.map((c) => target.class_shares[c]);
        const top = shares.indexOf(Math.max(...shares));
        premiseRows.push([i === 0 ? row.name : "", i === 0 ? row.excluded : "",
          target.target.split(" in ").pop() + " (answer " + target.true_answer + ")", ...shares, SHARES[top],
          {odds: oddsOf(shares, top)}, target.honest_bit_probability,
          interval(target.honest_bit_probability_coin_interval), interval(target.honest_bit_probability_bounds)]);
      });
    }
    const premiseBody = table("premises", [["premise"], ["what changes"], ["target"], ...SHARES.map((c) => [c, 1]),
      ["holder"], ["log\u2081\u2080 odds of the holder", 1], ["P(true answer)", 1], ["coin-assumption interval"],
      ["model-free interval"]], premiseRows);
    [...premiseBody.children].forEach((tr, i) => {
      tr.dataset.premise = premiseMeta[i].premise;
      tr.dataset.target = String(premiseMeta[i].target);
    });
    table("programs", [["program"], ["class at the first question (measured)"], ["total bits", 1], ["data it reads"]],
      doc.programs.map((row) => [row.name, row.class, row.bits, row.data]));
    if (doc.controls.length) {
      table("controls-table", [["control (no civilisation)"], ["share of programs that find a civilisation", 1]],
        doc.controls.map((row) => [row.name, row.measured_share]));
    }
    $("demo-tables").hidden = false;
    if (doc.recompute) setUpRecompute(doc.recompute);
  }

  // ---- the recomputation (a port of toyinduction.malign.recompute.recompute, line by line) ----
  function log2Sum(values) {
    let top = -Infinity;
    for (const v of values) if (v > top) top = v;
    if (top === -Infinity) return -Infinity;
    let sum = 0;
    for (const v of values) if (v !== -Infinity) sum += Math.pow(2, v - top);
    return top + Math.log2(sum);
  }
  function log10Ratio(top, bottom) {
    if (top === -Infinity && bottom === -Infinity) return NaN;
    if (top === -Infinity) return -Infinity;
    if (bottom === -Infinity) return Infinity;
    return (top - bottom) * Math.log10(2);
  }
  function agreement(output, prefix) {
    const n = Math.min(output.length, prefix.length);
    for (let i = 0; i < n; i++) if (output[i] !== prefix[i]) return i;
    return n;
  }
  function recomputeRow(R, q, terms, lam) {
    const t = q.t, classes = [...R.classes, null];
    const mass = new Map(classes.map((c) => [c, []]));
    const total = [], observed = [], other = [], coins = [], rawWaiting = [], rawObserved = [], rawOther = [];
    for (const [log2Prior, count, cls, length, agree, unresolved, stepsRun] of terms) {
      const steps = Math.max(stepsRun, 1);
      const log2Weight = log2Prior + Math.log2(count) - lam * Math.log2(steps);
      const missing = Math.max(t - length, 0);
      const owed = lam && R.charge_owed_steps ? lam * (Math.log2(steps + missing) - Math.log2(steps)) : 0;
      const consistent = agree >= t;
      const waiting = unresolved && agree === length && length <= t;
      const prefixUnresolved = unresolved && agree === length && length < t;
      const log2Coin = log2Weight - owed - missing;
      const inPosterior = consistent ? log2Weight : prefixUnresolved ? log2Coin : null;
      if (inPosterior !== null) {
        total.push(inPosterior);
        mass.get(length <= t ? "unresolved" : cls).push(inPosterior);
      }
      if (consistent && length > t) {
        (agree >= t + 1 ? observed : other).push(log2Weight);
        (agree >= t + 1 ? rawObserved : rawOther).push(log2Weight);
      }
      if (waiting) {
        coins.push(consistent ? log2Weight : log2Coin);
        rawWaiting.push(log2Weight - owed);
      }
    }
    const log2Total = log2Sum(total);
    const log2Mass = new Map([...mass].map(([c, values]) => [c, log2Sum(values)]));
    const shares = {}, odds = {};
    for (const c of R.classes) {
      const m = log2Mass.get(c);
      shares[c] = m === -Infinity ? 0 : Math.pow(2, m - log2Total);
      odds[c] = log10Ratio(m, log2Sum([...log2Mass].filter(([other]) => other !== c).map(([, v]) => v)));
    }
    const obs = log2Sum(observed), oth = log2Sum(other), coin = log2Sum(coins), half = coin - 1;
    const den = log2Sum([obs, oth, coin]);
    let pHonest = 0.5, coinInterval = [0, 1], oddsHonest = 0;
    if (den !== -Infinity) {
      pHonest = Math.pow(2, log2Sum([obs, half]) - den);
      coinInterval = [obs === -Infinity ? 0 : Math.pow(2, obs - den), Math.pow(2, log2Sum([obs, coin]) - den)];
      oddsHonest = log10Ratio(log2Sum([obs, half]), log2Sum([oth, half]));
    }
    const rawObs = log2Sum(rawObserved), rawOth = log2Sum(rawOther), raw = log2Sum(rawWaiting);
    const bound = log2Sum([rawObs, rawOth, raw]);
    const bounds = bound === -Infinity ? [0, 1] :
      [rawObs === -Infinity ? 0 : Math.pow(2, rawObs - bound), Math.pow(2, log2Sum([rawObs, raw]) - bound)];
    let holder = R.classes[0];
    for (const c of R.classes) if (shares[c] > shares[holder]) holder = c;
    return {target: q.target, question: q.question, t, true_answer: q.true_answer, class_shares: shares,
            log10_odds: odds, holder, p_honest: pHonest, p_honest_bounds: bounds, p_honest_coin_interval: coinInterval,
            log10_odds_honest: oddsHonest};
  }
  function recomputeAll(R, choice) {
    const kinds = new Set();
    for (const premise of choice.premises) for (const kind of REMOVES[premise] || []) kinds.add(kind);
    return R.questions.map((q) => {
      const terms = [];
      for (const [key, cls] of Object.entries(q.named_classes)) {
        const p = R.programs[Number(key)];
        if (choice.off.has(p.name) || p.removed_by.some((kind) => kinds.has(kind))) continue;
        terms.push([p.log2_prior, 1, cls, p.output_length, agreement(p.output, q.stream), p.unresolved, p.steps]);
      }
      for (const g of q.background) {
        if (choice.off.has(g.name)) continue;
        terms.push([g.log2_prior, g.count, g.class, g.length, g.agree, g.unresolved, g.steps]);
      }
      return recomputeRow(R, q, terms.filter((term) => !choice.offClasses.has(term[2])), choice.lambda);
    });
  }
  function setUpRecompute(R) {
    $("recompute-section").hidden = false;
    const choice = {premises: new Set(), off: new Set(), offClasses: new Set(), lambda: R.speed};
    const base = recomputeAll(R, {premises: new Set(), off: new Set(), offClasses: new Set(), lambda: R.speed});
    const WHAT = {"not-told": "not told: programs whose behaviour does not follow a moved question removed",
                  "no-pointer": "no pointer: honest programs that read no bridge removed",
                  "no-rival": "no rival goals: goal-directed programs that answer 0 removed"};
    for (const premise of Object.keys(REMOVES)) {
      const box = el("input", {type: "checkbox", "data-premise": premise});
      box.addEventListener("change", () => {
        if (box.checked) choice.premises.add(premise); else choice.premises.delete(premise);
        update();
      });
      const label = el("label", {title: WHAT[premise]});
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + premise));
      $("premise-choices").appendChild(label);
    }
    for (const cls of R.classes) {
      const box = el("input", {type: "checkbox", "data-class": cls});
      box.checked = true;
      box.addEventListener("change", () => {
        if (box.checked) choice.offClasses.delete(cls); else choice.offClasses.add(cls);
        update();
      });
      const label = el("label", {});
      label.appendChild(box);
      const sw = el("span", {class: "swatch"});
      sw.style.background = cls === "unresolved" ? "#9aa3ad" : palette[cls];
      label.appendChild(document.createTextNode(" "));
      label.appendChild(sw);
      label.appendChild(document.createTextNode(" " + cls));
      $("class-choices").appendChild(label);
    }
    const setLambda = (value, from) => {
      if (!(Number.isFinite(value) && value >= 0)) return;
      choice.lambda = value;
      if (from !== "range") $("lambda").value = String(value);
      if (from !== "number") $("lambda-number").value = String(value);
      update();
    };
    $("lambda").value = String(R.speed);
    $("lambda-number").value = String(R.speed);
    $("lambda").addEventListener("input", (e) => setLambda(Number(e.target.value), "range"));
    $("lambda-number").addEventListener("change", (e) => setLambda(Number(e.target.value), "number"));
    $("recompute-reset").addEventListener("click", () => {
      choice.premises.clear(); choice.off.clear(); choice.offClasses.clear();
      for (const box of document.querySelectorAll("#recompute-section input[type=checkbox]")) {
        box.checked = !box.dataset.premise;
      }
      setLambda(R.speed, null);
    });
    // the programs in play at some question: named ones by name, the background by length band
    const inPlay = new Map();
    for (const q of R.questions) {
      for (const [key, cls] of Object.entries(q.named_classes)) {
        const p = R.programs[Number(key)];
        if (!inPlay.has(p.name)) inPlay.set(p.name, {name: p.name, kind: "named", cls: p.at_first ? p.at_first.class :
          (cls || "does not fit"), code: p.code_bits, data: p.data_bits, length: p.length, steps: p.steps});
      }
      for (const g of q.background) {
        const row = inPlay.get(g.name) || {name: g.name, kind: "background", cls: "background (enumerated)", count: 0,
                                           length: null, steps: null};
        row.count = Math.max(row.count, g.count);
        inPlay.set(g.name, row);
      }
    }
    const head = el("tr", {});
    for (const [label, right] of [["on"], ["program"], ["class at its first question"], ["code bits", 1],
                                  ["data bits", 1], ["length (bits)", 1], ["steps", 1]]) {
      head.appendChild(el("th", right ? {class: "r"} : {}, label));
    }
    $("pool-programs").querySelector("thead").appendChild(head);
    for (const row of [...inPlay.values()].sort((a, b) => (a.length === null) - (b.length === null) ||
                                                          (a.length || 0) - (b.length || 0))) {
      const tr = el("tr", {"data-program": row.name});
      const cell = el("td", {});
      const box = el("input", {type: "checkbox", "data-program": row.name});
      box.checked = true;
      box.addEventListener("change", () => {
        if (box.checked) choice.off.delete(row.name); else choice.off.add(row.name);
        update();
      });
      cell.appendChild(box);
      tr.appendChild(cell);
      tr.appendChild(el("td", {}, row.kind === "background" ? row.name + " (background programs in play)" : row.name));
      tr.appendChild(el("td", {}, row.cls));
      for (const v of row.kind === "background" ? ["", "", "", ""] : [row.code, row.data, row.length, row.steps]) {
        tr.appendChild(el("td", {class: "r"}, String(v)));
      }
      $("pool-programs").querySelector("tbody").appendChild(tr);
    }
    const headers = [["target"], ["question at t", 1], ["true answer", 1],
                     ...R.classes.map((c) => [c, 1]), ["holder"], ["log\u2081\u2080 odds of the holder", 1],
                     ["P(true answer)", 1], ["log\u2081\u2080 odds of the true answer", 1],
                     ["coin-assumption interval"], ["model-free interval"]];
    const head2 = el("tr", {});
    headers.forEach(([label, right]) => head2.appendChild(el("th", right ? {class: "r"} : {}, label)));
    $("recomputed").querySelector("thead").appendChild(head2);
    function update() {
      const rows = recomputeAll(R, choice);
      const body = $("recomputed").querySelector("tbody");
      body.innerHTML = "";
      rows.forEach((r, i) => {
        const tr = el("tr", {"data-target": r.target, "data-question": String(r.question)});
        tr.appendChild(el("td", {}, r.target));
        tr.appendChild(el("td", {class: "r"}, String(r.t + 1)));
        tr.appendChild(el("td", {class: "r"}, String(r.true_answer)));
        for (const c of R.classes) {
          const td = el("td", {class: "r share", "data-class": c});
          setNumber(td, r.class_shares[c]);
          td.dataset.odds = String(r.log10_odds[c]);
          if (r.class_shares[c] !== base[i].class_shares[c]) td.classList.add("changed");
          tr.appendChild(td);
        }
        tr.appendChild(el("td", {class: "holder"}, r.holder));
        const odds = el("td", {class: "r holder-odds"});
        setOdds(odds, r.log10_odds[r.holder]);
        tr.appendChild(odds);
        for (const [cls, v, setter] of [["p-honest", r.p_honest, setNumber], ["odds-honest", r.log10_odds_honest, setOdds]]) {
          const td = el("td", {class: "r " + cls});
          setter(td, v);
          tr.appendChild(td);
        }
        for (const [cls, pair] of [["coin", r.p_honest_coin_interval], ["bounds", r.p_honest_bounds]]) {
          const td = el("td", {class: cls}, interval(pair));
          td.dataset.value = JSON.stringify(pair);
          tr.appendChild(td);
        }
        body.appendChild(tr);
      });
      const parts = [...choice.premises];
      if (choice.offClasses.size) parts.push("classes off: " + [...choice.offClasses].join(", "));
      if (choice.off.size) parts.push(choice.off.size + " program(s) off");
      if (choice.lambda !== R.speed) parts.push("\u03bb = " + choice.lambda);
      $("recompute-choice").textContent = "Choice: " + (parts.length ? parts.join("; ") : "the full pool") + ".";
      drawRecomputeChart(R, rows, base);
    }
    update();
  }
  function drawRecomputeChart(R, rows, base) {
    const node = $("recompute-chart");
    node.innerHTML = "";
    const H = 260, left = 56, right = 12, top = 10, bottom = 46;
    node.setAttribute("viewBox", "0 0 " + W + " " + H);
    let reach = 5;
    for (const r of [...rows, ...base]) {
      for (const v of [...Object.values(r.log10_odds), r.log10_odds_honest]) {
        if (Number.isFinite(v) && Math.abs(v) < 100) reach = Math.max(reach, Math.abs(v));
      }
    }
    const span = Math.ceil(reach / 10) * 10, h = H - top - bottom;
    const y = (v) => top + (span - Math.max(-span, Math.min(span, v))) / (2 * span) * h;
    const step = span <= 20 ? 5 : span <= 60 ? 10 : 20;
    for (let v = -Math.floor(span / step) * step; v <= span; v += step) {
      node.appendChild(svg("line", {x1: left, x2: W - right, y1: y(v), y2: y(v), stroke: v === 0 ? "#9aa3ad" : "#e6e9ee"}));
      const label = svg("text", {x: left - 6, y: y(v) + 4, "text-anchor": "end"});
      label.textContent = v === 0 ? "0 even" : (v > 0 ? "+" : "\u2212") + Math.abs(v);
      node.appendChild(label);
    }
    const yl = svg("text", {x: 12, y: top + h / 2, "text-anchor": "middle", transform: "rotate(-90 12 " + (top + h / 2) + ")"});
    yl.textContent = "log\u2081\u2080 odds (class : the rest)";
    node.appendChild(yl);
    const column = (W - left - right) / rows.length;
    const colours = R.classes.map((c) => c === "unresolved" ? "#9aa3ad" : palette[c]);
    const marker = (x, v, colour, filled, shape) => {
      const yy = y(Number.isNaN(v) ? -span : v);
      const clipped = !Number.isFinite(v) || Math.abs(v) > span;
      const attrs = {fill: filled ? colour : "#fff", stroke: colour, "stroke-width": 1.5};
      if (clipped) {
        const d = v > 0 ? -1 : 1;
        return svg("path", {...attrs, d: "M" + (x - 5) + "," + yy + "L" + (x + 5) + "," + yy + "L" + x + "," + (yy + 8 * d) + "Z"});
      }
      if (shape === "diamond") return svg("path", {...attrs, d: "M" + x + "," + (yy - 6) + "L" + (x + 6) + "," + yy + "L" + x + "," + (yy + 6) + "L" + (x - 6) + "," + yy + "Z"});
      return svg("circle", {...attrs, cx: x, cy: yy, r: 4.5});
    };
    rows.forEach((r, i) => {
      const x0 = left + i * column;
      const label = svg("text", {x: x0 + column / 2, y: H - bottom + 16, "text-anchor": "middle"});
      label.textContent = r.target.split(" in ").pop() + ", question " + (r.question + 1);
      node.appendChild(label);
      const answer = svg("text", {x: x0 + column / 2, y: H - bottom + 30, "text-anchor": "middle"});
      answer.textContent = "holder: " + r.holder;
      node.appendChild(answer);
      R.classes.forEach((c, j) => {
        const x = x0 + column * (j + 1) / (R.classes.length + 2);
        node.appendChild(marker(x, base[i].log10_odds[c], colours[j], false));
        const m = marker(x, r.log10_odds[c], colours[j], true);
        const title = svg("title", {});
        title.textContent = c + ": log10 odds " + fmtOdds(r.log10_odds[c]) + " (full pool " + fmtOdds(base[i].log10_odds[c]) + ")";
        m.appendChild(title);
        node.appendChild(m);
      });
      const x = x0 + column * (R.classes.length + 1) / (R.classes.length + 2);
      node.appendChild(marker(x, base[i].log10_odds_honest, "#111", false, "diamond"));
      node.appendChild(marker(x, r.log10_odds_honest, "#111", true, "diamond"));
    });
  }

  // ---- input ----
  $("slider").addEventListener("input", (e) => setT(Number(e.target.value)));
  $("prev").addEventListener("click", () => setT(t - 1));
  $("next").addEventListener("click", () => setT(t + 1));
  $("prev-decision").addEventListener("click", () => jumpDecision(-1));
  $("next-decision").addEventListener("click", () => jumpDecision(1));
  document.addEventListener("keydown", (e) => {
    if (e.target && (e.target.tagName === "SELECT" || e.target.tagName === "TEXTAREA")) return;
    const stepSize = e.shiftKey ? 10 : 1;
    if (e.key === "ArrowRight") { setT(t + stepSize); e.preventDefault(); }
    else if (e.key === "ArrowLeft") { setT(t - stepSize); e.preventDefault(); }
    else if (e.key === "Home") { setT(1); e.preventDefault(); }
    else if (e.key === "End") { setT(rowsOf().length); e.preventDefault(); }
    else if (e.key === "]") jumpDecision(1);
    else if (e.key === "[") jumpDecision(-1);
  });
  window.addEventListener("resize", renderBits);
  selectStream(0, null);
})();
"""
