r"""A whole ConvNet's training gradient with and without biases, under each convolution form.

  python benchmarks/bias_forms.py [--layers=8 --channels=32 --seeds=8 --seconds=1]

Found by the `biases` study, whose 8-layer 32-channel cells trained at 190-210 seed-steps/s with
biases and 78-80 without (results/biases/log.txt). Prints milliseconds per compiled
vmap(value_and_grad) of the reconstruction loss on one 28x28 image, per form and with/without
biases, measured side by side, and the no-bias/bias ratio (> 1: slower without). Results:
benchmarks/RESULTS.md.
"""

import argparse

import jax
import jax.numpy as jnp
import timing

from identity_jax.models.convnet import ConvNet, ConvNetConfig


def step_ms(layers, channels, seeds, impl, use_bias, seconds):
  x = jax.random.normal(jax.random.key(0), (1, 28, 28))
  model = ConvNet(ConvNetConfig(num_layers=layers, channels=channels, use_bias=use_bias,
                                conv_impl=impl))
  params = jax.vmap(lambda k: model.init(k, x))(jax.random.split(jax.random.key(1), seeds))
  f = jax.jit(jax.vmap(jax.value_and_grad(lambda p: jnp.mean((model.apply(p, x) - x) ** 2))))
  return 1e3 / timing.calls_per_second(f, (params,), seconds)


def main():
  p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  p.add_argument("--layers", type=int, default=8)
  p.add_argument("--channels", type=int, default=32)
  p.add_argument("--seeds", type=int, default=8)
  p.add_argument("--seconds", type=float, default=1.0)
  args = p.parse_args()
  print(f"# jax {jax.__version__} {jax.default_backend()}, {jax.device_count()} devices; ConvNet "
        f"{args.layers}x{args.channels}, {args.seeds} seeds vmapped, one 28x28 image")
  print("form    bias_ms  nobias_ms  nobias/bias")
  for impl in ("auto", "matmul", "rows", "flipped", "xla"):
    b, n = (step_ms(args.layers, args.channels, args.seeds, impl, bias, args.seconds)
            for bias in (True, False))
    print(f"{impl:6s} {b:8.1f} {n:10.1f} {n / b:11.2f}x", flush=True)


if __name__ == "__main__":
  main()
