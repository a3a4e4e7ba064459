"""host.use_every_core: the CPU split into devices, which is fixed when jax starts (so each case runs
in a fresh process)."""

import os
import subprocess
import sys

import pytest

from identity_jax.training import host


def devices_after(code: str, **env) -> str:
  full = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "JAX_NUM_CPU_DEVICES")}
  out = subprocess.run([sys.executable, "-c", "import jax\nfrom identity_jax.training import host\n" + code +
                        "\nprint('devices', jax.device_count(), jax.default_backend())"],
                       env=dict(full, JAX_PLATFORMS="cpu", **env), capture_output=True, text=True,
                       timeout=120)
  assert out.returncode == 0, out.stderr
  return out.stdout + out.stderr


def test_splits_the_cpu_before_jax_starts():
  assert "asked 3" in devices_after("print('asked', host.use_every_core(3))")
  assert "devices 3 cpu" in devices_after("host.use_every_core(3)")
  cores = len(os.sched_getaffinity(0))
  assert f"devices {cores} cpu" in devices_after("host.use_every_core()")


def test_keeps_a_count_the_user_set():
  out = devices_after("print('asked', host.use_every_core(3))",
                      XLA_FLAGS="--xla_force_host_platform_device_count=2")
  assert "asked 0" in out and "devices 2 cpu" in out
  out = devices_after("print('asked', host.use_every_core(3))", JAX_NUM_CPU_DEVICES="4")
  assert "asked 0" in out and "devices 4 cpu" in out


def test_after_jax_started_it_only_warns():
  out = devices_after("jax.numpy.zeros(1).block_until_ready()\n"
                      "print('asked', host.use_every_core(3))")
  assert "asked 0" in out and "devices 1 cpu" in out and "use_every_core() before" in out


def test_negative_count_is_refused():
  with pytest.raises(ValueError, match="count = -1"):
    host.use_every_core(-1)
