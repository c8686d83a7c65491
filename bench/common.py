"""What the benchmarks share: the datasketch reference's sketch of a record, latency
percentiles, and how a result is reported beside its reference."""

from __future__ import annotations

import json
import os
import re
import socket
import time
import uuid
from pathlib import Path

from datasketch import MinHash
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.db import normalise_url

_WORD = re.compile(r"\w+")


class ReferenceSketcher:
    """datasketch alone on a record: lower-cased word tokens, word 5-shingles,
    ``MinHash(128).update_batch``. The permutations are made once and shared, as
    datasketch's docs advise for many sketches (drawn anew per MinHash, the reference
    would be 2-3 times slower)."""

    def __init__(self, num_perm: int = 128) -> None:
        self.num_perm = num_perm
        self.permutations = MinHash(num_perm=num_perm).permutations

    def sketch(self, record: dict) -> MinHash:
        words = _WORD.findall((record.get("text") or record.get("html") or "").lower())
        shingles = {" ".join(words[i : i + 5]).encode() for i in range(len(words) - 4)}
        sketch = MinHash(num_perm=self.num_perm, permutations=self.permutations, scheme="affine32")
        sketch.update_batch(list(shingles))
        return sketch


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report_beside(report: dict, name: str, result: dict, reference: str) -> None:
    """Add ``result`` with its ratio to ``report[reference]``'s rate, and print it."""
    result[f"ratio_to_{reference}"] = result["per_second"] / report[reference]["per_second"]
    report[name] = result
    print(json.dumps({name: result}), flush=True)


def write_report(report: dict, out: Path | None) -> None:
    if out:
        out.write_text(json.dumps(report, indent=2))


def fresh_postgres(server_url: str) -> tuple[str, callable]:
    """A new database on the server, and a function that drops it."""
    name = f"story_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(server_url)).set(database=name)

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- where the CPU went (Linux /proc; elsewhere the meter reports nothing) -------------

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, CPU seconds) of a live process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS


def _processes() -> dict[int, tuple[str, int, float]]:
    found = {}
    for entry in Path("/proc").iterdir() if Path("/proc/stat").exists() else ():
        if entry.name.isdigit() and (stat := _proc_stat(int(entry.name))) is not None:
            found[int(entry.name)] = stat
    return found


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return sum(values) - idle, sum(values)


class CpuMeter:
    """CPU seconds spent during a run by the process tree under ``root_pid`` (the
    service: uvicorn, its workers, their analysis processes), by the database server's
    processes, and by this process (the clients), plus how busy the machine was: to
    tell "more processes find no idle core" from "more processes cost more per
    article". Processes that exit during the run are missed (none do here)."""

    def __init__(self, root_pid: int | None, server_names: tuple[str, ...] = ("postgres",)):
        self.root_pid, self.server_names = root_pid, server_names
        self.available = Path("/proc/stat").exists()
        if self.available:
            self.start = self._groups(), _machine_busy(), time.process_time()

    def _groups(self) -> dict[str, dict[int, float]]:
        processes = _processes()
        tree = {self.root_pid} if self.root_pid else set()
        grew = True
        while grew:
            children = {pid for pid, (_, parent, _) in processes.items() if parent in tree}
            grew = not children <= tree
            tree |= children
        return {
            "service": {pid: processes[pid][2] for pid in tree if pid in processes},
            "database": {
                pid: cpu for pid, (name, _, cpu) in processes.items() if name in self.server_names
            },
        }

    def stop(self, requests: int) -> dict:
        """CPU milliseconds per request by group, and the machine's busy share."""
        if not self.available:
            return {}
        (groups, (busy0, total0), client0) = self.start
        now, (busy1, total1) = self._groups(), _machine_busy()
        result = {}
        for group, cpu in now.items():
            spent = sum(seconds - groups[group].get(pid, 0.0) for pid, seconds in cpu.items())
            result[f"cpu_ms_per_request_{group}"] = 1e3 * spent / requests
        result["cpu_ms_per_request_clients"] = 1e3 * (time.process_time() - client0) / requests
        result["machine_busy"] = (busy1 - busy0) / max(1, total1 - total0)
        return result
