"""Runs commands for bench/run.mjs and measures each: wall time, CPU time
(user + system, all threads) and peak resident set, from the child's own
rusage (wait4). Node cannot read a child's rusage; /usr/bin/time rounds CPU
time to 10 ms. One request per line on stdin (JSON: argv, env), one answer per
line on stdout (JSON: status, ms, cpu_ms, rss_kb, stderr)."""
import json
import os
import subprocess
import sys
import tempfile
import time

for line in sys.stdin:
    request = json.loads(line)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(request["argv"], env=request["env"], stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        answer = {
            "status": child.returncode,
            "ms": wall * 1000,
            "cpu_ms": (usage.ru_utime + usage.ru_stime) * 1000,
            "rss_kb": usage.ru_maxrss,
            "stderr": err.read()[-4000:].decode("utf-8", "replace") if child.returncode != 0 else "",
        }
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
