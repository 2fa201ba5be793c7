"""The generic (lambda) tier of the batch layer: input windows, history, retention, publication, automation."""
