"""The local cluster's pure host logic, on made-up /proc, /sys and mountinfo files (fakes of
the host's files; the real host is exercised by tests/cluster)."""

import subprocess
from pathlib import Path

from devstack.cluster import cleanup, configs, pki
from devstack.cluster.hostcheck import CGROUP_CONTROLLERS, Host, missing_kernel_features
from devstack.cluster.layout import Layout


def _fake_host(tmp_path: Path, overlay: bool = True, br_netfilter: bool = True) -> Host:
    proc, cgroup_fs = tmp_path / "proc", tmp_path / "cgroup"
    (proc / "self/ns").mkdir(parents=True)
    (proc / "self/ns/net").write_text("")
    (proc / "filesystems").write_text("nodev\tsysfs\n" + ("nodev\toverlay\n" if overlay else ""))
    (proc / "net").mkdir()
    (proc / "net/ip_tables_matches").write_text("set\nphysdev\nconntrack\n")
    if br_netfilter:
        (proc / "sys/net/bridge").mkdir(parents=True)
        (proc / "sys/net/bridge/bridge-nf-call-iptables").write_text("1")
    for controller in CGROUP_CONTROLLERS:
        (cgroup_fs / controller).mkdir(parents=True)
        (cgroup_fs / controller / "cgroup.procs").write_text("")
    return Host(proc=proc, cgroup_fs=cgroup_fs, modules=tmp_path / "modules")


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


def test_the_policy_controllers_matches_are_found_built_in_or_as_modules(tmp_path: Path) -> None:
    host = _fake_host(tmp_path)
    (host.proc / "net/ip_tables_matches").write_text("conntrack\n")
    missing = " | ".join(missing_kernel_features(host))
    assert "'set' match (xt_set)" in missing and "'physdev' match" in missing
    # Not loaded yet, but a module the kernel loads when iptables first asks for it.
    (host.proc / "sys/kernel").mkdir(parents=True)
    (host.proc / "sys/kernel/osrelease").write_text("6.1.0-test\n")
    dep = host.modules / "6.1.0-test" / "modules.dep"
    dep.parent.mkdir(parents=True)
    dep.write_text(
        "kernel/net/netfilter/xt_set.ko: kernel/net/netfilter/ipset/ip_set.ko\n"
        "kernel/net/bridge/netfilter/xt_physdev.ko:\n"
    )
    assert missing_kernel_features(host) == []


def test_a_client_added_since_the_pki_was_made_gets_its_certificate(tmp_path: Path) -> None:
    """A cluster's data outlives the code: a PKI made before kube-router had an identity
    gets its certificate and kubeconfig on the next start, the rest left as they were."""
    layout = Layout(root=tmp_path)
    pki.ensure(layout)
    ca = (layout.pki_dir / "ca.crt").read_bytes()
    (layout.pki_dir / "kube-router.crt").unlink()
    pki.ensure(layout)
    assert (layout.pki_dir / "ca.crt").read_bytes() == ca
    subject = subprocess.run(
        ["openssl", "x509", "-noout", "-subject", "-in", str(layout.pki_dir / "kube-router.crt")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "system:kube-router" in subject
    assert layout.kubeconfig("kube-router").exists()
