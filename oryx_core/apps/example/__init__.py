"""The word-count example app's math, shared by its batch, speed and serving parts (Oryx 2's app/example)."""
