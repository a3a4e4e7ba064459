"""Reporting: figures, the paper's claims judged on results/, RESULTS.md tables, the HTML report."""
