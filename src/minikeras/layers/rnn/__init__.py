"""Recurrent layers: the cells, `RNN` that runs one over a sequence, and the wrappers."""
