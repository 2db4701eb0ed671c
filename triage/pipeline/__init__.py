"""Preprocess -> embed once -> heads and detectors -> prediction."""
