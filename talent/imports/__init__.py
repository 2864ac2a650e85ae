"""Spreadsheet import of trainees: ``parser`` reads CSV/XLSX, ``services`` checks and writes."""
