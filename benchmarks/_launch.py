"""Start one command and record its wall time and peak memory: ``python -S _launch.py OUT.json CMD ...``.

Run by the comparison runner, not imported. On Linux a process's peak
resident size (``ru_maxrss``) includes the memory of the process it was
forked from, so the runner (which has regionopt and Pyomo loaded) does not
fork solvers itself: this small interpreter (started with ``-S``, about 5 MiB)
forks and execs the command, waits for it with ``os.wait4`` and writes
``{"wall_s", "maxrss_kib", "user_s", "sys_s", "exitcode"}`` to ``OUT.json``.
"""

import json
import os
import sys
import time


def main() -> int:
    out, argv = sys.argv[1], sys.argv[2:]
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    _pid, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    rec = {"wall_s": wall, "maxrss_kib": ru.ru_maxrss / (1024.0 if sys.platform == "darwin" else 1.0),
           "user_s": ru.ru_utime, "sys_s": ru.ru_stime, "exitcode": code}
    with open(out + ".tmp", "w") as f:
        json.dump(rec, f)
    os.replace(out + ".tmp", out)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
