"""Training: the optimizer, the jit-compiled train step over vmapped seeds, and the host-side loop around it."""
