"""The message router's model: its data, training, artefact and the judge the engine asks."""
