"""Renders an HTML page to PDF with WeasyPrint ten times (after one warm-up) and prints the
median in milliseconds. The peer an HTML-based HR tool would use; see benches/reports.rs."""

import statistics
import sys
import time

import weasyprint

page, out = sys.argv[1], sys.argv[2]
weasyprint.HTML(filename=page).write_pdf(out)
times = []
for _ in range(10):
    start = time.perf_counter()
    weasyprint.HTML(filename=page).write_pdf(out)
    times.append((time.perf_counter() - start) * 1000)
print(f"{statistics.median(times):.1f}")
