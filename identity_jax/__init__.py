"""identity_jax: "Identity Crisis" (Zhang et al., ICLR 2020) in JAX/Flax, over many seeds at once."""

__version__ = "0.1.0"
