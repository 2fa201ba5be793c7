"""The linear regression demo: synthetic examples with known coefficients (``data.py``) through the running stack
(``demo.py``)."""
