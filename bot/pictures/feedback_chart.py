"""Drawing the feedback chart: each item's average at each meeting, from 0 to
10, as a line. Colour and marker shape both tell the items apart, so the
chart also reads without colour; the numbers come as text beside it."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

# Okabe-Ito colours: told apart with the common kinds of colour blindness.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
MARKERS = ("o", "s", "^", "D", "v", "P")
LOW_COLOUR = "#B00020"


def feedback_chart_png(items: Sequence[str], dates: Sequence[str], averages: Sequence[Sequence[float | None]],
                       low: int | None, low_label: str) -> bytes:
    """`averages[m][i]` is item i's average at meeting m (None: nobody answered it)."""
    # Only the object-oriented API: no pyplot state, safe beside other work in the process.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 5), dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    xs = list(range(len(dates)))
    for i, name in enumerate(items):
        ys = [math.nan if row[i] is None else row[i] for row in averages]
        axes.plot(xs, ys, label=name, color=COLOURS[i % len(COLOURS)], marker=MARKERS[i % len(MARKERS)],
                  markersize=8, linewidth=2.2)
    if low is not None:  # the goals' scales have no "low": only the feedback's answers do
        axes.axhline(low, color=LOW_COLOUR, linestyle="--", linewidth=1.2)
        axes.text(xs[-1] + 0.25 if xs else 0, low + 0.15, low_label, color=LOW_COLOUR, va="bottom", fontsize=10)
    axes.set_ylim(-0.3, 10.3)
    axes.set_yticks(range(0, 11, 2))
    axes.set_xticks(xs, labels=list(dates))
    axes.set_xlim(-0.5, max(len(xs) - 0.5, 0.5) + 0.6)
    axes.grid(axis="y", color="#DDDDDD")
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=min(len(items), 4), frameon=False, fontsize=10)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
