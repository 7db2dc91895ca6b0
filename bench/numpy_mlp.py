"""A hand-written numpy training loop for mnist_mlp: the ceiling for any numpy framework here.

No layers, no callbacks, no checks: every buffer is allocated once, every operation writes in
place, and the step does only what Keras' `fit` does per batch (shuffled gather, forward with
dropout, softmax crossentropy, backward, RMSprop, the running loss and accuracy). minikeras
cannot be faster than this loop; `bench_training.py` runs it beside minikeras and Keras so the
distance to the ceiling and the ceiling's distance to Keras are both measured.
"""

import numpy as np

from minikeras import backend

F = np.float32


class NumpyMLP:
    """784-512-512-10, relu, dropout 0.2, softmax; RMSprop(0.001, rho 0.9, epsilon 1e-7)."""

    def __init__(self, sizes=(784, 512, 512, 10), batch_size=128, rate=0.2, seed=0):
        rng = np.random.default_rng(seed)
        self.rng = rng
        self.batch_size = batch_size
        self.rate, self.scale = F(rate), F(1 / (1 - rate))
        pairs = list(zip(sizes, sizes[1:]))
        self.kernels = [
            (rng.random((n_in, n_out), dtype=F) - F(0.5)) * F(np.sqrt(24 / (n_in + n_out)))
            for n_in, n_out in pairs
        ]
        self.biases = [np.zeros(n_out, F) for _, n_out in pairs]
        self.params = [p for pair in zip(self.kernels, self.biases) for p in pair]
        self.grads = [np.empty_like(p) for p in self.params]
        self.velocities = [np.zeros_like(p) for p in self.params]
        self.scratch = [np.empty_like(p) for p in self.params]
        rows = batch_size
        self.x = np.empty((rows, sizes[0]), F)
        self.y = np.empty((rows, sizes[-1]), F)
        self.z = [np.empty((rows, n), F) for n in sizes[1:]]
        self.dropped = [np.empty((rows, n), F) for n in sizes[1:-1]]
        self.uniform = [np.empty((rows, n), F) for n in sizes[1:-1]]
        self.keep = [np.empty((rows, n), F) for n in sizes[1:-1]]
        self.delta = [np.empty((rows, n), F) for n in sizes[1:]]
        self.row_max = np.empty((rows, 1), F)

    def step(self, x, y, lap=None):
        """One RMSprop step on a batch of at most `batch_size` rows; returns (loss, number of
        correct predictions). `lap(piece)`, if given, is called as each piece of the step
        ends (`step_pieces.py` times them)."""
        lap = lap or _no_lap
        rows = len(x)
        kernels, biases = self.kernels, self.biases
        z, dropped = [a[:rows] for a in self.z], [a[:rows] for a in self.dropped]
        uniform, keep = [a[:rows] for a in self.uniform], [a[:rows] for a in self.keep]
        deltas = [a[:rows] for a in self.delta]
        inputs = x
        for layer in range(len(kernels)):
            np.matmul(inputs, kernels[layer], out=z[layer])
            z[layer] += biases[layer]
            lap("dense fwd")
            if layer < len(kernels) - 1:
                np.maximum(z[layer], F(0), out=z[layer])
                lap("relu fwd")
                self.rng.random(dtype=F, out=uniform[layer])
                np.greater_equal(uniform[layer], self.rate, out=keep[layer])
                keep[layer] *= self.scale
                np.multiply(z[layer], keep[layer], out=dropped[layer])
                lap("dropout fwd")
                inputs = dropped[layer]
        logits = z[-1]
        np.max(logits, axis=1, keepdims=True, out=self.row_max[:rows])
        logits -= self.row_max[:rows]
        np.exp(logits, out=logits)
        total = logits.sum(axis=1, keepdims=True)
        logits /= total
        lap("softmax fwd")
        loss = -np.log(np.maximum((logits * y).sum(axis=1), F(1e-7))).mean()
        correct = np.count_nonzero(logits.argmax(1) == y.argmax(1))
        lap("loss+metric")
        delta = np.subtract(logits, y, out=deltas[-1])
        delta *= F(1 / rows)
        lap("loss bwd")
        for layer in range(len(kernels) - 1, -1, -1):
            below = x if layer == 0 else dropped[layer - 1]
            np.matmul(below.T, delta, out=self.grads[2 * layer])
            np.sum(delta, axis=0, out=self.grads[2 * layer + 1])
            if layer:
                upstream = np.matmul(delta, kernels[layer].T, out=deltas[layer - 1])
                lap("dense bwd")
                upstream *= keep[layer - 1]
                lap("dropout bwd")
                upstream *= z[layer - 1] > 0
                lap("relu bwd")
                delta = upstream
        lap("dense bwd")
        for param, grad, velocity, scratch in zip(
            self.params, self.grads, self.velocities, self.scratch
        ):
            velocity *= F(0.9)
            velocity += np.multiply(np.square(grad, out=scratch), F(0.1), out=scratch)
            np.add(velocity, F(1e-7), out=scratch)
            np.sqrt(scratch, out=scratch)
            np.divide(grad, scratch, out=scratch)
            scratch *= F(0.001)
            param -= scratch
        lap("optimizer")
        return float(loss), correct

    def epoch(self, x, y, lap=None):
        """One shuffled pass over the rows; returns (mean loss, accuracy). `lap` as for
        `step`, also called after each batch's gather."""
        lap = lap or _no_lap
        size = self.batch_size
        order = self.rng.permutation(len(x))
        losses, correct, seen = 0.0, 0, 0
        with backend.blas_threads(backend.blas_threads_for(size, 512)):
            for start in range(0, len(x), size):
                index = order[start:start + size]
                rows = len(index)
                batch_x, batch_y = self.x[:rows], self.y[:rows]
                np.take(x, index, axis=0, out=batch_x)
                np.take(y, index, axis=0, out=batch_y)
                lap("gather")
                loss, hits = self.step(batch_x, batch_y, lap)
                losses += loss * rows
                correct += hits
                seen += rows
        return losses / seen, correct / seen


def _no_lap(piece):
    pass
