"""The one palette of the figures and the explorer: a colour per class, never the same twice.

Classes are grouped by family (:func:`class_family`): the background's length bands
(``enumerated 1-8 bits``, …) in greys, honest programs in blues, consequentialists in reds, any
other named program in greens, purples, oranges and teals. Within a family, shades run from
dark to light. Both :mod:`toyinduction.plots.figures` (matplotlib) and
:mod:`toyinduction.plots.explorer` (HTML) take their colours, their stacking order and the
caption of the unresolved band from here.
"""

from __future__ import annotations

import colorsys

#: Class families, in stacking order (bottom to top); the unresolved band goes on top of all.
FAMILIES = ("background", "named", "honest", "consequentialist")
#: What the unresolved band is, in one caption (the figures and the explorer say it the same way).
UNRESOLVED_CAPTION = ("Hatched, unresolved: the prior mass of programs that had not finished when their step or "
                      "bit budget ran out; they could still print anything, which is why the model-free interval "
                      "is wide.")
#: What "unresolved" means, as a phrase for captions.
UNRESOLVED_MEANING = ("the prior mass of programs stopped at a step or length limit: they could still print "
                      "anything")
#: The unresolved band: light, hatched (face, hatch colour, hatch pattern).
UNRESOLVED_STYLE = ("#ffffff", "#9aa3ad", "///")
#: The lump of classes too small to show one by one: a pale neutral no family uses.
OTHER_COLOUR = "#e4dccb"


def class_family(name: str) -> str:
    """The colour family of a class: "background" (the enumeration's length bands), "honest",
    "consequentialist" (goal-directed, as measured), or "named" (any other named program: the
    deviating programs that are not goal-directed among them)."""
    if name.startswith("enumerated"):
        return "background"
    if name.startswith("honest"):
        return "honest"
    if name.startswith("consequentialist") or name.startswith("goal-directed"):
        return "consequentialist"
    return "named"


def _hex(hue: float, lightness: float, saturation: float) -> str:
    red, green, blue = colorsys.hls_to_rgb(hue / 360, lightness, saturation)
    return "#{:02x}{:02x}{:02x}".format(*(round(255 * channel) for channel in (red, green, blue)))


#: (hue, saturation, darkest, lightest) of each family; the named family cycles through hues
#: that are neither grey, blue nor red.
_FAMILY_SHADES = {"background": (0, 0.0, 0.30, 0.66), "honest": (212, 0.62, 0.28, 0.74),
                  "consequentialist": (356, 0.68, 0.30, 0.76)}
_NAMED_HUES = (135, 275, 32, 172, 318, 52)


def ordered_classes(classes) -> list:
    """Classes in stacking order: by family (:data:`FAMILIES`), the background's length bands by
    length, otherwise in the order given."""
    def key(name):
        family = class_family(name)
        digits = "".join(c if c.isdigit() else " " for c in name).split()
        return FAMILIES.index(family), int(digits[0]) if family == "background" and digits else 0
    return sorted(classes, key=key)


def class_colours(classes) -> dict:
    """A colour (``#rrggbb``) for every class, never the same colour twice: the background
    (enumerated) classes in greys, honest programs in blues, consequentialists in reds, other
    named programs in greens, purples, oranges and teals; shades run from dark to light within a
    family. A class's colour depends only on the set of classes given (not on their order)."""
    classes = ordered_classes(dict.fromkeys(classes))
    colours, used = {}, {OTHER_COLOUR, UNRESOLVED_STYLE[0]}
    for family in FAMILIES:
        members = [name for name in classes if class_family(name) == family]
        for index, name in enumerate(members):
            if family == "named":
                hue = _NAMED_HUES[index % len(_NAMED_HUES)]
                tier = index // len(_NAMED_HUES)
                tiers = (len(members) - 1) // len(_NAMED_HUES) + 1
                lightness = 0.40 + 0.30 * (tier / (tiers - 1) if tiers > 1 else 0.25)
                colour = _hex(hue, lightness, 0.55)
            else:
                hue, saturation, dark, light = _FAMILY_SHADES[family]
                fraction = index / (len(members) - 1) if len(members) > 1 else 0.5
                colour = _hex(hue, dark + (light - dark) * fraction, saturation)
            step = 0
            while colour in used:          # shades that round to the same 8-bit colour: nudge
                step += 1
                colour = _hex((hue + 3 * step) % 360, 0.5 + 0.01 * step, 0.3)
            used.add(colour)
            colours[name] = colour
    return colours


def series_colours(count: int) -> list:
    """``count`` distinct colours for series that are not classes (machines, baselines): the
    ten of matplotlib's ``tab10`` first, then hues a golden angle apart — never one twice."""
    tab10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
             "#17becf"]
    colours, step = tab10[:count], 0
    while len(colours) < count:                     # golden-angle hues at three lightnesses
        colour = _hex((15 + 137.508 * step) % 360, (0.35, 0.5, 0.65)[step % 3], 0.65)
        if colour not in colours:
            colours.append(colour)
        step += 1
    return colours
