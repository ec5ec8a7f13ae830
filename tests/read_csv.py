#!/usr/bin/env python3
"""Reads a CSV file with Python's csv module in strict mode and prints its rows as a JSON list of
lists (the tests' independent RFC 4180 reader). Exits 1 if the file is not valid CSV."""
import csv
import json
import sys

with open(sys.argv[1], newline="", encoding="utf-8") as f:
    try:
        rows = list(csv.reader(f, strict=True))
    except csv.Error as e:
        print(f"not valid CSV: {e}", file=sys.stderr)
        sys.exit(1)
json.dump(rows, sys.stdout)
