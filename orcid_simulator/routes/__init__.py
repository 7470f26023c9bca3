"""The simulator's request handlers, one module per job, mixed into `SimulatorApp`."""
