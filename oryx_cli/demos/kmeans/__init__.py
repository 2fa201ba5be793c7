"""The k-means demo: Fisher's Iris through the running stack (``demo.py``), and the Iris input lines."""
