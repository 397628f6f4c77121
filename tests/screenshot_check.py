#!/usr/bin/env python3
"""screenshot_check.py PNG light|dark: a browser screenshot of REPORT.html
shows the page and its figures.

Decodes the PNG with zlib (8-bit RGB or RGBA, not interlaced, the five
filter types) and checks:
  - the page background at the top left corner is white (light) or the
    dark theme's #0d1117 (dark);
  - the figures are there: many pixels in the figures' palette colours
    (Okabe-Ito blue 0,114,178 and vermillion 213,94,0, as drawn by
    src/eval/plot.c) and many distinct colours overall (text alone has
    grey levels only);
  - in dark mode, the figure panels stay white (readable): many white
    pixels on the dark page.
"""
import struct
import sys
import zlib


def decode(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise SystemExit(f"{path}: unsupported PNG (depth {depth}, colour type {ctype})")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        ft = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def main():
    path, mode = sys.argv[1], sys.argv[2]
    w, h, bpp, rows = decode(path)
    px = lambda x, y: tuple(rows[y][x * bpp:x * bpp + 3])
    near = lambda p, q, tol=12: all(abs(a - b) <= tol for a, b in zip(p, q))
    bg = px(3, 3)
    want_bg = (255, 255, 255) if mode == "light" else (13, 17, 23)
    errors = []
    if not near(bg, want_bg, 3):
        errors.append(f"page background {bg}, expected {want_bg} ({mode})")
    blue = orange = white = 0
    seen = set()
    for y in range(0, h, 2):
        r = rows[y]
        for x in range(0, w, 2):
            p = tuple(r[x * bpp:x * bpp + 3])
            seen.add(p)
            if near(p, (0, 114, 178)):
                blue += 1
            elif near(p, (213, 94, 0)):
                orange += 1
            elif p == (255, 255, 255):
                white += 1
    print(f"{path}: {w}x{h}, {len(seen)} colours, palette blue {blue}, vermillion {orange}, "
          f"white {white} (sampled every 2nd pixel)")
    if len(seen) < 300:
        errors.append(f"only {len(seen)} distinct colours: no figures?")
    if blue < 300 or orange < 300:
        errors.append(f"too few figure pixels (blue {blue}, vermillion {orange})")
    if mode == "dark" and white < (w * h // 4) // 5:
        errors.append(f"dark mode: only {white} white pixels, the figure panels are not white")
    for e in errors:
        print(f"FAIL: {path}: {e}", file=sys.stderr)
    sys.exit(1 if errors else 0)


main()
