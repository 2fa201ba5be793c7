"""Speed layer: a long-running Structured Streaming query turning new input into UP updates (Oryx 2 speed)."""
