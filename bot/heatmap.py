"""A heat map as a PNG: rows (weekdays) by columns (hours), darker where more people can
come. The text beside it carries the same numbers, for screen readers and for clients that
show no pictures."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

CELL_W, CELL_H, LABEL_W, LABEL_H = 30, 24, 56, 20
EMPTY = (245, 245, 245)
FULL = (31, 94, 168)
INK = (30, 30, 30)


def heat_map_png(
    rows: Sequence[str], columns: Sequence[int], counts: Mapping[tuple[int, int], int]
) -> bytes:
    """`counts[(row, column)]`; row labels are drawn only in Latin letters, which the
    built-in font has (the text version names them in every script)."""
    from PIL import Image, ImageDraw, ImageFont  # a second of start-up, only when drawn

    font = ImageFont.load_default()
    width, height = LABEL_W + CELL_W * len(columns), LABEL_H + CELL_H * len(rows)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    most = max(counts.values(), default=0) or 1
    for x, column in enumerate(columns):
        draw.text((LABEL_W + x * CELL_W + 4, 4), str(column), fill=INK, font=font)
    for y, label in enumerate(rows):
        top = LABEL_H + y * CELL_H
        if _latin(label):
            draw.text((4, top + 5), label, fill=INK, font=font)
        for x, column in enumerate(columns):
            count = counts.get((y, column), 0)
            share = count / most
            colour = tuple(round(e + (f - e) * share) for e, f in zip(EMPTY, FULL, strict=True))
            left = LABEL_W + x * CELL_W
            draw.rectangle((left, top, left + CELL_W - 2, top + CELL_H - 2), fill=colour)
            if count:
                draw.text(
                    (left + 8, top + 5), str(count), fill="white" if share > 0.5 else INK, font=font
                )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _latin(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True
