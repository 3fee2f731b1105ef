import subprocess
import sys

import pytest

from sk_consae import cli
from sk_consae.reproduce import Settings


def test_missing_mnist_fails_with_one_line_and_status_1(capsys, tmp_path):
    assert cli.main(["reproduce", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["sk-consae: error: the full reproduction needs --mnist DIR (or use --quick)"]


def test_unreadable_mnist_folder_fails_cleanly(capsys, tmp_path):
    assert (
        cli.main(["reproduce", "--mnist", str(tmp_path / "nowhere"), "--out", str(tmp_path)]) == 1
    )
    assert "is not a folder" in capsys.readouterr().err


def test_cuda_without_gpu_is_refused(capsys, tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    assert cli.main(["reproduce", "--quick", "--device", "cuda", "--out", str(tmp_path)]) == 1
    assert "torch sees no GPU" in capsys.readouterr().err


def test_usage_errors_exit_with_status_2():
    result = subprocess.run(
        [sys.executable, "-m", "sk_consae", "reproduce", "--device", "tpu"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_quick_run_writes_the_report(tmp_path, monkeypatch):
    # The real quick settings take about a minute; the same pipeline at toy sizes.
    tiny = Settings(8, 2, 20, 2, "adam", None, 10, 2, 8, 200, 2)
    monkeypatch.setattr(Settings, "quick", classmethod(lambda cls: tiny))
    assert cli.main(["reproduce", "--quick", "--out", str(tmp_path)]) == 0
    report = (tmp_path / "report.md").read_text()
    for heading in ("Table 1", "Fig. 2", "Fig. 3", "Fig. 4", "Table 2"):
        assert heading in report
    assert "paper 95.9%" in report and "paper 0.9968" in report
    for figure in ("fig2_symmetricity.png", "fig3_curl.png", "fig4_spiral_sink.png"):
        assert (tmp_path / figure).stat().st_size > 10_000
