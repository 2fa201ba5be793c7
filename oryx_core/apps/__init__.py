"""App-tier code shared by more than one layer: model math, formats and the app defaults."""
