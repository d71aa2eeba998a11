"""The bench's picture: an SVG beside its JSON, drawn by hand (no plotting library) so it opens in
any browser. One row per page: the app's p50 and p95 over HTTP beside the HTTP floor's (the bare
floor app, driven by the same clients in the same rounds) and the app's in-process CPU ms, on a log
scale (pages run from a millisecond to a second), with the ratios of requests a second and of p95
to the floor's at the end of the row; then, when the other size has been measured, each page's
growth from the small district to the large one."""

import math
from html import escape

ROW, LEFT, WIDTH, BAR, RATIOS = 40, 250, 520, 9, 170
COLOURS = {"app p50": "#005eb8", "app p95": "#41b6e6", "floor p50": "#768692", "floor p95": "#d8dde0", "CPU ms": "#ed8b00"}


def _x(ms: float, top: float) -> float:
    """A log scale from 0.1 ms to `top`."""
    low = math.log10(0.1)
    return LEFT + WIDTH * (math.log10(max(ms, 0.1)) - low) / (math.log10(top) - low)


def _finite(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def render(report: dict, growth: dict | None = None) -> str:
    results = {name: r for name, r in report["results"].items() if "app" in r or "in_process" in r}
    figures = []
    for r in results.values():
        for side in ("app", "floor"):
            for key in ("p50_ms", "p95_ms"):
                if _finite((r.get(side) or {}).get(key)):
                    figures.append(r[side][key])
        if _finite((r.get("in_process") or {}).get("cpu_ms")):
            figures.append(r["in_process"]["cpu_ms"])
    top = 10 ** math.ceil(math.log10(max(figures + [10.0])))
    height = 90 + ROW * len(results) + (60 + 22 * len(growth["pages"]) if growth else 0)
    title = f"OnePlan bench: {report['database']}, {report['people']:,} people ({report['when']})"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{LEFT + WIDTH + RATIOS + 20}" height="{height}" '
        'font-family="Arial, sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        f'<text x="10" y="20" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    legend_x = 10
    for label, colour in COLOURS.items():
        out.append(f'<rect x="{legend_x}" y="30" width="12" height="12" fill="{colour}"/><text x="{legend_x + 16}" y="40">{label}</text>')
        legend_x += 100
    out.append(f'<text x="{LEFT + WIDTH + 16}" y="56" fill="#4c6272">app against the HTTP floor</text>')
    scale_y = 60
    tick = 0.1
    while tick <= top:
        x = _x(tick, top)
        out.append(f'<line x1="{x:.1f}" y1="{scale_y}" x2="{x:.1f}" y2="{scale_y + ROW * len(results)}" stroke="#e8edee"/>')
        out.append(f'<text x="{x:.1f}" y="{scale_y - 4}" text-anchor="middle" fill="#4c6272">{tick:g} ms</text>')
        tick *= 10
    for row, (name, result) in enumerate(results.items()):
        y = scale_y + 4 + row * ROW
        out.append(f'<text x="{LEFT - 8}" y="{y + 14}" text-anchor="end">{escape(name)}</text>')
        bars = [
            ("app p50", (result.get("app") or {}).get("p50_ms")),
            ("app p95", (result.get("app") or {}).get("p95_ms")),
            ("floor p50", (result.get("floor") or {}).get("p50_ms")),
            ("floor p95", (result.get("floor") or {}).get("p95_ms")),
            ("CPU ms", (result.get("in_process") or {}).get("cpu_ms")),
        ]
        for n, (label, value) in enumerate(bars):
            if _finite(value):
                width = _x(value, top) - LEFT
                out.append(
                    f'<rect x="{LEFT}" y="{y + n * (BAR - 2)}" width="{width:.1f}" height="{BAR - 2}" fill="{COLOURS[label]}">'
                    f"<title>{escape(name)} {label}: {value:.2f} ms</title></rect>"
                )
        rps, p95 = result.get("ratio_rps"), result.get("ratio_p95")
        if _finite(rps) and rps > 0 and _finite(p95):
            out.append(f'<text x="{LEFT + WIDTH + 16}" y="{y + 20}">req/s 1/{1 / rps:.1f}, p95 x{p95:.1f}</text>')
    if growth:
        y = scale_y + ROW * len(results) + 30
        out.append(
            f'<text x="10" y="{y}" font-size="14" font-weight="bold">Growth from {growth["small"]:,} to {growth["large"]:,} people '
            "(green: within 1.3x)</text>"
        )
        for n, (name, ratios) in enumerate(sorted(growth["pages"].items()), start=1):
            line = ", ".join(f"{key} x{value:.2f}" for key, value in ratios.items() if _finite(value))
            # kB (the answer's size) is shown, not judged: a page showing more in the larger district.
            grows = any(_finite(v) and v > growth.get("limit", 1.3) for key, v in ratios.items() if key != "kB")
            colour = "#d5281b" if grows else "#007f3b"
            out.append(f'<text x="10" y="{y + 22 * n}" fill="{colour}">{escape(name)}: {escape(line)}</text>')
    out.append("</svg>")
    return "\n".join(out)
