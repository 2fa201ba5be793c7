"""The random-decision-forest demo: Iris or diabetes through the running stack (``demo.py``), and their lines."""
