"""The synthetic district for demonstrations and the benchmark (synthetic data only)."""
