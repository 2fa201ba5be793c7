"""Linear (ridge) regression shared by the batch, speed and serving layers: the fourth app, kept small as the
README's "Write your own app" example.

* ``examples``: the input schema's rules for this app and input lines to feature vectors and targets.
* ``model``: the coefficients, their prediction, and the mergeable sufficient statistics a ridge fit solves.
* ``pmml``: the model as a PMML ``RegressionModel`` and back.
* ``config_rules`` / ``reference.conf`` / ``registration``: the app's keys, defaults and its registration.
"""
