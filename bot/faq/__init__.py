"""FAQ retrieval: the trained index over the FAQ entries (numpy, scipy, scikit-learn)."""
