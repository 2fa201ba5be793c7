"""Speed-layer apps: one SpeedModelManager per Oryx 2 app, named in oryx.speed.model-manager-class."""
