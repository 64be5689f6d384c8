"""The local cluster's pure host logic, on made-up /proc, /sys and mountinfo files (fakes of
the host's files; the real host is exercised by tests/cluster)."""

from pathlib import Path

from devstack.cluster import cleanup, configs
from devstack.cluster.hostcheck import CGROUP_CONTROLLERS, Host, missing_kernel_features
from devstack.cluster.layout import Layout


def _fake_host(tmp_path: Path, overlay: bool = True, br_netfilter: bool = True) -> Host:
    proc, cgroup_fs = tmp_path / "proc", tmp_path / "cgroup"
    (proc / "self/ns").mkdir(parents=True)
    (proc / "self/ns/net").write_text("")
    (proc / "filesystems").write_text("nodev\tsysfs\n" + ("nodev\toverlay\n" if overlay else ""))
    if br_netfilter:
        (proc / "sys/net/bridge").mkdir(parents=True)
        (proc / "sys/net/bridge/bridge-nf-call-iptables").write_text("1")
    for controller in CGROUP_CONTROLLERS:
        (cgroup_fs / controller).mkdir(parents=True)
        (cgroup_fs / controller / "cgroup.procs").write_text("")
    return Host(proc=proc, cgroup_fs=cgroup_fs)


def test_a_complete_host_misses_nothing(tmp_path: Path) -> None:
    assert missing_kernel_features(_fake_host(tmp_path)) == []


def test_each_missing_feature_is_named(tmp_path: Path) -> None:
    host = _fake_host(tmp_path, overlay=False, br_netfilter=False)
    (host.cgroup_fs / "pids" / "cgroup.procs").unlink()
    missing = " | ".join(missing_kernel_features(host))
    assert "overlayfs" in missing
    assert "br_netfilter" in missing
    assert "'pids'" in missing


def test_a_cgroup_v2_host_needs_no_v1_hierarchies(tmp_path: Path) -> None:
    host = _fake_host(tmp_path)
    for controller in CGROUP_CONTROLLERS:
        (host.cgroup_fs / controller / "cgroup.procs").unlink()
    (host.cgroup_fs / "cgroup.controllers").write_text("cpu memory pids")
    assert missing_kernel_features(host) == []


MOUNTINFO = """\
22 1 0:21 / / rw - ext4 /dev/vda rw
90 22 0:50 / /var/lib/todo-cluster/containerd/state/netns/cni-1 rw - nsfs nsfs rw
91 22 0:51 / /var/lib/todo-cluster/kubelet/pods/p/volumes/secret\\040x rw - tmpfs tmpfs rw
92 91 0:52 / /var/lib/todo-cluster/kubelet/pods/p/volumes/secret\\040x/sub rw - tmpfs tmpfs rw
93 22 0:53 / /var/lib/todo-clusterish/other rw - tmpfs tmpfs rw
"""


def test_mounts_under_the_data_folder_deepest_first(tmp_path: Path) -> None:
    root = Path("/var/lib/todo-cluster")
    found = cleanup.mounts_under(root, MOUNTINFO)
    assert found[0] == root / "kubelet/pods/p/volumes/secret x/sub"
    assert set(found) == {
        root / "containerd/state/netns/cni-1",
        root / "kubelet/pods/p/volumes/secret x",
        root / "kubelet/pods/p/volumes/secret x/sub",
    }


def test_containerd_keeps_sandboxes_off_negative_oom_scores(tmp_path: Path) -> None:
    toml = configs.containerd_toml(Layout(root=tmp_path))
    assert "restrict_oom_score_adj = true" in toml
    assert f'root = "{tmp_path / "containerd" / "root"}"' in toml
