"""The ML tier's shared pieces (Oryx 2's oryx-ml): hyperparameter value syntax and search, and PMML I/O.

``hyperparams`` turns ``oryx.<app>.hyperparams.*`` values into candidate combinations for the batch layer;
``pmml`` reads and writes the PMML models that every layer exchanges over the update topic.
"""
