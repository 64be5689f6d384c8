"""Where `todo-web` finds rxconfig.py: in the image the package is installed in site-packages,
so the working directory (/app) is where the configuration is, not the package's parent."""

from pathlib import Path

import pytest

from todo_web.main import project_root


def test_the_working_directory_wins_when_it_has_rxconfig(tmp_path: Path) -> None:
    (tmp_path / "rxconfig.py").write_text("")
    assert project_root(tmp_path) == tmp_path


def test_the_checkout_is_used_otherwise(tmp_path: Path) -> None:
    root = project_root(tmp_path)
    assert (root / "rxconfig.py").is_file()
    assert root != tmp_path


def test_no_rxconfig_anywhere_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import todo_web.main as main

    monkeypatch.setattr(main, "__file__", str(tmp_path / "pkg" / "todo_web" / "main.py"))
    with pytest.raises(SystemExit, match="rxconfig.py"):
        project_root(tmp_path)
