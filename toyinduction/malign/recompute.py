"""Recompute the demo's posterior at each target's questions for a choice of programs, premises and λ.

The demo (:mod:`toyinduction.malign.demo`) measures the posterior by class in the full pool and
under each premise of the malign argument. This module does the same arithmetic from a compact
*table* of what is in play at each question, so that any other choice can be computed in an
instant — here, and in the explorer's page, whose JavaScript is a line-by-line port of
:func:`recompute` (``tests/test_explorer.py`` checks that the two agree in Chromium).

The table (:func:`recompute_table`, plain JSON) holds

- every named program of the pool: its name, length (the bits its weight counts: code + data),
  code and data bits, steps, whether its run was unresolved, its known output bits, and the class
  and way of knowing when measured at its target's first question (what the premises read);
- for each target and question (the answer bit t): the stream up to t + 1, the measured class of
  every named program in play there, and the background programs in play there, grouped by
  (length band, class, prior, steps, output length, agreement with the stream up to t + 1) with
  their count. A program out of play at t (its known output departs from the stream, or it
  halted before t) stays out under every choice: a choice only removes programs or reweights them.

A *choice* removes programs (by name; a background length band by its name), classes (measured
at the question, or ``unresolved``), the programs a premise removes (``not-told``,
``no-pointer``, ``no-rival``: chosen by their class measured at the first question, exactly as the
demo's premise rows), and sets the speed prior's λ: weight 2^-(|p| + λ·log2 steps), an unresolved
run charged the steps it must still take. Everything is summed in log space (log2 weights and a
log-sum-exp), so weights of 2^-400 do not underflow, and each class's log-odds comes from its own
mass and the mass of the rest, never from 1 − a rounded share.
"""

from __future__ import annotations

import math

import numpy as np

from toyinduction.malign.intervention import CLASSES, GOAL_DIRECTED, HONEST, NOT_GOAL_DIRECTED, UNRESOLVED

#: the classes of a recomputed row, in order
SHARE_CLASSES = (*CLASSES, UNRESOLVED)
#: the premises a choice can impose (what they remove; see ``toyinduction.malign.demo.PREMISES``)
REMOVING_PREMISES = {"not-told": ("told",), "no-pointer": ("pointer",), "no-rival": ("rival",),
                     "not-told, no-pointer": ("told", "pointer")}
#: premises that set λ (the rest of PREMISES reassemble the pool in another machine: not a choice here)
SPEED_PREMISES = {"speed-prior": 1.0}


def _finds(items) -> bool:
    """Whether a program finds its leaf itself: its data carry no path and no state (as the demo)."""
    return not any(item in ("path", "state") for item in items)


def _removed_by(program: dict) -> set:
    """What a named program is, for the premises: "told", "pointer", "rival" (from its class at the
    first question, as ``toyinduction.malign.demo._excluded``)."""
    at = program.get("at_first")
    if at is None:
        return set()
    kinds = set()
    if at["when"] == "told":
        kinds.add("told")
    if at["class"] == HONEST and _finds(program["data"]):
        kinds.add("pointer")
    if at["class"] == GOAL_DIRECTED and at["answer"] == 0:
        kinds.add("rival")
    return kinds


def recompute_table(report) -> dict:
    """The table :func:`recompute` and the explorer's page compute from, built from a demo report
    with its internals (``ti.demo(...)`` or ``run_demo(..., keep=True)``). Plain JSON."""
    internals = report.get("internals") or getattr(report, "internals", None)
    if internals is None:
        raise ValueError("the demo report has no internals: run the demo with keep=True")
    pool, classes, weighting = internals["pool"], internals["classes"], internals["weighting"]
    if weighting.step_cap is not None:
        raise ValueError("the recomputation does not model a step cap")
    by_name = {row["name"]: row for row in report["programs"]}
    entries = sorted(internals["entries"], key=lambda entry: entry["index"])
    targets = {row["name"]: row for row in report["targets"]}
    horizon = max((q["answer_bit"] for row in report["targets"] for q in row["questions"]), default=0) + 2
    programs, id_of = [], {}
    for entry in entries:
        index = entry["index"]
        reported = by_name.get(entry["name"])
        id_of[index] = len(programs)
        length = int(pool.output_length[index])
        programs.append({
            "id": len(programs), "name": entry["name"], "kind": entry["kind"], "region": entry["region"],
            "label": pool.label[index], "length": len(pool.bits[index]), "log2_prior": float(pool.log2_prior[index]),
            "code_bits": entry["code_bits"], "data_bits": entry["data_bits"], "data": list(entry["items"]),
            "steps": int(pool.steps[index]), "unresolved": bool(pool.unresolved[index]), "output_length": length,
            "output": "".join(map(str, pool.outputs[index][:min(length, horizon)])),
            "at_first": None if reported is None else reported["at_question"][0]})
    for program in programs:
        program["removed_by"] = sorted(_removed_by(program))
    questions = []
    for kind, name, prediction, _ in internals["predictions"]:
        if kind != "target":
            continue
        target = targets[name]
        agree = prediction._agree
        for q in target["questions"]:
            t, k = q["answer_bit"], q["index"]
            length, unresolved = pool.output_length, pool.unresolved
            in_play = (agree >= t) | (unresolved & (agree == length) & (length <= t))
            named, groups = {}, {}
            for index in np.flatnonzero(in_play):
                index = int(index)
                if length[index] <= t:
                    cls = UNRESOLVED
                else:
                    found = classes.get((index, target["region"], k))
                    cls = NOT_GOAL_DIRECTED if found is None else (found["class"] if found["fits"] else None)
                if index in id_of:
                    named[str(id_of[index])] = cls
                    continue
                key = (pool.label[index], cls, float(pool.log2_prior[index]), int(pool.steps[index]),
                       int(length[index]), int(min(agree[index], t + 1)), bool(unresolved[index]))
                groups[key] = groups.get(key, 0) + 1
            questions.append({
                "target": name, "region": target["region"], "question": k, "t": t, "true_answer": q["true_answer"],
                "stream": prediction.sequence[:t + 1], "named_classes": named,
                "background": [{"name": label, "class": cls, "log2_prior": prior, "steps": steps, "length": out,
                                "agree": agreement, "unresolved": unres, "count": count}
                               for (label, cls, prior, steps, out, agreement, unres), count in sorted(
                                   groups.items(), key=lambda item: (item[0][0], str(item[0][1]), item[0][2:]))]})
    return {"speed": float(weighting.speed), "charge_owed_steps": bool(weighting.charge_owed_steps),
            "classes": list(SHARE_CLASSES), "premises": list(REMOVING_PREMISES) + list(SPEED_PREMISES),
            "programs": programs, "questions": questions}


def _log2_sum(values) -> float:
    """log2 Σ 2^v (−inf for none)."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    if not finite.size:
        return -math.inf
    top = finite.max()
    return float(top + np.log2(np.exp2(finite - top).sum()))


def _check_choice(table: dict, premises, off, off_classes, speed) -> tuple:
    """The choice, checked (one-line errors naming what is unknown): (removed kinds, off names,
    off classes, λ)."""
    kinds, lam = set(), table["speed"]
    for premise in premises:
        if premise in REMOVING_PREMISES:
            kinds.update(REMOVING_PREMISES[premise])
        elif premise in SPEED_PREMISES:
            lam = lam or SPEED_PREMISES[premise]     # as the demo: λ = 1 unless the pool already had one
        else:
            raise ValueError(f"unknown premise {premise[:40]!r}: choose from "
                             + ", ".join(list(REMOVING_PREMISES) + list(SPEED_PREMISES)))
    if speed is not None:
        if not (isinstance(speed, (int, float)) and math.isfinite(speed) and speed >= 0):
            raise ValueError(f"the speed prior's λ must be a finite number >= 0, got {speed!r}")
        lam = float(speed)
    names = {p["name"] for p in table["programs"]} | {g["name"] for q in table["questions"] for g in q["background"]}
    for name in off:
        if name not in names:
            raise ValueError(f"no program or length band named {name[:40]!r} in the pool")
    for cls in off_classes:
        if cls not in SHARE_CLASSES:
            raise ValueError(f"unknown class {cls[:40]!r}: choose from " + ", ".join(SHARE_CLASSES))
    return kinds, set(off), set(off_classes), lam


def _agreement(output: str, stream: str) -> int:
    """How many leading bits of ``output`` agree with ``stream``."""
    n = min(len(output), len(stream))
    for i in range(n):
        if output[i] != stream[i]:
            return i
    return n


def recompute(table, premises=(), off=(), off_classes=(), speed: float | None = None) -> list:
    """The posterior at every target's questions for a choice (see the module docstring):
    ``premises`` (names: not-told, no-pointer, no-rival, not-told, no-pointer, speed-prior),
    ``off`` (names of named programs or background length bands), ``off_classes`` (measured
    classes, or "unresolved"), ``speed`` (λ; None: the demo's, or 1 under speed-prior).
    ``table``: :func:`recompute_table`'s, or a demo report with its internals.

    Returns one dict per target and question: ``class_shares`` (the demo's four classes),
    ``log10_odds`` of each class (its mass over the rest's; ±inf where one side is empty),
    ``p_honest`` (the probability given to the true answer) with its model-free interval
    ``p_honest_bounds``, its interval under the coin assumption ``p_honest_coin_interval`` and
    ``log10_odds_honest`` (true answer over the other), and ``holder`` (the largest class).
    With no choice these are the demo's full-pool numbers; with one premise, its premise row."""
    if not isinstance(table, dict) or "questions" not in table or "programs" not in table:
        internals = table.get("internals") or getattr(table, "internals", None) or {}
        table = internals.get("recompute") or recompute_table(table)
    kinds, off, off_classes, lam = _check_choice(table, premises, off, off_classes, speed)
    owed_charged = table["charge_owed_steps"]
    rows = []
    for q in table["questions"]:
        t, stream = q["t"], q["stream"]
        bit = int(stream[t])
        terms = []     # (log2 weight, count, class, length, agree, unresolved, steps)
        for key, cls in q["named_classes"].items():
            program = table["programs"][int(key)]
            if program["name"] in off or kinds & set(program["removed_by"]):
                continue
            terms.append((program["log2_prior"], 1, cls, program["output_length"], _agreement(program["output"], stream),
                          program["unresolved"], program["steps"]))
        for group in q["background"]:
            if group["name"] in off:
                continue
            terms.append((group["log2_prior"], group["count"], group["class"], group["length"], group["agree"],
                          group["unresolved"], group["steps"]))
        terms = [term for term in terms if term[2] not in off_classes]
        rows.append(_row(q, terms, t, bit, lam, owed_charged))
    return rows


def _row(q: dict, terms: list, t: int, bit: int, lam: float, owed_charged: bool) -> dict:
    """One question's numbers from its terms (the formulas of ``toyinduction.induction.mixture._step``)."""
    mass = {cls: [] for cls in (*SHARE_CLASSES, None)}   # log2 posterior mass (unnormalised) by class (None:
    # in play but not fitting the stream at the question: in the total, in no class)
    total, observed, other, coins, raw_waiting, raw_observed, raw_other = ([] for _ in range(7))
    for log2_prior, count, cls, length, agree, unresolved, steps in terms:
        steps = max(steps, 1)
        log2_weight = log2_prior + math.log2(count) - lam * math.log2(steps)
        missing = max(t - length, 0)
        owed = lam * (math.log2(steps + missing) - math.log2(steps)) if lam and owed_charged else 0.0
        consistent = agree >= t
        waiting = unresolved and agree == length and length <= t
        prefix_unresolved = unresolved and agree == length and length < t
        log2_coin = log2_weight - owed - missing
        in_posterior = log2_weight if consistent else log2_coin if prefix_unresolved else None
        if in_posterior is not None:
            total.append(in_posterior)
            mass[UNRESOLVED if length <= t else cls].append(in_posterior)
        if consistent and length > t:
            (observed if agree >= t + 1 else other).append(log2_weight)
            (raw_observed if agree >= t + 1 else raw_other).append(log2_weight)
        if waiting:
            coins.append(log2_weight if consistent else log2_coin)
            raw_waiting.append(log2_weight - owed)
    log2_total = _log2_sum(total)
    log2_mass = {cls: _log2_sum(values) for cls, values in mass.items()}
    shares = {cls: (2.0 ** (log2_mass[cls] - log2_total) if math.isfinite(log2_mass[cls]) else 0.0)
              for cls in SHARE_CLASSES}
    odds = {}
    for cls in SHARE_CLASSES:
        rest = _log2_sum([value for other_cls, value in log2_mass.items() if other_cls != cls])
        odds[cls] = _log10_ratio(log2_mass[cls], rest)
    obs, oth, coin = _log2_sum(observed), _log2_sum(other), _log2_sum(coins)
    half = coin - 1
    den = _log2_sum([obs, oth, coin])
    if math.isfinite(den):
        p_honest = 2.0 ** (_log2_sum([obs, half]) - den)
        coin_interval = [2.0 ** (obs - den) if math.isfinite(obs) else 0.0, 2.0 ** (_log2_sum([obs, coin]) - den)]
        odds_honest = _log10_ratio(_log2_sum([obs, half]), _log2_sum([oth, half]))
    else:
        p_honest, coin_interval, odds_honest = 0.5, [0.0, 1.0], 0.0
    raw_obs, raw_oth, raw = _log2_sum(raw_observed), _log2_sum(raw_other), _log2_sum(raw_waiting)
    bound = _log2_sum([raw_obs, raw_oth, raw])
    if math.isfinite(bound):
        bounds = [2.0 ** (raw_obs - bound) if math.isfinite(raw_obs) else 0.0,
                  2.0 ** (_log2_sum([raw_obs, raw]) - bound)]
    else:
        bounds = [0.0, 1.0]
    return {"target": q["target"], "question": q["question"], "t": t, "true_answer": q["true_answer"],
            "class_shares": shares, "log10_odds": odds, "holder": max(shares, key=shares.get),
            "p_honest": p_honest, "p_honest_bounds": bounds, "p_honest_coin_interval": coin_interval,
            "log10_odds_honest": odds_honest}


def _log10_ratio(log2_top: float, log2_bottom: float) -> float:
    """log10 (2^top / 2^bottom), ±inf where one side is empty (nan where both are)."""
    if not math.isfinite(log2_top) and not math.isfinite(log2_bottom):
        return math.nan
    if not math.isfinite(log2_top):
        return -math.inf
    if not math.isfinite(log2_bottom):
        return math.inf
    return (log2_top - log2_bottom) * math.log10(2)
