"""The ALS demo: MovieLens ratings through the running stack (``demo.py``), and the ratings as input lines."""
