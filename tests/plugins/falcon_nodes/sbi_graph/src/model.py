"""A Gaussian simulator (x = z + noise) and a pass-through embedding for the falcon-sbi tests."""

import numpy as np
import torch


class Gaussian:
    """x = z + sigma * noise; with fail_after, the batch after that many raises (a failing run)."""

    def __init__(self, sigma: float = 0.1, fail_after: int = 0, slow: float = 0.0):
        self.sigma = sigma
        self.fail_after = fail_after
        self.slow = slow
        self.calls = 0

    def simulate_batch(self, batch_size, z):
        self.calls += 1
        if self.fail_after and self.calls > self.fail_after:
            raise RuntimeError("injected simulator failure (test)")
        if self.slow:
            import time

            time.sleep(self.slow)
        z = np.asarray(z)
        return z + np.random.default_rng().normal(0.0, self.sigma, z.shape)


class Identity(torch.nn.Module):
    """Hands x to the estimator unchanged."""

    def forward(self, x):
        return x
