"""Bar charts as PNG images for the Word report, drawn with matplotlib.

The summary page draws its charts as inline SVG in the template; a Word document needs a
picture, so the report draws the same kind of chart with matplotlib's object-oriented API (a
`Figure` on the Agg canvas: no pyplot, no global state, safe in a server thread). Bars are one
dark colour with the number written at the end of each bar, so the chart reads in black and white
and without colour vision; the report gives every picture a text alternative as well.

matplotlib is imported only when a report is drawn, so the service's resident memory does not
carry it.
"""

import io
import textwrap
from collections.abc import Sequence

BAR_COLOUR = "#1d4f73"  # 9.0:1 against white
TEXT_COLOUR = "#1a1a1a"
WIDTH_INCHES = 6.0
DPI = 200
LABEL_CHARACTERS = 26  # longer labels wrap, so that the bars keep most of the width


def bar_chart_png(bars: Sequence[tuple[str, int]], *, axis_label: str) -> bytes:
    """A horizontal bar chart of (label, count) pairs, largest first, as PNG bytes."""
    if not bars:
        raise ValueError("a bar chart needs at least one bar")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = [textwrap.fill(label, LABEL_CHARACTERS) for label, _ in bars]
    lines = sum(label.count("\n") + 1 for label in labels)
    values = [value for _, value in bars]
    height = 0.75 + 0.22 * len(bars) + 0.16 * lines
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(bars))
    drawn = axes.barh(positions, values, height=0.62, color=BAR_COLOUR)
    axes.bar_label(drawn, labels=[str(v) for v in values], padding=4, color=TEXT_COLOUR)
    axes.set_yticks(list(positions), labels=labels, color=TEXT_COLOUR)
    axes.invert_yaxis()  # the largest bar on top, as the list reads
    axes.set_xlim(0, max(values) * 1.15 or 1)
    axes.set_xlabel(axis_label, color=TEXT_COLOUR)
    axes.xaxis.get_major_locator().set_params(integer=True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(axis="y", length=0)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
