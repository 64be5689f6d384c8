"""The cache key of a cluster part: it must change whenever an input of the build does, or a
stale binary would be taken for the pinned one."""

from pathlib import Path

from devstack.cluster.build import input_key


def _files(tmp_path: Path, **contents: str) -> list[Path]:
    paths = []
    for name, text in contents.items():
        path = tmp_path / name.replace("_", ".")
        path.write_text(text)
        paths.append(path)
    return paths


def test_same_inputs_give_the_same_key(tmp_path: Path) -> None:
    files = _files(tmp_path, go_mod="module a\n", go_sum="x h1:y\n")
    assert input_key(files, "v1", "-s -w") == input_key(files, "v1", "-s -w")


def test_a_changed_file_changes_the_key(tmp_path: Path) -> None:
    files = _files(tmp_path, go_mod="module a\n", go_sum="x h1:y\n")
    before = input_key(files, "v1")
    files[1].write_text("x h1:z\n")
    assert input_key(files, "v1") != before


def test_a_changed_setting_changes_the_key(tmp_path: Path) -> None:
    files = _files(tmp_path, go_mod="module a\n")
    assert input_key(files, "v1", "-tags a") != input_key(files, "v1", "-tags b")
    assert input_key(files, "v1") != input_key(files, "v2")


def test_content_moved_between_files_changes_the_key(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = _files(tmp_path / "a", go_mod="ab", go_sum="")
    b = _files(tmp_path / "b", go_mod="a", go_sum="b")
    assert input_key(a) != input_key(b)


def test_the_key_is_a_short_folder_name(tmp_path: Path) -> None:
    key = input_key(_files(tmp_path, go_mod="module a\n"), "v1")
    assert len(key) == 12
    assert key.isalnum()
