"""Core layers (Keras' `layers/core` family)."""
