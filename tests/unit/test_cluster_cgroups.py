"""The cluster's cgroup handling on made-up cgroup trees in tmp_path (fakes of the kernel's
cgroup filesystems; the real v1 host is exercised by tests/cluster, a real v2 host by
pr.yml's cluster job only).

`FakeCgroup2` plays the kernel for a cgroup2 tree: it applies the rules `cgroups.delegate`
depends on (a controller enabled in subtree_control only when the cgroup is offered it; no
internal processes in a non-root cgroup that enables controllers; a new cgroup offered what
its parent enables) and logs every write and mkdir in order. No real process is signalled:
os.kill is replaced wherever a kill could happen.
"""

import errno
import os
import shutil
from pathlib import Path

import pytest

from devstack.cluster import cgroups
from devstack.cluster.hostcheck import Host, missing_kernel_features
from devstack.errors import StackError

SYSTEMD_ROOT_OFFERS = "cpuset cpu io memory hugetlb pids rdma misc"
SYSTEMD_ROOT_ENABLES = "cpu io memory pids"  # hugetlb and cpuset left out, as systemd does
KUBELET_NEEDS = {"cpu", "cpuset", "memory", "hugetlb", "pids"}


def _words(path: Path) -> list[str]:
    return path.read_text().split()


class FakeCgroup2:
    def __init__(
        self,
        root: Path,
        offered: str = SYSTEMD_ROOT_OFFERS,
        enabled: str = SYSTEMD_ROOT_ENABLES,
        procs: tuple[int, ...] = (),
        namespaced: bool = False,
        unmovable: tuple[int, ...] = (),
        kill_file: bool = True,
    ) -> None:
        self.root, self.unmovable, self.kill_file = root, set(unmovable), kill_file
        self.log: list[tuple[str, ...]] = []
        root.mkdir()
        (root / "cgroup.controllers").write_text(offered + "\n")
        (root / "cgroup.subtree_control").write_text(enabled + "\n")
        (root / "cgroup.procs").write_text("".join(f"{p}\n" for p in procs))
        if namespaced:  # a cgroup namespace's top is a non-root cgroup: it has these
            (root / "cgroup.type").write_text("domain\n")
            (root / "cgroup.kill").write_text("")

    def install(self, monkeypatch: pytest.MonkeyPatch) -> "FakeCgroup2":
        monkeypatch.setattr(cgroups, "_write", self.write)
        monkeypatch.setattr(cgroups, "_mkdir", self.mkdir)
        monkeypatch.setattr(cgroups, "_rmdir", self.rmdir)
        return self

    def rel(self, cgroup: Path) -> str:
        return "/" + str(cgroup.relative_to(self.root)).removeprefix(".")

    def cgroups(self) -> list[Path]:
        return [self.root, *sorted(p for p in self.root.rglob("*") if p.is_dir())]

    def procs(self, cgroup: Path) -> list[int]:
        return [int(p) for p in _words(cgroup / "cgroup.procs")]

    def _set_procs(self, cgroup: Path, pids: list[int]) -> None:
        (cgroup / "cgroup.procs").write_text("".join(f"{p}\n" for p in pids))

    def mkdir(self, path: Path) -> None:
        assert (path.parent / "cgroup.procs").exists(), f"mkdir outside a cgroup: {path}"
        path.mkdir()
        self.log.append(("mkdir", self.rel(path)))
        offered = (path.parent / "cgroup.subtree_control").read_text()
        (path / "cgroup.controllers").write_text(offered)
        (path / "cgroup.subtree_control").write_text("")
        (path / "cgroup.procs").write_text("")
        (path / "cgroup.type").write_text("domain\n")
        if "cpuset" in _words(path / "cgroup.controllers"):
            # Empty means "the parent's" on v2; the root has no cpuset.cpus to copy from.
            (path / "cpuset.cpus").write_text("")
            (path / "cpuset.mems").write_text("")
        if self.kill_file:
            (path / "cgroup.kill").write_text("")

    def rmdir(self, path: Path) -> None:
        if self.procs(path) or any(p.is_dir() for p in path.iterdir()):
            raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(path))
        shutil.rmtree(path)
        self.log.append(("rmdir", self.rel(path)))

    def write(self, path: Path, text: str) -> None:
        cgroup, name = path.parent, path.name
        self.log.append(("write", self.rel(cgroup), name, text))
        if name == "cgroup.subtree_control":
            self._subtree_control(cgroup, text)
        elif name == "cgroup.procs":
            self._move(cgroup, int(text))
        elif name == "cgroup.kill":
            for below in [cgroup, *(p for p in cgroup.rglob("*") if p.is_dir())]:
                self._set_procs(below, [])
        else:
            raise AssertionError(f"a cgroup v2 tree has no use for writing {name} ({path})")

    def _subtree_control(self, cgroup: Path, text: str) -> None:
        assert text.startswith("+") and " " not in text, f"one +controller per write: {text!r}"
        controller = text[1:]
        if controller not in _words(cgroup / "cgroup.controllers"):
            raise OSError(errno.ENOENT, os.strerror(errno.ENOENT), str(cgroup))
        if cgroup != self.root or (cgroup / "cgroup.type").exists():
            if self.procs(cgroup):  # no internal processes (the real root is exempt)
                raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(cgroup))
        enabled = _words(cgroup / "cgroup.subtree_control")
        if controller not in enabled:
            enabled.append(controller)
        (cgroup / "cgroup.subtree_control").write_text(" ".join(enabled) + "\n")
        for child in (p for p in cgroup.iterdir() if p.is_dir()):
            (child / "cgroup.controllers").write_text(" ".join(enabled) + "\n")

    def _move(self, dest: Path, pid: int) -> None:
        if pid in self.unmovable:
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL), str(dest))
        if dest != self.root and _words(dest / "cgroup.subtree_control"):
            raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(dest))
        for cgroup in self.cgroups():
            if pid in (held := self.procs(cgroup)):
                self._set_procs(cgroup, [p for p in held if p != pid])
        self._set_procs(dest, [*self.procs(dest), pid])

    def internal_processes(self) -> list[str]:
        """Non-root cgroups that hold processes and hand controllers to children: what
        the kernel forbids."""
        found = []
        for cgroup in self.cgroups():
            if cgroup == self.root and not (cgroup / "cgroup.type").exists():
                continue
            if self.procs(cgroup) and _words(cgroup / "cgroup.subtree_control"):
                found.append(self.rel(cgroup))
        return found

    def writes(self, name: str) -> list[tuple[str, str]]:
        return [(e[1], e[3]) for e in self.log if e[0] == "write" and e[2] == name]


@pytest.fixture
def no_kill(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Fake pids must never reach the real kill(2)."""
    sent: list[int] = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: sent.append(pid))
    return sent


def test_a_systemd_root_gets_the_kubelets_controllers_top_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeCgroup2(tmp_path / "cg", procs=(1, 312)).install(monkeypatch)
    handed = cgroups.delegate(fake.root)
    assert fake.writes("cgroup.subtree_control") == [
        ("/", "+cpuset"),  # only what the root lacks, parent first ...
        ("/", "+hugetlb"),
        ("/todo-cluster", "+cpuset"),  # ... then /todo-cluster, once it exists
        ("/todo-cluster", "+cpu"),
        ("/todo-cluster", "+memory"),
        ("/todo-cluster", "+hugetlb"),
        ("/todo-cluster", "+pids"),
        ("/todo-cluster", "+io"),
    ]
    assert fake.log.index(("mkdir", "/todo-cluster")) < fake.log.index(
        ("write", "/todo-cluster", "cgroup.subtree_control", "+cpuset")
    )
    # The real root is exempt from the no-internal-process rule: the host's processes stay.
    assert fake.procs(fake.root) == [1, 312] and fake.writes("cgroup.procs") == []
    # What the kubelet validates at start: its cgroupRoot is offered all it uses.
    assert KUBELET_NEEDS <= set(_words(fake.root / "todo-cluster/cgroup.controllers"))
    assert set(handed) == KUBELET_NEEDS | {"io"}  # never rdma or misc


def test_a_namespaced_top_is_emptied_into_init_before_any_controller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeCgroup2(tmp_path / "cg", enabled="", procs=(1, 57, 58), namespaced=True)
    fake.install(monkeypatch)
    cgroups.delegate(fake.root)
    first_enable = next(i for i, e in enumerate(fake.log) if e[2:3] == ("cgroup.subtree_control",))
    moves = [i for i, e in enumerate(fake.log) if e[2:3] == ("cgroup.procs",)]
    assert len(moves) == 3 and max(moves) < first_enable
    assert fake.procs(fake.root) == [] and fake.procs(fake.root / "init") == [1, 57, 58]
    assert fake.internal_processes() == []
    assert KUBELET_NEEDS <= set(_words(fake.root / "todo-cluster/cgroup.controllers"))


def test_a_process_left_in_todo_cluster_itself_moves_to_the_system_leaf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeCgroup2(tmp_path / "cg").install(monkeypatch)
    fake.mkdir(fake.root / "todo-cluster")
    fake._set_procs(fake.root / "todo-cluster", [900])
    cgroups.delegate(fake.root)
    assert fake.procs(fake.root / "todo-cluster") == []
    assert fake.procs(fake.root / "todo-cluster/system") == [900]
    assert fake.internal_processes() == []


def test_daemons_and_pods_fit_the_delegated_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """join (a daemon) and then what the kubelet's runc does for kubepods: the kernel's
    rules hold at each step, and no daemon's write touches anything but cgroup.procs."""
    fake = FakeCgroup2(tmp_path / "cg").install(monkeypatch)
    cgroups.delegate(fake.root)
    before = len(fake.log)
    cgroups.join("system", fake.root)
    assert fake.log[before:] == [
        ("write", "/todo-cluster/system", "cgroup.procs", str(os.getpid()))
    ]
    kubepods = fake.root / "todo-cluster/kubepods"
    fake.mkdir(kubepods)
    for controller in sorted(KUBELET_NEEDS):
        fake.write(kubepods / "cgroup.subtree_control", f"+{controller}")
    fake.mkdir(kubepods / "besteffort")
    assert KUBELET_NEEDS <= set(_words(kubepods / "besteffort/cgroup.controllers"))
    assert fake.internal_processes() == []


def test_delegating_again_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeCgroup2(tmp_path / "cg", namespaced=True, procs=(1,)).install(monkeypatch)
    first = cgroups.delegate(fake.root)
    cgroups.join("system", fake.root)
    before = len(fake.log)
    assert cgroups.delegate(fake.root) == first
    assert fake.log[before:] == []


def test_only_what_the_top_offers_is_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeCgroup2(tmp_path / "cg", offered="cpu memory pids", enabled="")
    fake.install(monkeypatch)
    assert cgroups.delegate(fake.root) == ["cpu", "memory", "pids"]
    asked = {c for _, c in fake.writes("cgroup.subtree_control")}
    assert asked == {"+cpu", "+memory", "+pids"}


def test_a_controller_that_cannot_be_enabled_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A process that will not move (a kernel thread would not) keeps the namespaced top busy.
    fake = FakeCgroup2(tmp_path / "cg", enabled="", procs=(2, 40), namespaced=True, unmovable=(2,))
    fake.install(monkeypatch)
    with pytest.raises(StackError) as raised:
        cgroups.delegate(fake.root)
    message = str(raised.value)
    assert f"{fake.root / 'cgroup.subtree_control'}" in message
    assert "'hugetlb': Device or resource busy" in message
    assert "[2]" in message  # the process left behind
    assert not (fake.root / "todo-cluster").exists() or fake.internal_processes() == []


def test_kill_all_on_v2_uses_cgroup_kill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_kill: list[int]
) -> None:
    fake = FakeCgroup2(tmp_path / "cg").install(monkeypatch)
    cgroups.delegate(fake.root)
    fake._set_procs(fake.root / "todo-cluster/system", [501, 502])
    fake.mkdir(fake.root / "todo-cluster/kubepods")
    fake._set_procs(fake.root / "todo-cluster/kubepods", [503])
    assert cgroups.kill_all(timeout=2, cgroup_fs=fake.root) == 3
    assert fake.writes("cgroup.kill") == [("/todo-cluster", "1")]
    assert no_kill == [] and cgroups.pids(fake.root) == set()


def test_kill_all_without_cgroup_kill_signals_each_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kernels before 5.14 have no cgroup.kill: SIGKILL one by one, as on v1."""
    fake = FakeCgroup2(tmp_path / "cg", kill_file=False).install(monkeypatch)
    cgroups.delegate(fake.root)
    fake._set_procs(fake.root / "todo-cluster/system", [601, 0])
    sent: list[int] = []

    def kill(pid: int, sig: int) -> None:  # the fake kernel's process dies at once
        sent.append(pid)
        fake._set_procs(fake.root / "todo-cluster/system", [])

    monkeypatch.setattr(os, "kill", kill)
    assert cgroups.kill_all(timeout=2, cgroup_fs=fake.root) == 1
    assert sent == [601]  # never 0: kill(0) would be our own process group


def test_remove_takes_the_tree_leaves_first_and_leaves_the_top_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeCgroup2(tmp_path / "cg", namespaced=True, procs=(1,)).install(monkeypatch)
    cgroups.delegate(fake.root)
    fake.mkdir(fake.root / "todo-cluster/kubepods")
    fake.mkdir(fake.root / "todo-cluster/kubepods/burstable")
    cgroups.remove(fake.root)
    assert [e[1] for e in fake.log if e[0] == "rmdir"] == [
        "/todo-cluster/system",
        "/todo-cluster/kubepods/burstable",
        "/todo-cluster/kubepods",
        "/todo-cluster",
    ]
    assert fake.procs(fake.root / "init") == [1]


# --- cgroup v1 (this project's VMs): unchanged behaviour ----------------------------------


def _fake_v1(root: Path) -> Path:
    """cpuset and memory hierarchies plus the unified one a hybrid host (this VM) mounts."""
    for name in ("cpuset", "memory", "unified"):
        (root / name).mkdir(parents=True)
        (root / name / "cgroup.procs").write_text("")
    (root / "cpuset/cpuset.cpus").write_text("0-1\n")
    (root / "cpuset/cpuset.mems").write_text("0\n")
    (root / "unified/cgroup.controllers").write_text("")  # v2, but with no controllers
    return root


def _v1_mkdir(path: Path) -> None:
    path.mkdir()
    (path / "cgroup.procs").write_text("")
    if (path.parent / "cpuset.cpus").exists():
        (path / "cpuset.cpus").write_text("")  # a new v1 cpuset is empty until set
        (path / "cpuset.mems").write_text("")


def test_v1_join_fills_cpusets_and_joins_every_hierarchy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _fake_v1(tmp_path / "cg")
    monkeypatch.setattr(cgroups, "_mkdir", _v1_mkdir)
    assert cgroups.delegate(root) == []  # nothing to delegate on v1 ...
    assert not any((root / n / "todo-cluster").exists() for n in ("cpuset", "memory", "unified"))
    cgroups.join("system", root)
    for level in ("todo-cluster", "todo-cluster/system"):
        assert (root / "cpuset" / level / "cpuset.cpus").read_text() == "0-1\n"
        assert (root / "cpuset" / level / "cpuset.mems").read_text() == "0\n"
    for name in ("cpuset", "memory", "unified"):
        assert _words(root / name / "todo-cluster/system/cgroup.procs") == [str(os.getpid())]
    assert cgroups.pids(root) == {os.getpid()}


def test_v1_kill_all_signals_each_process_and_remove_empties(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _fake_v1(tmp_path / "cg")
    monkeypatch.setattr(cgroups, "_mkdir", _v1_mkdir)
    cgroups.join("system", root)
    procs = [root / n / "todo-cluster/system/cgroup.procs" for n in ("cpuset", "memory", "unified")]
    for path in procs:
        path.write_text("701\n")
    sent: list[int] = []

    def kill(pid: int, sig: int) -> None:
        sent.append(pid)
        for path in procs:
            path.write_text("")

    monkeypatch.setattr(os, "kill", kill)
    assert cgroups.kill_all(timeout=2, cgroup_fs=root) == 1
    assert sent == [701]
    removed: list[Path] = []
    monkeypatch.setattr(cgroups, "_rmdir", removed.append)
    cgroups.remove(root)
    assert removed[:2] == [root / "cpuset/todo-cluster/system", root / "cpuset/todo-cluster"]


def test_hostcheck_names_a_missing_v2_controller(tmp_path: Path) -> None:
    proc, cgroup_fs = tmp_path / "proc", tmp_path / "cgroup"
    (proc / "self/ns").mkdir(parents=True)
    (proc / "self/ns/net").write_text("")
    (proc / "filesystems").write_text("nodev\toverlay\n")
    (proc / "sys/net/bridge").mkdir(parents=True)
    (proc / "sys/net/bridge/bridge-nf-call-iptables").write_text("1")
    (proc / "net").mkdir()
    (proc / "net/ip_tables_matches").write_text("set\nphysdev\n")
    cgroup_fs.mkdir()
    (cgroup_fs / "cgroup.controllers").write_text("cpuset cpu io pids\n")
    missing = missing_kernel_features(Host(proc=proc, cgroup_fs=cgroup_fs))
    assert missing == [f"the cgroup v2 'memory' controller (not in {cgroup_fs}/cgroup.controllers)"]
