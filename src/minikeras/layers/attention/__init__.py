"""Attention layers: dot-product and additive attention, multi-head attention."""
