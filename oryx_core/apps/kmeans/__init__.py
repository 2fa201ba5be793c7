"""k-means model math and formats shared by the batch, speed and serving layers (Oryx 2's ``oryx-app-common``).

``clusters`` holds the model and its one distance rule, ``evaluation`` the four quality metrics, ``pmml`` the
``ClusteringModel`` codec and ``messages`` the ``UP`` format. Keeping them here means the layers cannot disagree
about which cluster a point belongs to.
"""
