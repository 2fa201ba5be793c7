"""Input-line parsing shared by the batch, speed and serving layers.

Oryx 2 applies one parsing rule (JSON array or CSV) to every input line in every app; keeping it in one place
means a line the serving layer accepts is read the same way by the layers that learn from it.
"""
