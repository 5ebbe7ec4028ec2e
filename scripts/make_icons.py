"""Draw the Teams app icons (manifest/color.png 192x192, manifest/outline.png 32x32) with the standard library.

The PNGs are committed; run this only to change the artwork: `.venv/bin/python scripts/make_icons.py`.
Teams wants a full-colour 192x192 icon and a 32x32 outline icon that is white on a transparent background.
Shapes are tested per sample point and 4x4 super-sampled, so edges are smooth without any imaging library.
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

ACCENT = (0x3B, 0x4B, 0xA8)  # also the manifest's accentColor (#3B4BA8)
WHITE = (255, 255, 255)
Shape = Callable[[float, float], bool]  # (x, y) in a 0..1 square -> inside?


def png_bytes(width: int, height: int, rgba: list[tuple[int, int, int, int]]) -> bytes:
    """A minimal RGBA PNG (colour type 6, 8 bits, no interlace)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter: none
        for r, g, b, a in rgba[y * width:(y + 1) * width]:
            raw += bytes((r, g, b, a))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
            + chunk(b"IEND", b""))


def rounded_rect(x0: float, y0: float, x1: float, y1: float, r: float) -> Shape:
    def inside(x: float, y: float) -> bool:
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            return False
        cx = min(max(x, x0 + r), x1 - r)
        cy = min(max(y, y0 + r), y1 - r)
        return (x - cx) ** 2 + (y - cy) ** 2 <= r * r

    return inside


def triangle(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> Shape:
    def side(p: tuple[float, float], q: tuple[float, float], x: float, y: float) -> float:
        return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0])

    def inside(x: float, y: float) -> bool:
        d1, d2, d3 = side(a, b, x, y), side(b, c, x, y), side(c, a, x, y)
        return (d1 >= 0 and d2 >= 0 and d3 >= 0) or (d1 <= 0 and d2 <= 0 and d3 <= 0)

    return inside


def union(*shapes: Shape) -> Shape:
    return lambda x, y: any(s(x, y) for s in shapes)


def minus(a: Shape, b: Shape) -> Shape:
    return lambda x, y: a(x, y) and not b(x, y)


def letter_p(x0: float, y0: float, height: float) -> Shape:
    """A bold sans-serif 'P': a stem and a bowl (a ring cut to its right half plus two bars)."""
    stroke = height * 0.2
    bowl_h = height * 0.62
    r_out = bowl_h / 2
    r_in = r_out - stroke
    cx, cy = x0 + stroke + height * 0.18, y0 + r_out
    stem = rounded_rect(x0, y0, x0 + stroke, y0 + height, stroke * 0.15)
    bars = rounded_rect(x0, y0, cx, y0 + bowl_h, 0.0)
    hole = rounded_rect(x0 + stroke, y0 + stroke, cx, y0 + bowl_h - stroke, 0.0)

    def ring(x: float, y: float) -> bool:
        d2 = (x - cx) ** 2 + (y - cy) ** 2
        return x >= cx and r_in * r_in <= d2 <= r_out * r_out

    return union(stem, minus(bars, hole), ring)


def bubble(x0: float, y0: float, x1: float, y1: float) -> Shape:
    """A chat bubble: a rounded rectangle with a tail at the bottom left."""
    h = y1 - y0
    body = rounded_rect(x0, y0, x1, y1 - h * 0.18, h * 0.16)
    tail = triangle((x0 + h * 0.12, y1 - h * 0.25), (x0 + h * 0.42, y1 - h * 0.25), (x0 + h * 0.08, y1))
    return union(body, tail)


def render(size: int, layers: list[tuple[Shape, tuple[int, int, int]]], background: tuple[int, int, int] | None,
           samples: int = 4) -> list[tuple[int, int, int, int]]:
    """Paint layers in order; coverage from samples x samples points per pixel becomes colour mix and alpha."""
    pixels: list[tuple[int, int, int, int]] = []
    n = samples * samples
    for py in range(size):
        for px in range(size):
            acc = [0.0, 0.0, 0.0]
            covered = 0
            for sy in range(samples):
                for sx in range(samples):
                    x = (px + (sx + 0.5) / samples) / size
                    y = (py + (sy + 0.5) / samples) / size
                    colour = background
                    for shape, fill in layers:
                        if shape(x, y):
                            colour = fill
                    if colour is not None:
                        covered += 1
                        for i in range(3):
                            acc[i] += colour[i]
            if covered == 0:
                pixels.append((255, 255, 255, 0))
            else:
                rgb = tuple(round(c / covered) for c in acc)
                pixels.append((rgb[0], rgb[1], rgb[2], round(255 * covered / n)))
    return pixels


def color_icon() -> bytes:
    shape = bubble(0.18, 0.2, 0.82, 0.8)
    glyph = letter_p(0.39, 0.3, 0.32)
    return png_bytes(192, 192, render(192, [(shape, WHITE), (glyph, ACCENT)], background=ACCENT))


def outline_icon() -> bytes:
    outer = bubble(0.06, 0.08, 0.94, 0.94)
    inner = rounded_rect(0.16, 0.18, 0.84, 0.68, 0.08)
    glyph = letter_p(0.38, 0.26, 0.36)
    ring = minus(outer, inner)
    return png_bytes(32, 32, render(32, [(union(ring, glyph), WHITE)], background=None))


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "manifest"
    out.mkdir(parents=True, exist_ok=True)
    (out / "color.png").write_bytes(color_icon())
    (out / "outline.png").write_bytes(outline_icon())
    print(f"wrote {out / 'color.png'} and {out / 'outline.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
