"""Contain the process that runs a submission: limits, a trimmed environment, bubblewrap, and a clean end.

Two levels (``nst-grade --sandbox``):

- ``none``: the child has its own session and process group, a PID namespace of its own where util-linux's
  ``unshare`` can make one, resource limits (file size, address space, CPU time, processes; set with
  ``prlimit``), a trimmed environment and a private scratch folder. Python code in the child cannot import
  the package's own costs (an audit hook). It can still read and write whatever the teacher's account can.
- ``bwrap`` (the default where ``bwrap`` works): the same, inside bubblewrap: a file system that holds only
  the system's programs and libraries, Python and ``nst_helpers``, read-only (no home folders, no clone of
  the book, no submissions, no gradebook), the package's own
  cost modules replaced by empty files, a private size-limited ``/tmp``, no network, and its own PID
  namespace (the grader's processes are invisible, and everything in it dies with it). Run as root, the
  sandbox has no user namespace and drops every capability instead.

Where cgroups can be created (the grader runs as root), the child is placed in a ``pids`` one, which caps the
number of processes and lists every process to kill, and a ``memory`` one, which caps the memory of all its
processes together at the address-space limit. In any case the grader is a
subreaper, so a process that detaches from the child comes back to the grader and is killed with it
(:func:`kill_tree`), and the batch checks that nothing survives before it writes the gradebook.

Chapter: 08.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

KINDS = ("auto", "bwrap", "none")
OUTPUT_CAP = 1024 * 1024  # bytes of a child's output kept; the rest is counted and dropped
TAIL_BYTES = 4096
FILE_SIZE_LIMIT = 64 * 1024 * 1024
TMP_SIZE = 256 * 1024 * 1024
PROCESS_LIMIT = 128  # processes (threads count too) per child, beyond what its user already runs
_PR_SET_CHILD_SUBREAPER = 36
#: Modules of nst_helpers hidden from a child in bubblewrap: they compute what the exercises ask for.
HIDDEN_MODULES = ("losses.py", "engine.py", "optimize.py", "recipes.py", "speed")


class SandboxError(RuntimeError):
    """The containment asked for cannot be set up (a missing tool, bubblewrap that does not start ...)."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one child process."""

    memory_bytes: int = 6 * 1024**3
    cpu_seconds: int = 600
    file_bytes: int = FILE_SIZE_LIMIT
    processes: int = PROCESS_LIMIT


@lru_cache(maxsize=1)
def bwrap_works() -> str | None:
    """``None`` when ``bwrap`` can start a sandbox here; else why not."""
    path = shutil.which("bwrap")
    if path is None:
        return "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    probe = [path, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all", "--die-with-parent"]
    command = probe + ["true"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap did not start ({exc})"
    if done.returncode != 0:
        return f"bwrap did not start: {done.stderr.decode(errors='replace').strip()[:200]}"
    return None


def resolve(kind: str) -> tuple[str, str | None]:
    """The sandbox to use for ``kind`` (``auto``, ``bwrap`` or ``none``), and a warning when it falls back."""
    if kind not in KINDS:
        raise SandboxError(f"--sandbox must be one of {', '.join(KINDS)}; got {kind!r}.")
    for tool in ("prlimit",):
        if shutil.which(tool) is None:
            raise SandboxError(f"{tool} (util-linux) is needed to contain the submissions and is not installed.")
    if kind == "none":
        return "none", None
    problem = bwrap_works()
    if problem is None:
        return "bwrap", None
    if kind == "bwrap":
        raise SandboxError(f"--sandbox bwrap was asked for, but {problem}.")
    return "none", (
        f"warning: grading without bubblewrap ({problem}). Submissions run with resource limits and a trimmed "
        "environment, but can read and write the files your account can; see the teacher's guide."
    )


def become_subreaper() -> bool:
    """Make this process adopt the orphans of its descendants (Linux), so none escapes :func:`kill_tree`."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


# ---- cgroup --------------------------------------------------------------------------------------------
_counter = itertools.count()


def _new_cgroup(root: Path, setting: str, value: int) -> Path | None:
    """A new cgroup under ``root`` with ``setting`` written, or ``None`` where this process may not make one."""
    group = root / f"nst-grade-{os.getpid()}-{next(_counter)}"
    try:
        group.mkdir()
        (group / setting).write_text(str(value))
        return group
    except OSError:
        with contextlib.suppress(OSError):
            group.rmdir()
    return None


def make_cgroup(processes: int) -> Path | None:
    """A new ``pids`` cgroup capped at ``processes``, or ``None`` where this process may not create one."""
    v1, v2 = Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")
    if (v1 / "cgroup.procs").exists():
        return _new_cgroup(v1, "pids.max", processes)
    if (v2 / "cgroup.procs").exists() and _has_pids_v2(v2):
        return _new_cgroup(v2, "pids.max", processes)
    return None


def remove_stale_cgroups() -> None:
    """Remove the empty cgroups left by grader runs that were killed (their pid is in the name)."""
    for root in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup/memory"), Path("/sys/fs/cgroup")):
        for group in root.glob("nst-grade-*-*") if root.is_dir() else ():
            owner = group.name.split("-")[2]
            if owner.isdigit() and not Path(f"/proc/{owner}").exists():
                with contextlib.suppress(OSError):
                    group.rmdir()  # fails, and is kept, while any process is still in it


def make_memory_cgroup(limit: int) -> Path | None:
    """A new cgroup (v1 ``memory``) capping the memory of all the child's processes together, or ``None``."""
    root = Path("/sys/fs/cgroup/memory")
    return _new_cgroup(root, "memory.limit_in_bytes", limit) if (root / "cgroup.procs").exists() else None


def _has_pids_v2(root: Path) -> bool:
    try:
        return "pids" in (root / "cgroup.subtree_control").read_text().split()
    except OSError:
        return False


def _cgroup_pids(group: Path | None) -> set[int]:
    if group is None:
        return set()
    try:
        return {int(line) for line in (group / "cgroup.procs").read_text().split()}
    except (OSError, ValueError):
        return set()


def remove_cgroup(group: Path | None) -> None:
    if group is not None:
        with contextlib.suppress(OSError):
            group.rmdir()


# ---- processes -----------------------------------------------------------------------------------------
def _process_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, session id) of every live process visible in /proc (zombies are dead already)."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if fields[0] not in ("Z", "X"):
            table[int(entry)] = (int(fields[1]), int(fields[3]))
    return table


def descendants(root: int, table: dict[int, tuple[int, int]]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, stack = set(), [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def kill_tree(root: int, group: Path | None, keep: Iterable[int] = ()) -> list[int]:
    """Kill ``root``, its descendants, its session, its cgroup and orphans adopted by this process (other
    than ``keep``); return the pids still alive afterwards (none, unless something outlived 5 s of tries)."""
    me, keep = os.getpid(), set(keep)
    survivors: set[int] = set()
    quiet = 0  # empty scans in a row: a process that changes its pid by forking is seen in a later one
    for _ in range(200):
        table = _process_table()
        victims = _cgroup_pids(group) | descendants(root, table)
        victims |= {pid for pid, (_, sid) in table.items() if sid == root}
        victims |= {pid for pid, (ppid, _) in table.items() if ppid == me and pid not in keep}
        if root in table:
            victims.add(root)
        victims -= keep | {me}
        if not victims:
            quiet += 1
            if quiet >= 5:
                return []
            time.sleep(0.02)
            continue
        quiet = 0
        for pid in victims:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        for pid in victims:
            if table.get(pid, (0, 0))[0] == me and pid != root:
                with contextlib.suppress(ChildProcessError, OSError):
                    os.waitpid(pid, os.WNOHANG)
        survivors = victims
        time.sleep(0.05)
    return sorted(survivors)


class OutputCapture:
    """Read a child's output in a thread: keep the first ``cap`` bytes and a short tail, count the rest."""

    def __init__(self, stream, cap: int = OUTPUT_CAP):
        self.stream, self.cap = stream, cap
        self.kept = bytearray()
        self.tail = bytearray()
        self.dropped = 0
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while True:
            chunk = self.stream.read1(65536) if hasattr(self.stream, "read1") else self.stream.read(65536)
            if not chunk:
                return
            room = self.cap - len(self.kept)
            if room > 0:
                self.kept += chunk[:room]
            self.dropped += max(len(chunk) - max(room, 0), 0)
            self.tail = (self.tail + chunk)[-TAIL_BYTES:]

    def finish(self, timeout: float = 2.0) -> None:
        self.thread.join(timeout)

    def tail_text(self, lines: int = 3) -> str:
        text = self.tail.decode("utf-8", errors="replace").strip().splitlines()[-lines:]
        return " | ".join(line.strip()[:160] for line in text)


# ---- the command ---------------------------------------------------------------------------------------
def child_environment(home: str) -> dict[str, str]:
    """The variables a child gets: enough to run Python and TensorFlow quietly, no teacher's settings."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": home,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "NST_MODE": "quick",
        "CUDA_VISIBLE_DEVICES": "",
    }


def _contains(parent: Path, child: Path) -> bool:
    return child == parent or parent in child.parents


#: What a child in bubblewrap sees of the machine besides Python itself: the system's programs and libraries,
#: and the few files under /etc that they read. Everything else (home folders, /work, /srv, other clones of
#: the book, the submissions, the gradebook) is simply absent.
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32", "/sys")
SYSTEM_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/alternatives",
    "/etc/fonts",
)


def _bwrap_arguments(env: dict[str, str], as_root: bool) -> list[str]:
    import nst_helpers

    package = Path(nst_helpers.__file__).resolve().parent
    needed = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), package}
    needed |= {Path(p).resolve() for p in sys.path if p and Path(p).is_dir() and "site-packages" in p}
    args = ["bwrap"]
    args += [a for p in SYSTEM_PATHS + SYSTEM_FILES for a in ("--ro-bind-try", p, p)]
    args += ["--dev", "/dev", "--size", str(TMP_SIZE), "--tmpfs", "/dev/shm", "--proc", "/proc"]
    args += ["--size", str(TMP_SIZE), "--tmpfs", "/tmp"]
    args += [
        a
        for n in sorted(needed)
        if not any(_contains(Path(p), n) for p in SYSTEM_PATHS)
        for a in ("--ro-bind", str(n), str(n))
    ]
    # inside nst_helpers: the modules that compute what the exercises ask for, and compiled copies of them
    blocked = [package / name for name in HIDDEN_MODULES] + list(package.rglob("__pycache__"))
    for path in blocked:
        if path.is_dir():
            args += ["--tmpfs", str(path)]
        elif path.is_file():
            args += ["--ro-bind", "/dev/null", str(path)]
    args += ["--chdir", "/tmp"]
    if as_root:  # no user namespace (it could not read root's files); capabilities dropped instead
        args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
        args += ["--cap-drop", "ALL"]
    else:
        args += ["--unshare-all"]
    args += ["--die-with-parent", "--new-session", "--clearenv"]
    args += [a for key, value in env.items() for a in ("--setenv", key, value)]
    return args + ["--"]


@dataclass
class ChildCommand:
    argv: list[str]
    env: dict[str, str]
    cwd: str
    group: Path | None
    memory_group: Path | None = None


def child_command(
    kind: str,
    scratch: Path,
    runner: list[str],
    limits: Limits,
) -> ChildCommand:
    """The command line that runs ``runner`` contained at level ``kind`` (``bwrap`` or ``none``)."""
    root = os.geteuid() == 0
    processes = limits.processes
    if not root:  # the limit counts every process of the user: leave room for the ones already running
        processes += sum(1 for _ in _user_tasks(os.getuid()))
    prefix: list[str] = []
    group = make_cgroup(limits.processes) if root else None
    memory = make_memory_cgroup(limits.memory_bytes) if root else None
    groups = [g for g in (group, memory) if g is not None]
    if groups:
        join = " && ".join(f'echo $$ > "{g}/cgroup.procs"' for g in groups)
        prefix = ["sh", "-c", join + ' && exec "$@"', "sh"]
    prefix += [
        "prlimit",
        f"--fsize={limits.file_bytes}",
        f"--as={limits.memory_bytes}",
        f"--cpu={limits.cpu_seconds}",
        f"--nproc={processes}",
        "--core=0",
        "--",
    ]
    if kind == "bwrap":
        env = child_environment("/tmp")
        bwrap = _bwrap_arguments(env, as_root=root)
        return ChildCommand(prefix + bwrap + runner, env, str(scratch), group, memory)
    return ChildCommand(prefix + pid_namespace() + runner, child_environment(str(scratch)), str(scratch), group, memory)


@lru_cache(maxsize=1)
def pid_namespace() -> list[str]:
    """For ``--sandbox none``: util-linux's ``unshare`` giving the child a PID namespace of its own, so that
    all its processes die with it, where that works here; else nothing (the clean-up by scanning remains)."""
    if shutil.which("unshare") is None:
        return []
    command = ["unshare", "--pid", "--fork", "--kill-child"]
    if os.geteuid() != 0:
        command[1:1] = ["--user", "--map-root-user"]
    try:
        if subprocess.run(command + ["true"], capture_output=True, timeout=20).returncode == 0:
            return command
    except (OSError, subprocess.TimeoutExpired):
        pass
    return []


def _user_tasks(uid: int) -> Iterator[int]:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    yield from (int(t) for t in os.listdir(f"/proc/{entry}/task"))
            except OSError:
                continue
