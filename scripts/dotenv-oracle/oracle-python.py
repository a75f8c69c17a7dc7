#!/usr/bin/env python3
"""Runs python-dotenv's dotenv_values on every snippet, with and without interpolation.

Run it with an empty environment (`env -i`): python-dotenv's interpolation reads os.environ.
Usage: oracle-python.py CASES_JSON > OUT_JSON"""
import io, json, logging, sys
from dotenv import dotenv_values

logging.disable(logging.CRITICAL)
cases = json.load(open(sys.argv[1], encoding="utf-8"))
out = {}
for c in cases:
    raw = dict(dotenv_values(stream=io.StringIO(c["text"]), interpolate=False))
    expanded = dict(dotenv_values(stream=io.StringIO(c["text"]), interpolate=True))
    out[c["id"]] = {"raw": raw, "expanded": expanded}
json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
sys.stdout.write("\n")
