#!/usr/bin/env python3
"""Reads an XLSX file with openpyxl and prints what it sees as JSON.

An independent reader for the sinks tests: excelize reading back what
excelize wrote would not catch a file only excelize understands.

usage: read_xlsx.py FILE
"""
import datetime
import json
import sys

import openpyxl


def value(v):
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat()
    return v


def main(path):
    wb = openpyxl.load_workbook(path)  # formulas as written, not cached values
    cached = openpyxl.load_workbook(path, data_only=True)
    out = {"sheets": wb.sheetnames, "data": {}}
    for ws in wb.worksheets:
        cws = cached[ws.title]
        cells = {}
        comments = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                cells[c.coordinate] = {
                    "type": c.data_type,
                    "value": value(c.value),
                    "cached": value(cws[c.coordinate].value),
                    "fmt": c.number_format,
                    "bold": bool(c.font and c.font.b),
                    "is_date": c.is_date,
                    "quote": bool(c.quotePrefix),
                    "font": (c.font.name if c.font else None) or "",
                }
                if c.comment is not None:
                    comments[c.coordinate] = c.comment.text
        widths = {k: d.width for k, d in ws.column_dimensions.items() if d.width}
        out["data"][ws.title] = {
            "freeze": ws.freeze_panes,
            "filter": ws.auto_filter.ref,
            "widths": widths,
            "cells": cells,
            "comments": comments,
            "max_row": ws.max_row,
        }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
