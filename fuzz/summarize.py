#!/usr/bin/python3
"""summarize.py — one docs/FUZZING.md table row per libFuzzer log written by run.sh:
   fuzz/summarize.py build-fuzz/fuzz/logs/*.log
Reads the final "DONE" status line (cov, ft, corpus) and the -print_final_stats figures; a log
without DONE (a crash, or a run still going) is reported as such."""
import os
import re
import sys

for path in sys.argv[1:]:
    text = open(path, errors="replace").read()
    target = os.path.splitext(os.path.basename(path))[0]
    status = [l for l in text.splitlines() if re.match(r"#\d+\s+(DONE|NEW|REDUCE|pulse|INITED)", l)]
    last = status[-1] if status else ""
    cov = re.search(r"cov: (\d+)", last)
    ft = re.search(r"ft: (\d+)", last)
    corp = re.search(r"corp: (\d+)/(\S+)", last)
    stat = dict(re.findall(r"stat::(\w+):\s+(\d+)", text))
    seconds = re.search(r"-max_total_time=(\d+)", text)
    done = "DONE" in last
    bad = re.search(r"(ERROR: \w+Sanitizer|runtime error|deadly signal|Test unit written)", text)
    print(f"| {target} | {stat.get('number_of_executed_units', '?')} | {stat.get('average_exec_per_sec', '?')} "
          f"| {cov.group(1) if cov else '?'} | {ft.group(1) if ft else '?'} "
          f"| {corp.group(1) + ' (' + corp.group(2) + ')' if corp else '?'} "
          f"| {'clean' if done and not bad else ('FOUND: ' + bad.group(1) if bad else 'not finished')} |")
