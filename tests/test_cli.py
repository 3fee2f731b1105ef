import subprocess
import sys

from sk_consae import cli


def test_missing_mnist_fails_with_one_line_and_status_1(capsys, tmp_path):
    assert cli.main(["reproduce", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["sk-consae: error: the full reproduction needs --mnist DIR (or use --quick)"]


def test_unreadable_mnist_folder_fails_cleanly(capsys, tmp_path):
    assert (
        cli.main(["reproduce", "--mnist", str(tmp_path / "nowhere"), "--out", str(tmp_path)]) == 1
    )
    assert "is not a folder" in capsys.readouterr().err


def test_cuda_without_gpu_is_refused(capsys, tmp_path, no_gpu):
    assert cli.main(["reproduce", "--quick", "--device", "cuda", "--out", str(tmp_path)]) == 1
    assert "torch sees no GPU" in capsys.readouterr().err


def test_cuda_with_a_gpu_passes_the_check_and_reaches_the_run(tmp_path, one_gpu, monkeypatch):
    import sk_consae.paper

    calls = []
    monkeypatch.setattr(sk_consae.paper, "run", lambda *args, **kwargs: calls.append(kwargs))
    assert cli.main(["reproduce", "--quick", "--device", "cuda", "--out", str(tmp_path)]) == 0
    assert calls[0]["device"] == "cuda"


def test_usage_errors_exit_with_status_2():
    result = subprocess.run(
        [sys.executable, "-m", "sk_consae", "reproduce", "--device", "tpu"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "invalid choice" in result.stderr
