"""manage.py itself: how a command ends when what reads its output goes away."""

import os
import subprocess
import sys
from pathlib import Path


def test_a_reader_that_stops_early_ends_a_command_quietly(tmp_path):
    """`manage.py verify_report r.pdf | head -1`: the pipe closes before the command has
    written everything; it ends with SIGPIPE's status, without a traceback."""
    read, write = os.pipe()
    os.close(read)  # the reader has gone
    root = Path(__file__).resolve().parent.parent
    try:
        result = subprocess.run(
            [sys.executable, str(root / "manage.py"), "verify_report", str(tmp_path / "no.pdf")],
            stdout=write, stderr=subprocess.PIPE, text=True, cwd=root,
            env={**os.environ, "VAR_DIR": str(tmp_path)}, timeout=60)
    finally:
        os.close(write)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 141


def test_another_broken_pipe_is_reported(tmp_path):
    """Only standard output's reader going away ends quietly: a pipe or socket of the
    command's own that breaks is an error, with its traceback and a failing status."""
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, str(root / "manage.py"), "shell", "-c", "raise BrokenPipeError(32, 'x')"],
        capture_output=True, text=True, cwd=root, env={**os.environ, "VAR_DIR": str(tmp_path)},
        timeout=60)
    assert "BrokenPipeError" in result.stderr and "Traceback" in result.stderr
    assert result.returncode == 1
